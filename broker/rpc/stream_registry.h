#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "broker/identity/peer_certificate.h"

namespace safeshare::rpc {

// The open Subscribe streams, so shutdown can end them promptly (a stream
// never ends by itself) instead of waiting for the server's deadline, and
// so a stream whose certificate is revoked or expires while it is open can
// be ended. Thread-safe.
class StreamRegistry {
 public:
  using End = std::function<void(absl::Status)>;  // must only schedule work, not block

  struct Stream {
    std::string agency;
    std::shared_ptr<const identity::PeerCertificate> certificate;  // may be null
    End end;
  };

  uint64_t Add(Stream stream) {
    absl::Status stopping;
    {
      absl::MutexLock lock(&mu_);
      if (!stopping_) {
        streams_.emplace(next_, std::move(stream));
        return next_++;
      }
      stopping = stopping_status_;
    }
    stream.end(std::move(stopping));
    return 0;
  }

  void Remove(uint64_t token) {
    absl::MutexLock lock(&mu_);
    streams_.erase(token);
  }

  // Ends every open stream with `why`; streams added later end at once.
  // The ends run without the lock: a stream may leave (Remove) meanwhile.
  void StopAll(const absl::Status& why) {
    std::vector<End> ends;
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      stopping_status_ = why;
      for (auto& [token, stream] : streams_) ends.push_back(stream.end);
    }
    for (auto& end : ends) end(why);
  }

  // Takes out, for the caller to end, every stream whose certificate `check`
  // refuses, with the refusal; a stream is taken out once.
  std::vector<std::pair<Stream, absl::Status>> TakeRefused(
      const std::function<absl::Status(const identity::PeerCertificate&)>& check) {
    std::vector<std::pair<Stream, absl::Status>> refused;
    absl::MutexLock lock(&mu_);
    for (auto it = streams_.begin(); it != streams_.end();) {
      absl::Status why = it->second.certificate ? check(*it->second.certificate) : absl::OkStatus();
      if (why.ok()) {
        ++it;
        continue;
      }
      refused.emplace_back(std::move(it->second), std::move(why));
      it = streams_.erase(it);
    }
    return refused;
  }

 private:
  absl::Mutex mu_;
  uint64_t next_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status stopping_status_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, Stream> streams_ ABSL_GUARDED_BY(mu_);
};

}  // namespace safeshare::rpc
