// ReloadPolicy, PolicyImpact and ListUrgentDisclosures.
#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include <boost/asio/post.hpp>

#include "broker/rpc/governance_rpc.h"
#include "broker/rpc/unary_call.h"

namespace safeshare::rpc {
namespace {

using google::protobuf::util::TimeUtil;

constexpr uint32_t kDefaultPage = 100;
constexpr uint32_t kMaxPage = 1000;

void ToProto(const service::ImpactReport& report, v1::PolicyImpactResponse& out) {
  out.set_current_version(report.current_version);
  out.set_proposed_version(report.proposed_version);
  out.set_replayed(report.replayed);
  for (const auto& [key, row] : report.rows) {
    auto* r = out.add_rows();
    r->set_agency(key.first);
    r->set_type(key.second);
    r->set_gained(row.gained);
    r->set_lost(row.lost);
    r->set_fields_changed(row.fields_changed);
    for (const auto& rule : row.gained_rules) r->add_gained_rules(rule);
    for (const auto& rule : row.lost_rules) r->add_lost_rules(rule);
    for (const auto& rule : row.changed_rules) r->add_changed_rules(rule);
  }
  for (const auto& w : report.warnings) out.add_warnings(w);
}

void ToProto(const std::vector<service::UrgentDisclosureRecord>& page, uint32_t limit,
             v1::ListUrgentDisclosuresResponse& response) {
  for (const auto& d : page) {
    auto* out = response.add_disclosures();
    out->set_notification_id(d.notification.id.value());
    out->set_sequence(d.notification.sequence.value());
    out->set_publisher(d.notification.publisher.value());
    out->set_recipient(d.recipient.agency.value());
    out->set_case_ref(d.notification.case_ref.value());
    out->set_type(d.notification.type);
    out->set_reason(d.recipient.urgent_reason);
    *out->mutable_stored_at() = TimeUtil::MicrosecondsToTimestamp(d.notification.stored_at_micros);
  }
  // A full page may have more after it; the store reads notifications, so
  // page by the last notification's sequence.
  if (page.size() >= limit) {
    response.set_next_after_sequence(page.back().notification.sequence.value());
  }
}

}  // namespace

grpc::ServerUnaryReactor* GovernanceRpc::ReloadPolicy(grpc::CallbackServerContext* context,
                                                      const v1::ReloadPolicyRequest* /*request*/,
                                                      v1::ReloadPolicyResponse* response) {
  return WithCaller(
      context, peers_, "Governance.ReloadPolicy",
      [&](auto* reactor, const identity::Caller& caller) {
        service_.Reload(caller, [reactor, response](absl::StatusOr<service::ReloadResult> result) {
          if (!result.ok()) return reactor->Finish(ToGrpcStatus(result.status()));
          response->set_old_version(result->old_version);
          response->set_new_version(result->new_version);
          for (const auto& w : result->warnings) response->add_warnings(w);
          reactor->Finish(grpc::Status::OK);
        });
      });
}

grpc::ServerUnaryReactor* GovernanceRpc::PolicyImpact(grpc::CallbackServerContext* context,
                                                      const v1::PolicyImpactRequest* request,
                                                      v1::PolicyImpactResponse* response) {
  return WithCaller(context, peers_, "Governance.PolicyImpact",
                    [&](auto* reactor, const identity::Caller& caller) {
                      boost::asio::post(work_, [this, reactor, request, response, caller] {
                        std::vector<std::pair<std::string, std::string>> files;
                        for (const auto& f : request->files())
                          files.emplace_back(f.name(), f.content());
                        service_.Impact(
                            caller, files, request->window_days(),
                            [reactor, response](absl::StatusOr<service::ImpactReport> report) {
                              if (!report.ok())
                                return reactor->Finish(ToGrpcStatus(report.status()));
                              ToProto(*report, *response);
                              reactor->Finish(grpc::Status::OK);
                            });
                      });
                    });
}

grpc::ServerUnaryReactor* GovernanceRpc::ListUrgentDisclosures(
    grpc::CallbackServerContext* context, const v1::ListUrgentDisclosuresRequest* request,
    v1::ListUrgentDisclosuresResponse* response) {
  return WithCaller(
      context, peers_, "Governance.ListUrgentDisclosures",
      [&](auto* reactor, const identity::Caller& caller) {
        const uint32_t limit =
            request->limit() == 0 ? kDefaultPage : std::min(request->limit(), kMaxPage);
        const int64_t since =
            request->has_since() ? TimeUtil::TimestampToMicroseconds(request->since()) : 0;
        // A store read: on the pool, not on gRPC's thread.
        boost::asio::post(work_, [this, reactor, request, response, caller, limit, since] {
          service_.UrgentDisclosures(
              caller, since, Sequence(request->after_sequence()), limit,
              [reactor, response,
               limit](absl::StatusOr<std::vector<service::UrgentDisclosureRecord>> page) {
                if (!page.ok()) return reactor->Finish(ToGrpcStatus(page.status()));
                ToProto(*page, limit, *response);
                reactor->Finish(grpc::Status::OK);
              });
        });
      });
}

}  // namespace safeshare::rpc
