#include "broker/rpc/tls_watch.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_join.h"
#include "broker/core/logging.h"
#include "broker/core/x509_text.h"
#include "broker/identity/peer_certificate.h"

namespace safeshare::rpc {
namespace {

namespace fs = std::filesystem;

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto log = ModuleLogger("tls");
  return log;
}

std::string Contents(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return in ? bytes.str() : std::string();
}

// Names, sizes and modification times of a CRL directory's files: a CRL
// is rewritten whole, so any change shows here.
std::string DirectoryStamp(const fs::path& dir) {
  std::vector<std::string> items;
  std::error_code error;
  for (const auto& item : fs::directory_iterator(dir, error)) {
    std::error_code ignored;
    items.push_back(item.path().filename().string() + " " +
                    std::to_string(item.file_size(ignored)) + " " +
                    std::to_string(item.last_write_time(ignored).time_since_epoch().count()));
  }
  std::sort(items.begin(), items.end());
  return error ? "unreadable: " + error.message() : absl::StrJoin(items, "\n");
}

absl::Status WriteOwnerOnly(const fs::path& file, const std::string& bytes) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError("cannot create " + file.string());
  const bool written =
      ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ::close(fd);
  return written ? absl::OkStatus() : absl::InternalError("cannot write " + file.string());
}

std::string DescribeCertificate(const std::string& pem) {
  auto cert = identity::ParsePeerCertificate(pem);
  if (!cert.ok()) return "(unreadable)";
  return cert->Describe() + ", valid until " + UtcText(cert->not_after);
}

std::string DescribeBundle(const std::string& pem) {
  std::vector<std::string> names;
  for (const auto& ca : PemCertificates(pem))
    names.push_back(NameText(X509_get_subject_name(ca.get())));
  return std::to_string(names.size()) + " CA(s): " + absl::StrJoin(names, "; ");
}

std::string DescribeRevocations(const std::vector<identity::Revocation>& list) {
  std::vector<std::string> items;
  items.reserve(list.size());
  for (const auto& r : list) {
    items.push_back("serial " + r.serial + " of " + r.issuer + " (revoked " +
                    UtcText(r.revoked_at) + ")");
  }
  return absl::StrJoin(items, ", ");
}

}  // namespace

TlsWatch::TlsWatch(TlsWatchOptions options, identity::CertificateChecks& checks)
    : options_(std::move(options)), checks_(checks) {}

absl::StatusOr<std::unique_ptr<TlsWatch>> TlsWatch::Start(TlsWatchOptions options,
                                                          identity::CertificateChecks& checks,
                                                          std::time_t now) {
  std::unique_ptr<TlsWatch> watch(new TlsWatch(std::move(options), checks));
  const fs::path& served = watch->options_.served_directory;
  std::error_code error;
  fs::remove_all(served, error);  // an earlier run's copy
  fs::create_directories(served, error);
  fs::permissions(served, fs::perms::owner_all, error);
  if (error) {
    return absl::FailedPreconditionError(
        "cannot create " + served.string() +
        " for the TLS material the broker serves: " + error.message());
  }
  absl::MutexLock lock(&watch->mu_);
  watch->applied_crls_ = watch->CrlStamp();
  auto material = LoadTlsMaterial(watch->options_.files, now);
  if (!material.ok()) return material.status();
  watch->warnings_ = material->warnings;
  watch->material_ = *std::move(material);
  if (auto served_ok = watch->Serve(watch->material_); !served_ok.ok()) return served_ok;
  if (const auto& dir = watch->options_.crl_directory) {
    auto list = identity::RevocationList::Load(*dir, watch->material_.client_ca_pem, now);
    if (!list.ok()) return list.status();
    for (const auto& warning : list->warnings()) watch->warnings_.push_back(warning);
    checks.SetRevocations(std::make_shared<const identity::RevocationList>(*std::move(list)));
  } else {
    watch->warnings_.push_back(
        "no tls.crl_directory: a compromised agency certificate cannot be revoked without "
        "removing the agency from the config; configure the CA's CRL directory");
  }
  watch->ticker_ = std::make_unique<StreamTicker>(
      watch->pool_, watch->options_.refresh, [w = watch.get()] { w->Poll(std::time(nullptr)); });
  return watch;
}

TlsWatch::~TlsWatch() { Stop(); }

void TlsWatch::Stop() {
  if (ticker_ != nullptr) ticker_->Stop();
  pool_.join();
}

std::string TlsWatch::served_private_key() const {
  return (options_.served_directory / "current" / "key.pem").string();
}
std::string TlsWatch::served_certificate() const {
  return (options_.served_directory / "current" / "cert.pem").string();
}
std::string TlsWatch::served_client_ca() const {
  return (options_.served_directory / "current" / "ca.pem").string();
}

void TlsWatch::SetListeners(OnChange on_change, std::function<void()> after_poll) {
  absl::MutexLock lock(&mu_);
  on_change_ = std::move(on_change);
  after_poll_ = std::move(after_poll);
}

bool TlsWatch::MaterialChanged() const {
  const TlsFiles& files = options_.files;
  return Contents(files.certificate) != material_.certificate_pem ||
         Contents(files.private_key) != material_.private_key_pem ||
         Contents(files.client_ca) != material_.client_ca_pem;
}

std::string TlsWatch::CrlStamp() const {
  return options_.crl_directory ? DirectoryStamp(*options_.crl_directory) : std::string();
}

// A new generation directory, then the `current` symlink swapped to it in
// one rename: gRPC never reads a key from one generation and a certificate
// from another (the layout its FileWatcherCertificateProvider asks for).
absl::Status TlsWatch::Serve(const TlsMaterial& material) {
  const fs::path& served = options_.served_directory;
  const std::string name = "gen-" + std::to_string(++generation_);
  std::error_code error;
  fs::create_directory(served / name, error);
  if (error) return absl::InternalError("cannot create " + (served / name).string());
  for (const auto& [file, bytes] : {std::pair{"key.pem", &material.private_key_pem},
                                    std::pair{"cert.pem", &material.certificate_pem},
                                    std::pair{"ca.pem", &material.client_ca_pem}}) {
    if (auto written = WriteOwnerOnly(served / name / file, *bytes); !written.ok()) return written;
  }
  fs::remove(served / "current.new", error);
  fs::create_directory_symlink(name, served / "current.new", error);
  if (!error) fs::rename(served / "current.new", served / "current", error);
  if (error)
    return absl::InternalError("cannot switch " + served.string() + ": " + error.message());
  // The generation before stays: a provider may be reading it right now.
  if (generation_ > 2) {
    fs::remove_all(served / ("gen-" + std::to_string(generation_ - 2)), error);
  }
  return absl::OkStatus();
}

void TlsWatch::Refuse(std::string& last, const std::string& what, const absl::Status& why) {
  const std::string text = what + ": " + std::string(why.message());
  if (text == last) return;
  last = text;
  Log()->error("not applied, the broker keeps what it had: {}", text);
}

void TlsWatch::ApplyMaterial(std::time_t now, std::vector<std::string>& changes) {
  auto material = LoadTlsMaterial(options_.files, now);
  if (!material.ok()) {
    Refuse(material_refusal_, "changed TLS files", material.status());
    return;
  }
  if (auto served = Serve(*material); !served.ok()) {
    Refuse(material_refusal_, "changed TLS files", served);
    return;
  }
  for (const auto& warning : material->warnings) Log()->warn("{}", warning);
  std::vector<std::string> parts;
  if (material->certificate_pem != material_.certificate_pem ||
      material->private_key_pem != material_.private_key_pem) {
    parts.push_back("server certificate " + DescribeCertificate(material->certificate_pem) +
                    " replaces " + DescribeCertificate(material_.certificate_pem));
  }
  if (material->client_ca_pem != material_.client_ca_pem) {
    parts.push_back("client CA bundle now " + DescribeBundle(material->client_ca_pem));
  }
  material_ = *std::move(material);
  material_refusal_.clear();
  if (!parts.empty()) {
    changes.push_back(absl::StrJoin(parts, "; ") + " (new connections; open ones keep theirs)");
  }
}

bool TlsWatch::ApplyRevocations(std::time_t now, std::vector<std::string>& changes) {
  const auto& dir = options_.crl_directory;
  if (!dir) return true;
  auto list = identity::RevocationList::Load(*dir, material_.client_ca_pem, now);
  if (!list.ok()) {
    Refuse(crl_refusal_, "revocation lists", list.status());
    return false;
  }
  for (const auto& warning : list->warnings()) Log()->warn("{}", warning);
  const auto before = checks_.revocations();
  const auto added = list->AddedSince(*before);
  const auto lifted = before->AddedSince(*list);
  const size_t in_force = list->size();
  checks_.SetRevocations(std::make_shared<const identity::RevocationList>(*std::move(list)));
  crl_refusal_.clear();
  if (added.empty() && lifted.empty()) return true;
  std::string detail = "certificate revocations from " + dir->string() + ": " +
                       std::to_string(in_force) + " in force";
  if (!added.empty()) detail += "; newly revoked: " + DescribeRevocations(added);
  if (!lifted.empty()) detail += "; no longer listed: " + DescribeRevocations(lifted);
  changes.push_back(std::move(detail));
  return true;
}

void TlsWatch::Poll(std::time_t now) {
  std::vector<std::string> changes;
  OnChange on_change;
  std::function<void()> after_poll;
  {
    absl::MutexLock lock(&mu_);
    const std::string crls = CrlStamp();
    const std::string ca_before = material_.client_ca_pem;
    // A refused change is tried again at the next poll (Refuse logs it once).
    if (MaterialChanged()) ApplyMaterial(now, changes);
    // CRLs are verified against the CA bundle: a new bundle rereads them.
    if ((crls != applied_crls_ || material_.client_ca_pem != ca_before) &&
        ApplyRevocations(now, changes)) {
      applied_crls_ = crls;
    }
    on_change = on_change_;
    after_poll = after_poll_;
  }
  for (const auto& change : changes) {
    Log()->info("{}", change);
    if (on_change) on_change(change);
  }
  if (after_poll) after_poll();
}

}  // namespace safeshare::rpc
