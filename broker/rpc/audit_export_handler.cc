// Export: the audit log streamed as JSON lines or CSV, one piece at a time.
#include <atomic>
#include <memory>

#include <boost/asio/post.hpp>

#include "broker/rpc/audit_rpc.h"
#include "broker/rpc/status_mapping.h"
#include "broker/rpc/unary_call.h"

namespace safeshare::rpc {
namespace {

service::ExportFormat FormatOf(v1::ExportFormat format) {
  switch (format) {
    case v1::EXPORT_FORMAT_JSONL:
      return service::ExportFormat::kJsonLines;
    case v1::EXPORT_FORMAT_CSV:
      return service::ExportFormat::kCsv;
    default:
      return service::ExportFormat::kUnspecified;
  }
}

// One Export stream. Exactly one thing is outstanding at any time: the
// service starting the export, a pool job reading the next piece, or the
// write of that piece; each step starts the next, so the reactor needs no
// lock, memory holds one piece, and a slow client slows the reads. Finish
// is called from that chain only, never while a job or write is
// outstanding, so the reactor (deleted in OnDone) outlives them all.
// Cancellation is noticed before the next read.
class ExportReactor final : public grpc::ServerWriteReactor<v1::ExportChunk> {
 public:
  explicit ExportReactor(AuditRpc& rpc) : rpc_(rpc) {}

  // `deadline_micros`: the call's (0: none); the export stops at it.
  void Start(const identity::Caller& caller, const v1::ExportAuditRequest& request,
             int64_t deadline_micros) {
    rpc_.service().StartExport(
        caller, FilterFrom(request.filter()), FormatOf(request.format()),
        [this](absl::StatusOr<std::unique_ptr<service::AuditExport>> started) {
          if (!started.ok()) return End(started.status());
          export_ = *std::move(started);
          ReadNext();
        },
        deadline_micros);
  }

  // Ends the call at once (after a refusal has been audited, say).
  void End(const absl::Status& status) { Finish(ToGrpcStatus(status)); }

  void OnWriteDone(bool ok) override {
    // A failed write: the client went away or the call was cancelled.
    if (!ok) return Finish({grpc::StatusCode::CANCELLED, "the export stream was broken"});
    ReadNext();
  }
  void OnCancel() override { cancelled_ = true; }
  void OnDone() override { delete this; }

 private:
  void ReadNext() {
    boost::asio::post(rpc_.work(), [this] {
      if (cancelled_) return Finish(grpc::Status::CANCELLED);
      if (rpc_.stopping()) {
        return End(
            absl::UnavailableError("the broker is shutting down; export again once it is back"));
      }
      auto piece = export_->Next();
      if (!piece.ok()) return End(piece.status());
      if (piece->data.empty()) return Finish(grpc::Status::OK);
      chunk_.set_data(std::move(piece->data));
      chunk_.set_entries(piece->entries);
      StartWrite(&chunk_);
    });
  }

  AuditRpc& rpc_;
  std::unique_ptr<service::AuditExport> export_;
  v1::ExportChunk chunk_;  // the piece being written; gRPC's meanwhile
  std::atomic<bool> cancelled_{false};
};

}  // namespace

grpc::ServerWriteReactor<v1::ExportChunk>* AuditRpc::Export(grpc::CallbackServerContext* context,
                                                            const v1::ExportAuditRequest* request) {
  auto* reactor = new ExportReactor(*this);
  if (DeadlinePassed(*context)) {
    reactor->Finish(DeadlinePassedStatus());
    return reactor;
  }
  auto caller = peers_.Identify(*context, "Audit.Export",
                                [reactor](const absl::Status& refused) { reactor->End(refused); });
  if (caller) {
    boost::asio::post(work_,
                      [reactor, caller = *caller, request, deadline = DeadlineMicros(*context)] {
                        reactor->Start(caller, *request, deadline);
                      });
  }
  return reactor;
}

}  // namespace safeshare::rpc
