// UpdateCase, GetCase and RegisterInterest: case engagement and person
// interests.
#include <google/protobuf/util/time_util.h>

#include "broker/rpc/broker_rpc.h"
#include "broker/rpc/unary_call.h"

namespace safeshare::rpc {
namespace {

using google::protobuf::util::TimeUtil;

void ToProto(const store::CaseState& state, v1::CaseState& out) {
  out.set_case_ref(state.case_ref.value());
  out.set_status(state.closed ? v1::CASE_STATUS_CLOSED : v1::CASE_STATUS_OPEN);
  for (const auto& e : state.engagements) {
    auto* engagement = out.add_engagements();
    engagement->set_agency(e.agency.value());
    *engagement->mutable_since() = TimeUtil::MicrosecondsToTimestamp(e.since_micros);
    if (e.until_micros != 0) {
      *engagement->mutable_until() = TimeUtil::MicrosecondsToTimestamp(e.until_micros);
    }
    engagement->set_source(e.source);
  }
}

std::vector<AgencyId> Agencies(const google::protobuf::RepeatedPtrField<std::string>& ids) {
  return {ids.begin(), ids.end()};
}

store::CaseStatusChange StatusChange(v1::CaseStatus status) {
  switch (status) {
    case v1::CASE_STATUS_OPEN:
      return store::CaseStatusChange::kReopen;
    case v1::CASE_STATUS_CLOSED:
      return store::CaseStatusChange::kClose;
    default:
      return store::CaseStatusChange::kNone;
  }
}

}  // namespace

grpc::ServerUnaryReactor* BrokerRpc::UpdateCase(grpc::CallbackServerContext* context,
                                                const v1::UpdateCaseRequest* request,
                                                v1::CaseState* response) {
  return WithCaller(
      context, peers_, "Broker.UpdateCase", [&](auto* reactor, const identity::Caller& caller) {
        store::CaseChange change{caller.agency, CaseRef(request->case_ref()),
                                 Agencies(request->engage()), Agencies(request->disengage()),
                                 StatusChange(request->status())};
        service_.UpdateCase(caller, std::move(change),
                            [reactor, response](absl::StatusOr<store::CaseState> state) {
                              if (!state.ok()) return reactor->Finish(ToGrpcStatus(state.status()));
                              ToProto(*state, *response);
                              reactor->Finish(grpc::Status::OK);
                            });
      });
}

grpc::ServerUnaryReactor* BrokerRpc::GetCase(grpc::CallbackServerContext* context,
                                             const v1::GetCaseRequest* request,
                                             v1::CaseState* response) {
  return WithCaller(context, peers_, "Broker.GetCase",
                    [&](auto* reactor, const identity::Caller& caller) {
                      service_.GetCase(caller, request->case_ref(),
                                       [reactor, response](absl::StatusOr<store::CaseState> state) {
                                         if (!state.ok())
                                           return reactor->Finish(ToGrpcStatus(state.status()));
                                         ToProto(*state, *response);
                                         reactor->Finish(grpc::Status::OK);
                                       });
                    });
}

grpc::ServerUnaryReactor* BrokerRpc::RegisterInterest(grpc::CallbackServerContext* context,
                                                      const v1::InterestRequest* request,
                                                      v1::InterestResponse* response) {
  return WithCaller(
      context, peers_, "Broker.RegisterInterest",
      [&](auto* reactor, const identity::Caller& caller) {
        std::vector<std::pair<std::string, std::string>> identifiers;
        for (const auto& id : request->identifiers()) {
          identifiers.emplace_back(v1::IdentifierScheme_Name(id.scheme()), id.value());
        }
        service_.RegisterInterest(caller, identifiers, request->withdraw(),
                                  [reactor, response](absl::StatusOr<uint32_t> changed) {
                                    if (!changed.ok()) {
                                      return reactor->Finish(ToGrpcStatus(changed.status()));
                                    }
                                    response->set_changed(*changed);
                                    reactor->Finish(grpc::Status::OK);
                                  });
      });
}

}  // namespace safeshare::rpc
