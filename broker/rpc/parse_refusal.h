#pragma once

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
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace safeshare::rpc
