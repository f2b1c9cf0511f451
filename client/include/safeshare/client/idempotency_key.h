#ifndef SAFESHARE_CLIENT_IDEMPOTENCY_KEY_H_
#define SAFESHARE_CLIENT_IDEMPOTENCY_KEY_H_

#include <string>

#include "absl/status/statusor.h"

namespace safeshare::client {

// A random UUID v4 in canonical lowercase text ("xxxxxxxx-xxxx-4xxx-yxxx-
// xxxxxxxxxxxx"), from OpenSSL's CSPRNG. A publisher that must survive its
// own restart should make the key with this, store it with the outgoing
// notification, and reuse it on every retry. INTERNAL if the CSPRNG fails.
absl::StatusOr<std::string> NewIdempotencyKey();

}  // namespace safeshare::client

#endif  // SAFESHARE_CLIENT_IDEMPOTENCY_KEY_H_
