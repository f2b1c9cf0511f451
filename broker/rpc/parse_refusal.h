#pragma once

#include <map>
#include <string>

#include <grpcpp/support/server_interceptor.h>

namespace safeshare::rpc {

// gRPC 1.51 answers a unary request its typed handler cannot parse with
// UNIMPLEMENTED and no message (CallbackUnaryHandler::RunHandler), which
// tells a client nothing. On the broker's typed unary methods this factory's
// interceptor turns exactly that answer into INVALID_ARGUMENT "request: not
// a safeshare.v1.<RequestType> ...". Our handlers never answer UNIMPLEMENTED;
// Publish and Subscribe parse their own bytes (raw methods) and get no
// interceptor, nor do streaming calls, so no delivery pays for it.
class ParseRefusalFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // The typed unary methods of the safeshare.v1 services, from the
  // generated descriptors.
  ParseRefusalFactory();

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  // "/safeshare.v1.Broker/Acknowledge" -> "safeshare.v1.AcknowledgeRequest"
  std::map<std::string, std::string, std::less<>> request_types_;
};

}  // namespace safeshare::rpc
