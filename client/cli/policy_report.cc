#include "policy_report.h"

#include <google/protobuf/struct.pb.h>

#include "absl/strings/str_join.h"
#include "safeshare/client/notification_json.h"

namespace safeshare::cli {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

std::string OrNone(const std::vector<std::string>& items) {
  return items.empty() ? "(none)" : absl::StrJoin(items, ", ");
}

std::vector<std::string> CaseTexts(const std::vector<CaseRef>& cases) {
  std::vector<std::string> texts;
  texts.reserve(cases.size());
  for (const auto& c : cases) texts.push_back(c.value());
  return texts;
}

void PrintDecision(const policy::AgencyDecision& d, std::ostream& out) {
  out << d.agency.value() << " (" << d.role << "): "
      << (d.urgent    ? "ALLOWED (urgent disclosure)"
          : d.allowed ? "ALLOWED"
                      : "DENIED")
      << '\n';
  if (!d.rule.empty()) {
    out << "  rule: " << d.rule << " of agreement " << d.agreement << " v" << d.agreement_version
        << '\n';
  }
  if (d.allowed && !d.urgent) {
    out << "  purpose: " << d.purpose << "\n  lawful basis: " << d.lawful_basis
        << "\n  withheld: " << OrNone(d.withheld) << '\n';
  }
  if (!d.linked_cases.empty())
    out << "  linked cases: " << OrNone(CaseTexts(d.linked_cases)) << '\n';
  out << "  reason: " << d.reason << "\n  trace:";
  if (d.trace.empty()) out << " (no rule names this type and role)";
  out << '\n';
  for (const auto& line : d.trace) out << "    " << line << '\n';
}

Value Text(const std::string& text) {
  Value v;
  v.set_string_value(text);
  return v;
}

Value Flag(bool b) {
  Value v;
  v.set_bool_value(b);
  return v;
}

Value List(const std::vector<std::string>& items) {
  Value v;
  ListValue* list = v.mutable_list_value();
  for (const auto& item : items) *list->add_values() = Text(item);
  return v;
}

Value DecisionJson(const policy::AgencyDecision& d) {
  Value v;
  auto& f = *v.mutable_struct_value()->mutable_fields();
  f["agency"] = Text(d.agency.value());
  f["role"] = Text(d.role);
  f["allowed"] = Flag(d.allowed);
  f["urgent"] = Flag(d.urgent);
  f["agreement"] = Text(d.agreement);
  f["agreement_version"] = Text(d.agreement_version);
  f["rule"] = Text(d.rule);
  f["purpose"] = Text(d.purpose);
  f["lawful_basis"] = Text(d.lawful_basis);
  f["withheld"] = List(d.withheld);
  f["linked_cases"] = List(CaseTexts(d.linked_cases));
  f["reason"] = Text(d.reason);
  f["trace"] = List(d.trace);
  return v;
}

}  // namespace

void PrintText(const Explanation& e, std::ostream& out) {
  out << "policy: " << e.policy_version << '\n'
      << "notification: " << e.type << " from " << e.publisher->id.value() << " ("
      << e.publisher->role << "), case " << (e.case_closed ? "closed" : "open") << '\n'
      << "publish: "
      << (e.may_publish.ok() ? "allowed" : "REFUSED: " + std::string(e.may_publish.message()))
      << '\n';
  for (const auto& d : e.evaluation.agencies) PrintDecision(d, out);
}

void PrintJson(const Explanation& e, std::ostream& out) {
  Struct root;
  auto& f = *root.mutable_fields();
  f["policy_version"] = Text(e.policy_version);
  f["type"] = Text(e.type);
  f["publisher"] = Text(e.publisher->id.value());
  f["case_closed"] = Flag(e.case_closed);
  f["may_publish"] = Flag(e.may_publish.ok());
  if (!e.may_publish.ok()) f["publish_refusal"] = Text(std::string(e.may_publish.message()));
  Value agencies;
  agencies.mutable_list_value();  // [] when there are none, not an unset value
  for (const auto& d : e.evaluation.agencies) {
    *agencies.mutable_list_value()->add_values() = DecisionJson(d);
  }
  f["agencies"] = agencies;
  out << client::ToJsonLine(root) << '\n';
}

}  // namespace safeshare::cli
