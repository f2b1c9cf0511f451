#include "broker/store/routing_state_query.h"

#include <map>

#include "broker/core/status_macros.h"
#include "broker/store/body_seal.h"
#include "broker/store/delivery_query.h"
#include "broker/store/store.h"

namespace safeshare::store {
namespace {

constexpr const char* kEngagementColumns = "agency, since, until, source";

Engagement EngagementAt(const Statement& r, int first) {
  return Engagement{AgencyId(r.Text(first)), r.Int(first + 1), r.Int(first + 2), r.Text(first + 3)};
}

// Fills each case's engagements (oldest first) from one pass over the table.
absl::Status AddEngagements(Connection& db, std::vector<CaseState>& cases) {
  std::map<CaseRef, CaseState*> by_ref;
  for (auto& c : cases) by_ref[c.case_ref] = &c;
  auto s = db.Prepare(std::string("SELECT case_ref, ") + kEngagementColumns +
                      " FROM engagements ORDER BY case_ref, since, rowid");
  if (!s.ok()) return s.status();
  auto rows = CollectRows<std::pair<CaseRef, Engagement>>(*s, [](const Statement& r) {
    return std::make_pair(CaseRef(r.Text(0)), EngagementAt(r, 1));
  });
  if (!rows.ok()) return rows.status();
  for (auto& [case_ref, engagement] : *rows) {
    if (auto it = by_ref.find(case_ref); it != by_ref.end()) {
      it->second->engagements.push_back(std::move(engagement));
    }
  }
  return absl::OkStatus();
}

// Rows of (person hash, value) as a map of sets.
template <typename T>
absl::StatusOr<std::map<std::string, std::set<T>>> HashSets(Connection& db, std::string_view sql) {
  auto s = db.Prepare(sql);
  if (!s.ok()) return s.status();
  auto rows = CollectRows<std::pair<std::string, T>>(
      *s, [](const Statement& r) { return std::make_pair(r.Text(0), T(r.Text(1))); });
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::set<T>> out;
  for (auto& [hash, value] : *rows) out[hash].insert(std::move(value));
  return out;
}

// Each recipient of a notification, in publish order (its routed_to).
absl::StatusOr<std::vector<Recipient>> RecipientsOf(Statement& s, int64_t seq,
                                                    std::string_view routed_to) {
  std::vector<Recipient> out;
  for (const auto& agency : SplitList(routed_to)) {
    s.Bind(1, agency).Bind(2, seq);
    auto rows = CollectRows<Recipient>(s, [&](const Statement& r) {
      return Recipient{AgencyId(agency),
                       r.Text(0),
                       r.Text(1),
                       r.Text(2),
                       r.Text(3),
                       static_cast<uint32_t>(r.Int(4)),
                       SplitList(r.View(5)),
                       SplitCases(r.View(6)),
                       r.Int(7) != 0,
                       r.Text(8)};
    });
    if (!rows.ok()) return rows.status();
    out.insert(out.end(), rows->begin(), rows->end());
  }
  return out;
}

}  // namespace

absl::StatusOr<CaseState> QueryCase(Connection& db, const CaseRef& case_ref) {
  auto c = db.Prepare("SELECT closed FROM cases WHERE case_ref=?1");
  if (!c.ok()) return c.status();
  auto found = c->Bind(1, case_ref.value()).Step();
  if (!found.ok()) return found.status();
  if (!*found) return absl::NotFoundError("case " + case_ref.value() + " is not known");
  CaseState state{case_ref, c->Int(0) != 0, {}};
  auto e = db.Prepare(std::string("SELECT ") + kEngagementColumns +
                      " FROM engagements WHERE case_ref=?1 ORDER BY since, rowid");
  if (!e.ok()) return e.status();
  e->Bind(1, case_ref.value());
  auto engagements =
      CollectRows<Engagement>(*e, [](const Statement& r) { return EngagementAt(r, 0); });
  if (!engagements.ok()) return engagements.status();
  state.engagements = std::move(*engagements);
  return state;
}

absl::StatusOr<RoutingState> QueryRoutingState(Connection& db) {
  RoutingState state;
  auto c = db.Prepare("SELECT case_ref, closed FROM cases ORDER BY case_ref");
  if (!c.ok()) return c.status();
  auto cases = CollectRows<CaseState>(*c, [](const Statement& r) {
    return CaseState{CaseRef(r.Text(0)), r.Int(1) != 0, {}};
  });
  if (!cases.ok()) return cases.status();
  state.cases = std::move(*cases);
  SAFESHARE_RETURN_IF_ERROR(AddEngagements(db, state.cases));
  auto interests = HashSets<AgencyId>(db, "SELECT person_hash, agency FROM person_interests");
  if (!interests.ok()) return interests.status();
  state.interests = std::move(*interests);
  auto links = HashSets<CaseRef>(db, "SELECT person_hash, case_ref FROM person_links");
  if (!links.ok()) return links.status();
  state.person_cases = std::move(*links);
  return state;
}

absl::StatusOr<RoutingState> QueryRoutingChanges(Connection& db, const RoutingChanges& which) {
  if (which.everything) return QueryRoutingState(db);
  RoutingState state;
  for (const auto& case_ref : which.cases) {
    auto c = QueryCase(db, case_ref);
    if (c.ok()) {
      state.cases.push_back(std::move(*c));
    } else if (!absl::IsNotFound(c.status())) {
      return c.status();
    }
  }
  auto interests = db.Prepare("SELECT agency FROM person_interests WHERE person_hash=?1");
  if (!interests.ok()) return interests.status();
  auto links = db.Prepare("SELECT case_ref FROM person_links WHERE person_hash=?1");
  if (!links.ok()) return links.status();
  for (const auto& hash : which.persons) {
    auto agencies = CollectRows<AgencyId>(interests->Bind(1, hash),
                                          [](const Statement& r) { return AgencyId(r.Text(0)); });
    if (!agencies.ok()) return agencies.status();
    state.interests[hash].insert(agencies->begin(), agencies->end());
    auto cases = CollectRows<CaseRef>(links->Bind(1, hash),
                                      [](const Statement& r) { return CaseRef(r.Text(0)); });
    if (!cases.ok()) return cases.status();
    state.person_cases[hash].insert(cases->begin(), cases->end());
  }
  return state;
}

absl::StatusOr<std::vector<RoutedNotification>> QueryRouted(Connection& db, const DataKeys& keys,
                                                            Sequence after, int64_t since_micros,
                                                            size_t limit, bool urgent_only) {
  std::string sql =
      "SELECT seq, id, publisher, case_ref, type, stored_at, body, content_hash, routed_to,"
      " body_key, content_deleted_at"
      " FROM notifications n WHERE seq>?1 AND stored_at>=?2";
  if (urgent_only) {  // the partial index deliveries_urgent answers this
    sql += " AND EXISTS(SELECT 1 FROM deliveries d WHERE d.seq=n.seq AND d.urgent=1)";
  }
  auto s = db.Prepare(sql + " ORDER BY seq LIMIT ?3");
  auto d = db.Prepare(
      "SELECT rule, lawful_basis, agreement, purpose, view, withheld, linked_cases, urgent,"
      " urgent_reason FROM deliveries WHERE recipient=?1 AND seq=?2");
  if (!s.ok() || !d.ok()) return !s.ok() ? s.status() : d.status();
  s->Bind(1, static_cast<int64_t>(after.value()))
      .Bind(2, since_micros)
      .Bind(3, static_cast<int64_t>(limit));
  struct Row {
    RoutedNotification n;
    std::string content_hash, routed_to, body_key;
  };
  auto rows = CollectRows<Row>(*s, [](const Statement& r) {
    return Row{{Sequence(static_cast<uint64_t>(r.Int(0))),
                NotificationId(r.Text(1)),
                AgencyId(r.Text(2)),
                CaseRef(r.Text(3)),
                r.Text(4),
                r.Int(5),
                r.Text(6),
                r.Int(10),
                {}},
               r.Text(7),
               r.Text(8),
               r.Text(9)};
  });
  if (!rows.ok()) return rows.status();
  std::vector<RoutedNotification> out;
  out.reserve(rows->size());
  for (auto& row : *rows) {
    if (row.n.content_deleted_micros == 0) {
      auto body =
          OpenBody(keys, row.body_key, row.n.body, row.n.id.value(), 0, row.n.sequence.value());
      if (!body.ok()) return body.status();
      row.n.body = *std::move(body);
      SAFESHARE_RETURN_IF_ERROR(
          CheckContentHash(row.n.id, row.n.sequence, row.n.body, row.content_hash));
    }
    auto recipients = RecipientsOf(*d, static_cast<int64_t>(row.n.sequence.value()), row.routed_to);
    if (!recipients.ok()) return recipients.status();
    row.n.recipients = std::move(*recipients);
    out.push_back(std::move(row.n));
  }
  return out;
}

}  // namespace safeshare::store
