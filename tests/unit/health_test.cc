// Unit tests for rpc::SetServing: the health service answers for the server
// as a whole ("") and for safeshare.v1.Broker, and both switch together. An
// in-process gRPC server and channel: no network.
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_builder.h>

#include <gtest/gtest.h>

#include "broker/rpc/server.h"
#include "tests/support/health_check.h"

namespace safeshare::rpc {
namespace {

using testing::CheckHealth;
using testing::kNotServing;
using testing::kServing;

class SetServingTest : public ::testing::Test {
 protected:
  SetServingTest() {
    grpc::EnableDefaultHealthCheckService(true);
    server_ = grpc::ServerBuilder().BuildAndStart();
  }
  ~SetServingTest() override { server_->Shutdown(); }

  int StatusOf(const std::string& service) {
    const auto answer = CheckHealth(server_->InProcessChannel(grpc::ChannelArguments()), service);
    EXPECT_TRUE(answer.status.ok()) << service << ": " << answer.status.error_message();
    return answer.serving_status;
  }

  std::unique_ptr<grpc::Server> server_;
};

TEST_F(SetServingTest, ServingAnswersForTheServerAndTheBrokerService) {
  ASSERT_NE(server_, nullptr);
  SetServing(*server_, true);
  EXPECT_EQ(StatusOf(""), kServing);
  EXPECT_EQ(StatusOf(kHealthServiceName), kServing);
}

TEST_F(SetServingTest, NotServingSwitchesBoth) {
  ASSERT_NE(server_, nullptr);
  SetServing(*server_, true);
  SetServing(*server_, false);
  EXPECT_EQ(StatusOf(""), kNotServing);
  EXPECT_EQ(StatusOf(kHealthServiceName), kNotServing);
  SetServing(*server_, true);  // and back, e.g. when the store recovers
  EXPECT_EQ(StatusOf(kHealthServiceName), kServing);
}

}  // namespace
}  // namespace safeshare::rpc
