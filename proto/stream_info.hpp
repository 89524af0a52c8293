#pragma once

// What every task of a run knows of a stream it writes: how its records are
// keyed, typed and replicated. Sent with tasks (proto/messages.hpp) and read
// by the outputs (sinks/), so it has no CAF in it.

#include <string>
#include <vector>

namespace quarry {

struct stream_info {
  std::string name;
  std::vector<std::string> key_fields;  // primary key
  std::string fingerprint;              // of its JSON Schema
  std::string replication_key;          // "" for full-table streams
  std::string schema;                   // its JSON Schema (JSON text)
  // Read whole on every run: its records form a snapshot, and keys the last
  // complete snapshot had and this one lacks are deleted (tombstones).
  bool full_table = false;
};

} // namespace quarry
