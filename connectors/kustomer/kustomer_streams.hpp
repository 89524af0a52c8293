#pragma once

// Kustomer's streams as data (tap-kustomer's nine, Stitch's columns):
//
//   stream         key  replication               read by
//   customers      id   incremental updated_at    POST /v1/customers/search queryContext customer
//   conversations  id   incremental updated_at    ... conversation
//   messages       id   incremental updated_at    ... message
//   notes          id   incremental updated_at    ... note
//   kobjects       id   incremental updated_at    ... kobject
//   users          id   incremental updated_at    GET /v1/users      (pageSize 500)
//   teams          id   incremental updated_at    GET /v1/teams      (pageSize 500)
//   tags           id   incremental updated_at    GET /v1/tags       (pageSize 100)
//   shortcuts      id   incremental updated_at    GET /v1/shortcuts  (pageSize 100)
//
// The list endpoints take no filter: their replication is client-side (a
// full scan that emits what the boundary admits).
//
// A record is the JSON:API object made flat as tap-kustomer makes it: every
// key snake_case, `attributes` lifted to the top, each relationship's `data`
// lifted to the relationship's name (`sla` becomes `sla_data`), type, id and
// links kept.

#include "connectors/core/stream_spec.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace quarry::connectors::kustomer {

// How a stream is read: a search or a list.
struct read_spec {
  std::string_view context{};  // the search queryContext; "" for a list
  std::string_view path{};     // the list path ("/v1/users"); "" for a search
  int page_size = 100;         // the endpoint's largest page
};
using stream_spec = connectors::stream_spec<read_spec>;

// Every stream, in the order above (find one with connectors::find_stream).
const std::vector<stream_spec>& streams();

// One JSON:API object as the stream's record. Fails (nullopt) when `wire` is
// not an object with a string id and an object of attributes.
std::optional<nlohmann::json> stitch_record(const nlohmann::json& wire);

} // namespace quarry::connectors::kustomer
