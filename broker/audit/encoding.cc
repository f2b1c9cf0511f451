#include "broker/audit/encoding.h"

#include <utility>

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

void PutLine(std::string& out, const Line& line) {
  PutString(out, ActionName(line.outcome));
  PutString(out, line.agency);
  PutString(out, line.notification_id);
  PutString(out, line.case_ref);
  PutInt(out, line.sequence);
  for (std::string_view field :
       {std::string_view(line.agreement), std::string_view(line.rule),
        std::string_view(line.purpose), std::string_view(line.lawful_basis),
        std::string_view(line.content_hash), std::string_view(line.detail)}) {
    PutString(out, field);
  }
}

// Reads EncodeLines' layout front to back; the first shortfall sticks.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  uint64_t BigEndian(size_t width) {
    if (!Need(width)) return 0;
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i) {
      value = value << 8 | static_cast<unsigned char>(bytes_[offset_ + i]);
    }
    offset_ += width;
    return value;
  }
  int64_t Int() { return static_cast<int64_t>(BigEndian(8)); }
  uint32_t Count() { return static_cast<uint32_t>(BigEndian(4)); }
  std::string String() {
    const size_t length = Count();
    if (!Need(length)) return std::string();
    std::string text(bytes_.substr(offset_, length));
    offset_ += length;
    return text;
  }
  // False once a read ran past the end; a count larger than the bytes left
  // can hold (at least 4 bytes per item) is refused before anything is
  // reserved for it.
  bool CanHold(uint32_t items) {
    if (items <= (bytes_.size() - offset_) / 4) return true;
    Fail("a count of " + std::to_string(items) + " does not fit the bytes left");
    return false;
  }
  void Fail(const std::string& why) {
    if (error_.ok()) {
      error_ = absl::DataLossError("audit lines, byte " + std::to_string(offset_) + ": " + why);
    }
    offset_ = bytes_.size();
  }
  absl::Status Finish() {
    if (error_.ok() && offset_ != bytes_.size()) {
      Fail(std::to_string(bytes_.size() - offset_) + " bytes after the last person hash");
    }
    return error_;
  }
  bool ok() const { return error_.ok(); }

 private:
  bool Need(size_t width) {
    if (error_.ok() && bytes_.size() - offset_ >= width) return true;
    Fail("truncated");
    return false;
  }
  std::string_view bytes_;
  size_t offset_ = 0;
  absl::Status error_;
};

Line ReadLine(Reader& in) {
  Line line;
  const std::string outcome = in.String();
  if (in.ok() && !ParseAction(outcome, line.outcome)) {
    in.Fail("unknown outcome \"" + outcome + "\"");
  }
  line.agency = in.String();
  line.notification_id = in.String();
  line.case_ref = in.String();
  line.sequence = in.Int();
  line.agreement = in.String();
  line.rule = in.String();
  line.purpose = in.String();
  line.lawful_basis = in.String();
  line.content_hash = in.String();
  line.detail = in.String();
  return line;
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
  out.push_back(static_cast<char>(e.version));
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
  // Version 1 stops here, exactly as it was written before lines existed.
  if (HasLinesSection(e)) out += EncodeLines(e);
  return out;
}

bool HasLinesSection(const Entry& e) {
  return e.version != kEncodingVersion1 || !e.lines.empty() || !e.person_hashes.empty();
}

std::string EncodeLines(const Entry& e) {
  std::string out;
  PutBigEndian(out, static_cast<uint32_t>(e.lines.size()), 4);
  for (const auto& line : e.lines) PutLine(out, line);
  PutBigEndian(out, static_cast<uint32_t>(e.person_hashes.size()), 4);
  for (const auto& person : e.person_hashes) PutString(out, person);
  return out;
}

absl::Status DecodeLines(std::string_view bytes, Entry& entry) {
  entry.lines.clear();
  entry.person_hashes.clear();
  if (bytes.empty()) return absl::OkStatus();
  Reader in(bytes);
  std::vector<Line> lines;
  const uint32_t line_count = in.Count();
  if (in.CanHold(line_count)) {
    lines.reserve(line_count);
    for (uint32_t i = 0; i < line_count && in.ok(); ++i) lines.push_back(ReadLine(in));
  }
  std::vector<std::string> persons;
  const uint32_t person_count = in.Count();
  if (in.CanHold(person_count)) {
    persons.reserve(person_count);
    for (uint32_t i = 0; i < person_count && in.ok(); ++i) persons.push_back(in.String());
  }
  if (auto status = in.Finish(); !status.ok()) return status;
  entry.lines = std::move(lines);
  entry.person_hashes = std::move(persons);
  return absl::OkStatus();
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
