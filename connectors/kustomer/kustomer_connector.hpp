#pragma once

// The Kustomer connector (source "kustomer"): nine streams (kustomer_streams.hpp),
// five read by search, four by plain lists.
//
// Credentials: api_key (secret; a machine user's API key, sent as Bearer).
// Endpoint: the API host without /v1 (a simulator in tests). When the account
// gives none, settings.region picks it: "us" (default)
// https://api.kustomerapp.com, "eu" https://api.prod2.kustomerapp.com.
// Settings (optional): region, page_size (search page, 1..500, default 500).
//
// Quota: the org's plan budget (default 1000 calls/min; the account's quota
// windows override it) for every call, and Kustomer's 100 searches/min for
// API keys on search calls only (http::request::quota_scope "search").
//
// Search streams page by keyset, one search per page, each page=1: the
// cursor is the (updatedAt, id) pair of the last record emitted, and every
// page is a new search that starts there, so a record that moves while the
// stream is read is never skipped, no search ever pages past Kustomer's
// depth limit, and no number of records sharing one updatedAt makes it loop:
//
//              page full, all records at the cursor's updatedAt
//   [after pair] -------------------------------------------> [tie]
//   gte t, skip <= (t, id)                                     gte t, lte t, id gt id
//        ^   | last page: done                                   | last page
//        |   v                                                   v
//        +-- (page full, not all at t) <------------------- [after time]
//                                                               gt t
//
// Bookmarks, written after every page:
//   search streams  {"updated_at": "<ms ISO>", "id": "<last id>"}
//   list streams    mid-scan {"updated_at": since, "page": n, "max_seen": m};
//                   done     {"updated_at": max_seen}
//   (list records are emitted when updated after the bookmark: the API
//   has no filter for them, so each run reads the whole list.)

#include "connectors/core/connector.hpp"

#include <memory>

namespace quarry::connectors {

std::unique_ptr<connector> make_kustomer_connector();

} // namespace quarry::connectors
