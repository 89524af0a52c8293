#pragma once

// A connector's stream table: one row per stream, written as data with
// designated initializers. A row is the stream as the engine sees it (its
// descriptor: name, key, replication, schema) plus how the source reads it
// (`Read`: a path, a SOAP operation, a page size, a parent...), which each
// connector defines for itself.
//
//   const std::vector<stream_spec<list_read>> table{
//       {.stream = {.name = "users", .primary_key = {"id"}, .replication_key = "updated_at",
//                   .schema = users_schema()},
//        .read = {.path = "/v1/users", .page_size = 500}},
//   };
//
// Discovery is `descriptors(table)`, a task finds its row with
// `find_stream(table, task.stream)`. Header only: a template and two loops.
// A source names its row type `stream_spec` too (`using stream_spec =
// connectors::stream_spec<read_spec>;`); code in quarry::connectors that
// says `using namespace <source>;` adds `using <source>::stream_spec;`.

#include "connectors/core/stream.hpp"

#include <string_view>
#include <vector>

namespace quarry::connectors {

template <class Read>
struct stream_spec {
  stream_descriptor stream{};
  Read read{};
};

// The row of `table` named `name`; nullptr when none is.
template <class Read>
const stream_spec<Read>* find_stream(const std::vector<stream_spec<Read>>& table, std::string_view name) {
  for (const auto& row : table)
    if (row.stream.name == name) return &row;
  return nullptr;
}

// Every row's descriptor, in table order (discovery and the offline catalog).
template <class Read>
std::vector<stream_descriptor> descriptors(const std::vector<stream_spec<Read>>& table) {
  std::vector<stream_descriptor> out;
  out.reserve(table.size());
  for (const auto& row : table) out.push_back(row.stream);
  return out;
}

} // namespace quarry::connectors
