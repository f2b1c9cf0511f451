#pragma once

// Audit entries for tests: fixed ones whose encodings, hashes and Merkle
// leaves were computed independently (in Python), and linked logs of any
// length.
#include <string>
#include <vector>

#include "broker/audit/chain.h"

#include "broker/audit/audit_entry.h"

namespace safeshare::audit::samples {

// A fixed entry and its hash computed independently of this code, with
// Python 3 (hashlib, struct) in a one-off:
//   ints = [7, 1714000000123456, 1714000000200000]  # id, at, clock_stepped_back_from
//   strs = ["police", "published", "0190f1e2-1234-7abc-8def-000000000001", "CASE-1",
//           "cfs", "", "ISA-03", "legal_obligation", "PURPOSE_STRATEGY_DISCUSSION",
//           "sequence 7 routed to [cfs]", hashlib.sha256(b"body").hexdigest()]
//   enc = b"\x01" + b"".join(struct.pack(">q", i) for i in ints) + b"".join(
//       struct.pack(">I", len(s.encode())) + s.encode() for s in strs)
//   hashlib.sha256(bytes.fromhex(hashlib.sha256(b"prev").hexdigest()) + enc).hexdigest()
// so a change of byte order, field order or width fails audit_test.cc.
inline Entry GoldenEntry() {
  return Entry{.version = 1,
               .id = 7,
               .at_micros = 1'714'000'000'123'456,
               .clock_stepped_back_from = 1'714'000'000'200'000,
               .actor = "police",
               .action = Action::kPublished,
               .notification_id = "0190f1e2-1234-7abc-8def-000000000001",
               .case_ref = "CASE-1",
               .recipient = "cfs",
               .rule = "ISA-03",
               .lawful_basis = "legal_obligation",
               .purpose = "PURPOSE_STRATEGY_DISCUSSION",
               .detail = "sequence 7 routed to [cfs]",
               .content_hash = ContentHash("body")};
}

// A version-2 entry (a routing decision with two lines and a person hash)
// and its hash and Merkle leaf computed independently, with Python 3:
//   h = lambda x: hashlib.sha256(x.encode()).hexdigest()
//   s = lambda x: struct.pack(">I", len(x.encode())) + x.encode()
//   n = "0190f1e2-1234-7abc-8def-000000000002"
//   ints = [8, 1714000000123456, 0]
//   strs = ["police", "published", n, "CASE-1", "", "", "", "", "",
//           "referral sequence 8; policy 3", h("body")]
//   lines = [["routed", "cfs", n, "CASE-1", 8, "ISA-SM-01 v2", "ISA-03",
//             "PURPOSE_STRATEGY_DISCUSSION", "legal_obligation", h("view cfs"),
//             "withheld: address"],
//            ["withheld", "education", n, "CASE-1", 8, "", "", "", "", "",
//             "no agreement shares referral with education"]]
//   enc = b"\x02" + b"".join(struct.pack(">q", i) for i in ints) + b"".join(map(s, strs))
//   enc += struct.pack(">I", len(lines))
//   for l in lines:
//       enc += b"".join(map(s, l[:4])) + struct.pack(">q", l[4]) + b"".join(map(s, l[5:]))
//   enc += struct.pack(">I", 1) + s(h("person 1"))
//   hashlib.sha256(bytes.fromhex(h("prev")) + enc).hexdigest()  # entry hash
//   hashlib.sha256(b"\x00" + enc).hexdigest()                  # Merkle leaf
inline Entry GoldenEntryV2() {
  const std::string id = "0190f1e2-1234-7abc-8def-000000000002";
  return Entry{.version = 2,
               .id = 8,
               .at_micros = 1'714'000'000'123'456,
               .actor = "police",
               .action = Action::kPublished,
               .notification_id = id,
               .case_ref = "CASE-1",
               .detail = "referral sequence 8; policy 3",
               .content_hash = ContentHash("body"),
               .lines = {Line{.outcome = Action::kRouted,
                              .agency = "cfs",
                              .notification_id = id,
                              .case_ref = "CASE-1",
                              .sequence = 8,
                              .agreement = "ISA-SM-01 v2",
                              .rule = "ISA-03",
                              .purpose = "PURPOSE_STRATEGY_DISCUSSION",
                              .lawful_basis = "legal_obligation",
                              .content_hash = ContentHash("view cfs"),
                              .detail = "withheld: address"},
                         Line{.outcome = Action::kWithheld,
                              .agency = "education",
                              .notification_id = id,
                              .case_ref = "CASE-1",
                              .sequence = 8,
                              .detail = "no agreement shares referral with education"}},
               .person_hashes = {ContentHash("person 1")}};
}

// Entry `id` of a log of publish decisions (two lines, a person hash), as
// the broker would write it.
inline Entry Decision(int64_t id) {
  const std::string notification = "n-" + std::to_string(id);
  return Entry{.id = id,
               .at_micros = 1'714'000'000'000'000 + id,
               .actor = "cfs",
               .action = Action::kPublished,
               .notification_id = notification,
               .case_ref = "CASE-" + std::to_string(id % 7),
               .recipient = "police",
               .detail = "referral sequence " + std::to_string(id),
               .content_hash = ContentHash("body " + std::to_string(id)),
               .lines = {Line{.outcome = Action::kRouted,
                              .agency = "police",
                              .notification_id = notification,
                              .sequence = id,
                              .rule = "ISA-03"},
                         Line{.outcome = Action::kWithheld,
                              .agency = "education",
                              .notification_id = notification,
                              .sequence = id,
                              .detail = "no agreement"}},
               .person_hashes = {ContentHash("person " + std::to_string(id % 5))}};
}

// Links `entries` from the genesis hash, as the broker's single writer does.
inline void Relink(std::vector<Entry>& entries) {
  std::string head(kGenesisHash);
  for (auto& e : entries) head = Link(head, e);
}

inline std::vector<Entry> Log(int64_t size) {
  std::vector<Entry> log;
  for (int64_t id = 1; id <= size; ++id) log.push_back(Decision(id));
  Relink(log);
  return log;
}

}  // namespace safeshare::audit::samples
