#include "audit_review_commands.h"

#include <iterator>

#include "absl/strings/str_cat.h"
#include "case_commands.h"
#include "exit_code.h"
#include "time_bound.h"
#include "unsigned_flag.h"

namespace safeshare::cli {
namespace {

// How the filters combine, under `query --help` and `export --help`: the
// broker matches each condition against the whole entry on its own.
constexpr char kFilterFooter[] =
    "Filters combine with AND, and each is matched against the whole entry on its own: its "
    "case, actor, recipient, notification and action, or any one of its lines (a line names an "
    "agency, a case, a notification and an outcome). The conditions need not hold on the same "
    "line: --agency health --action withheld also matches a routing decision that routed to "
    "health and withheld from education. Read an entry's lines (--json, or DETAIL in the "
    "table) to see which agency had which outcome. Values match exactly (case-sensitive).";

void AddFilterFlags(CLI::App& command, AuditReviewFlags& flags) {
  command.add_option("--case", flags.case_ref, "entries of this case: the entry's or any line's");
  command.add_option("--agency", flags.agency,
                     "entries naming this agency: as actor, as recipient or on any line "
                     "(routed to, withheld from, delivered to, ...)");
  command.add_option("--notification", flags.notification,
                     "entries of this notification: the entry's or any line's");
  command.add_option("--person", flags.person,
                     "SCHEME:VALUE: entries naming this person (the broker hashes it with its "
                     "key; the identifier is never stored or logged)");
  command.add_option("--action", flags.actions,
                     "the entry's action or any line's outcome, e.g. published, withheld, "
                     "delivered, acknowledged, access_refused (repeat for any of several)");
  command.add_option("--from", flags.from,
                     "from this time, inclusive (RFC 3339 or YYYY-MM-DD, UTC)");
  command.add_option("--to", flags.to,
                     "before this time (RFC 3339, or YYYY-MM-DD for the end of "
                     "that day)");
  command.footer(kFilterFooter);
}

}  // namespace

absl::StatusOr<v1::AuditFilter> FilterFromFlags(const AuditReviewFlags& flags) {
  v1::AuditFilter filter;
  filter.set_case_ref(flags.case_ref);
  filter.set_agency(flags.agency);
  filter.set_notification_id(flags.notification);
  for (const auto& action : flags.actions) filter.add_actions(action);
  if (!flags.person.empty() && !ParseIdentifier(flags.person, *filter.mutable_person())) {
    return absl::InvalidArgumentError(
        "--person: give SCHEME:VALUE with scheme one of ndelius_crn, pnc_number, nhs_number, "
        "local_authority, police_local");
  }
  if (!flags.from.empty()) {
    auto from = review::ParseTimeBound(flags.from, /*end=*/false);
    if (!from.ok())
      return absl::InvalidArgumentError(absl::StrCat("--from: ", from.status().message()));
    *filter.mutable_from() = *from;
  }
  if (!flags.to.empty()) {
    auto to = review::ParseTimeBound(flags.to, /*end=*/true);
    if (!to.ok()) return absl::InvalidArgumentError(absl::StrCat("--to: ", to.status().message()));
    *filter.mutable_to() = *to;
  }
  if (auto range = review::CheckTimeRange({"--from", flags.from, filter.from()},
                                          {"--to", flags.to, filter.to()});
      !range.ok()) {
    return range;
  }
  return filter;
}

void AddAuditReviewCommands(CLI::App& audit, AuditReviewFlags& flags) {
  CLI::App* query = audit.add_subcommand("query", "IG: audit entries matching filters, paged");
  AddFilterFlags(*query, flags);
  query
      ->add_option("--limit", flags.limit,
                   "entries per page, at most 1000 (default 100; 1000 with --all)")
      ->check(CLI::Range(1, 1000));
  query->add_option("--after", flags.after, "start after this entry index (paging)")
      ->check(UnsignedInteger());
  query->add_flag("--all", flags.all, "page through every matching entry");
  query->add_flag("--json", flags.json, "one AuditEntry per line (proto JSON) instead of a table");

  CLI::App* exported = audit.add_subcommand(
      "export", "IG: matching entries to a file, streamed (JSON lines or CSV)");
  AddFilterFlags(*exported, flags);
  exported->add_option("--format", flags.format, "jsonl (one AuditEntry per line) or csv")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->capture_default_str();
  exported->add_option("--out", flags.out, "the file to write (a new one, unless --force)")
      ->required();
  exported->add_flag("--force", flags.force, "replace --out if it exists");

  CLI::App* report = audit.add_subcommand(
      "report",
      "IG: per notification of a case: published by, routed to (agreement, rule, "
      "purpose, lawful basis), withheld from, delivered, acknowledged, and who has not");
  report->add_option("--case", flags.case_ref, "case reference")->required();
  report->add_flag("--json", flags.json, "one JSON object (review.CaseReport)");

  CLI::App* subject = audit.add_subcommand(
      "subject", "IG: everything shared about one person (subject access, complaints)");
  subject->add_option("--identifier", flags.identifier, "SCHEME:VALUE")->required();
  subject->add_flag("--json", flags.json, "one JSON object (review.SubjectReport)");

  CLI::App* checkpoint = audit.add_subcommand(
      "checkpoint",
      "IG: keep the broker's signed checkpoint (and the entries it adds) outside "
      "the broker, after proving it extends the last one kept");
  checkpoint->add_option("--save", flags.save_dir, "the directory kept outside the broker")
      ->required();
  checkpoint->add_option("--key", flags.key_file,
                         "file holding the broker's note verifier key as the partnership "
                         "published it, one line <origin>+<key id>+<base64 key> (e.g. "
                         "certs/out/audit-log.pub; a PEM key is not one); pins it (default: "
                         "DIR/verifier.key, written on the first save)");

  CLI::App* serve = audit.add_subcommand(
      "serve", "IG: the review page on http://127.0.0.1:PORT/ (this machine only)");
  serve
      ->add_option("--checkpoints", flags.checkpoints_dir,
                   "the directory of saved checkpoints the page verifies against")
      ->required();
  serve->add_option("--port", flags.port, "port on 127.0.0.1 (0: a free one)")
      ->check(CLI::Range(0, 65535));
}

bool RunAuditReview(const ConnectionFlags& connection, const CLI::App& audit,
                    const AuditReviewFlags& flags, int& exit_code) {
  using Run = int (*)(client::Client&, const AuditReviewFlags&);
  const std::pair<const char*, Run> commands[] = {
      {"query", RunAuditQuery},     {"export", RunAuditExport},         {"report", RunAuditReport},
      {"subject", RunAuditSubject}, {"checkpoint", RunAuditCheckpoint}, {"serve", RunAuditServe}};
  for (const auto& [name, run] : commands) {
    if (!audit.get_subcommand(name)->parsed()) continue;
    std::optional<client::Client> client = ConnectOrReport(connection);
    exit_code = client.has_value() ? run(*client, flags) : kExitUsage;
    return true;
  }
  return false;
}

}  // namespace safeshare::cli
