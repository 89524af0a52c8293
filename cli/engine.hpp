#pragma once

// One process's run engine, built from the config: the actor system, one
// quota actor per account, the workers with their outputs, the coordinator.
// `quarry extract` runs jobs once through it; `quarry demo` and (later)
// `quarry serve` keep it up.

#include "config/config.hpp"
#include "proto/error.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace quarry {
struct run_summary;
}

namespace quarry::cli {

enum class output_kind { kafka, singer, jsonl };

struct output_choice {
  output_kind kind = output_kind::kafka;
  std::string path;  // jsonl only
};

// Parses "kafka", "singer" or "jsonl=PATH"; nullopt otherwise.
std::optional<output_choice> parse_output(const std::string& text);

struct engine_options {
  output_choice output;
  std::optional<std::string> singer_state_file;  // --state
  int workers = 0;                                // 0: from the config
  std::string state_dir = ".quarry";              // quota usage when not on Kafka
  std::string instance = "extract";               // names transactional ids
};

class engine {
 public:
  // Throws std::runtime_error with a clear message when something in the
  // config cannot be set up (unknown source, Kafka unreachable, ...).
  engine(const config::quarry_config& config, engine_options options);
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // Runs the jobs (all at once, sharing workers and quotas) and returns
  // their summaries; SIGINT/SIGTERM cancel them. Summaries are also written
  // to <prefix>._runs when the output is Kafka.
  std::vector<run_summary> run(const std::vector<std::string>& jobs);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// 0 succeeded, 1 failed or cancelled, 3 incomplete (a quota ran out; the next
// run resumes).
int exit_code(const std::vector<run_summary>& summaries);

// Human-readable summary (a table per run).
std::string format_summary(const run_summary& summary);
std::string summary_json(const run_summary& summary);

} // namespace quarry::cli
