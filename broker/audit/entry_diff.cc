#include "broker/audit/entry_diff.h"

#include <algorithm>
#include <string_view>

namespace safeshare::audit {
namespace {

// Collects the differing fields under a common name prefix ("lines[2].").
class Comparison {
 public:
  Comparison(std::vector<FieldDifference>& out, std::string prefix)
      : out_(out), prefix_(std::move(prefix)) {}

  void Text(std::string_view field, std::string_view now, std::string_view then) {
    if (now != then) Add(field, Quoted(now), Quoted(then));
  }
  void Number(std::string_view field, int64_t now, int64_t then) {
    if (now != then) Add(field, std::to_string(now), std::to_string(then));
  }
  void Add(std::string_view field, std::string now, std::string then) {
    out_.push_back({prefix_ + std::string(field), std::move(now), std::move(then)});
  }

 private:
  static std::string Quoted(std::string_view value) { return "\"" + std::string(value) + "\""; }

  std::vector<FieldDifference>& out_;
  std::string prefix_;
};

void CompareLine(std::vector<FieldDifference>& out, size_t index, const Line& now,
                 const Line& then) {
  Comparison c(out, "lines[" + std::to_string(index) + "].");
  c.Text("outcome", ActionName(now.outcome), ActionName(then.outcome));
  c.Text("agency", now.agency, then.agency);
  c.Text("notification_id", now.notification_id, then.notification_id);
  c.Text("case_ref", now.case_ref, then.case_ref);
  c.Number("sequence", now.sequence, then.sequence);
  c.Text("agreement", now.agreement, then.agreement);
  c.Text("rule", now.rule, then.rule);
  c.Text("purpose", now.purpose, then.purpose);
  c.Text("lawful_basis", now.lawful_basis, then.lawful_basis);
  c.Text("content_hash", now.content_hash, then.content_hash);
  c.Text("detail", now.detail, then.detail);
}

void CompareLists(Comparison& c, std::string_view field, size_t now, size_t then) {
  if (now != then) c.Add(field, std::to_string(now), std::to_string(then));
}

}  // namespace

std::vector<FieldDifference> Differences(const Entry& now, const Entry& then) {
  std::vector<FieldDifference> out;
  Comparison c(out, "");
  c.Number("version", now.version, then.version);
  c.Number("id", now.id, then.id);
  c.Number("at_micros", now.at_micros, then.at_micros);
  c.Number("clock_stepped_back_from", now.clock_stepped_back_from, then.clock_stepped_back_from);
  c.Text("actor", now.actor, then.actor);
  c.Text("action", ActionName(now.action), ActionName(then.action));
  c.Text("notification_id", now.notification_id, then.notification_id);
  c.Text("case_ref", now.case_ref, then.case_ref);
  c.Text("recipient", now.recipient, then.recipient);
  c.Text("subscription", now.subscription, then.subscription);
  c.Text("rule", now.rule, then.rule);
  c.Text("lawful_basis", now.lawful_basis, then.lawful_basis);
  c.Text("purpose", now.purpose, then.purpose);
  c.Text("detail", now.detail, then.detail);
  c.Text("content_hash", now.content_hash, then.content_hash);
  CompareLists(c, "lines (count)", now.lines.size(), then.lines.size());
  for (size_t i = 0; i < std::min(now.lines.size(), then.lines.size()); ++i) {
    CompareLine(out, i, now.lines[i], then.lines[i]);
  }
  CompareLists(c, "person_hashes (count)", now.person_hashes.size(), then.person_hashes.size());
  for (size_t i = 0; i < std::min(now.person_hashes.size(), then.person_hashes.size()); ++i) {
    c.Text("person_hashes[" + std::to_string(i) + "]", now.person_hashes[i], then.person_hashes[i]);
  }
  return out;
}

std::vector<std::string> DifferingFields(const Entry& a, const Entry& b) {
  std::vector<std::string> names;
  for (auto& difference : Differences(a, b)) names.push_back(std::move(difference.field));
  return names;
}

std::string DescribeDifferences(const std::vector<FieldDifference>& differences) {
  std::string out;
  for (const auto& d : differences) {
    if (!out.empty()) out += "; ";
    out += d.field + " is " + d.now + " but was " + d.then + " when saved";
  }
  return out;
}

}  // namespace safeshare::audit
