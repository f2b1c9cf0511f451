#pragma once

#include <cstddef>
#include <map>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "broker/core/strong_id.h"

namespace safeshare::service {

// What one agency may have open at once (config `limits.per_agency`,
// overridable per agency under `agencies[].limits`).
struct AgencyQuota {
  size_t publishes_in_flight = 256;  // publishes not yet answered
  size_t open_streams = 32;          // Subscribe streams not yet ended
};
struct LimitsByAgency {
  AgencyQuota defaults;
  std::map<AgencyId, AgencyQuota> agencies;  // overrides
  const AgencyQuota& For(const AgencyId& agency) const {
    auto it = agencies.find(agency);
    return it == agencies.end() ? defaults : it->second;
  }
};

// Counts what each agency has open and refuses beyond its limits, so one
// agency's flood (a stuck retry loop, a leak of streams) cannot take the
// broker's memory and the store's queue from the others. A refusal decides
// nothing about sharing: the caller logs it; it is not audited (an audit
// write per refusal would add load just when the broker is overloaded).
// Thread-safe; must outlive every Permit it hands out.
class AgencyLimits {
 public:
  // One unit of an agency's count, given back when the permit is destroyed
  // (or assigned over). Movable, not copyable; a moved-from or
  // default-constructed permit holds nothing.
  class Permit {
   public:
    Permit() = default;
    Permit(Permit&& other) noexcept { *this = std::move(other); }
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit() { GiveBack(); }

    bool held() const { return owner_ != nullptr; }

   private:
    friend class AgencyLimits;
    Permit(AgencyLimits* owner, size_t* count) : owner_(owner), count_(count) {}
    void GiveBack();

    AgencyLimits* owner_ = nullptr;
    size_t* count_ = nullptr;  // in owner_->counts_, guarded by owner_->mu_
  };

  explicit AgencyLimits(LimitsByAgency limits) : limits_(std::move(limits)) {}

  // A permit for one publish until it is answered; RESOURCE_EXHAUSTED when
  // the agency has `publishes_in_flight` unanswered, naming the agency, the
  // count and limits.per_agency.publishes_in_flight.
  absl::StatusOr<Permit> StartPublish(const AgencyId& agency);
  // A permit for one Subscribe stream until it ends; RESOURCE_EXHAUSTED when
  // the agency has `open_streams` open, naming limits.per_agency.open_streams.
  absl::StatusOr<Permit> OpenStream(const AgencyId& agency);

  // What the agency holds now (for tests and diagnostics).
  size_t PublishesInFlight(const AgencyId& agency) const;
  size_t OpenStreams(const AgencyId& agency) const;

 private:
  struct Counts {
    size_t publishes = 0;
    size_t streams = 0;
  };

  // A permit on `count` (a field of the agency's Counts); none when it is
  // at `limit`.
  std::optional<Permit> Take(size_t Counts::*count, size_t limit, const AgencyId& agency);

  const LimitsByAgency limits_;
  mutable absl::Mutex mu_;
  // Entries are never erased, so a permit's pointer into one stays valid.
  std::map<AgencyId, Counts> counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace safeshare::service
