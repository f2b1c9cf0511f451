#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace safeshare {

// A value wrapped in a distinct type, so a case reference cannot be passed
// where an agency is expected (after Redpanda's named_type).
template <typename T, typename Tag>
class StrongId {
 public:
  StrongId() = default;
  explicit StrongId(T value) : value_(std::move(value)) {}

  const T& value() const { return value_; }
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const StrongId&) const = default;

 private:
  T value_{};
};

using AgencyId = StrongId<std::string, struct AgencyIdTag>;
using CaseRef = StrongId<std::string, struct CaseRefTag>;
using NotificationId = StrongId<std::string, struct NotificationIdTag>;
using SubscriptionName = StrongId<std::string, struct SubscriptionNameTag>;
// Commit order of notifications in the store; 0 means "before the first".
using Sequence = StrongId<uint64_t, struct SequenceTag>;

}  // namespace safeshare

template <typename T, typename Tag>
struct std::hash<safeshare::StrongId<T, Tag>> {
  size_t operator()(const safeshare::StrongId<T, Tag>& id) const noexcept {
    return std::hash<T>{}(id.value());
  }
};
