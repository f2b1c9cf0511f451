#include "broker/service/agency_limits.h"

#include "absl/strings/str_cat.h"

namespace safeshare::service {

AgencyLimits::Permit& AgencyLimits::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    GiveBack();
    owner_ = other.owner_;
    count_ = other.count_;
    other.owner_ = nullptr;
    other.count_ = nullptr;
  }
  return *this;
}

void AgencyLimits::Permit::GiveBack() {
  if (owner_ == nullptr) return;
  {
    absl::MutexLock lock(&owner_->mu_);
    --*count_;
  }
  owner_ = nullptr;
  count_ = nullptr;
}

std::optional<AgencyLimits::Permit> AgencyLimits::Take(size_t Counts::*count, size_t limit,
                                                       const AgencyId& agency) {
  absl::MutexLock lock(&mu_);
  size_t& held = counts_[agency].*count;
  if (held >= limit) return std::nullopt;
  ++held;
  return Permit(this, &held);
}

absl::StatusOr<AgencyLimits::Permit> AgencyLimits::StartPublish(const AgencyId& agency) {
  const size_t limit = limits_.For(agency).publishes_in_flight;
  if (auto permit = Take(&Counts::publishes, limit, agency)) return *std::move(permit);
  return absl::ResourceExhaustedError(absl::StrCat(
      "agency '", agency.value(), "' has ", limit,
      " publishes waiting for an answer (limits.per_agency.publishes_in_flight); wait for "
      "answers before sending more, or ask the operator to raise the limit"));
}

absl::StatusOr<AgencyLimits::Permit> AgencyLimits::OpenStream(const AgencyId& agency) {
  const size_t limit = limits_.For(agency).open_streams;
  if (auto permit = Take(&Counts::streams, limit, agency)) return *std::move(permit);
  return absl::ResourceExhaustedError(
      absl::StrCat("agency '", agency.value(), "' has ", limit,
                   " Subscribe streams open (limits.per_agency.open_streams); close streams it "
                   "no longer reads, or ask the operator to raise the limit"));
}

size_t AgencyLimits::PublishesInFlight(const AgencyId& agency) const {
  absl::MutexLock lock(&mu_);
  auto it = counts_.find(agency);
  return it == counts_.end() ? 0 : it->second.publishes;
}

size_t AgencyLimits::OpenStreams(const AgencyId& agency) const {
  absl::MutexLock lock(&mu_);
  auto it = counts_.find(agency);
  return it == counts_.end() ? 0 : it->second.streams;
}

}  // namespace safeshare::service
