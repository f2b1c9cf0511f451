// Hostile bytes against the real broker process: malformed protobuf to every
// safeshare.v1.Broker method, 100,000 levels of nesting, 100,000-entry
// repeated fields and a 100 MB message. Each gets a refusal with a status
// (or, where noted, is accepted), the broker stays up with its memory within
// the bound each test states, and another agency is served afterwards.
#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "tests/integration/hostile_support.h"

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;

// The tag of `field` with wire type 2 (length-delimited) and `length` as a varint.
std::string Header(int field, uint64_t length) {
  std::string out(1, static_cast<char>(field << 3 | 2));
  for (; length >= 0x80; length >>= 7) out.push_back(static_cast<char>((length & 0x7f) | 0x80));
  return out + static_cast<char>(length);
}

std::string LengthDelimited(int field, const std::string& bytes) {
  return Header(field, bytes.size()) + bytes;
}

class HostileInputTest : public ::testing::Test {
 protected:
  // Every call is refused in time and the broker neither crashed nor stopped
  // serving: police can still publish.
  void ExpectStillServing(const std::string& after) {
    ASSERT_TRUE(broker_.running()) << "the broker died after " << after;
    auto police = Connect(broker_, "police");
    const auto ok =
        police.Publish(Example("investigation_outcome", "alive-" + std::to_string(n_++)));
    EXPECT_TRUE(ok.ok()) << "after " << after << ": " << ok.status();
  }

  v1::PublishRequest ValidRequest(const std::string& key) {
    v1::PublishRequest request;
    *request.mutable_notification() = Example("investigation_outcome", key);
    return request;
  }

  BrokerProcess broker_;
  std::shared_ptr<grpc::Channel> police_ = RawChannel(broker_, "police");
  int n_ = 0;
};

// What each typed method answers when field 1 comes with the wrong wire
// type: protobuf keeps it as an unknown field, so the handler sees an empty
// request and refuses it as such (or, for the listings, answers it: an
// empty request is a valid one). Police may not manage cases or interests.
const std::map<std::string, grpc::StatusCode> kWrongWireType = {
    {"Acknowledge", grpc::StatusCode::INVALID_ARGUMENT},
    {"CreateSubscription", grpc::StatusCode::INVALID_ARGUMENT},
    {"ListSubscriptions", grpc::StatusCode::OK},
    {"ResetSubscription", grpc::StatusCode::INVALID_ARGUMENT},
    {"DeleteSubscription", grpc::StatusCode::INVALID_ARGUMENT},
    {"GetDeliveryState", grpc::StatusCode::INVALID_ARGUMENT},
    {"ListPendingDeliveries", grpc::StatusCode::OK},
    {"RecordAction", grpc::StatusCode::INVALID_ARGUMENT},
    {"ListParked", grpc::StatusCode::INVALID_ARGUMENT},
    {"ReleaseParked", grpc::StatusCode::INVALID_ARGUMENT},
    {"UpdateCase", grpc::StatusCode::PERMISSION_DENIED},
    {"GetCase", grpc::StatusCode::PERMISSION_DENIED},
    {"RegisterInterest", grpc::StatusCode::PERMISSION_DENIED},
};

// Malformed request bytes for every method of the service: INVALID_ARGUMENT
// naming the request type. Publish and Subscribe parse their own bytes; for
// the typed methods gRPC parses the request and answers bytes that do not
// parse UNIMPLEMENTED with no message, which the broker's ParseRefusal
// interceptor turns into INVALID_ARGUMENT.
TEST_F(HostileInputTest, MalformedBytesToEveryMethodAreRefusedAndTheBrokerStaysUp) {
  const auto* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("safeshare.v1.Broker");
  ASSERT_NE(service, nullptr);
  ASSERT_EQ(service->method_count(), 15);
  std::mt19937 random(20261201);  // fixed seed: the same bytes on every run
  const std::string valid = ValidRequest("truncated").SerializeAsString();
  for (int m = 0; m < service->method_count(); ++m) {
    const auto* method = service->method(m);
    const std::string& name = method->name();
    const bool raw = name == "Publish" || name == "Subscribe";
    ASSERT_TRUE(raw || kWrongWireType.count(name)) << "a method this test does not know: " << name;
    std::vector<std::pair<std::string, std::string>> inputs = {
        // Field 1 (a string or message in every request) as fixed32.
        {"wrong wire type", std::string("\x0d\x01\x02\x03\x04", 5)},
        // A length of 5 with 2 bytes after it.
        {"truncated field", std::string("\x0a\x05in", 4)},
        // Wire type 7 does not exist.
        {"invalid wire type", std::string("\x0f\x01", 2)},
        {"truncated PublishRequest", valid.substr(0, valid.size() / 2)},
    };
    for (int i = 0; i < 8; ++i) {  // with this seed none of them parses
      std::string bytes(1 + random() % 512, '\0');
      std::generate(bytes.begin(), bytes.end(), [&] { return static_cast<char>(random()); });
      inputs.emplace_back("random " + std::to_string(i), bytes);
    }
    for (const auto& [what, bytes] : inputs) {
      const auto status =
          CallRaw(police_, "/safeshare.v1.Broker/" + name, method->server_streaming(), bytes);
      grpc::StatusCode expected = grpc::StatusCode::INVALID_ARGUMENT;
      if (!raw && what == "wrong wire type") expected = kWrongWireType.at(name);
      EXPECT_EQ(status.error_code(), expected)
          << name << " / " << what << ": " << status.error_message();
      if (name == "Publish") {
        EXPECT_THAT(status.error_message(), HasSubstr("request: not a PublishRequest"));
      } else if (!raw && what != "wrong wire type") {
        EXPECT_THAT(status.error_message(),
                    HasSubstr("request: not a " + method->input_type()->full_name() +
                              " (the bytes do not parse)"));
      }
    }
    ExpectStillServing(name);
  }
}

// 100,000 nested groups (field 15, start-group tags then end-group tags):
// protobuf's recursion limit (100) stops the parser long before the end.
TEST_F(HostileInputTest, OneHundredThousandNestedGroupsAreRefused) {
  const std::string groups = std::string(100'000, '\x7b') + std::string(100'000, '\x7c');
  const auto publish = CallRaw(police_, "/safeshare.v1.Broker/Publish", false, groups);
  EXPECT_EQ(publish.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << publish.error_message();
  EXPECT_THAT(publish.error_message(), HasSubstr("PublishRequest"));
  // The same inside the notification (field 1), where the parser recurses
  // into Notification first.
  const auto inner =
      CallRaw(police_, "/safeshare.v1.Broker/Publish", false, LengthDelimited(1, groups));
  EXPECT_EQ(inner.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << inner.error_message();
  // A typed method: gRPC's own deserialization refuses it, and the broker
  // says what it refused.
  const auto ack = CallRaw(police_, "/safeshare.v1.Broker/Acknowledge", false, groups);
  EXPECT_EQ(ack.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << ack.error_message();
  EXPECT_THAT(ack.error_message(), HasSubstr("request: not a safeshare.v1.AcknowledgeRequest"));
  // The Audit service's typed methods say the same (as the IG agency).
  const auto query = CallRaw(RawChannel(broker_, "ig"), "/safeshare.v1.Audit/Query", false, groups);
  EXPECT_EQ(query.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << query.error_message();
  EXPECT_THAT(query.error_message(), HasSubstr("request: not a safeshare.v1.QueryAuditRequest"));
  const auto sub = CallRaw(police_, "/safeshare.v1.Broker/Subscribe", true, groups);
  EXPECT_EQ(sub.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << sub.error_message();
  ExpectStillServing("nested groups");
}

// 100,000 nested length-delimited fields (unknown field 15 inside itself):
// protobuf keeps an unknown length-delimited field as bytes without parsing
// it, so there is no recursion to limit; Publish refuses the unknown field.
TEST_F(HostileInputTest, OneHundredThousandNestedLengthDelimitedFieldsAreRefused) {
  // level[i]: the size of level i, header included (level 100,000 is empty).
  std::vector<uint64_t> level(100'001, 0);
  for (int i = 99'999; i >= 0; --i) level[i] = Header(15, level[i + 1]).size() + level[i + 1];
  std::string nested;
  for (int i = 0; i < 100'000; ++i) nested += Header(15, level[i + 1]);
  ASSERT_EQ(nested.size(), level[0]);
  ASSERT_LT(nested.size(), 1u << 20);
  const auto status =
      CallRaw(police_, "/safeshare.v1.Broker/Publish", false, LengthDelimited(1, nested));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  ExpectStillServing("nested length-delimited fields");
}

// `request` with 100,000 persons of concern, 9 bytes each (0.9 MB, under
// limits.max_message_bytes); the last one repeats the first's reference
// when `duplicate_last`.
v1::PublishRequest WithManyPersons(v1::PublishRequest request, bool duplicate_last) {
  auto* n = request.mutable_notification();
  n->clear_persons_of_concern();
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int i = 0; i < 100'000; ++i) {
    const int r = duplicate_last && i == 99'999 ? 0 : i;
    auto* person = n->add_persons_of_concern();
    person->set_person_ref(
        std::string{alphabet[r % 64], alphabet[r / 64 % 64], alphabet[r / 4096]});
    person->set_role(v1::PERSON_ROLE_HOUSEHOLD_MEMBER);
  }
  return request;
}

grpc::Status PublishWithStub(v1::Broker::Stub& stub, const v1::PublishRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::PublishResponse response;
  return stub.Publish(&context, request, &response);
}

// 100,000 persons of concern fit in the 1 MiB message limit; the count
// bound (200 entries in any repeated field) refuses them before anything
// else is looked at, naming the field and the bound. Nothing is stored.
TEST_F(HostileInputTest, AHundredThousandPersonsOfConcernAreRefusedByTheCountBound) {
  auto stub = RawStub(broker_, "police");
  const int64_t rss_before = RssMiB(broker_);
  for (const bool duplicate : {true, false}) {
    const auto request =
        WithManyPersons(ValidRequest("huge-" + std::to_string(duplicate)), duplicate);
    ASSERT_LT(request.ByteSizeLong(), 1u << 20);
    const auto refused = PublishWithStub(*stub, request);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(refused.error_message(),
                HasSubstr("notification.persons_of_concern: 100000 entries, at most 200"));
  }
  const int64_t rss_after = RssMiB(broker_);
  std::cout << "100,000 persons: broker RSS " << rss_before << " -> " << rss_after << " MiB\n";
  EXPECT_LT(rss_after - rss_before, 128) << "MiB more for two 0.9 MB requests";
  EXPECT_EQ(
      QueryStore(broker_, "SELECT count(*) FROM notifications WHERE idempotency_key LIKE 'huge-%'"),
      0);
  ExpectStillServing("100,000 persons of concern");
}

// 16 such publishes at once (well under publishes_in_flight, 256): each is
// refused right after parsing, so the memory they need is gRPC's and the
// parse's, not held through routing and the store's queue (before the
// count bound, about 4 MiB each: peak RSS 29-30 -> 91..98 MiB). Bound: less
// than 8 MiB per publish in flight.
TEST_F(HostileInputTest, SixteenHundredThousandPersonPublishesAtOnceStayWithinTheirBound) {
  ExpectStillServing("start-up");
  const int64_t peak_before = ProcStatus(broker_.pid(), "VmHWM") / 1024;
  std::vector<v1::PublishRequest> requests;
  requests.reserve(16);
  for (int i = 0; i < 16; ++i) {
    requests.push_back(WithManyPersons(ValidRequest("huge-" + std::to_string(i)), false));
  }
  auto stub = RawStub(broker_, "police");
  std::vector<std::thread> threads;
  threads.reserve(requests.size());
  std::atomic<int> refused{0};
  for (const auto& request : requests) {
    threads.emplace_back([&] {
      refused += PublishWithStub(*stub, request).error_code() == grpc::StatusCode::INVALID_ARGUMENT
                     ? 1
                     : 0;
    });
  }
  for (auto& t : threads) t.join();
  const int64_t peak_after = ProcStatus(broker_.pid(), "VmHWM") / 1024;
  std::cout << "16 x 100,000 persons at once: " << refused << " refused; broker peak RSS "
            << peak_before << " -> " << peak_after << " MiB\n";
  EXPECT_EQ(refused, 16);
  EXPECT_LT(peak_after - peak_before, 16 * 8);
  ExpectStillServing("16 x 100,000 persons of concern");
}

// Acknowledge's repeated sequences are bounded (1000): 100,000 are refused
// naming the bound before any is looked at.
TEST_F(HostileInputTest, AHundredThousandSequencesToAcknowledgeAreRefused) {
  v1::AcknowledgeRequest request;
  request.set_subscription("inbox");
  for (uint64_t s = 1; s <= 100'000; ++s) request.add_sequences(s);
  ASSERT_LT(request.ByteSizeLong(), 1u << 20);
  const auto status = CallRaw(RawChannel(broker_, "cfs"), "/safeshare.v1.Broker/Acknowledge", false,
                              request.SerializeAsString());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("sequences"));
  ExpectStillServing("100,000 sequences");
}

// A 100 MB request is over gRPC's receive limit (limits.max_message_bytes,
// 1 MiB): RESOURCE_EXHAUSTED. Finding: gRPC 1.51 takes in the whole message
// before it compares its size, so the broker's peak RSS (VmHWM) grows by
// 157-187 MiB for it (measured from 29 MiB, two runs); a second one reuses
// that memory. Bound: less than 256 MiB above the peak before, and gRPC's memory
// for calls is capped by limits.memory_quota_bytes (512 MiB) in any case.
TEST_F(HostileInputTest, AHundredMegabyteMessageIsRefusedInBoundedMemory) {
  ExpectStillServing("start-up");  // warm: the first publish's allocations are not the attack's
  const int64_t peak_before = ProcStatus(broker_.pid(), "VmHWM") / 1024;
  const std::string huge = LengthDelimited(1, std::string(100 << 20, 'x'));
  for (const char* method : {"Publish", "Acknowledge"}) {
    const auto status = CallRaw(police_, std::string("/safeshare.v1.Broker/") + method, false, huge,
                                std::chrono::seconds(30));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << method << ": " << status.error_message();
    std::cout << method << " / 100 MB: " << status.error_code() << " " << status.error_message()
              << "\n";
  }
  const int64_t peak_after = ProcStatus(broker_.pid(), "VmHWM") / 1024;
  std::cout << "100 MB: broker peak RSS " << peak_before << " -> " << peak_after << " MiB, now "
            << RssMiB(broker_) << " MiB\n";
  EXPECT_LT(peak_after - peak_before, 256);
  ExpectStillServing("100 MB message");
  auto cfs = Connect(broker_, "cfs");
  EXPECT_EQ(Receive(cfs, "after-huge", 2).size(), 2u);  // both police publishes
}

}  // namespace
}  // namespace safeshare::testing
