// Fuzzes audit::DecodeLines, which reads the lines column of every audit
// row a store (or a copy of one being verified) holds. Bytes it accepts
// must re-encode to themselves: the entry hash covers them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "broker/audit/encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  safeshare::audit::Entry entry;
  if (!safeshare::audit::DecodeLines(bytes, entry).ok()) return 0;
  if (!bytes.empty() && safeshare::audit::EncodeLines(entry) != bytes) std::abort();
  return 0;
}
