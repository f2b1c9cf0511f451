// The Audit service end to end, against the real broker over mutual TLS:
// IG queries by case, agency, notification, person, action and time with
// paging; every other agency refused on every call, and the refusal on the
// record; a certificate no agency holds on the record under its URI;
// inclusion and consistency proofs checked with an independent RFC 6962
// (tests/integration/rfc6962.h) against checkpoints whose signatures are
// checked with OpenSSL directly; a checkpoint signed at shutdown.
#include <google/protobuf/util/time_util.h>

#include <chrono>
#include <limits>
#include <thread>

#include "tests/integration/audit_checks.h"

namespace safeshare::testing {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kPnc[] = "2019/0123456X";  // a person the example notifications name

v1::Notification OnCase(v1::Notification n, const std::string& case_ref) {
  n.set_case_ref(case_ref);
  return n;
}

bool NamesCase(const v1::AuditEntry& e, const std::string& case_ref) {
  if (e.case_ref() == case_ref) return true;
  for (const auto& l : e.lines()) {
    if (l.case_ref() == case_ref) return true;
  }
  return false;
}

bool NamesAgency(const v1::AuditEntry& e, const std::string& agency) {
  if (e.actor() == agency || e.recipient() == agency) return true;
  for (const auto& l : e.lines()) {
    if (l.agency() == agency) return true;
  }
  return false;
}

bool Is(const v1::AuditEntry& e, const std::string& action) {
  if (e.action() == action) return true;
  for (const auto& l : e.lines()) {
    if (l.outcome() == action) return true;
  }
  return false;
}

std::vector<uint64_t> Indexes(const std::vector<v1::AuditEntry>& entries) {
  std::vector<uint64_t> out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(e.index());
  return out;
}

// Hex as the broker writes leaf hashes, to raw bytes.
std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

// The latest checkpoint once the broker has signed one of at least `size`
// entries (waiting up to 20 s).
v1::GetCheckpointResponse CheckpointOfAtLeast(v1::Audit::Stub& ig, uint64_t size) {
  v1::GetCheckpointResponse response;
  for (int i = 0; i < 200; ++i) {
    grpc::ClientContext context;
    response.Clear();
    if (ig.GetCheckpoint(&context, {}, &response).ok() &&
        response.checkpoint().tree_size() >= size) {
      return response;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "no checkpoint of " << size << " entries or more";
  return response;
}

class AuditQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfs = Connect(broker_, "cfs");
    auto police = Connect(broker_, "police");
    auto minutes = cfs.Publish(OnCase(Example("strategy_minutes", "aud-q-1"), "CASE-AQ-1"));
    ASSERT_TRUE(minutes.ok()) << minutes.status();
    minutes_id_ = minutes->notification_id();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a later time for the next
    auto outcome = police.Publish(OnCase(Example("investigation_outcome", "aud-q-2"), "CASE-AQ-2"));
    ASSERT_TRUE(outcome.ok()) << outcome.status();
  }

  BrokerProcess broker_;
  std::unique_ptr<v1::Audit::Stub> ig_ = AuditStub(broker_, "ig");
  std::string minutes_id_;
};

TEST_F(AuditQueryTest, ByCaseAgencyNotificationAndAction) {
  v1::AuditFilter by_case;
  by_case.set_case_ref("CASE-AQ-1");
  const auto of_case = QueryAll(*ig_, by_case);
  ASSERT_THAT(of_case, Not(IsEmpty()));
  for (const auto& e : of_case) EXPECT_TRUE(NamesCase(e, "CASE-AQ-1")) << e.DebugString();
  EXPECT_TRUE(std::any_of(of_case.begin(), of_case.end(), [&](const auto& e) {
    return e.action() == "published" && e.notification_id() == minutes_id_ && e.actor() == "cfs";
  }));

  v1::AuditFilter by_notification;
  by_notification.set_notification_id(minutes_id_);
  const auto of_notification = QueryAll(*ig_, by_notification);
  ASSERT_THAT(of_notification, Not(IsEmpty()));
  for (const auto& e : of_notification) {
    EXPECT_TRUE(e.notification_id() == minutes_id_ ||
                std::any_of(e.lines().begin(), e.lines().end(),
                            [&](const auto& l) { return l.notification_id() == minutes_id_; }));
  }

  v1::AuditFilter by_agency;
  by_agency.set_agency("police");
  const auto of_police = QueryAll(*ig_, by_agency);
  ASSERT_THAT(of_police, Not(IsEmpty()));
  for (const auto& e : of_police) EXPECT_TRUE(NamesAgency(e, "police")) << e.DebugString();

  v1::AuditFilter by_action;
  by_action.add_actions("published");
  const auto published = QueryAll(*ig_, by_action);
  ASSERT_THAT(published, SizeIs(2));
  for (const auto& e : published) EXPECT_TRUE(Is(e, "published"));

  v1::AuditFilter both;  // every condition must hold
  both.set_case_ref("CASE-AQ-2");
  both.add_actions("published");
  const auto outcome = QueryAll(*ig_, both);
  ASSERT_THAT(outcome, SizeIs(1));
  EXPECT_EQ(outcome[0].actor(), "police");
}

TEST_F(AuditQueryTest, ByPersonThroughItsKeyedHashOnly) {
  v1::AuditFilter by_person;
  by_person.mutable_person()->set_scheme(v1::IDENTIFIER_SCHEME_PNC_NUMBER);
  by_person.mutable_person()->set_value(kPnc);
  const auto of_person = QueryAll(*ig_, by_person);
  ASSERT_THAT(of_person, Not(IsEmpty()));
  for (const auto& e : of_person) EXPECT_THAT(e.person_hashes(), Not(IsEmpty()));
  EXPECT_TRUE(std::any_of(of_person.begin(), of_person.end(),
                          [&](const auto& e) { return e.notification_id() == minutes_id_; }));

  by_person.mutable_person()->set_value("2001/0000000Z");  // named by no notification
  EXPECT_THAT(QueryAll(*ig_, by_person), IsEmpty());

  // The reads are on the record, with the person as a hash, never the value.
  v1::AuditFilter reads;
  reads.add_actions("audit_read");
  const auto audited = QueryAll(*ig_, reads);
  ASSERT_THAT(audited, SizeIs(2));
  for (const auto& e : audited) {
    EXPECT_EQ(e.actor(), "ig");
    EXPECT_THAT(e.detail(), AllOf(StartsWith("Audit.Query "), HasSubstr("person_hash="),
                                  Not(HasSubstr(kPnc)), Not(HasSubstr("0123456"))));
  }
  EXPECT_EQ(QueryStore(broker_, "SELECT count(*) FROM audit WHERE detail LIKE '%0123456%'"), 0);
}

TEST_F(AuditQueryTest, ByTimeAndInPages) {
  const auto all = QueryAll(*ig_, {});
  ASSERT_GE(all.size(), 3u);
  // Pages of 2 give the same entries, in order, as one page.
  const auto paged = QueryAll(*ig_, {}, 2);
  ASSERT_GE(paged.size(), all.size());  // the first query's audit_read entry too
  EXPECT_EQ(Indexes(std::vector<v1::AuditEntry>(paged.begin(), paged.begin() + all.size())),
            Indexes(all));

  // From the second publish's time on: not the first's entry; before it: only earlier ones.
  const auto second = std::find_if(all.begin(), all.end(), [](const auto& e) {
    return e.action() == "published" && e.actor() == "police";
  });
  ASSERT_NE(second, all.end());
  v1::AuditFilter from;
  *from.mutable_from() = second->at();
  const auto later = QueryAll(*ig_, from);
  ASSERT_THAT(later, Not(IsEmpty()));
  for (const auto& e : later)
    EXPECT_GE(TimeUtil::TimestampToMicroseconds(e.at()),
              TimeUtil::TimestampToMicroseconds(second->at()));
  EXPECT_THAT(Indexes(later), Not(Contains(all.front().index())));
  v1::AuditFilter to;
  *to.mutable_to() = second->at();
  const auto earlier = QueryAll(*ig_, to);
  ASSERT_THAT(earlier, Not(IsEmpty()));
  for (const auto& e : earlier) EXPECT_LT(e.index(), second->index());

  v1::QueryAuditRequest too_many;
  too_many.set_limit(1001);
  grpc::ClientContext context;
  v1::QueryAuditResponse response;
  const auto status = ig_->Query(&context, too_many, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("limit: "));
}

// A timestamp no calendar holds (it would overflow microseconds) is refused
// naming the field, by Query and by Export, and the broker stays up.
TEST_F(AuditQueryTest, ATimestampOutOfRangeIsRefusedNamingItsField) {
  v1::QueryAuditRequest far;
  far.mutable_filter()->mutable_from()->set_seconds(std::numeric_limits<int64_t>::max());
  grpc::ClientContext query_context;
  v1::QueryAuditResponse response;
  const auto refused = ig_->Query(&query_context, far, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), StartsWith("filter.from: not a valid timestamp"));

  v1::ExportAuditRequest bad_nanos;
  bad_nanos.set_format(v1::EXPORT_FORMAT_JSONL);
  bad_nanos.mutable_filter()->mutable_to()->set_nanos(-1);
  grpc::ClientContext export_context;
  auto reader = ig_->Export(&export_context, bad_nanos);
  v1::ExportChunk chunk;
  EXPECT_FALSE(reader->Read(&chunk));
  const auto export_refused = reader->Finish();
  EXPECT_EQ(export_refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(export_refused.error_message(), StartsWith("filter.to: not a valid timestamp"));

  EXPECT_THAT(QueryAll(*ig_, {}), Not(IsEmpty()));
}

// Calls every Audit RPC as `agency`; returns the status codes.
std::vector<grpc::StatusCode> CallEveryAuditRpc(v1::Audit::Stub& stub) {
  std::vector<grpc::StatusCode> codes;
  const auto unary = [&](auto call) {
    grpc::ClientContext context;
    codes.push_back(call(context).error_code());
  };
  unary([&](auto& c) {
    v1::QueryAuditResponse r;
    return stub.Query(&c, {}, &r);
  });
  {
    grpc::ClientContext context;
    v1::ExportAuditRequest request;
    request.set_format(v1::EXPORT_FORMAT_JSONL);
    auto reader = stub.Export(&context, request);
    v1::ExportChunk chunk;
    while (reader->Read(&chunk)) {
    }
    codes.push_back(reader->Finish().error_code());
  }
  unary([&](auto& c) {
    v1::GetCheckpointResponse r;
    return stub.GetCheckpoint(&c, {}, &r);
  });
  unary([&](auto& c) {
    v1::InclusionProofRequest request;
    request.set_index(1);
    v1::InclusionProofResponse r;
    return stub.GetInclusionProof(&c, request, &r);
  });
  unary([&](auto& c) {
    v1::ConsistencyProofRequest request;
    request.set_from_size(1);
    v1::ConsistencyProofResponse r;
    return stub.GetConsistencyProof(&c, request, &r);
  });
  unary([&](auto& c) {
    v1::ListUnacknowledgedResponse r;
    return stub.ListUnacknowledged(&c, {}, &r);
  });
  return codes;
}

TEST(AuditAccessTest, EveryOtherAgencyIsRefusedEveryCallAndTheAttemptIsOnTheRecord) {
  BrokerProcess broker;
  auto police = AuditStub(broker, "police");
  EXPECT_THAT(CallEveryAuditRpc(*police), Each(grpc::StatusCode::PERMISSION_DENIED));
  // Roles no agreement lets manage cases or register interests, and
  // Governance for a role that is not information governance.
  auto police_client = Connect(broker, "police");
  v1::UpdateCaseRequest update;
  update.set_case_ref("CASE-ACC-1");
  update.add_engage("health");
  v1::InterestRequest interest;
  interest.add_identifiers()->set_scheme(v1::IDENTIFIER_SCHEME_PNC_NUMBER);
  interest.mutable_identifiers(0)->set_value(kPnc);
  for (const auto& status :
       {police_client.UpdateCase(update).status(), police_client.GetCase("CASE-ACC-1").status(),
        police_client.RegisterInterest(interest).status()}) {
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
  }
  auto cfs = Connect(broker, "cfs");
  EXPECT_EQ(cfs.ReloadPolicy().status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(cfs.PolicyImpact({}).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(cfs.ListUrgentDisclosures({}).status().code(), absl::StatusCode::kPermissionDenied);

  auto ig = AuditStub(broker, "ig");
  v1::AuditFilter refused;
  refused.add_actions("access_refused");
  const auto entries = QueryAll(*ig, refused);
  std::vector<std::string> calls;
  for (const auto& e : entries) {
    calls.push_back(e.detail().substr(0, e.detail().find(':')));
    EXPECT_THAT(e.detail(), HasSubstr("may not"));  // and why
  }
  EXPECT_THAT(calls, ::testing::ElementsAre("Audit.Query", "Audit.Export", "Audit.GetCheckpoint",
                                            "Audit.GetInclusionProof", "Audit.GetConsistencyProof",
                                            "Audit.ListUnacknowledged", "Broker.UpdateCase",
                                            "Broker.GetCase", "Broker.RegisterInterest",
                                            "Governance.ReloadPolicy", "Governance.PolicyImpact",
                                            "Governance.ListUrgentDisclosures"));
  refused.set_agency("police");
  EXPECT_THAT(QueryAll(*ig, refused), SizeIs(9));
  // Each refusal was answered after its entry was durable: the store has
  // them all now, straight after the calls.
  EXPECT_EQ(QueryStore(broker, "SELECT count(*) FROM audit WHERE action='access_refused'"), 12);
  // What the IG lead did is on the record too: this one query.
  v1::AuditFilter reads;
  reads.add_actions("audit_read");
  const auto audited = QueryAll(*ig, reads);
  ASSERT_THAT(audited, SizeIs(2));
  EXPECT_EQ(audited[0].detail(), "Audit.Query actions=access_refused after_index=0 limit=100");
}

TEST(AuditAccessTest, ACertificateNoAgencyHoldsIsOnTheRecordUnderItsUri) {
  BrokerProcess broker;
  auto unknown = AuditStub(broker, "unknown");
  grpc::ClientContext context;
  v1::QueryAuditResponse response;
  EXPECT_EQ(unknown->Query(&context, {}, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto stranger = Connect(broker, "unknown");
  EXPECT_EQ(stranger.Publish(Example("strategy_minutes", "aud-unknown")).status().code(),
            absl::StatusCode::kUnauthenticated);

  auto ig = AuditStub(broker, "ig");
  v1::AuditFilter filter;
  filter.set_agency("spiffe://safeshare.test/agency/unknown");
  const auto entries = QueryAll(*ig, filter);
  ASSERT_THAT(entries, SizeIs(2));
  EXPECT_EQ(entries[0].action(), "access_refused");
  EXPECT_THAT(entries[0].detail(), StartsWith("Audit.Query: client certificate does not name"));
  EXPECT_THAT(entries[1].detail(), StartsWith("Broker.Publish: "));
}

TEST(AuditProofTest, ProofsVerifyIndependentlyAgainstSignedCheckpoints) {
  BrokerProcess broker(BrokerOptions{
      .config_edits = {{"checkpoint_every_entries: 1000", "checkpoint_every_entries: 3"}}});
  auto cfs = Connect(broker, "cfs");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(cfs.Publish(Example("strategy_minutes", "aud-p-" + std::to_string(i))).ok());
  }
  auto ig = AuditStub(broker, "ig");
  const auto first = CheckpointOfAtLeast(*ig, 3);
  for (int i = 3; i < 8; ++i) {
    ASSERT_TRUE(cfs.Publish(Example("strategy_minutes", "aud-p-" + std::to_string(i))).ok());
  }
  const auto second = CheckpointOfAtLeast(*ig, first.checkpoint().tree_size() + 5);
  const std::string published_key = ReadFile(TestPki::Get().Path("audit-log.pub"));
  EXPECT_EQ(second.verifier_key() + "\n", published_key);
  // Checked against the key published with the PKI, not the one served.
  const auto a =
      OpenCheckpoint(first.checkpoint().note(), published_key.substr(0, published_key.find('\n')));
  const auto b = OpenCheckpoint(second.checkpoint().note(), second.verifier_key());
  EXPECT_EQ(a.origin, "safeshare.test/audit");
  EXPECT_EQ(a.size, first.checkpoint().tree_size());
  EXPECT_EQ(a.root, first.checkpoint().root_hash());
  EXPECT_EQ(b.size, second.checkpoint().tree_size());

  // The independent tree over the leaf hashes of the log's entries.
  rfc6962::Leaves leaves;
  for (const auto& e : QueryAll(*ig, {}, 1000)) leaves.push_back(FromHex(e.leaf_hash()));
  ASSERT_GE(leaves.size(), b.size);
  EXPECT_EQ(rfc6962::Mth(leaves, 0, a.size), a.root);
  EXPECT_EQ(rfc6962::Mth(leaves, 0, b.size), b.root);

  for (const uint64_t index : {uint64_t{1}, a.size, b.size - 1}) {
    v1::InclusionProofRequest request;
    request.set_index(index);  // tree_size 0: the latest checkpoint's
    grpc::ClientContext context;
    v1::InclusionProofResponse proof;
    ASSERT_TRUE(ig->GetInclusionProof(&context, request, &proof).ok());
    ASSERT_GE(proof.tree_size(), b.size);
    const std::vector<std::string> path(proof.hashes().begin(), proof.hashes().end());
    EXPECT_EQ(path, rfc6962::Path(index - 1, leaves, 0, proof.tree_size())) << index;
    EXPECT_EQ(FromHex(proof.entry().leaf_hash()), leaves[index - 1]);
    EXPECT_EQ(rfc6962::RootFromInclusion(index - 1, proof.tree_size(), leaves[index - 1], path),
              rfc6962::Mth(leaves, 0, proof.tree_size()));
  }
  v1::ConsistencyProofRequest request;
  request.set_from_size(a.size);
  request.set_to_size(b.size);
  grpc::ClientContext context;
  v1::ConsistencyProofResponse proof;
  ASSERT_TRUE(ig->GetConsistencyProof(&context, request, &proof).ok());
  const std::vector<std::string> hashes(proof.hashes().begin(), proof.hashes().end());
  EXPECT_EQ(hashes, rfc6962::Proof(a.size, leaves, b.size));
  EXPECT_TRUE(rfc6962::VerifyConsistency(a.size, b.size, a.root, b.root, hashes));
  EXPECT_FALSE(rfc6962::VerifyConsistency(a.size, b.size, b.root, a.root, hashes));

  request.set_to_size(leaves.size() + 100);  // beyond the log
  grpc::ClientContext beyond;
  const auto status = ig->GetConsistencyProof(&beyond, request, &proof);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("to_size: "));
}

TEST(AuditCheckpointTest, ACheckpointIsSignedAtShutdown) {
  const std::string dir = MakeTempDir("safeshare-audit-restart");
  uint64_t entries = 0;
  {
    BrokerProcess broker(dir);
    auto cfs = Connect(broker, "cfs");
    ASSERT_TRUE(cfs.Publish(Example("strategy_minutes", "aud-s-1")).ok());
    auto ig = AuditStub(broker, "ig");
    grpc::ClientContext context;
    v1::GetCheckpointResponse none;
    // Every 1000 entries or 60 s: none yet.
    EXPECT_EQ(ig->GetCheckpoint(&context, {}, &none).error_code(), grpc::StatusCode::NOT_FOUND);
    entries = QueryAll(*ig, {}).size() + 1;  // and the query's own audit_read entry
    ASSERT_EQ(broker.Terminate(), 0);
  }
  BrokerProcess restarted(dir);
  auto ig = AuditStub(restarted, "ig");
  grpc::ClientContext context;
  v1::GetCheckpointResponse latest;
  ASSERT_TRUE(ig->GetCheckpoint(&context, {}, &latest).ok());
  EXPECT_EQ(latest.checkpoint().tree_size(), entries);
  const auto opened = OpenCheckpoint(latest.checkpoint().note(), latest.verifier_key());
  EXPECT_EQ(opened.size, entries);
  rfc6962::Leaves leaves;
  for (const auto& e : QueryAll(*ig, {})) leaves.push_back(FromHex(e.leaf_hash()));
  ASSERT_GT(leaves.size(), entries);  // the restarted broker's own reads follow
  EXPECT_EQ(rfc6962::Mth(leaves, 0, entries), opened.root);
  EXPECT_THAT(restarted.Terminate(), 0);
}

}  // namespace
}  // namespace safeshare::testing
