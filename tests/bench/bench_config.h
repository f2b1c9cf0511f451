#pragma once

#include <string>
#include <vector>

namespace safeshare::bench {

// One agency of the bench partnership (the six of config/broker.yaml).
struct BenchAgency {
  std::string id;    // also the name of its certificate in the PKI directory
  std::string role;  // broker config role
};

// One publishing agency and the type it publishes, with the recipients the
// bench's sharing table routes that type to.
struct Flow {
  std::string publisher;                // agency id
  std::string type;                     // payload oneof name
  std::vector<std::string> recipients;  // agency ids, exactly `fanout` of them
};

const std::vector<BenchAgency>& BenchAgencies();

// The three flows (police investigation_outcome, cfs strategy_minutes,
// probation probation_risk_update), each routed to its first `fanout`
// recipients. REQUIRES: 1 <= fanout <= 3.
std::vector<Flow> BenchFlows(int fanout);

// Every agency that receives some flow, without repeats, in a stable order.
std::vector<std::string> RecipientsOf(const std::vector<Flow>& flows);

// The bench's one agreement: each flow's publisher may publish its type,
// and one `always` rule per flow shares it with exactly its recipients,
// withholding nothing (so fan-out shares one stored copy, as in production
// for recipients that see the same view).
std::string AgreementYaml(const std::vector<Flow>& flows);

// The broker's store section: the SQLite file "{STORE}" (BrokerProcess
// fills it in), or, when `postgres_dsn` is given, that database with its
// password file and the broker's own files in its directory's `state`.
std::string StoreYaml(const std::string& postgres_dsn = "", const std::string& password_file = "");

// Broker YAML for BrokerProcess: the six agencies, the agreements in
// `agreements_dir` (absolute) and `store_yaml`. Uses the "{PKI}" (and, for
// SQLite, "{STORE}") placeholders; logging as in production (JSON, info).
std::string BrokerYaml(const std::string& agreements_dir,
                       const std::string& store_yaml = StoreYaml());

}  // namespace safeshare::bench
