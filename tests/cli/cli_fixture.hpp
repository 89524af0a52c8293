#pragma once

// What the CLI tests share: a config for the in-process synthetic simulator,
// runs of the real `quarry` binary, and readers for each output (Singer
// messages, JSON lines, Kafka topics, the summary table).
//
// Every config names account "syn" (source synthetic, api_key from env
// SYN_KEY) and job "syn-job" starting 2024-01-01, before every synthetic
// timestamp, so a first run reads every record.

#include "kafka/topic_reader.hpp"
#include "sim/synthetic.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/quarry_process.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace quarry::cli_testing {

using quarry::testing::env_list;
using quarry::testing::process_result;
using quarry::testing::temp_dir;

inline constexpr const char* job_name = "syn-job";

// An address nothing listens on: for configs of outputs that must not touch
// Kafka, and endpoints whose calls must fail.
std::string unused_address();
int unused_port();

// The config of the brief: kafka at `bootstrap` with `prefix`, 3 workers,
// account "syn" at `endpoint`, job "syn-job".
nlohmann::json synthetic_config(const std::string& endpoint, const std::string& prefix,
                                const std::string& bootstrap);

// A topic prefix no other test (or test run) uses.
std::string unique_prefix(const std::string& stem);

// `quarry args...` with SYN_KEY=`api_key` (plus `env`) in its environment.
process_result run_quarry(const std::vector<std::string>& args, const std::string& api_key,
                          const env_list& env = {});

// Records keyed by their "id" field; ADD_FAILUREs on a duplicate id.
using records_by_id = std::map<std::string, nlohmann::json>;
records_by_id index_by_id(const std::vector<nlohmann::json>& records, const std::string& what);
records_by_id dataset(const sim::synthetic_simulator& sim, sim::synthetic_dataset which);

// The streams of the synthetic source and their datasets.
struct stream_case {
  const char* stream;
  sim::synthetic_dataset dataset;
};
inline constexpr stream_case synthetic_streams[] = {
    {"accounts", sim::synthetic_dataset::accounts},
    {"events", sim::synthetic_dataset::events},
    {"users", sim::synthetic_dataset::users},
};

// Every line of `text` parsed as JSON; ADD_FAILUREs naming a line that is not.
std::vector<nlohmann::json> json_lines(const std::string& text, const std::string& what);

// Ids of `records` (JSON objects with an "id").
std::vector<std::string> ids_of(const records_by_id& records);

// One row of the summary table quarry prints per run.
struct summary_row {
  std::uint64_t records = 0;
  std::uint64_t calls = 0;
  std::string status;
  std::string error;  // the indented line under the row, if any
};
std::map<std::string, summary_row> summary_rows(const std::string& text);

// A topic read to its end; ADD_FAILUREs when it cannot be read.
std::vector<kafka::consumed_message> read_topic(
    const std::string& topic, kafka::isolation level = kafka::isolation::read_committed);
std::map<std::string, std::string> headers_of(const kafka::consumed_message& m);

// Every topic a run with `prefix` writes.
std::vector<std::string> topics_of_prefix(const std::string& prefix);

} // namespace quarry::cli_testing
