#include "overdue_command.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "age_text.h"
#include "exit_code.h"
#include "safeshare/client/notification_json.h"
#include "unsigned_flag.h"

namespace safeshare::cli {
namespace {

// "CASE-1 2, CASE-7 1": counts, largest first.
std::string Counts(const std::map<std::string, int>& counts) {
  std::vector<std::pair<std::string, int>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return absl::StrJoin(sorted, ", ", [](std::string* out, const auto& count) {
    absl::StrAppend(out, count.first, " ", count.second);
  });
}

}  // namespace

std::string OverdueTable(const v1::ListOverdueResponse& page) {
  std::vector<const v1::OverdueDelivery*> rows;
  for (const auto& d : page.deliveries()) rows.push_back(&d);
  std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
    return a->overdue_seconds() > b->overdue_seconds();
  });
  constexpr char kRow[] = "%7s %-5s %-14s %-22s %-16s %-14s %8s %s\n";
  std::string out = absl::StrFormat(kRow, "OVERDUE", "LEVEL", "RECIPIENT", "TYPE", "CASE",
                                    "PUBLISHER", "SEQUENCE", "DEADLINE");
  std::map<std::string, int> by_case, by_agency;
  for (const auto* d : rows) {
    absl::StrAppendFormat(
        &out, kRow, AgeText(static_cast<int64_t>(d->overdue_seconds())),
        d->escalation_level() >= 2 ? "lead" : "1", d->recipient(), d->type(), d->case_ref(),
        d->publisher(), absl::StrCat(d->sequence()),
        absl::StrCat(d->agreement(), " ", d->deadline_rule(), ": ", d->deadline()));
    ++by_case[d->case_ref()];
    ++by_agency[d->recipient()];
  }
  if (rows.empty()) {
    out += "(nothing overdue)\n";
  } else {
    absl::StrAppendFormat(&out, "by case: %s\nby agency: %s\n", Counts(by_case), Counts(by_agency));
  }
  if (page.next_after_sequence() != 0) {
    absl::StrAppendFormat(&out, "more: ask again with --after %d\n", page.next_after_sequence());
  }
  if (page.expectations_size() > 0) out += "\n" + ExpectationsTable(page);
  return out;
}

std::string ExpectationsTable(const v1::ListOverdueResponse& page) {
  constexpr char kRow[] = "%-9s %-5s %-16s %-22s %-22s %-24s %s\n";
  std::string out =
      absl::StrFormat(kRow, "DUE", "LEVEL", "CASE", "EXPECTS", "FROM", "OPENED BY", "EXPECTATION");
  const int64_t now = page.as_of().seconds();
  for (const auto& e : page.expectations()) {
    const int64_t due = e.due_at().seconds();
    const std::string when = due <= now ? AgeText(now - due) + " ago" : "in " + AgeText(due - now);
    absl::StrAppendFormat(&out, kRow, when,
                          e.escalation_level() == 0   ? "-"
                          : e.escalation_level() == 1 ? "1"
                                                      : "lead",
                          e.case_ref(), e.expected_type(), e.expected_from(),
                          absl::StrCat(e.opened_by_type(), " by ", e.opened_by_publisher()),
                          absl::StrCat(e.agreement(), " ", e.expectation(), ": ", e.description()));
  }
  return out;
}

CLI::App* AddOverdueCommand(CLI::App& app, OverdueFlags& flags) {
  CLI::App* command = app.add_subcommand(
      "overdue",
      "deliveries past the deadline their agreement sets and not acknowledged, by how long, "
      "and the open expectations (for the safeguarding lead and information governance "
      "roles)");
  command->add_option("--case", flags.case_ref, "only this case");
  command->add_option("--recipient", flags.recipient, "only deliveries to this recipient agency");
  command->add_option("--after", flags.after, "the sequence a previous page ended at")
      ->check(UnsignedInteger());
  command->add_option("--limit", flags.limit, "at most this many (1-1000; default 100)")
      ->check(CLI::Range(1, 1000));
  command->add_flag("--json", flags.json, "one JSON line per page");
  return command;
}

int RunOverdue(const ConnectionFlags& connection, const OverdueFlags& flags) {
  std::optional<client::Client> client = ConnectOrReport(connection);
  if (!client.has_value()) return kExitUsage;
  v1::ListOverdueRequest request;
  request.set_case_ref(flags.case_ref);
  request.set_agency(flags.recipient);
  request.set_after_sequence(flags.after);
  request.set_limit(flags.limit);
  auto page = client->ListOverdue(request);
  if (!page.ok()) return FailBroker("overdue", page.status());
  std::cout << (flags.json ? client::ToJsonLine(*page, /*with_defaults=*/true) + "\n"
                           : OverdueTable(*page))
            << std::flush;
  return kExitOk;
}

}  // namespace safeshare::cli
