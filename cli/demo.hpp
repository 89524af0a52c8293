#pragma once

// `quarry demo`: one Marketo job end to end inside this process, with nothing
// to install or start. The Marketo simulator (sim::marketo_simulator, any free
// port) and the embedded Kafka (librdkafka's mock cluster) run in-process; a
// config is built in memory (account "marketo-demo" at the simulator, job
// "marketo-demo" over every stream); the job runs through runtime::engine with a
// live progress display on stderr; then the summary, and what landed in each
// topic (read back before the embedded cluster disappears), on stdout.
//
// The simulator's records span the last year, which the job starts at
// midnight UTC a year ago. The simulated account allows 500 calls per 20 s
// (Marketo: 100) and its bulk exports complete at once, so the demo's time
// goes to moving records rather than waiting; the quota is quarry's default
// for Marketo (40,000 calls a day) with that window.

#include "config/source_rules.hpp"

#include <cstdint>
#include <vector>

namespace quarry::cli {

struct demo_options {
  std::int64_t leads = 20'000;
  std::int64_t activities = 50'000;
  int workers = 4;
  bool print_config = false;  // print the config for `quarry sim marketo --port 18081` and exit
};

// Returns the exit status (as `quarry extract`'s).
int run_demo(const demo_options& options, const std::vector<config::source_rules>& sources);

} // namespace quarry::cli
