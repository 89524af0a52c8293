#pragma once

// Where committed bookmarks are read from at the start of a run, and reset.
//
// Kafka: the compacted <prefix>._state topic, read to its end as a
// read_committed consumer; the last value per key wins, a tombstone deletes.
// Singer and JSON lines outputs keep state in a file (see stream_sinks.hpp).

#include "kafka/settings.hpp"
#include "proto/error.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>

namespace quarry::sinks {

// (stream, partition) -> JSON.
using bookmark_table = std::map<std::pair<std::string, std::string>, std::string>;

// A job's committed state: bookmarks, and the child tasks spawned by earlier
// runs that have not finished (a run re-queues them).
struct job_state {
  bookmark_table bookmarks;
  bookmark_table pending;  // (stream, partition) -> child task spec JSON
  // (stream, partition) -> the last complete snapshot of a full-table
  // stream (contract::snapshot_key), Kafka only.
  bookmark_table snapshots;
  // The run that wrote each entry (Kafka only): a task recovered from a lost
  // worker takes what its own run committed.
  bookmark_table bookmark_runs;
  bookmark_table pending_runs;
  // stream -> its failure streak (the value under contract::failures_key).
  std::map<std::string, std::string> failures;
};

result<job_state> load_kafka_state(const kafka::client_settings& settings,
                                        const std::string& prefix, const std::string& job);

// Writes tombstones for every committed bookmark of the job (or one stream of
// it), and its pending children and failure streaks; answers how many. The
// snapshots of full-table streams stay: they describe the record topics.
result<std::size_t> reset_kafka_state(const kafka::client_settings& settings,
                                      const std::string& prefix, const std::string& job,
                                      const std::optional<std::string>& stream);

// Reads a Singer state file ({"bookmarks": ...}); throws std::runtime_error
// naming the file and what is wrong.
job_state load_state_file(const std::string& path);

} // namespace quarry::sinks
