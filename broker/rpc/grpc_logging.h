#pragma once

namespace safeshare::rpc {

// Sends gRPC's own log lines (e.g. a refused TLS handshake) through the
// "grpc" module logger instead of gRPC's stderr format, so the broker's log
// keeps one format: with logging.format json, every line is one JSON
// object. Call once at start-up, after ConfigureLogging.
void RouteGrpcLogs();

}  // namespace safeshare::rpc
