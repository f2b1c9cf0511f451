#include "governance_commands.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "exit_code.h"
#include "safeshare/client/notification_json.h"

namespace safeshare::cli {
namespace {

// Every agreement file (*.yaml, *.yml) of `dir`, by name.
absl::StatusOr<v1::PolicyImpactRequest> ReadAgreements(const std::string& dir) {
  std::error_code error;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path());
  }
  if (error)
    return absl::InvalidArgumentError("--agreements: cannot read " + dir + ": " + error.message());
  if (files.empty()) return absl::InvalidArgumentError("--agreements: no *.yaml files in " + dir);
  std::sort(files.begin(), files.end());
  v1::PolicyImpactRequest request;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in) return absl::InvalidArgumentError("--agreements: cannot read " + path.string());
    auto* file = request.add_files();
    file->set_name(path.filename().string());
    file->set_content(content.str());
  }
  return request;
}

int Reload(client::Client& client) {
  auto response = client.ReloadPolicy();
  if (!response.ok()) return FailBroker("policy reload", response.status());
  std::cout << client::ToJsonLine(*response) << std::endl;
  return kExitOk;
}

int Impact(client::Client& client, const GovernanceFlags& flags) {
  auto request = ReadAgreements(flags.agreements);
  if (!request.ok()) return Fail(kExitUsage, request.status().message());
  request->set_window_days(flags.days);
  auto response = client.PolicyImpact(*request);
  if (!response.ok()) return FailBroker("policy impact", response.status());
  std::cout << client::ToJsonLine(*response) << std::endl;
  return kExitOk;
}

int Disclosures(client::Client& client, const GovernanceFlags& flags) {
  v1::ListUrgentDisclosuresRequest request;
  request.set_after_sequence(flags.after);
  request.set_limit(flags.limit);
  auto response = client.ListUrgentDisclosures(request);
  if (!response.ok()) return FailBroker("policy disclosures", response.status());
  std::cout << client::ToJsonLine(*response) << std::endl;
  return kExitOk;
}

}  // namespace

void AddGovernanceCommands(CLI::App& policy, GovernanceFlags& flags) {
  policy.add_subcommand("reload",
                        "IG: have the broker re-read its agreements (a broken file leaves the "
                        "running policy in force)");
  CLI::App* impact = policy.add_subcommand(
      "impact",
      "IG: who would gain or lose what under proposed agreements, replayed over "
      "stored history (counts and rule ids, never content)");
  impact->add_option("--agreements", flags.agreements, "the proposed agreements directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  impact->add_option("--days", flags.days, "replay notifications of the last N days")
      ->check(CLI::Range(1, 3650));
  CLI::App* disclosures = policy.add_subcommand(
      "disclosures", "IG: list urgent disclosures made outside every agreement");
  disclosures->add_option("--after", flags.after, "page after this sequence");
  disclosures->add_option("--limit", flags.limit, "at most this many")->check(CLI::Range(1, 1000));
}

bool RunGovernance(const ConnectionFlags& connection, const CLI::App& policy,
                   const GovernanceFlags& flags, int& exit_code) {
  const char* names[] = {"reload", "impact", "disclosures"};
  const char* parsed = nullptr;
  for (const char* name : names) {
    if (policy.get_subcommand(name)->parsed()) parsed = name;
  }
  if (parsed == nullptr) return false;
  std::optional<client::Client> client = ConnectOrReport(connection);
  if (!client.has_value()) {
    exit_code = kExitUsage;
    return true;
  }
  const std::string command = parsed;
  if (command == "reload") exit_code = Reload(*client);
  if (command == "impact") exit_code = Impact(*client, flags);
  if (command == "disclosures") exit_code = Disclosures(*client, flags);
  return true;
}

}  // namespace safeshare::cli
