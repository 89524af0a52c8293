#pragma once

// Streams are data: a connector describes each stream it offers with one of
// these, and the engine does the rest (keys, schemas, topics, bookmarks).

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace quarry::connectors {

// full_table: every task of the stream reads its whole partition on every
// run, so its records are a snapshot: keys the last complete snapshot had
// and this one lacks are deleted (tombstones). A stream read only in part
// (per changed parent, from a bookmark) is incremental, with or without a
// replication key.
enum class replication_method { full_table, incremental };

// Every member has a default, so a table row names only what it sets
// (connectors/core/stream_spec.hpp).
struct stream_descriptor {
  std::string name{};
  std::vector<std::string> primary_key{};
  replication_method replication = replication_method::incremental;
  std::string replication_key{};  // empty for full_table
  nlohmann::json schema{};        // JSON Schema of one record
  // false: read only when the job names the stream exactly (not by a glob,
  // not by "every stream"): a stream whose cost is out of proportion, such
  // as one call per contact. Discovery shows it as Singer's
  // `selected-by-default: false`.
  bool selected_by_default = true;
};

// Which streams and columns a job wants. No entry for a stream means all
// columns; `streams` empty means every stream.
struct stream_selection {
  std::vector<std::string> streams;  // names or globs (`activities_*`)
  std::vector<std::string> excluded; // names or globs never selected
  std::vector<std::pair<std::string, std::vector<std::string>>> columns;

  bool selected(const std::string& stream) const;
  // As above, but a stream not selected by default must be named exactly.
  bool selected(const stream_descriptor& stream) const;
  // The columns of the entry naming `stream`, else of the first glob
  // matching it (`activities_*`); nullptr: every column.
  const std::vector<std::string>* columns_of(const std::string& stream) const;
};

// A Singer catalog entry for a stream (tap-style discovery output).
nlohmann::json catalog_entry(const stream_descriptor& stream, bool selected,
                             const std::vector<std::string>* columns);

} // namespace quarry::connectors
