#include "tests/bench/bench_config.h"

#include <algorithm>
#include <sstream>

namespace safeshare::bench {
namespace {

std::string RoleOf(const std::string& agency) {
  for (const auto& a : BenchAgencies()) {
    if (a.id == agency) return a.role;
  }
  return "";
}

std::string RoleList(const std::vector<std::string>& agencies) {
  std::string out;
  for (const auto& agency : agencies) out += (out.empty() ? "" : ", ") + RoleOf(agency);
  return "[" + out + "]";
}

}  // namespace

std::string AgreementYaml(const std::vector<Flow>& flows) {
  std::ostringstream yaml;
  yaml << "# safeshare-bench: written by tests/bench/bench_config.cc\n"
       << "id: BENCH\ntitle: Benchmark flows\nversion: \"1\"\n"
       << "parties: [police, childrens_social_care, probation, health, education, "
          "information_governance]\n"
       << "lawful_basis: public_task_safeguarding\nreview_date: 2099-01-01\npublish:\n";
  for (const auto& flow : flows) {
    yaml << "  " << RoleOf(flow.publisher) << ": [" << flow.type << "]\n";
  }
  yaml << "rules:\n";
  int number = 1;
  for (const auto& flow : flows) {
    yaml << "  - id: BENCH-0" << number++ << "-" << flow.type << "\n"
         << "    types: [" << flow.type << "]\n"
         << "    recipients: " << RoleList(flow.recipients) << "\n"
         << "    condition: always\n"
         << "    purpose: child_protection_enquiry\n";
  }
  return yaml.str();
}

const std::vector<BenchAgency>& BenchAgencies() {
  static const std::vector<BenchAgency> agencies = {
      {"police", "police"}, {"cfs", "childrens_social_care"}, {"probation", "probation"},
      {"health", "health"}, {"education", "education"},       {"ig", "information_governance"}};
  return agencies;
}

std::vector<Flow> BenchFlows(int fanout) {
  std::vector<Flow> flows = {
      {"police", "investigation_outcome", {"cfs", "health", "education"}},
      {"cfs", "strategy_minutes", {"police", "probation", "health"}},
      {"probation", "probation_risk_update", {"cfs", "police", "education"}}};
  const auto keep = static_cast<size_t>(std::clamp(fanout, 1, 3));
  for (auto& flow : flows) flow.recipients.resize(keep);
  return flows;
}

std::vector<std::string> RecipientsOf(const std::vector<Flow>& flows) {
  std::vector<std::string> out;
  for (const auto& flow : flows) {
    for (const auto& r : flow.recipients) {
      if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
    }
  }
  return out;
}

std::string StoreYaml(const std::string& postgres_dsn, const std::string& password_file) {
  if (postgres_dsn.empty()) return "store:\n  path: {STORE}\n";
  return "store:\n  kind: postgres\n  dsn: \"" + postgres_dsn +
         "\"\n  password_file: " + password_file + "\n  state_directory: state\n";
}

std::string BrokerYaml(const std::string& agreements_dir, const std::string& store_yaml) {
  std::ostringstream yaml;
  yaml << "# safeshare-bench: written by tests/bench/bench_config.cc\n"
       << "listen: 127.0.0.1:0\n"
       << "tls:\n  certificate: {PKI}/broker.crt\n  private_key: {PKI}/broker.key\n"
       << "  client_ca: {PKI}/ca.crt\n  crl_directory: {PKI}/crl\n"
       << store_yaml << "logging:\n  format: json\n  level: info\n"
       << "limits:\n  max_message_bytes: 1048576\n"
       << "agreements: " << agreements_dir << "\n"
       << "person_hash_key: {PKI}/person-hash.key\n"
       << "data_keys: {directory: {PKI}/data-keys, current: dev-1}\n"
       << "audit:\n  signing_key: {PKI}/audit-log.key\n  origin: safeshare.test/audit\n"
       << "agencies:\n";
  for (const auto& a : BenchAgencies()) {
    yaml << "  - id: " << a.id << "\n    role: " << a.role
         << "\n    certificate_uri: spiffe://safeshare.test/agency/" << a.id << "\n";
  }
  return yaml.str();
}

}  // namespace safeshare::bench
