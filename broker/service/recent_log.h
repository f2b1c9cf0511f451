#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "broker/store/records.h"

namespace safeshare::service {

// A notification as committed, kept in memory for fan-out.
struct CommittedNotification {
  Sequence sequence;
  NotificationId id;
  CaseRef case_ref;
  std::string type;  // schema::TypeOf, for subscription filters
  std::string purpose;
  std::string content_hash;
  std::shared_ptr<const std::string> body;
  std::vector<store::Recipient> recipients;
  std::vector<store::View> views;  // recipient.view k >= 1 receives views[k-1]

  // The body and content hash `recipient` receives.
  const std::shared_ptr<const std::string>& BodyFor(const store::Recipient& r) const {
    return r.view == 0 ? body : views[r.view - 1].body;
  }
  const std::string& HashFor(const store::Recipient& r) const {
    return r.view == 0 ? content_hash : views[r.view - 1].content_hash;
  }
};

// The tail of the store's notification log in memory, so streams that keep
// up are fed without reading the database (as a log-structured broker serves
// consumers at the head from its page cache). Bounded by bytes; older entries
// are evicted and readers behind the tail fall back to the store.
// Thread-safe.
class RecentLog {
 public:
  struct Match {
    std::shared_ptr<const CommittedNotification> notification;
    const store::Recipient* recipient;  // points into *notification
  };
  struct Slice {
    std::vector<Match> matches;
    Sequence scanned_through;  // every entry up to here was examined
  };

  explicit RecentLog(size_t max_bytes) : max_bytes_(max_bytes) {}

  // REQUIRES: called in commit order, with consecutive sequences.
  void Append(std::shared_ptr<const CommittedNotification> notification);

  // Drops every entry through `through` (readers of them go to the store).
  void Forget(Sequence through);

  // Up to `max` notifications for `agency` after `after` that `filter`
  // matches, or nullopt when the log does not hold everything after `after`
  // (read the store).
  std::optional<Slice> Read(const AgencyId& agency, const store::DeliveryFilter& filter,
                            Sequence after, size_t max) const;

 private:
  static size_t Cost(const CommittedNotification& n);

  const size_t max_bytes_;
  mutable absl::Mutex mu_;
  std::deque<std::shared_ptr<const CommittedNotification>> entries_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace safeshare::service
