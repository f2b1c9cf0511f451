#include "broker/audit/encoding.h"

namespace safeshare::audit {
namespace {

void PutBigEndian(std::string& out, uint64_t value, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void PutInt(std::string& out, int64_t value) {
  PutBigEndian(out, static_cast<uint64_t>(value), 8);  // two's complement
}

void PutString(std::string& out, std::string_view text) {
  PutBigEndian(out, static_cast<uint32_t>(text.size()), 4);
  out.append(text);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string Encode(const Entry& e) {
  std::string out;
  out.reserve(512);
  out.push_back(static_cast<char>(kEncodingVersion));
  PutInt(out, e.id);
  PutInt(out, e.at_micros);
  PutInt(out, e.clock_stepped_back_from);
  for (std::string_view field :
       {std::string_view(e.actor), ActionName(e.action), std::string_view(e.notification_id),
        std::string_view(e.case_ref), std::string_view(e.recipient),
        std::string_view(e.subscription), std::string_view(e.rule),
        std::string_view(e.lawful_basis), std::string_view(e.purpose), std::string_view(e.detail),
        std::string_view(e.content_hash)}) {
    PutString(out, field);
  }
  return out;
}

std::optional<std::string> HashBytes(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  std::string bytes(32, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const int high = HexDigit(hex[2 * i]), low = HexDigit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes[i] = static_cast<char>(high << 4 | low);
  }
  return bytes;
}

}  // namespace safeshare::audit
