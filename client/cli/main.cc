// safeshare: command-line client of the safeshare broker. See client/README.md.
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include <grpc/support/log.h>
#include <CLI/CLI.hpp>

#include "ack_command.h"
#include "audit_commands.h"
#include "case_commands.h"
#include "connection_flags.h"
#include "exit_code.h"
#include "governance_commands.h"
#include "health_command.h"
#include "overdue_command.h"
#include "policy_command.h"
#include "publish_command.h"
#include "status_commands.h"
#include "subscribe_command.h"
#include "subscription_commands.h"

namespace {

// CLI11's default failure message spans two lines; keep errors to one.
std::string OneLineFailure(const CLI::App* /*app*/, const CLI::Error& error) {
  return std::string(error.what()) + " (run with --help for usage)\n";
}

// gRPC core logs a refused TLS handshake as "E1122 ..." records on stderr.
// The same reason reaches the user in the call's status, so keep errors to
// one line unless GRPC_VERBOSITY asks for gRPC's own logs.
void QuietGrpcLogs() {
  if (std::getenv("GRPC_VERBOSITY") == nullptr) {
    gpr_set_log_function([](gpr_log_func_args*) {});
  }
}

int Run(int argc, char** argv) {
  using namespace safeshare::cli;
  CLI::App app{"safeshare: share safeguarding notifications through the partnership broker"};
  app.fallthrough();  // accept global flags after the subcommand too
  app.require_subcommand(1);
  app.failure_message(OneLineFailure);

  ConnectionFlags connection;
  AddConnectionFlags(app, connection);
  PublishFlags publish;
  CLI::App* publish_command = AddPublishCommand(app, publish);
  SubscribeFlags subscribe;
  CLI::App* subscribe_command = AddSubscribeCommand(app, subscribe);
  AckFlags ack;
  CLI::App* ack_command = AddAckCommand(app, ack);
  ActionFlags action;
  CLI::App* action_command = AddActionCommand(app, action);
  SubscriptionFlags subscriptions;
  CLI::App* subscriptions_command = AddSubscriptionCommands(app, subscriptions);
  StatusFlags status;
  const StatusCommands status_commands = AddStatusCommands(app, status);
  HealthFlags health;
  CLI::App* health_command = AddHealthCommand(app, health);
  CaseFlags cases;
  CLI::App* case_command = AddCaseCommands(app, cases);
  InterestFlags interest;
  CLI::App* interest_command = AddInterestCommand(app, interest);
  PolicyCheckFlags policy_check;
  PolicyExplainFlags policy_explain;
  const PolicyCommands policy = AddPolicyCommands(app, policy_check, policy_explain);
  GovernanceFlags governance;
  AddGovernanceCommands(*app.get_subcommand("policy"), governance);
  AuditFlags audit;
  CLI::App* audit_command = AddAuditCommands(app, audit);
  OverdueFlags overdue;
  CLI::App* overdue_command = AddOverdueCommand(app, overdue);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? kExitOk : kExitUsage;  // --help exits 0
  }
  if (publish_command->parsed()) {
    return RunPublish(connection, publish);
  }
  if (subscribe_command->parsed()) {
    return RunSubscribe(connection, subscribe);
  }
  if (ack_command->parsed()) {
    return RunAck(connection, ack);
  }
  if (action_command->parsed()) {
    return RunAction(connection, action);
  }
  if (subscriptions_command->parsed()) {
    return RunSubscriptions(connection, *subscriptions_command, subscriptions);
  }
  if (status_commands.status->parsed()) {
    return RunStatus(connection, status);
  }
  if (status_commands.pending->parsed()) {
    return RunPending(connection, status);
  }
  if (health_command->parsed()) {
    return RunHealth(connection, health);
  }
  if (case_command->parsed()) {
    return RunCase(connection, *case_command, cases);
  }
  if (interest_command->parsed()) {
    return RunInterest(connection, interest);
  }
  if (policy.check->parsed()) {
    return RunPolicyCheck(policy_check);
  }
  if (policy.explain->parsed()) {
    return RunPolicyExplain(policy_explain);
  }
  if (audit_command->parsed()) {
    return RunAudit(connection, *audit_command, audit);
  }
  if (overdue_command->parsed()) {
    return RunOverdue(connection, overdue);
  }
  if (int exit_code = kExitUsage;
      RunGovernance(connection, *app.get_subcommand("policy"), governance, exit_code)) {
    return exit_code;
  }
  return kExitUsage;  // unreachable: exactly one subcommand is required
}

}  // namespace

int main(int argc, char** argv) {
  QuietGrpcLogs();
  try {
    return Run(argc, argv);
  } catch (const std::exception& error) {  // CLI11 or the standard library; not expected
    std::cerr << "safeshare: internal error: " << error.what() << '\n';
    return safeshare::cli::kExitInternal;
  }
}
