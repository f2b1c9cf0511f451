// What publishers send stays out of the broker's log and out of every error
// it answers: valid and refused publishes carrying distinctive names and
// identifiers, against the real broker logging JSON at debug level.
#include <grpcpp/generic/generic_stub.h>

#include <sys/wait.h>

#include <cstdio>
#include <future>

#include <google/protobuf/unknown_field_set.h>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <sstream>

#include "tests/integration/scenario.h"

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Strings no broker message could contain unless it echoed what was sent.
const std::vector<std::string> kDistinctive = {"Zephyrine Quolbeck", "QX-775533-ZZ",
                                               "Ottoline Varsk",     "VRSK-0042-PNC",
                                               "Bramwell Ixworth",   "Quolbeck-Ref-7"};

// The repository's config as test brokers run it, logging JSON.
BrokerOptions JsonLoggingBroker() {
  auto yaml = RepositoryConfig();
  const auto format = yaml.find("format: text");
  EXPECT_NE(format, std::string::npos) << "config/broker.yaml no longer sets logging.format";
  if (format != std::string::npos) yaml.replace(format, 12, "format: json");
  return BrokerOptions{.config_yaml = yaml};
}

// An investigation outcome naming the distinctive people.
v1::Notification Outcome(const std::string& key) {
  auto n = Example("investigation_outcome", key);
  n.mutable_children_considered(0)->set_display_name(kDistinctive[0]);
  auto* nhs = n.mutable_children_considered(0)->add_identifiers();
  nhs->set_scheme(v1::IDENTIFIER_SCHEME_NHS_NUMBER);
  nhs->set_value(kDistinctive[1]);
  n.mutable_persons_of_concern(0)->set_display_name(kDistinctive[2]);
  n.mutable_persons_of_concern(0)->mutable_identifiers(0)->set_value(kDistinctive[3]);
  return n;
}

class PrivacyTest : public ::testing::Test {
 protected:
  // Publishes `n` as police, expecting `code`; keeps the status message.
  void ExpectPublish(const v1::Notification& n, absl::StatusCode code) {
    const auto status = police_.Publish(n).status();
    EXPECT_EQ(status.code(), code) << status;
    messages_.emplace_back(status.message());
  }

  // Sends `bytes` as the body of a Publish call as police.
  grpc::Status PublishRawBytes(const std::string& bytes) {
    grpc::SslCredentialsOptions tls{Pem("ca.crt"), Pem("police.key"), Pem("police.crt")};
    grpc::GenericStub stub(grpc::CreateChannel("localhost:" + std::to_string(broker_.port()),
                                               grpc::SslCredentials(tls)));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1), reply;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, "/safeshare.v1.Broker/Publish", grpc::StubOptions(), &request, &reply,
                   [&done](grpc::Status status) { done.set_value(std::move(status)); });
    auto status = done.get_future().get();
    messages_.push_back(status.error_message());
    return status;
  }

  BrokerProcess broker_{JsonLoggingBroker()};
  client::Client police_ = Connect(broker_, "police");
  std::vector<std::string> messages_;
};

TEST_F(PrivacyTest, NothingAPublisherSentReachesTheLogOrAnErrorMessage) {
  auto valid = police_.Publish(Outcome("pv-valid"));
  ASSERT_TRUE(valid.ok()) << valid.status();

  auto bad_enum = Outcome("pv-bad-enum");
  bad_enum.mutable_persons_of_concern(0)->mutable_identifiers(0)->set_scheme(
      static_cast<v1::IdentifierScheme>(99));
  ExpectPublish(bad_enum, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(messages_.back(),
              StartsWith("notification.persons_of_concern[0].identifiers[0].scheme: 99 is not a "
                         "defined IdentifierScheme value; use one of "));

  auto unknown = Outcome("pv-unknown-field");
  auto* child = unknown.mutable_children_considered(1);
  child->GetReflection()->MutableUnknownFields(child)->AddLengthDelimited(15, kDistinctive[4]);
  ExpectPublish(unknown, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(messages_.back(), StartsWith("notification.children_considered[1]: field number 15"));

  auto too_long = Outcome("pv-too-long");
  std::string long_name;
  for (int i = 0; i < 20; ++i) long_name += kDistinctive[4] + " ";
  too_long.mutable_children_considered(1)->set_display_name(long_name);
  ExpectPublish(too_long, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(messages_.back(), StartsWith("notification.children_considered[1].display_name: "));

  auto bad_case = Outcome("pv-bad-case-ref");
  bad_case.set_case_ref("CASE " + kDistinctive[4]);
  ExpectPublish(bad_case, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(messages_.back(), StartsWith("notification.case_ref: "));

  auto probation = Connect(broker_, "probation");
  auto stranger = Example("probation_risk_update", "pv-unknown-person");
  stranger.mutable_probation_risk_update()->set_person_ref(kDistinctive[5]);
  const auto not_listed = probation.Publish(stranger).status();
  EXPECT_EQ(not_listed.code(), absl::StatusCode::kInvalidArgument) << not_listed;
  messages_.emplace_back(not_listed.message());

  auto reused = Outcome("pv-valid");
  reused.mutable_children_considered(1)->set_display_name(kDistinctive[4]);
  ExpectPublish(reused, absl::StatusCode::kAlreadyExists);

  const auto raw = PublishRawBytes("\x0a\xff\x01" + kDistinctive[4]);
  EXPECT_EQ(raw.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  broker_.Terminate();  // every log line written
  const auto log = ReadFile(broker_.dir() + "/broker.log");
  EXPECT_THAT(log, HasSubstr("publish refused for police"));  // the refusals were logged
  for (const auto& secret : kDistinctive) {
    EXPECT_THAT(log, Not(HasSubstr(secret))) << "the log repeats what a publisher sent";
    for (const auto& message : messages_) EXPECT_THAT(message, Not(HasSubstr(secret)));
  }
}

// With logging.format json every line of the broker's log is one JSON
// object, gRPC's own lines (a refused handshake here) included.
TEST_F(PrivacyTest, EveryJsonLogLineIsOneJsonObjectGrpcLinesIncluded) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = Pem("ca.crt");  // presents no client certificate
  auto stub = v1::Broker::NewStub(grpc::CreateChannel("localhost:" + std::to_string(broker_.port()),
                                                      grpc::SslCredentials(tls)));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::PublishResponse response;
  EXPECT_FALSE(stub->Publish(&context, v1::PublishRequest(), &response).ok());
  ExpectPublish(Outcome("json-lines"), absl::StatusCode::kOk);
  const int stopped = broker_.Terminate();  // flushes and closes the log
  EXPECT_TRUE(WIFEXITED(stopped) && WEXITSTATUS(stopped) == 0);

  std::istringstream log(ReadFile(broker_.dir() + "/broker.log"));
  int lines = 0, grpc_lines = 0;
  for (std::string line; std::getline(log, line); ++lines) {
    google::protobuf::Struct parsed;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) << line;
    if (parsed.fields().count("module") && parsed.fields().at("module").string_value() == "grpc")
      ++grpc_lines;
  }
  EXPECT_GT(lines, 3);
  EXPECT_GT(grpc_lines, 0) << "the refused handshake was not logged through the broker's logger";
}

TEST_F(PrivacyTest, ReusedKeyWithOtherContentIsAlreadyExistsOnceNotRetriedAndAudited) {
  auto first = police_.Publish(Outcome("pv-key"));
  ASSERT_TRUE(first.ok()) << first.status();
  auto changed = Outcome("pv-key");
  changed.mutable_investigation_outcome()->set_rationale("A different rationale");
  const auto reused = police_.Publish(changed).status();
  ASSERT_EQ(reused.code(), absl::StatusCode::kAlreadyExists) << reused;
  EXPECT_EQ(reused.message(), "notification.idempotency_key: already used for notification " +
                                  first->notification_id() +
                                  " with different content; use a new key for new content");
  // One attempt, one refusal: the client does not retry ALREADY_EXISTS.
  EXPECT_EQ(QueryStore(broker_,
                       "SELECT count(*) FROM audit WHERE action='publish_refused' AND "
                       "notification_id='" +
                           first->notification_id() + "'"),
            1);
  EXPECT_EQ(QueryStore(broker_, "SELECT count(*) FROM notifications"), 1);
  auto retry = police_.Publish(Outcome("pv-key"));  // the same content is still a retry
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->duplicate());
}

// Runs the safeshare command as police publishing `n` from a file; returns
// its exit status and what it printed.
std::pair<int, std::string> PublishWithCli(const BrokerProcess& broker, const v1::Notification& n,
                                           const std::string& file) {
  std::ofstream(file) << client::ToJsonLine(n);
  const auto& pki = TestPki::Get();
  const std::string command = std::string(SAFESHARE_CLI_BINARY) +
                              " --broker localhost:" + std::to_string(broker.port()) + " --cert " +
                              pki.Path("police.crt") + " --key " + pki.Path("police.key") +
                              " --ca " + pki.Path("ca.crt") + " publish --file " + file + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string output;
  char chunk[512];
  while (pipe != nullptr && std::fgets(chunk, sizeof chunk, pipe) != nullptr) output += chunk;
  const int status = pipe == nullptr ? -1 : ::pclose(pipe);
  return {status, output};
}

TEST_F(PrivacyTest, CommandLineExplainsAReusedKey) {
  const auto file = broker_.dir() + "/outcome.json";
  const auto [first_status, first] = PublishWithCli(broker_, Outcome("pv-cli"), file);
  ASSERT_EQ(first_status, 0) << first;
  auto changed = Outcome("pv-cli");
  changed.mutable_investigation_outcome()->set_rationale("A different rationale");
  const auto [status, output] = PublishWithCli(broker_, changed, file);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << output;
  EXPECT_THAT(output, StartsWith("publish refused: the idempotency_key in " + file +
                                 " was used before for other content; change it, or remove it"));
  EXPECT_THAT(output, HasSubstr("ALREADY_EXISTS: notification.idempotency_key: already used for "
                                "notification "));
}

TEST_F(PrivacyTest, UndecodablePublishIsInvalidArgumentAndAuditedForTheCaller) {
  const auto status = PublishRawBytes(std::string("\xff\xff\xff", 3));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("request: not a PublishRequest ("));
  EXPECT_EQ(QueryStore(broker_,
                       "SELECT count(*) FROM audit WHERE action='publish_refused' AND "
                       "actor='police' AND detail LIKE '(undecodable request)%'"),
            1);
  auto good = police_.Publish(Outcome("pv-after-garbage"));  // and it keeps serving
  EXPECT_TRUE(good.ok()) << good.status();
}

}  // namespace
}  // namespace safeshare::testing
