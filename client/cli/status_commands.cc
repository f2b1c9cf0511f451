#include "status_commands.h"

#include <chrono>
#include <iostream>

#include "absl/strings/str_format.h"
#include "ack_command.h"
#include "age_text.h"
#include "exit_code.h"
#include "safeshare/client/notification_json.h"
#include "unsigned_flag.h"

namespace safeshare::cli {
namespace {

std::string StageText(v1::DeliveryStage stage) {
  switch (stage) {
    case v1::DELIVERY_STAGE_ROUTED:
      return "routed";
    case v1::DELIVERY_STAGE_DELIVERED:
      return "delivered";
    case v1::DELIVERY_STAGE_PARKED:
      return "parked";
    case v1::DELIVERY_STAGE_ACKNOWLEDGED:
      return "acknowledged";
    case v1::DELIVERY_STAGE_ACTIONED:
      return "actioned";
    default:
      return "?";
  }
}

// "5m ago"-style age of `at`, "-" when unset.
std::string Ago(bool set, const google::protobuf::Timestamp& at, int64_t now_seconds) {
  return set ? AgeText(now_seconds - at.seconds()) + " ago" : "-";
}

// A recipient's note on one line of the table: line breaks and tabs shown
// as " / " and a space (the broker refuses other control characters).
std::string OneLine(std::string note) {
  while (!note.empty() && (note.back() == '\n' || note.back() == ' ')) note.pop_back();
  std::string out;
  for (const char c : note) {
    if (c == '\n') {
      out += " / ";
    } else {
      out += c == '\t' ? ' ' : c;
    }
  }
  return out;
}

}  // namespace

std::string DeliveryStateTable(const v1::DeliveryState& state, int64_t now_seconds) {
  std::string out =
      absl::StrFormat("notification %s, sequence %d, case %s, published %s\n",
                      state.notification_id(), state.sequence(), state.case_ref(),
                      Ago(state.has_published_at(), state.published_at(), now_seconds));
  if (state.has_content_deleted_at()) {
    out +=
        "content deleted under retention " + Ago(true, state.content_deleted_at(), now_seconds) +
        " (metadata and audit kept; recipients that had not acknowledged it cannot receive it)\n";
  }
  constexpr char kRow[] = "%-14s %-12s %10s %14s %14s %-24s %s\n";
  absl::StrAppendFormat(&out, kRow, "AGENCY", "STAGE", "DELIVERIES", "LAST-DELIVERED",
                        "ACKNOWLEDGED", "BY", "RULE");
  for (const auto& r : state.recipients()) {
    absl::StrAppendFormat(&out, kRow, r.agency(), StageText(r.stage()),
                          absl::StrCat(r.deliveries()),
                          Ago(r.has_last_delivered_at(), r.last_delivered_at(), now_seconds),
                          Ago(r.has_acknowledged_at(), r.acknowledged_at(), now_seconds),
                          r.acknowledged_by().empty() ? "-" : r.acknowledged_by(),
                          r.urgent_disclosure() ? "urgent disclosure" : r.rule());
  }
  std::string actions;
  for (const auto& r : state.recipients()) {
    for (const auto& a : r.actions()) {
      absl::StrAppendFormat(&actions, "  %-14s %-10s %s%s\n", r.agency(),
                            Ago(true, a.recorded_at(), now_seconds), ActionText(a.action()),
                            a.has_note_deleted_at() ? ": (note deleted under retention)"
                            : a.note().empty()      ? ""
                                                    : ": " + OneLine(a.note()));
    }
  }
  if (!actions.empty()) out += "actions recorded by recipients:\n" + actions;
  return out;
}

std::string PendingTable(const v1::ListPendingDeliveriesResponse& page, int64_t now_seconds) {
  constexpr char kRow[] = "%9s %6s %-14s %-22s %-16s %s\n";
  std::string out =
      absl::StrFormat(kRow, "SEQUENCE", "AGE", "RECIPIENT", "TYPE", "CASE", "NOTIFICATION");
  for (const auto& d : page.deliveries()) {
    absl::StrAppendFormat(
        &out, kRow, absl::StrCat(d.sequence()), AgeText(now_seconds - d.routed_at().seconds()),
        d.recipient(), d.type(), d.case_ref(),
        absl::StrCat(d.notification_id(),
                     d.has_content_deleted_at() ? " (content deleted: retention)" : ""));
  }
  if (page.deliveries().empty()) out += "(none unacknowledged)\n";
  if (page.next_after_sequence() != 0) {
    absl::StrAppendFormat(&out, "more: ask again with --after %d\n", page.next_after_sequence());
  }
  return out;
}

StatusCommands AddStatusCommands(CLI::App& app, StatusFlags& flags) {
  StatusCommands commands;
  commands.status = app.add_subcommand(
      "status",
      "what became of one of your notifications, per recipient: routed, delivered "
      "(how often, when), acknowledged (when, by which subscription), actioned (what each "
      "recorded it did)");
  commands.status
      ->add_option("notification_id", flags.notification_id,
                   "the id your publish was answered with")
      ->required();
  commands.status->add_flag("--json", flags.json, "the DeliveryState as one JSON line");
  commands.pending = app.add_subcommand(
      "pending",
      "deliveries of your notifications that the recipient has not acknowledged, "
      "oldest first");
  commands.pending->add_option("--case", flags.case_ref, "only this case");
  commands.pending->add_option("--recipient", flags.recipient, "only this recipient agency");
  commands.pending->add_option("--after", flags.after, "the sequence a previous page ended at")
      ->check(UnsignedInteger());
  commands.pending->add_option("--limit", flags.limit, "at most this many (1-1000; default 100)")
      ->check(CLI::Range(1, 1000));
  commands.pending->add_flag("--json", flags.json, "one JSON line per page");
  return commands;
}

int RunStatus(const ConnectionFlags& connection, const StatusFlags& flags) {
  std::optional<client::Client> client = ConnectOrReport(connection);
  if (!client.has_value()) return kExitUsage;
  auto state = client->GetDeliveryState(flags.notification_id);
  if (!state.ok()) return FailBroker("status", state.status());
  std::cout << (flags.json ? client::ToJsonLine(*state, /*with_defaults=*/true) + "\n"
                           : DeliveryStateTable(*state, NowSeconds()))
            << std::flush;
  return kExitOk;
}

int RunPending(const ConnectionFlags& connection, const StatusFlags& flags) {
  std::optional<client::Client> client = ConnectOrReport(connection);
  if (!client.has_value()) return kExitUsage;
  v1::ListPendingDeliveriesRequest request;
  request.set_case_ref(flags.case_ref);
  request.set_recipient(flags.recipient);
  request.set_after_sequence(flags.after);
  request.set_limit(flags.limit);
  auto page = client->ListPendingDeliveries(request);
  if (!page.ok()) return FailBroker("pending", page.status());
  std::cout << (flags.json ? client::ToJsonLine(*page, /*with_defaults=*/true) + "\n"
                           : PendingTable(*page, NowSeconds()))
            << std::flush;
  return kExitOk;
}

}  // namespace safeshare::cli
