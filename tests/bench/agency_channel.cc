#include "tests/bench/agency_channel.h"

#include <fstream>
#include <sstream>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <chrono>

namespace safeshare::bench {

std::string StatusText(const grpc::Status& status) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())) + ": " +
         status.error_message();
}

absl::StatusOr<std::string> ReadPemFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectAgency(const std::string& target,
                                                             const std::string& pki_dir,
                                                             const std::string& agency,
                                                             double connect_seconds) {
  auto ca = ReadPemFile(pki_dir + "/ca.crt");
  auto cert = ReadPemFile(pki_dir + "/" + agency + ".crt");
  auto key = ReadPemFile(pki_dir + "/" + agency + ".key");
  for (const auto* pem : {&ca, &cert, &key}) {
    if (!pem->ok()) return pem->status();
  }
  grpc::SslCredentialsOptions ssl{*ca, *key, *cert};
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(target, grpc::SslCredentials(ssl), args);
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(connect_seconds * 1000));
  if (!channel->WaitForConnected(deadline)) {
    return absl::UnavailableError("agency " + agency + " cannot connect to " + target +
                                  " with mutual TLS");
  }
  return channel;
}

}  // namespace safeshare::bench
