// Unit tests for rpc::SetServing: the health service answers for the server
// as a whole ("") and for safeshare.v1.Broker, and both switch together. An
// in-process gRPC server and channel: no network. Also the client library's
// encoding of the health messages.
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

// The client library's hand encoding of the two health messages: a name
// longer than 127 bytes needs a two-byte length, and an answer that is not a
// HealthCheckResponse is an error rather than a guess.
TEST(HealthEncodingTest, LongServiceNamesAndUnexpectedAnswers) {
  const std::string name(200, 'a');
  EXPECT_EQ(client::EncodeHealthCheckRequest(name), std::string("\x0a\xc8\x01", 3) + name);
  EXPECT_EQ(client::EncodeHealthCheckRequest(""), "");
  EXPECT_EQ(client::DecodeHealthCheckResponse("").value(), client::ServingStatus::kUnknown);
  EXPECT_EQ(client::DecodeHealthCheckResponse(std::string("\x08\x03", 2)).value(),
            client::ServingStatus::kServiceUnknown);
  EXPECT_EQ(client::DecodeHealthCheckResponse(std::string("\x08\x09", 2)).status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(client::DecodeHealthCheckResponse("\x12\x01x").status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(client::ServingStatusName(client::ServingStatus::kNotServing), "NOT_SERVING");
}

}  // namespace
}  // namespace safeshare::rpc
