#pragma once

// Outputs that are a single byte stream shared by every worker of the
// process: Singer messages on stdout and JSON lines in a file.
//
// Each worker buffers what it writes between commits (of one task or of a
// batch of tasks); commit() appends the buffer and then the state under one lock, so lines of two workers never
// interleave and a STATE line only follows the records it covers. Delivery is
// at-least-once: a crash between the records and the state write repeats the
// records on the next run.
//
// Singer: SCHEMA before a stream's first RECORD, RECORD lines, and after each
// checkpoint a STATE line holding every bookmark of the job so far:
//   {"type":"STATE","value":{"bookmarks":{"<stream>":{...},"<stream>|<partition>":{...}}}}
// JSON lines: {"stream":..., "key":{...}, "record":{...}} per record; the
// state is kept beside the file as <path>.state.json, replaced atomically.

#include "sinks/record_sink.hpp"
#include "sinks/state_store.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <utility>

namespace quarry::sinks {

// Converts between the Singer state document and a job's state:
//   {"bookmarks": {"<stream>": {...}, "<stream>|<partition>": {...}},
//    "pending_tasks": {"<stream>|<partition>": {...}}}
nlohmann::json singer_state(const job_state& state);
job_state job_state_from_singer(const nlohmann::json& state);

// `out` stays owned by the caller (stdout for Singer output). `initial_state`
// seeds the STATE messages with the state imported from --state.
std::unique_ptr<sink_factory> make_singer_sink_factory(std::FILE* out, job_state initial_state);

// Appends to `path` (created if missing). Throws std::runtime_error naming the
// path when it cannot be opened.
std::unique_ptr<sink_factory> make_jsonl_sink_factory(const std::string& path);

// The state file of a JSON lines output.
std::string jsonl_state_path(const std::string& path);

} // namespace quarry::sinks
