#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "broker/core/strong_id.h"

namespace safeshare::store {

// A recipient of a notification and the sharing rule that allows it.
struct Recipient {
  AgencyId agency;
  std::string rule;
  std::string lawful_basis;
};

// A validated, routed notification ready to be made durable.
struct NewNotification {
  NotificationId id;  // fresh; discarded when the idempotency key was seen before
  AgencyId publisher;
  std::string idempotency_key;
  CaseRef case_ref;
  std::string type;
  std::string purpose;
  // Serialized safeshare.v1.Notification, shared with the fan-out so the
  // payload is never copied per recipient.
  std::shared_ptr<const std::string> body;
  std::string content_hash;  // hex SHA-256 of *body
  // Hex SHA-256 of the notification as the publisher sent it (deterministic
  // serialization, before the broker stamps id and publisher): a retry with
  // the same key must carry the same content.
  std::string request_hash;
  std::vector<Recipient> recipients;
  std::vector<AgencyId> withheld;
};

struct PublishResult {
  NotificationId id;
  Sequence sequence;
  std::vector<AgencyId> routed_to;
  bool duplicate = false;
};

// A publish refused before it was stored, to be recorded in the audit log.
struct Refusal {
  AgencyId publisher;
  std::string case_ref;  // empty unless it was a well-formed reference
  std::string type;
  std::string reason;
};

// What a recipient and the audit log know of one delivery, content aside.
struct DeliveryFacts {
  Sequence sequence;
  NotificationId id;
  CaseRef case_ref;
  std::string rule;
  std::string lawful_basis;
  std::string purpose;
  std::string content_hash;
};

// One notification as a recipient agency receives it.
struct StoredDelivery : DeliveryFacts {
  std::string body;
};

// A delivery handed to a subscription stream, for the audit log.
struct DeliveredEvent : DeliveryFacts {
  AgencyId recipient;
  SubscriptionName subscription;
};

struct AckResult {
  Sequence acknowledged_through;
  uint32_t newly_acknowledged = 0;
};

}  // namespace safeshare::store
