#include "broker/rpc/parse_refusal.h"

#include <string>
#include <string_view>

#include <google/protobuf/descriptor.h>

#include "safeshare/v1/audit.pb.h"
#include "safeshare/v1/broker.pb.h"

namespace safeshare::rpc {
namespace {

using grpc::experimental::InterceptionHookPoints;

class ParseRefusal final : public grpc::experimental::Interceptor {
 public:
  explicit ParseRefusal(std::string request_type) : request_type_(std::move(request_type)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED &&
          status.error_message().empty()) {
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            "request: not a " + request_type_ +
                " (the bytes do not parse); build the request from the safeshare.v1 contract"));
      }
    }
    methods->Proceed();
  }

 private:
  const std::string request_type_;
};

}  // namespace

ParseRefusalFactory::ParseRefusalFactory() {
  // broker.proto holds Broker and Governance, audit.proto Audit.
  for (const auto* service_file :
       {v1::Notification::descriptor()->file(), v1::QueryAuditRequest::descriptor()->file()}) {
    for (int s = 0; s < service_file->service_count(); ++s) {
      const auto* service = service_file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const auto* method = service->method(m);
        if (method->client_streaming() || method->server_streaming() ||
            method->input_type() == v1::PublishRequest::descriptor()) {
          continue;  // streams, and Publish, which parses its own bytes
        }
        request_types_.emplace("/" + service->full_name() + "/" + method->name(),
                               method->input_type()->full_name());
      }
    }
  }
}

grpc::experimental::Interceptor* ParseRefusalFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  if (info->method() == nullptr) return nullptr;
  const auto found = request_types_.find(std::string_view(info->method()));
  return found == request_types_.end() ? nullptr : new ParseRefusal(found->second);
}

}  // namespace safeshare::rpc
