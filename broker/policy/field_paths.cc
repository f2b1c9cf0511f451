// Field paths of safeshare.v1.Notification: validation at load, and the two
// reflection walks over a notification (clearing withheld fields, collecting
// person identifiers). Nothing here knows a payload type by name.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/reflection.h>

#include "absl/strings/str_split.h"
#include "broker/core/person_key.h"
#include "broker/core/vocabulary.h"
#include "broker/policy/agreements.h"

namespace safeshare::policy {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string FieldName(const FieldDescriptor* field) { return std::string(field->name()); }

// The problem with the path's first field, if any: envelope fields every
// recipient needs, and a whole payload (nothing would be left to share).
absl::Status CheckRoot(const FieldDescriptor* root, size_t depth) {
  const std::string name = FieldName(root);
  if (IsOneOf(kKeptFields, name)) {
    return absl::InvalidArgumentError(
        "'" + name +
        "' cannot be withheld: recipients need it to file, acknowledge and handle "
        "the notification");
  }
  if (depth == 1 && IsOneOf(kNotificationTypes, name)) {
    return absl::InvalidArgumentError("withholding the whole '" + name +
                                      "' payload shares nothing; use a deny rule instead");
  }
  return absl::OkStatus();
}

// Clears fields[depth..] below `message`; every element of a repeated
// message field on the way. Never creates a message that was not set.
void Clear(const std::vector<const FieldDescriptor*>& fields, size_t depth, Message& message) {
  const FieldDescriptor* field = fields[depth];
  const Reflection* reflection = message.GetReflection();
  if (depth + 1 == fields.size()) {
    reflection->ClearField(&message, field);  // a oneof member: clears the oneof if it is set
    return;
  }
  if (field->is_repeated()) {
    const int size = reflection->FieldSize(message, field);
    for (int i = 0; i < size; ++i) {
      Clear(fields, depth + 1, *reflection->MutableRepeatedMessage(&message, field, i));
    }
  } else if (reflection->HasField(message, field)) {
    Clear(fields, depth + 1, *reflection->MutableMessage(&message, field));
  }
}

using Identifier = std::pair<std::string, std::string>;

void Collect(const Message& message, std::set<Identifier>& seen, std::vector<Identifier>& out) {
  const Descriptor* type = message.GetDescriptor();
  const Reflection* reflection = message.GetReflection();
  if (type == v1::PersonIdentifier::descriptor()) {
    const auto& id = static_cast<const v1::PersonIdentifier&>(message);
    Identifier pair{std::string(v1::IdentifierScheme_Name(id.scheme())), id.value()};
    // A value of only spaces names nobody (it would match every other blank).
    if (!PersonKey::Normalise(id.value()).empty() && seen.insert(pair).second) {
      out.push_back(std::move(pair));
    }
    return;
  }
  std::vector<const FieldDescriptor*> set_fields;
  reflection->ListFields(message, &set_fields);
  for (const FieldDescriptor* field : set_fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      const int size = reflection->FieldSize(message, field);
      for (int i = 0; i < size; ++i) {
        Collect(reflection->GetRepeatedMessage(message, field, i), seen, out);
      }
    } else {
      Collect(reflection->GetMessage(message, field), seen, out);
    }
  }
}

}  // namespace

absl::StatusOr<FieldPath> ParseFieldPath(std::string_view text) {
  FieldPath path{std::string(text), {}};
  const Descriptor* type = v1::Notification::descriptor();
  for (const absl::string_view part :
       absl::StrSplit(absl::string_view(text.data(), text.size()), '.')) {
    if (part.empty()) {
      return absl::InvalidArgumentError("'" + path.text +
                                        "' is not a field path (names joined by '.')");
    }
    if (type == nullptr) {
      return absl::InvalidArgumentError("'" + FieldName(path.fields.back()) +
                                        "' is not a message; a path cannot go through it to '" +
                                        std::string(part) + "'");
    }
    const FieldDescriptor* field = type->FindFieldByName(std::string(part));
    if (field == nullptr) {
      return absl::InvalidArgumentError("unknown field '" + std::string(part) + "' in " +
                                        std::string(type->full_name()));
    }
    path.fields.push_back(field);
    type = field->message_type();  // null for a scalar, enum or string
  }
  if (auto status = CheckRoot(path.fields.front(), path.fields.size()); !status.ok()) {
    return status;
  }
  return path;
}

bool AppliesTo(const FieldPath& path, std::string_view type) {
  const std::string root = FieldName(path.fields.front());
  return !IsOneOf(kNotificationTypes, root) || root == type;
}

void Withhold(const std::vector<FieldPath>& withheld, v1::Notification& full) {
  for (const auto& path : withheld) Clear(path.fields, 0, full);
}

std::vector<std::pair<std::string, std::string>> NamedIdentifiers(const v1::Notification& n) {
  std::set<Identifier> seen;
  std::vector<Identifier> out;
  Collect(n, seen, out);
  return out;
}

}  // namespace safeshare::policy
