#include "broker/core/key_file.h"

#include <sys/stat.h>

#include <string>

namespace safeshare {
namespace {

constexpr mode_t kGroupOrOthers = S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH;

std::string OctalMode(mode_t mode) {
  std::string out = "0";
  for (int shift = 6; shift >= 0; shift -= 3) {
    out += static_cast<char>('0' + ((mode >> shift) & 7));
  }
  return out;
}

}  // namespace

absl::Status CheckOwnerOnlyKeyFile(const std::filesystem::path& file, std::string_view config_key,
                                   std::string_view create) {
  const std::string name = file.string();
  const std::string what = std::string(config_key) + " " + name + ": ";
  struct stat info {};
  if (::stat(name.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(what + "no such file; " + std::string(create));
  }
  if ((info.st_mode & kGroupOrOthers) != 0) {
    return absl::FailedPreconditionError(what + "group or others may read or write it (mode " +
                                         OctalMode(info.st_mode & 0777) + "); run `chmod 600 " +
                                         name + "`");
  }
  return absl::OkStatus();
}

}  // namespace safeshare
