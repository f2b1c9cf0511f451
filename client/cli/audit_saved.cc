#include "audit_saved.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <sstream>

#include "absl/strings/numbers.h"
#include "broker/audit/entry_proto.h"

namespace safeshare::cli {
namespace {

namespace fs = std::filesystem;

// The files DIR/<prefix>*<suffix>, ordered by the number after the prefix
// (checkpoint-150 after checkpoint-20; entries-101-200 after entries-1-100).
std::vector<fs::path> Numbered(const fs::path& dir, std::string_view prefix,
                               std::string_view suffix) {
  std::vector<std::pair<uint64_t, fs::path>> found;
  std::error_code error;
  for (const auto& item : fs::directory_iterator(dir, error)) {
    const std::string name = item.path().filename().string();
    if (!name.starts_with(prefix) || !name.ends_with(suffix)) continue;
    const std::string rest = name.substr(prefix.size());
    uint64_t number = 0;
    if (!absl::SimpleAtoi(rest.substr(0, rest.find_first_not_of("0123456789")), &number)) continue;
    found.emplace_back(number, item.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> paths;
  paths.reserve(found.size());
  for (auto& [number, path] : found) paths.push_back(std::move(path));
  return paths;
}

absl::StatusOr<std::string> ReadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return absl::NotFoundError(file.string() + ": cannot read it");
  return text.str();
}

// `message`: the line as decoded, before FromProto (which drops leaf_hash).
absl::StatusOr<audit::Entry> ParseLine(const std::string& line, v1::AuditEntry& message) {
  const auto parsed = google::protobuf::util::JsonStringToMessage(line, &message);
  if (!parsed.ok()) return absl::DataLossError("not an audit entry (" + parsed.ToString() + ")");
  auto entry = audit::FromProto(message);
  if (!entry.ok()) return absl::DataLossError(std::string(entry.status().message()));
  return entry;
}

std::string At(const std::string& name, uint64_t line) {
  return name + " line " + std::to_string(line) + ": ";
}

}  // namespace

absl::StatusOr<std::vector<audit::SavedCheckpoint>> LoadSavedCheckpoints(
    const fs::path& dir, const audit::CheckpointVerifier& key) {
  if (!fs::is_directory(dir)) return absl::NotFoundError(dir.string() + ": no such directory");
  std::vector<audit::SavedCheckpoint> saved;
  for (const auto& file : Numbered(dir, "checkpoint-", ".txt")) {
    auto note = ReadFile(file);
    if (!note.ok()) return note.status();
    const std::string name = file.filename().string();
    auto head = key.Open(*note);
    if (!head.ok()) {
      return absl::Status(head.status().code(),
                          "checkpoint " + name + ": " + std::string(head.status().message()));
    }
    saved.push_back({.source = name, .head = std::move(*head)});
  }
  if (saved.empty()) {
    return absl::NotFoundError(dir.string() +
                               " holds no checkpoint-*.txt: save checkpoints with `safeshare "
                               "audit checkpoint --save " +
                               dir.string() + "`");
  }
  return saved;
}

absl::Status ReadExport(const fs::path& file, const ExportSink& sink) {
  std::ifstream in(file);
  if (!in) return absl::NotFoundError(file.string() + ": cannot read it");
  const std::string name = file.filename().string();
  std::string line;
  bool first = true;
  for (uint64_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    if (first && !line.starts_with('{')) {
      return absl::InvalidArgumentError(
          file.string() + ": not a JSON-lines export (" +
          (line.starts_with("index,") ? "it is a CSV export" : "its first line is no JSON object") +
          "): verify reads the JSON-lines export, one entry per line, that `safeshare audit "
          "export --format jsonl` writes");
    }
    first = false;
    v1::AuditEntry message;
    auto entry = ParseLine(line, message);
    if (!entry.ok())
      return absl::DataLossError(At(name, number) + std::string(entry.status().message()));
    if (!sink(*entry, message)) return absl::OkStatus();
  }
  if (in.bad()) return absl::DataLossError(name + ": cannot read it to the end");
  return absl::OkStatus();
}

SavedEntries::SavedEntries(const fs::path& dir) : files_(Numbered(dir, "entries-", ".jsonl")) {}

std::optional<audit::Entry> SavedEntries::Find(int64_t id) {
  while ((!current_ || current_->id < id) && Advance()) {
  }
  if (current_ && current_->id == id) return current_;
  return std::nullopt;
}

std::optional<audit::Entry> SavedEntries::Next() {
  if (!Advance()) return std::nullopt;
  return std::move(current_);
}

bool SavedEntries::Advance() {
  current_.reset();
  std::string line;
  while (status_.ok()) {
    if (in_.is_open() && std::getline(in_, line)) {
      ++line_;
      if (line.empty()) continue;
      v1::AuditEntry message;
      auto entry = ParseLine(line, message);
      if (!entry.ok()) {
        status_ = absl::DataLossError(At(name_, line_) + std::string(entry.status().message()));
        return false;
      }
      current_ = std::move(*entry);
      return true;
    }
    if (next_file_ == files_.size()) return false;
    in_ = std::ifstream(files_[next_file_]);
    name_ = files_[next_file_++].filename().string();
    line_ = 0;
    if (!in_) status_ = absl::NotFoundError(name_ + ": cannot read it");
  }
  return false;
}

}  // namespace safeshare::cli
