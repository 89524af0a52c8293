#pragma once

// The synthetic source: a small REST API with a parent stream (accounts), a
// child stream per parent (events) and a full-table stream (users). It proves
// the run engine end to end against `quarry sim synthetic`.
//
// Streams:
//   accounts  incremental on updated_at; every account read spawns an events task
//   events    incremental on occurred_at, one partition per account; read for
//             the accounts that changed since the last run (an account's
//             updated_at moves when it gains an event), so an incremental run
//             spends calls only on parents with news
//   users     full table, page/per_page paging

#include "connectors/core/connector.hpp"

#include <memory>

namespace quarry::connectors {

std::unique_ptr<connector> make_synthetic_connector();

} // namespace quarry::connectors
