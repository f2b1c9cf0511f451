#pragma once

#include <string>

namespace safeshare {

// A UUID version 7 (RFC 9562): 48-bit Unix milliseconds then random bits, so
// identifiers sort by creation time and are unique across brokers.
std::string NewUuidV7();

}  // namespace safeshare
