#ifndef SAFESHARE_CLIENT_CLI_POLICY_COMMAND_H_
#define SAFESHARE_CLIENT_CLI_POLICY_COMMAND_H_

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace safeshare::cli {

// `policy check DIR [--today YYYY-MM-DD]`
struct PolicyCheckFlags {
  std::string dir;
  std::string today;  // empty: today's UTC date
};

// `policy explain --agreements DIR --notification FILE --publisher AGENCY ...`
struct PolicyExplainFlags {
  std::string agreements;
  std::string notification;
  std::string publisher;
  std::string config;                  // empty: broker.yaml in the agreements directory's parent
  std::vector<std::string> engaged;    // agency ids
  std::vector<std::string> interests;  // AGENCY:SCHEME:VALUE
  std::vector<std::string> linked;     // AGENCY:CASE
  bool closed = false;
  bool json = false;
};

struct PolicyCommands {
  CLI::App* check = nullptr;
  CLI::App* explain = nullptr;
};

// Today's date in UTC, YYYY-MM-DD: decides which review dates are past.
std::string TodayUtc();

// Registers `policy check` and `policy explain`; the flags must outlive
// parsing. Both work offline, on files: no broker, no certificates.
PolicyCommands AddPolicyCommands(CLI::App& app, PolicyCheckFlags& check,
                                 PolicyExplainFlags& explain);

// Loads and validates the agreements of a directory as the broker would and
// prints them, the version string and any warnings (stderr). Exit 0 when
// they load, 2 with the "FILE:LINE: KEY: problem" error when not.
int RunPolicyCheck(const PolicyCheckFlags& flags);

// Decides one notification file for every agency of the broker config and
// prints, per agency, allowed or denied, the deciding rule and agreement,
// purpose, lawful basis, withheld fields, the reason and the trace of every
// rule considered (--json: one JSON object). Exit 0 when it could decide, 2
// for bad flags or files.
int RunPolicyExplain(const PolicyExplainFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_POLICY_COMMAND_H_
