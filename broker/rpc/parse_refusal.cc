#include "broker/rpc/parse_refusal.h"

#include <string>
#include <string_view>

#include <google/protobuf/descriptor.h>

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

grpc::experimental::Interceptor* ParseRefusalFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  if (info->type() != grpc::experimental::ServerRpcInfo::Type::UNARY || info->method() == nullptr) {
    return nullptr;
  }
  // "/safeshare.v1.Broker/Acknowledge" -> "safeshare.v1.Broker.Acknowledge"
  std::string name = info->method();
  if (name.empty() || name.front() != '/') return nullptr;
  name.erase(0, 1);
  const auto slash = name.find('/');
  if (slash == std::string::npos) return nullptr;
  name[slash] = '.';
  const auto* method = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
  if (method == nullptr || method->input_type()->full_name() == "safeshare.v1.PublishRequest") {
    return nullptr;  // not ours, or Publish, which parses its own bytes
  }
  return new ParseRefusal(method->input_type()->full_name());
}

}  // namespace safeshare::rpc
