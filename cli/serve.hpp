#pragma once

// `quarry serve` and `quarry worker`: the long-running forms of the engine.
//
// serve: the coordinator, one quota actor per account, serve.local_workers
// workers, the scheduler (one entry per job), the admin API with /metrics
// /healthz /readyz on telemetry.listen, and, with serve.cluster_listen, the
// port remote workers join. Run records go to <prefix>._runs keyed by job:
// {"outcome": "running"} when a run starts, its summary when it ends. A run
// still "running" there when serve starts was cut short (crash, SIGTERM):
// it starts again at once and goes on from the committed state.
//
// SIGTERM/SIGINT: not ready, no new runs or tasks; running tasks commit what
// they checkpointed and are handed back; exit 0 when the workers stopped
// within serve.grace_period_s, 1 otherwise (their open transactions are
// then aborted by the broker, or fenced by the next start).

#include "config/config.hpp"

#include <string>
#include <vector>

namespace quarry::cli {

int run_serve(const config::quarry_config& config);

struct worker_command {
  std::string join;  // HOST:PORT
  std::string name;  // default: the host name
  int workers = 0;   // 0: engine.workers
  std::string listen;  // metrics and health; "" = telemetry.listen
  std::vector<std::string> argv;  // the command line, to start afresh when the coordinator is lost
};

int run_worker(const config::quarry_config& config, const worker_command& command);

} // namespace quarry::cli
