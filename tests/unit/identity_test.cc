// Unit tests for broker/identity: certificate SAN URIs to agencies, as
// data-driven cases (after Redpanda's mTLS principal mapping tests).
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/identity/agency_directory.h"

namespace safeshare::identity {
namespace {

std::vector<config::Agency> Agencies() {
  return {
      {AgencyId("police"), "police", "spiffe://safeshare.test/agency/police"},
      {AgencyId("cfs"), "childrens_social_care", "spiffe://safeshare.test/agency/cfs"},
      {AgencyId("probation"), "probation", "spiffe://safeshare.test/agency/probation"},
  };
}

struct IdentifyCase {
  std::string name;
  std::vector<std::string> uris;
  std::optional<std::string> agency;  // expected agency, or nullopt for UNAUTHENTICATED
  std::string role;
  std::string message_part;  // for refusals: part of the message
};

void PrintTo(const IdentifyCase& c, std::ostream* os) { *os << c.name; }

class IdentifyTest : public ::testing::TestWithParam<IdentifyCase> {};

TEST_P(IdentifyTest, MapsCertificateUrisToAgency) {
  const AgencyDirectory directory(Agencies());
  const auto& c = GetParam();
  auto caller = directory.Identify(c.uris);
  if (c.agency) {
    ASSERT_TRUE(caller.ok()) << caller.status();
    EXPECT_EQ(caller->agency, AgencyId(*c.agency));
    EXPECT_EQ(caller->role, c.role);
  } else {
    ASSERT_FALSE(caller.ok()) << "identified as " << caller->agency.value();
    EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(std::string(caller.status().message()), ::testing::HasSubstr(c.message_part));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, IdentifyTest,
    ::testing::Values(
        IdentifyCase{"KnownUri", {"spiffe://safeshare.test/agency/police"}, "police", "police", ""},
        IdentifyCase{"KnownUriOtherRole",
                     {"spiffe://safeshare.test/agency/cfs"},
                     "cfs",
                     "childrens_social_care",
                     ""},
        IdentifyCase{"UnknownUri",
                     {"spiffe://safeshare.test/agency/press"},
                     std::nullopt,
                     "",
                     "does not name an agency"},
        IdentifyCase{"UriDiffersOnlyInCase",
                     {"spiffe://safeshare.test/agency/POLICE"},
                     std::nullopt,
                     "",
                     "does not name an agency"},
        IdentifyCase{"NoUris", {}, std::nullopt, "", "does not name an agency"},
        IdentifyCase{
            "TwoAgencies",
            {"spiffe://safeshare.test/agency/police", "spiffe://safeshare.test/agency/cfs"},
            std::nullopt,
            "",
            "more than one agency"},
        IdentifyCase{"TwoAgenciesKnownSecond",
                     {"spiffe://other.test/x", "spiffe://safeshare.test/agency/probation",
                      "spiffe://safeshare.test/agency/police"},
                     std::nullopt,
                     "",
                     "more than one agency"},
        IdentifyCase{"UnrelatedUriPlusKnown",
                     {"https://www.example.org/", "spiffe://safeshare.test/agency/probation"},
                     "probation",
                     "probation",
                     ""},
        IdentifyCase{"KnownUriRepeated",
                     {"spiffe://safeshare.test/agency/cfs", "spiffe://safeshare.test/agency/cfs"},
                     "cfs",
                     "childrens_social_care",
                     ""}),
    [](const ::testing::TestParamInfo<IdentifyCase>& info) { return info.param.name; });

TEST(AgencyDirectoryTest, EmptyDirectoryIdentifiesNobody) {
  const AgencyDirectory directory({});
  auto caller = directory.Identify({"spiffe://safeshare.test/agency/police"});
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace safeshare::identity
