#ifndef SAFESHARE_CLIENT_CLI_POLICY_REPORT_H_
#define SAFESHARE_CLIENT_CLI_POLICY_REPORT_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "broker/policy/agreements.h"

namespace safeshare::cli {

// What `policy explain` decided, for printing.
struct Explanation {
  std::string policy_version;
  std::string type;
  const config::Agency* publisher = nullptr;
  bool case_closed = false;
  absl::Status may_publish;  // the publisher's right to publish the type
  policy::Evaluation evaluation;
};

// Readable text: a header, then one block per agency.
void PrintText(const Explanation& e, std::ostream& out);

// One JSON object on one line (proto JSON of a google.protobuf.Struct, so
// every string is escaped as JSON requires):
// {"policy_version","type","publisher","case_closed","may_publish",
//  "publish_refusal"?,"agencies":[{"agency","role","allowed","urgent",
//  "agreement","agreement_version","rule","purpose","lawful_basis",
//  "withheld":[],"linked_cases":[],"reason","trace":[]}]}
void PrintJson(const Explanation& e, std::ostream& out);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_POLICY_REPORT_H_
