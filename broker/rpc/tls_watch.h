#pragma once

#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "broker/identity/certificate_checks.h"
#include "broker/rpc/stream_ticker.h"
#include "broker/rpc/tls_files.h"

namespace safeshare::rpc {

struct TlsWatchOptions {
  TlsFiles files;
  // tls.crl_directory: CRLs of the partnership CA(s); none configured means
  // nothing can be revoked (the broker warns at start-up).
  std::optional<std::filesystem::path> crl_directory;
  // Where the checked copy gRPC serves from lives (owner-only; emptied at
  // start). Never the configured files themselves: a certificate is served
  // only once LoadTlsMaterial accepted it.
  std::filesystem::path served_directory;
  std::chrono::seconds refresh{10};  // tls.refresh_seconds
};

// Keeps the broker's TLS material current while it serves, so neither a
// revocation nor a new server certificate needs a restart. Every `refresh`
// it rereads the configured certificate, key, CA bundle and CRL directory:
//   - a changed certificate, key or CA bundle is checked as at start-up
//     (LoadTlsMaterial) and, when sound, written as a new generation of the
//     served copy, which gRPC's FileWatcherCertificateProvider picks up
//     within `refresh` for new handshakes (open connections keep theirs);
//     when not sound, the broker keeps serving the previous one and logs why;
//   - a changed CRL directory (or CA bundle) is loaded and verified, and its
//     list replaces the one `checks` applies; a directory that fails to load
//     leaves the previous list in force, so no revocation is forgotten.
// After each applied change `on_change` gets a one-line description (for
// the audit log; no personal data); after every poll `after_poll` runs (the
// broker ends streams whose certificates no longer pass). Thread-safe.
class TlsWatch {
 public:
  using OnChange = std::function<void(const std::string& detail)>;

  // Loads and checks everything, writes the served copy, and starts polling.
  // Errors are the start-up errors: the broker must not start.
  static absl::StatusOr<std::unique_ptr<TlsWatch>> Start(TlsWatchOptions options,
                                                         identity::CertificateChecks& checks,
                                                         std::time_t now);
  ~TlsWatch();
  TlsWatch(const TlsWatch&) = delete;
  TlsWatch& operator=(const TlsWatch&) = delete;

  // The served copy, for the gRPC provider (paths through the `current`
  // symlink, which a new generation replaces atomically).
  std::string served_private_key() const;
  std::string served_certificate() const;
  std::string served_client_ca() const;
  // Warnings of the start-up load (certificates expiring soon, stale CRLs,
  // no CRL directory).
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Call before serving: set once.
  void SetListeners(OnChange on_change, std::function<void()> after_poll);
  // Rereads now (the ticker calls this every `refresh`).
  void Poll(std::time_t now);
  // Stops polling; call before the listeners' targets go.
  void Stop();

 private:
  TlsWatch(TlsWatchOptions options, identity::CertificateChecks& checks);
  // Whether the configured files differ from the material served.
  bool MaterialChanged() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Names, sizes and modification times of the CRL directory's files.
  std::string CrlStamp() const;
  absl::Status Serve(const TlsMaterial& material) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Each applies what changed, adding its description to `changes`; a
  // refused change is logged and left as it was. ApplyRevocations says
  // whether it applied.
  void ApplyMaterial(std::time_t now, std::vector<std::string>& changes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool ApplyRevocations(std::time_t now, std::vector<std::string>& changes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Logs a refused change once, not on every poll (`last`: the previous one).
  void Refuse(std::string& last, const std::string& what, const absl::Status& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const TlsWatchOptions options_;
  identity::CertificateChecks& checks_;
  std::vector<std::string> warnings_;
  absl::Mutex mu_;
  TlsMaterial material_ ABSL_GUARDED_BY(mu_);      // what is served
  std::string applied_crls_ ABSL_GUARDED_BY(mu_);  // CrlStamp() of the list in force
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::string material_refusal_ ABSL_GUARDED_BY(mu_);
  std::string crl_refusal_ ABSL_GUARDED_BY(mu_);
  OnChange on_change_ ABSL_GUARDED_BY(mu_);
  std::function<void()> after_poll_ ABSL_GUARDED_BY(mu_);
  boost::asio::thread_pool pool_{1};
  std::unique_ptr<StreamTicker> ticker_;
};

}  // namespace safeshare::rpc
