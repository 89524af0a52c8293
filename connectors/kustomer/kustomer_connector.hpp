#pragma once

// The Kustomer connector (source "kustomer"): nine streams (kustomer_streams.hpp),
// five read by search, four by plain lists.
//
// Credentials: api_key (secret; a machine user's API key, sent as Bearer).
// Endpoint: the API host without /v1 (a simulator in tests). When the account
// gives none, settings.region picks it: "us" (default)
// https://api.kustomerapp.com, "eu" https://api.prod2.kustomerapp.com.
// Settings (optional): region, page_size (search page, 1..500, default
// 500), search_depth (how many results one search can page through, default
// 10,000; quarry also stays within 100 pages).
//
// Quota: the org's plan budget (default 1000 calls/min; the account's quota
// windows override it) for every call, and Kustomer's 100 searches/min for
// API keys on search calls only (http::request::quota_scope "search").
//
// Every stream resumes through connectors/core/boundary.hpp:
//   search streams  kustomer_search.hpp: one search per page from the
//                   boundary, tie groups read apart; bookmarks after every
//                   page, never more than page_size ids.
//   list streams    (users, teams, tags, shortcuts) the API has no filter:
//                   each run reads the list whole, in id order, and emits
//                   what the boundary admits; the bookmark
//                   {"updated_at": newest, "keys_at": [ids at newest]} is
//                   taken at the end of the scan (a scan cut short starts
//                   again; what it emitted was never committed).

#include "connectors/core/connector.hpp"

#include <memory>

namespace quarry::connectors {

std::unique_ptr<connector> make_kustomer_connector();

} // namespace quarry::connectors
