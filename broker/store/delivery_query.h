#pragma once

#include <string>
#include <string_view>

#include "broker/store/records.h"
#include "broker/store/sqlite_db.h"

namespace safeshare::store {

// The one query shape for a recipient's deliveries joined with their
// notifications: "SELECT <facts>[, extra] FROM ... WHERE d.recipient=?1 AND
// d.seq>?2 <tail>". Columns 0-6 are the DeliveryFacts (DeliveryFactsAt).
std::string DeliveryQuery(std::string_view extra_columns, std::string_view tail);

// The DeliveryFacts in columns 0-6 of the current row of a DeliveryQuery.
DeliveryFacts DeliveryFactsAt(const Statement& row);

}  // namespace safeshare::store
