#include "broker/schema/notification_validator.h"

#include <set>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/unknown_field_set.h>

#include "broker/schema/field_check.h"
#include "broker/schema/payload_rules.h"

namespace safeshare::schema {
namespace {

constexpr std::string_view kEnvelope = "notification";

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Where a value sits in the notification ("notification.children_considered[0]
// .identifiers[1].scheme"), as a chain on the stack: the text is built only
// when a check fails, so walking a valid notification allocates no paths.
struct PathNode {
  const PathNode* parent;
  std::string_view name;
  int index;  // position in a repeated field, or -1

  std::string Text() const {
    std::string text = parent == nullptr ? "" : parent->Text() + ".";
    text += name;
    return index < 0 ? text : Indexed(text, index);
  }
};

// The names of an enum's defined values other than the UNSPECIFIED zero.
std::string DefinedValues(const google::protobuf::EnumDescriptor& type) {
  std::string names;
  for (int i = 0; i < type.value_count(); ++i) {
    if (type.value(i)->number() == 0) continue;
    names += (names.empty() ? "" : ", ") + type.value(i)->name();
  }
  return names;
}

// proto3 enums are open: a number the contract does not define is parsed and
// kept as an int, so it has to be refused here.
absl::Status CheckEnumNumber(const PathNode& at, const FieldDescriptor& field, int number) {
  const auto& type = *field.enum_type();
  if (type.FindValueByNumber(number) != nullptr) return absl::OkStatus();
  return FieldError(at.Text(), std::to_string(number) + " is not a defined " + type.name() +
                                   " value; use one of " + DefinedValues(type));
}

absl::Status CheckDefined(const Message& m, const PathNode& at);

absl::Status CheckDefinedField(const Message& m, const FieldDescriptor& field,
                               const PathNode& parent) {
  const auto& r = *m.GetReflection();
  if (field.is_repeated() && r.FieldSize(m, &field) > kMaxRepeated) {
    return FieldError(PathNode{&parent, field.name(), -1}.Text(),
                      std::to_string(r.FieldSize(m, &field)) + " entries, at most " +
                          std::to_string(kMaxRepeated) +
                          "; a notification is about one household: split it, or list the rest "
                          "in the summary text");
  }
  const bool is_message = field.type() == FieldDescriptor::TYPE_MESSAGE;
  if (!is_message && field.type() != FieldDescriptor::TYPE_ENUM) return absl::OkStatus();
  if (!field.is_repeated()) {
    const PathNode at{&parent, field.name(), -1};
    return is_message ? CheckDefined(r.GetMessage(m, &field), at)
                      : CheckEnumNumber(at, field, r.GetEnumValue(m, &field));
  }
  for (int i = 0; i < r.FieldSize(m, &field); ++i) {
    const PathNode at{&parent, field.name(), i};
    SAFESHARE_RETURN_IF_ERROR(
        is_message ? CheckDefined(r.GetRepeatedMessage(m, &field, i), at)
                   : CheckEnumNumber(at, field, r.GetRepeatedEnumValue(m, &field, i)));
  }
  return absl::OkStatus();
}

// Refuses fields the contract does not define (kept by the parser as unknown
// fields, and otherwise stored and forwarded to recipients unchecked) and
// enum numbers without a defined value, anywhere in `m`.
absl::Status CheckDefined(const Message& m, const PathNode& at) {
  const auto& r = *m.GetReflection();
  if (const auto& unknown = r.GetUnknownFields(m); !unknown.empty()) {
    return FieldError(at.Text(), "field number " + std::to_string(unknown.field(0).number()) +
                                     " is not part of " + m.GetDescriptor()->full_name() +
                                     "; send only the fields of the safeshare.v1 contract");
  }
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(m, &fields);
  for (const auto* field : fields) SAFESHARE_RETURN_IF_ERROR(CheckDefinedField(m, *field, at));
  return absl::OkStatus();
}

absl::Status CheckReference(std::string_view path, const std::string& value) {
  SAFESHARE_RETURN_IF_ERROR(RequireText(path, value, 64));
  if (!IsReference(value)) return FieldError(path, "use only letters, digits and - _ / .");
  return absl::OkStatus();
}

absl::Status CheckIdentifiers(const std::string& path,
                              const google::protobuf::RepeatedPtrField<v1::PersonIdentifier>& ids) {
  for (int i = 0; i < ids.size(); ++i) {
    const auto at = Indexed(path, i);
    SAFESHARE_RETURN_IF_ERROR(RequireEnum(at + ".scheme", ids[i].scheme()));
    SAFESHARE_RETURN_IF_ERROR(RequireText(at + ".value", ids[i].value(), 64));
  }
  return absl::OkStatus();
}

absl::Status CheckChildren(const v1::Notification& n) {
  const std::string path = "notification.children_considered";
  if (n.children_considered().empty()) {
    return FieldError(path, "at least one child is required; list every child of the household");
  }
  std::set<std::string> refs;
  for (int i = 0; i < n.children_considered_size(); ++i) {
    const auto& child = n.children_considered(i);
    const auto at = Indexed(path, i);
    SAFESHARE_RETURN_IF_ERROR(CheckReference(at + ".child_ref", child.child_ref()));
    if (!refs.insert(child.child_ref()).second)
      return FieldError(at + ".child_ref", "duplicate child_ref");
    SAFESHARE_RETURN_IF_ERROR(RequireText(at + ".display_name", child.display_name(), 200));
    if (child.has_date_of_birth()) {
      SAFESHARE_RETURN_IF_ERROR(RequireDate(at + ".date_of_birth", true, child.date_of_birth()));
    }
    SAFESHARE_RETURN_IF_ERROR(CheckIdentifiers(at + ".identifiers", child.identifiers()));
  }
  return absl::OkStatus();
}

absl::Status CheckPersons(const v1::Notification& n) {
  const std::string path = "notification.persons_of_concern";
  std::set<std::string> refs;
  for (int i = 0; i < n.persons_of_concern_size(); ++i) {
    const auto& person = n.persons_of_concern(i);
    const auto at = Indexed(path, i);
    SAFESHARE_RETURN_IF_ERROR(CheckReference(at + ".person_ref", person.person_ref()));
    if (!refs.insert(person.person_ref()).second)
      return FieldError(at + ".person_ref", "duplicate person_ref");
    SAFESHARE_RETURN_IF_ERROR(RequireEnum(at + ".role", person.role()));
    SAFESHARE_RETURN_IF_ERROR(CheckIdentifiers(at + ".identifiers", person.identifiers()));
  }
  return absl::OkStatus();
}

absl::Status CheckEnvelope(const v1::Notification& n) {
  if (!n.notification_id().empty()) {
    return FieldError("notification.notification_id", "assigned by the broker; leave it empty");
  }
  if (!n.publisher().empty()) {
    return FieldError("notification.publisher",
                      "set by the broker from your certificate; leave it empty");
  }
  SAFESHARE_RETURN_IF_ERROR(RequireText("notification.idempotency_key", n.idempotency_key(), 128));
  SAFESHARE_RETURN_IF_ERROR(CheckReference("notification.case_ref", n.case_ref()));
  SAFESHARE_RETURN_IF_ERROR(CheckChildren(n));
  SAFESHARE_RETURN_IF_ERROR(CheckPersons(n));
  SAFESHARE_RETURN_IF_ERROR(RequireEnum("notification.purpose", n.purpose()));
  SAFESHARE_RETURN_IF_ERROR(RequireEnum("notification.lawful_basis", n.lawful_basis()));
  SAFESHARE_RETURN_IF_ERROR(RequireEnum("notification.classification", n.classification()));
  return RequireTime("notification.created_at", n.has_created_at(), n.created_at());
}

}  // namespace

bool IsReference(std::string_view value) {
  if (value.empty() || value.size() > 64) return false;
  for (char c : value) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '/' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string_view TypeOf(const v1::Notification& notification) {
  const auto* oneof = v1::Notification::descriptor()->FindOneofByName("payload");
  const auto* field = notification.GetReflection()->GetOneofFieldDescriptor(notification, oneof);
  return field == nullptr ? std::string_view() : std::string_view(field->name());
}

absl::Status ValidateForPublish(const v1::Notification& n) {
  SAFESHARE_RETURN_IF_ERROR(CheckDefined(n, PathNode{nullptr, kEnvelope, -1}));
  SAFESHARE_RETURN_IF_ERROR(CheckEnvelope(n));
  switch (n.payload_case()) {
    case v1::Notification::kStrategyMinutes:
      return CheckStrategyMinutes(n);
    case v1::Notification::kAbeInterviewRecord:
      return CheckAbeInterviewRecord(n);
    case v1::Notification::kInvestigationOutcome:
      return CheckInvestigationOutcome(n);
    case v1::Notification::kProbationRiskUpdate:
      return CheckProbationRiskUpdate(n);
    case v1::Notification::kEscalation:
      return absl::PermissionDeniedError(
          "notification.escalation: escalations are raised by the broker when a deadline "
          "passes; an agency cannot publish one (send one of strategy_minutes, "
          "abe_interview_record, investigation_outcome, probation_risk_update)");
    case v1::Notification::PAYLOAD_NOT_SET:
      break;
  }
  return FieldError(kEnvelope,
                    "no payload; set one of strategy_minutes, abe_interview_record, "
                    "investigation_outcome, probation_risk_update");
}

}  // namespace safeshare::schema
