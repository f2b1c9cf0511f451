// Query, GetCheckpoint, GetInclusionProof, GetConsistencyProof and
// ListUnacknowledged: unary calls that read the store on the Audit pool.
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

#include <boost/asio/post.hpp>

#include "broker/rpc/audit_rpc.h"
#include "broker/rpc/unary_call.h"

namespace safeshare::rpc {
namespace {

using google::protobuf::util::TimeUtil;

// The service's answer to a unary call: `fill` the response from a result,
// or finish with the error.
template <typename T, typename Fill>
service::AuditService::Done<T> Respond(grpc::ServerUnaryReactor* reactor, Fill fill) {
  return [reactor, fill = std::move(fill)](absl::StatusOr<T> result) {
    if (!result.ok()) return reactor->Finish(ToGrpcStatus(result.status()));
    fill(*result);
    reactor->Finish(grpc::Status::OK);
  };
}

// The timestamp in microseconds (0 when absent), or nullopt when it is not
// a valid Timestamp (converting one would overflow).
std::optional<int64_t> MicrosOf(bool has, const google::protobuf::Timestamp& t) {
  if (!has) return 0;
  if (t.seconds() < TimeUtil::kTimestampMinSeconds ||
      t.seconds() > TimeUtil::kTimestampMaxSeconds || t.nanos() < 0 || t.nanos() > 999'999'999) {
    return std::nullopt;
  }
  return TimeUtil::TimestampToMicroseconds(t);
}

// The fields v1::UnacknowledgedDelivery and v1::OverdueDelivery share.
template <typename Proto>
void SetDelivery(const store::UnacknowledgedDelivery& d, Proto& out) {
  out.set_notification_id(d.id.value());
  out.set_sequence(d.sequence.value());
  out.set_case_ref(d.case_ref.value());
  out.set_type(d.type);
  out.set_publisher(d.publisher.value());
  out.set_recipient(d.recipient.value());
  *out.mutable_routed_at() = TimeUtil::MicrosecondsToTimestamp(d.routed_at_micros);
}

void ToProto(const store::UnacknowledgedDelivery& d, v1::UnacknowledgedDelivery& out) {
  SetDelivery(d, out);
  if (d.content_deleted_micros != 0) {
    *out.mutable_content_deleted_at() = TimeUtil::MicrosecondsToTimestamp(d.content_deleted_micros);
  }
}

void ToProto(const service::OverdueDelivery& o, int64_t as_of, v1::OverdueDelivery& out) {
  SetDelivery(o.delivery, out);
  *out.mutable_acknowledge_due_at() = TimeUtil::MicrosecondsToTimestamp(o.acknowledge_due_micros);
  *out.mutable_lead_due_at() = TimeUtil::MicrosecondsToTimestamp(o.lead_due_micros);
  out.set_escalation_level(as_of >= o.lead_due_micros ? 2 : 1);
  out.set_agreement(o.deadline.AgreementName());
  out.set_deadline_rule(o.deadline.rule->id);
  out.set_deadline(o.deadline.rule->Text());
  out.set_overdue_seconds(static_cast<uint64_t>((as_of - o.acknowledge_due_micros) / 1'000'000));
}

void ToProto(const service::ListedExpectation& e, int64_t as_of, v1::OpenExpectation& out) {
  const auto& open = e.open;
  out.set_expectation(open.id);
  out.set_agreement(e.agreement);
  out.set_case_ref(open.case_ref.value());
  out.set_opened_by(open.opened_by.value());
  out.set_opened_by_type(open.opened_type);
  out.set_opened_by_publisher(open.opened_publisher.value());
  *out.mutable_opened_at() = TimeUtil::MicrosecondsToTimestamp(open.opened_at_micros);
  out.set_expected_type(open.expect);
  out.set_expected_from(open.from);
  *out.mutable_due_at() = TimeUtil::MicrosecondsToTimestamp(open.due_micros);
  const bool lead = e.lead_due_micros != 0 && as_of >= e.lead_due_micros;
  out.set_escalation_level(lead ? 2 : as_of >= open.due_micros ? 1 : 0);
  if (as_of > open.due_micros) {
    out.set_overdue_seconds(static_cast<uint64_t>((as_of - open.due_micros) / 1'000'000));
  }
  out.set_description(e.text.empty() ? open.detail : e.text);
}

}  // namespace

service::AuditFilter FilterFrom(const v1::AuditFilter& f) {
  service::AuditFilter out;
  out.case_ref = f.case_ref();
  out.agency = f.agency();
  out.notification_id = f.notification_id();
  if (f.has_person()) {
    out.person.emplace(v1::IdentifierScheme_Name(f.person().scheme()), f.person().value());
  }
  out.actions.assign(f.actions().begin(), f.actions().end());
  const auto read = [&out](const char* field, bool has, const google::protobuf::Timestamp& time,
                           int64_t& micros) {
    if (const auto value = MicrosOf(has, time)) {
      micros = *value;
    } else if (out.unreadable.empty()) {
      out.unreadable = std::string(field) +
                       ": not a valid timestamp; give a time from 0001-01-01 to 9999-12-31 "
                       "UTC with nanos from 0 to 999999999";
    }
  };
  read("filter.from", f.has_from(), f.from(), out.from_micros);
  read("filter.to", f.has_to(), f.to(), out.to_micros);
  return out;
}

grpc::ServerUnaryReactor* AuditRpc::Query(grpc::CallbackServerContext* context,
                                          const v1::QueryAuditRequest* request,
                                          v1::QueryAuditResponse* response) {
  return WithCaller(context, peers_, "Audit.Query", [&](auto* reactor, const auto& caller) {
    boost::asio::post(
        work_, [this, reactor, request, response, caller, deadline = DeadlineMicros(*context)] {
          const auto after = static_cast<int64_t>(
              std::min<uint64_t>(request->after_index(), std::numeric_limits<int64_t>::max()));
          service_.Query(
              caller, FilterFrom(request->filter()), after, request->limit(),
              Respond<service::AuditPage>(reactor,
                                          [response](service::AuditPage& page) {
                                            for (auto& e : page.entries)
                                              response->add_entries()->Swap(&e);
                                            response->set_next_after_index(page.next_after_id);
                                            response->set_tree_size(page.tree_size);
                                          }),
              deadline);
        });
  });
}

grpc::ServerUnaryReactor* AuditRpc::GetCheckpoint(grpc::CallbackServerContext* context,
                                                  const v1::GetCheckpointRequest* request,
                                                  v1::GetCheckpointResponse* response) {
  return WithCaller(context, peers_, "Audit.GetCheckpoint", [&](auto* reactor, const auto& caller) {
    boost::asio::post(work_, [this, reactor, request, response, caller] {
      service_.GetCheckpoint(
          caller, request->tree_size(),
          Respond<service::CheckpointAnswer>(reactor, [response](service::CheckpointAnswer& a) {
            auto* c = response->mutable_checkpoint();
            c->set_tree_size(a.tree_size);
            c->set_root_hash(std::move(a.root));
            c->set_note(std::move(a.note));
            *c->mutable_signed_at() = TimeUtil::MicrosecondsToTimestamp(a.signed_at_micros);
            response->set_verifier_key(std::move(a.verifier_key));
          }));
    });
  });
}

grpc::ServerUnaryReactor* AuditRpc::GetInclusionProof(grpc::CallbackServerContext* context,
                                                      const v1::InclusionProofRequest* request,
                                                      v1::InclusionProofResponse* response) {
  return WithCaller(
      context, peers_, "Audit.GetInclusionProof", [&](auto* reactor, const auto& caller) {
        boost::asio::post(work_, [this, reactor, request, response, caller] {
          service_.GetInclusionProof(
              caller, request->index(), request->tree_size(),
              Respond<service::InclusionAnswer>(reactor, [response](service::InclusionAnswer& a) {
                response->mutable_entry()->Swap(&a.entry);
                response->set_tree_size(a.tree_size);
                for (auto& h : a.proof) response->add_hashes(std::move(h));
              }));
        });
      });
}

grpc::ServerUnaryReactor* AuditRpc::GetConsistencyProof(grpc::CallbackServerContext* context,
                                                        const v1::ConsistencyProofRequest* request,
                                                        v1::ConsistencyProofResponse* response) {
  return WithCaller(
      context, peers_, "Audit.GetConsistencyProof", [&](auto* reactor, const auto& caller) {
        boost::asio::post(work_, [this, reactor, request, response, caller] {
          service_.GetConsistencyProof(caller, request->from_size(), request->to_size(),
                                       Respond<service::ConsistencyAnswer>(
                                           reactor, [response](service::ConsistencyAnswer& a) {
                                             response->set_from_size(a.from_size);
                                             response->set_to_size(a.to_size);
                                             for (auto& h : a.proof) {
                                               response->add_hashes(std::move(h));
                                             }
                                           }));
        });
      });
}

grpc::ServerUnaryReactor* AuditRpc::ListUnacknowledged(grpc::CallbackServerContext* context,
                                                       const v1::ListUnacknowledgedRequest* request,
                                                       v1::ListUnacknowledgedResponse* response) {
  return WithCaller(
      context, peers_, "Audit.ListUnacknowledged", [&](auto* reactor, const auto& caller) {
        boost::asio::post(work_, [this, reactor, request, response, caller,
                                  deadline = DeadlineMicros(*context)] {
          store::UnacknowledgedQuery query{request->case_ref(), request->agency(),
                                           Sequence(request->after_sequence()), request->limit()};
          service_.ListUnacknowledged(
              caller, std::move(query),
              Respond<service::UnacknowledgedPage>(reactor,
                                                   [response](service::UnacknowledgedPage& page) {
                                                     for (const auto& d : page.deliveries)
                                                       ToProto(d, *response->add_deliveries());
                                                     response->set_next_after_sequence(
                                                         page.next_after_sequence);
                                                   }),
              deadline);
        });
      });
}

grpc::ServerUnaryReactor* AuditRpc::ListOverdue(grpc::CallbackServerContext* context,
                                                const v1::ListOverdueRequest* request,
                                                v1::ListOverdueResponse* response) {
  return WithCaller(context, peers_, "Audit.ListOverdue", [&](auto* reactor, const auto& caller) {
    boost::asio::post(
        work_, [this, reactor, request, response, caller, deadline = DeadlineMicros(*context)] {
          store::UnacknowledgedQuery query{request->case_ref(), request->agency(),
                                           Sequence(request->after_sequence()), request->limit()};
          service_.ListOverdue(caller, std::move(query),
                               Respond<service::OverduePage>(
                                   reactor,
                                   [response](service::OverduePage& page) {
                                     for (const auto& o : page.deliveries) {
                                       ToProto(o, page.as_of_micros, *response->add_deliveries());
                                     }
                                     response->set_next_after_sequence(page.next_after_sequence);
                                     *response->mutable_as_of() =
                                         TimeUtil::MicrosecondsToTimestamp(page.as_of_micros);
                                     for (const auto& e : page.expectations) {
                                       ToProto(e, page.as_of_micros, *response->add_expectations());
                                     }
                                   }),
                               deadline);
        });
  });
}

}  // namespace safeshare::rpc
