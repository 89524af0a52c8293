#pragma once

// Where a worker's records and bookmarks go. One sink per worker; the worker
// thread owns it (never a CAF scheduler thread: writes may block).
//
// Contract: records written since the last commit and the bookmarks passed to
// commit() become visible together (Kafka: one transaction) or, for outputs
// that cannot do that (Singer, JSON lines), records first and the state right
// after them. abort() drops what was written since the last commit where the
// output allows it. One commit may cover several tasks (group commit): each
// brings its origin and its state changes.

#include "proto/error.hpp"
#include "proto/stream_info.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::sinks {

// Constant for a task: where its records come from and where they go.
struct record_origin {
  std::string prefix;  // topic prefix
  std::string source;
  std::string job;
  std::string run;
};

// One change to a job's committed state, made in the same commit as the
// records before it.
struct state_update {
  enum class kind {
    bookmark,       // `value` is the bookmark reached for (stream, partition)
    pending_child,  // a child task was spawned; `value` is its spec (JSON)
    child_done,     // the child task of (stream, partition) finished
    snapshot,       // `value` is the complete snapshot of a full-table (stream, partition)
  };
  kind what = kind::bookmark;
  std::string stream;
  std::string partition;
  std::string value;  // JSON; empty for child_done
};

// The state changes of one task in a commit. `origin` outlives the call.
struct task_states {
  const record_origin* origin = nullptr;
  std::vector<state_update> updates;
};

class record_sink {
 public:
  virtual ~record_sink() = default;

  // Prepares the output (Kafka: init_transactions, fencing older instances of
  // this worker). Called once before the first task and after a fatal error.
  virtual status open() = 0;

  // One record of `stream` (its name, key fields, schema and fingerprint);
  // no value: a tombstone for the key (outputs without deletes drop it).
  virtual status write(const record_origin& origin, const stream_info& stream,
                       std::string_view key, std::optional<std::string_view> value) = 0;
  virtual status publish_schema(const record_origin& origin, std::string_view stream,
                                std::string_view schema, std::string_view fingerprint,
                                const std::vector<std::string>& key_fields) = 0;
  virtual status commit(const std::vector<task_states>& states) = 0;
  virtual status abort() = 0;
};

// Makes the sink of each worker; shared by the workers of a process.
class sink_factory {
 public:
  virtual ~sink_factory() = default;
  virtual std::unique_ptr<record_sink> make(const std::string& worker_name) = 0;
  // Makes sure nothing the named worker (perhaps in a process that was lost)
  // left open can still commit. Kafka: a producer with that worker's
  // transactional id fences the old one and settles its open transaction.
  // Blocks; call on a worker's thread.
  virtual status fence(const std::string& worker_name) {
    (void)worker_name;
    return {};
  }
};

} // namespace quarry::sinks
