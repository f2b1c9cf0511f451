#include "tests/bench/noop_server.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "safeshare/v1/broker.grpc.pb.h"
#include "tests/bench/agency_channel.h"

namespace safeshare::bench {
namespace {

class NoopBroker final : public v1::Broker::CallbackService {
 public:
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const v1::PublishRequest* /*request*/,
                                    v1::PublishResponse* /*response*/) override {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// The same credentials as broker/rpc/server.cc builds from the config.
std::shared_ptr<grpc::ServerCredentials> BrokerTls(const std::string& pki, std::string* error) {
  auto ca = ReadPemFile(pki + "/ca.crt");
  auto cert = ReadPemFile(pki + "/broker.crt");
  auto key = ReadPemFile(pki + "/broker.key");
  for (const auto* pem : {&ca, &cert, &key}) {
    if (!pem->ok()) {
      *error = std::string(pem->status().message());
      return nullptr;
    }
  }
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = *ca;
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(ssl);
}

bool WritePortFile(const std::string& path, int port) {
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial);
    out << port << "\n";
    if (!out) return false;
  }
  return std::rename(partial.c_str(), path.c_str()) == 0;
}

// Blocks SIGTERM and SIGINT in every thread (gRPC's threads inherit the mask
// of the thread that creates them), so WaitForStop can take them.
sigset_t BlockStopSignals() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  return stop;
}

void WaitForStop(const sigset_t& stop, double max_seconds) {
  timespec timeout{static_cast<time_t>(max_seconds), 0};
  sigtimedwait(&stop, nullptr, &timeout);
}

}  // namespace

int RunNoopServer(const NoopServerOptions& options) {
  const sigset_t stop = BlockStopSignals();
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // do not outlive the bench
  if (getppid() == 1) return 1;      // the parent is already gone
  std::string error;
  auto credentials = BrokerTls(options.pki, &error);
  if (credentials == nullptr) {
    std::fprintf(stderr, "safeshare-bench --noop-server: %s\n", error.c_str());
    return 2;
  }
  NoopBroker service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", credentials, &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (server == nullptr || port == 0 || !WritePortFile(options.port_file, port)) {
    std::fprintf(stderr, "safeshare-bench --noop-server: cannot listen or write the port file\n");
    return 1;
  }
  WaitForStop(stop, options.max_seconds);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}

}  // namespace safeshare::bench
