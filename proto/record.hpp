#pragma once

// The Kafka contracts of quarry (see docs/architecture.md, "Contracts"):
//
//   <prefix>.<source>.<stream>  records; key = primary key as compact JSON,
//                               value = the record as JSON, headers below
//   <prefix>._state             compacted; key = ["job","stream","partition"],
//                               value = {"bookmark":...,"run":...,"at":...};
//                               key = ["job","stream","partition","pending"],
//                               value = {"pending": child task spec} until the
//                               child finishes (then a tombstone);
//                               key = [..,"snapshot"]: a full-table stream's
//                               last complete snapshot (its keys)
//   <prefix>._schemas           compacted; key = "source.stream", value = JSON Schema
//   <prefix>._runs              one run summary per finished run
//   <prefix>._quota             compacted; key = account, value = the day's usage

#include <string>
#include <string_view>

namespace quarry::contract {

// Record headers: two per record (each header is an allocation in
// librdkafka, and bytes on the wire and on disk):
//   quarry.run     the run that wrote the record, "<job>-<UTC start,
//                  YYYYMMDDTHHMMSSZ>-<4 hex>" (cli new_run_id); its summary in
//                  <prefix>._runs (key = the job) has the job, source, outcome
//                  and per-stream counts; on a full-table stream the record
//                  belongs to that run's snapshot
//   quarry.schema  fingerprint of the stream's JSON Schema in <prefix>._schemas
//                  (also a header of the _schemas record itself)
// The rest of a record's provenance is not repeated per record: source and
// stream are in its topic's name, and when it was extracted is the Kafka
// record timestamp (CreateTime: when quarry produced it, at the checkpoint
// after the read).
inline constexpr std::string_view header_run = "quarry.run";
inline constexpr std::string_view header_schema = "quarry.schema";

std::string records_topic(std::string_view prefix, std::string_view source,
                          std::string_view stream);
std::string state_topic(std::string_view prefix);
std::string schemas_topic(std::string_view prefix);
std::string runs_topic(std::string_view prefix);
std::string quota_topic(std::string_view prefix);

// ["job","stream","partition"] as compact JSON: the state topic's key.
std::string state_key(std::string_view job, std::string_view stream, std::string_view partition);

// ["job","stream","partition","pending"]: a spawned child task that has not
// finished yet; a tombstone once it has.
std::string pending_key(std::string_view job, std::string_view stream, std::string_view partition);
// ["job","stream","partition","snapshot"]: the last complete snapshot of a
// full-table stream, value {"snapshot": {"run": R, "count": N, "keys":
// ["<record key JSON>", ...]}, "run": R, "at": ...}. The next complete
// snapshot writes a tombstone for each of its keys it lacks.
std::string snapshot_key(std::string_view job, std::string_view stream, std::string_view partition);
// Key of a stream's failure streak in the state topic:
// ["<job>","<stream>","","failures"]; value
// {"failures": {"count": N, "at": "<fingerprint of the stream's bookmarks>",
// "error": "...", "run": "..."}}. N counts the consecutive runs that failed
// without moving the stream's bookmarks; a successful run deletes it.
std::string failures_key(std::string_view job, std::string_view stream);

// 16 hex digits of FNV-1a 64 over the text (the schema fingerprint).
std::string fingerprint(std::string_view text);

} // namespace quarry::contract
