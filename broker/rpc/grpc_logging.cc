#include "broker/rpc/grpc_logging.h"

#include <grpc/support/log.h>

#include "broker/core/logging.h"

namespace safeshare::rpc {
namespace {

void Forward(gpr_log_func_args* args) {
  static const auto log = ModuleLogger("grpc");
  // gRPC reports a refused peer (failed handshake) as an error of its own;
  // for the broker it is a refusal, logged as a warning like the others.
  const auto level = args->severity == GPR_LOG_SEVERITY_DEBUG  ? spdlog::level::debug
                     : args->severity == GPR_LOG_SEVERITY_INFO ? spdlog::level::info
                                                               : spdlog::level::warn;
  log->log(level, "{}:{}: {}", args->file, args->line, args->message);
}

}  // namespace

void RouteGrpcLogs() { gpr_set_log_function(&Forward); }

}  // namespace safeshare::rpc
