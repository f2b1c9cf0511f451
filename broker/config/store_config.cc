#include "broker/config/store_config.h"

#include <array>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"

namespace safeshare::config {
namespace {

constexpr std::array<std::string_view, 2> kStoreKinds = {"sqlite", "postgres"};

// Whether a libpq connection string carries a password: a `password=`
// keyword, or a URI's "user:password@".
bool DsnHasPassword(const std::string& dsn) {
  const std::string lower = absl::AsciiStrToLower(dsn);
  if (lower.find("password") != std::string::npos) return true;
  for (const std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (lower.rfind(scheme, 0) != 0) continue;
    const std::string_view rest = std::string_view(lower).substr(scheme.size());
    const auto authority = rest.substr(0, rest.find_first_of("/?"));
    const auto at = authority.rfind('@');
    return at != std::string_view::npos && authority.substr(0, at).find(':') != std::string::npos;
  }
  return false;
}

}  // namespace

StoreConfig ReadStore(const YamlReader& node, const PathResolver& path) {
  StoreConfig store;
  const std::string kind = node.Has("kind") ? node.Required("kind").OneOf(kStoreKinds) : "sqlite";
  if (kind == "sqlite") {
    node.RejectUnknownKeys({"kind", "path"});
    store.path = path(node.Required("path"));
    store.state_directory = store.path.parent_path();
    return store;
  }
  node.RejectUnknownKeys({"kind", "dsn", "password_file", "state_directory"});
  store.kind = StoreConfig::Kind::kPostgres;
  const auto dsn = node.Required("dsn");
  store.dsn = dsn.String();
  if (DsnHasPassword(store.dsn)) {
    dsn.Fail(
        "must not hold a password: put it in the file `password_file:` names (mode 600), or in "
        "the environment (PGPASSWORD) or ~/.pgpass, where libpq finds it");
  }
  if (node.Has("password_file")) store.password_file = path(node.Required("password_file"));
  store.state_directory = path(node.Required("state_directory"));
  return store;
}

}  // namespace safeshare::config
