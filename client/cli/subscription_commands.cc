#include "subscription_commands.h"

#include <chrono>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "age_text.h"
#include "exit_code.h"
#include "safeshare/client/notification_json.h"

namespace safeshare::cli {
namespace {

constexpr char kPositionHelp[] = "beginning, now, or a sequence number to start after";

std::string FilterText(const v1::SubscriptionFilter& filter) {
  std::vector<std::string> parts;
  if (filter.types_size() > 0) parts.push_back("types=" + absl::StrJoin(filter.types(), ","));
  if (filter.case_refs_size() > 0) {
    parts.push_back("cases=" + absl::StrJoin(filter.case_refs(), ","));
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, " ");
}

int PrintInfo(const v1::SubscriptionInfo& info) {
  std::cout << client::ToJsonLine(info, /*with_defaults=*/true) << std::endl;
  return kExitOk;
}

}  // namespace

bool ParsePosition(const std::string& text, v1::StartFrom& from, uint64_t& after) {
  after = 0;
  if (text == "beginning") {
    from = v1::START_FROM_BEGINNING;
    return true;
  }
  if (text == "now") {
    from = v1::START_FROM_NOW;
    return true;
  }
  from = v1::START_FROM_SEQUENCE;
  return !text.empty() && text[0] != '-' && text[0] != '+' && absl::SimpleAtoi(text, &after);
}

std::string SubscriptionTable(const v1::ListSubscriptionsResponse& listed, int64_t now_seconds) {
  constexpr char kRow[] = "%-24s %-9s %9s %9s %9s %8s %6s %7s %9s %s\n";
  std::string out = absl::StrFormat(kRow, "NAME", "MODE", "ACKED", "DELIVERED", "IN-FLIGHT",
                                    "BACKLOG", "PARKED", "OLDEST", "CONSUMERS", "FILTER");
  for (const auto& s : listed.subscriptions()) {
    const std::string oldest = s.has_oldest_unacknowledged_at()
                                   ? AgeText(now_seconds - s.oldest_unacknowledged_at().seconds())
                                   : "-";
    const char* mode = s.consumer_mode() == v1::CONSUMER_MODE_EXCLUSIVE ? "exclusive" : "standby";
    absl::StrAppendFormat(
        &out, kRow, s.subscription(), mode, absl::StrCat(s.acknowledged_through()),
        absl::StrCat(s.delivered_through()), absl::StrCat(s.in_flight()), absl::StrCat(s.backlog()),
        absl::StrCat(s.parked()), oldest,
        absl::StrCat(s.active_consumers(), "+", s.standby_consumers()), FilterText(s.filter()));
  }
  if (listed.subscriptions().empty()) out += "(none: create one with subscriptions create)\n";
  return out;
}

CLI::App* AddSubscriptionCommands(CLI::App& app, SubscriptionFlags& flags) {
  CLI::App* command = app.add_subcommand("subscriptions",
                                         "list, create, reset or delete your agency's "
                                         "subscriptions; list and release parked deliveries");
  command->require_subcommand(1);
  CLI::App* list = command->add_subcommand(
      "list", "positions, backlog, oldest unacknowledged delivery and open streams");
  list->add_option("--name", flags.name, "only this subscription");
  list->add_flag("--json", flags.json, "one JSON line per subscription instead of a table");
  CLI::App* create = command->add_subcommand("create", "create a subscription");
  create->add_option("--name", flags.name, "subscription name")->required();
  create->add_option("--from", flags.position, kPositionHelp)->capture_default_str();
  create->add_option("--type", flags.types,
                     "only this notification type, e.g. investigation_outcome (repeat for more)");
  create->add_option("--case", flags.case_refs, "only this case (repeat for more, at most 100)");
  create
      ->add_option("--mode", flags.mode,
                   "what a second stream gets while one is active: standby (it waits and takes "
                   "over) or exclusive (it is refused)")
      ->capture_default_str()
      ->check(CLI::IsMember({"standby", "exclusive"}));
  create->add_option("--ack-wait", flags.ack_wait_seconds,
                     "seconds before an unacknowledged delivery is handed again (default: the "
                     "broker's)");
  create->add_option(
      "--max-deliver", flags.max_deliver,
      "attempts before an unacknowledged delivery is parked (default: the broker's)");
  create->add_option("--max-in-flight", flags.max_in_flight,
                     "deliveries handed and unacknowledged at once, at most (default: the "
                     "broker's)");
  CLI::App* parked =
      command->add_subcommand("parked", "deliveries parked after too many unacknowledged attempts");
  parked->add_option("--name", flags.name, "subscription name")->required();
  parked->add_option("--after", flags.after, "the sequence a previous page ended at");
  parked->add_flag("--json", flags.json, "one JSON line per page instead of a table");
  CLI::App* release = command->add_subcommand(
      "release", "hand parked deliveries to the subscription's stream again");
  release->add_option("--name", flags.name, "subscription name")->required();
  release->add_option("--sequence", flags.sequences,
                      "only this parked delivery (repeat for more; none: all of them)");
  CLI::App* reset = command->add_subcommand(
      "reset", "move a subscription's position; its open streams end and resume there");
  reset->add_option("--name", flags.name, "subscription name")->required();
  reset->add_option("--to", flags.position, kPositionHelp)->required();
  CLI::App* remove = command->add_subcommand("delete", "delete a subscription");
  remove->add_option("--name", flags.name, "subscription name")->required();
  return command;
}

int RunSubscriptions(const ConnectionFlags& connection, const CLI::App& command,
                     const SubscriptionFlags& flags) {
  v1::StartFrom from = v1::START_FROM_UNSPECIFIED;
  uint64_t after = 0;
  const bool moves =
      command.get_subcommand("create")->parsed() || command.get_subcommand("reset")->parsed();
  if (moves && !ParsePosition(flags.position, from, after)) {
    return Fail(kExitUsage,
                "subscriptions: --from/--to: expected beginning, now or a sequence "
                "number, got '" +
                    flags.position + "'");
  }
  std::optional<client::Client> client = ConnectOrReport(connection);
  if (!client.has_value()) return kExitUsage;
  if (command.get_subcommand("create")->parsed()) {
    v1::CreateSubscriptionRequest request;
    request.set_subscription(flags.name);
    request.set_start(from);
    request.set_after_sequence(after);
    for (const auto& t : flags.types) request.mutable_filter()->add_types(t);
    for (const auto& c : flags.case_refs) request.mutable_filter()->add_case_refs(c);
    request.set_consumer_mode(flags.mode == "exclusive" ? v1::CONSUMER_MODE_EXCLUSIVE
                                                        : v1::CONSUMER_MODE_STANDBY);
    request.set_ack_wait_seconds(flags.ack_wait_seconds);
    request.set_max_deliver(flags.max_deliver);
    request.set_max_in_flight(flags.max_in_flight);
    auto created = client->CreateSubscription(request);
    return created.ok() ? PrintInfo(*created)
                        : FailBroker("subscriptions create", created.status());
  }
  if (command.get_subcommand("reset")->parsed()) {
    v1::ResetSubscriptionRequest request;
    request.set_subscription(flags.name);
    request.set_to(from);
    request.set_after_sequence(after);
    auto reset = client->ResetSubscription(request);
    return reset.ok() ? PrintInfo(*reset) : FailBroker("subscriptions reset", reset.status());
  }
  if (command.get_subcommand("parked")->parsed()) return RunParked(*client, flags);
  if (command.get_subcommand("release")->parsed()) return RunRelease(*client, flags);
  if (command.get_subcommand("delete")->parsed()) {
    auto deleted = client->DeleteSubscription(flags.name);
    if (!deleted.ok()) return FailBroker("subscriptions delete", deleted.status());
    std::cout << client::ToJsonLine(*deleted, /*with_defaults=*/true) << std::endl;
    return kExitOk;
  }
  auto listed = client->ListSubscriptions(flags.name);
  if (!listed.ok()) return FailBroker("subscriptions list", listed.status());
  if (flags.json) {
    for (const auto& s : listed->subscriptions()) {
      std::cout << client::ToJsonLine(s, /*with_defaults=*/true) << "\n";
    }
  } else {
    std::cout << SubscriptionTable(*listed, NowSeconds());
  }
  std::cout << std::flush;
  return kExitOk;
}

}  // namespace safeshare::cli
