#pragma once

// One process's run engine, built from the config: the actor system, one
// quota actor per account, the workers with their outputs, the coordinator.
// `quarry extract` runs jobs once through it; `quarry demo` and `quarry
// serve` keep it up; `quarry worker` lends its workers to a remote
// coordinator (work_for). Where things live: engine.cpp (wiring, runs,
// summaries), outputs.cpp (which output and state), remote_worker.cpp (a
// worker process's life), cluster_tls (the cluster channel's TLS).

#include "config/config.hpp"
#include "proto/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace quarry {
struct run_summary;
}
namespace quarry::connectors {
struct stream_descriptor;
struct stream_selection;
}

namespace quarry::runtime {

enum class output_kind { kafka, singer, jsonl };

struct output_choice {
  output_kind kind = output_kind::kafka;
  std::string path;  // jsonl only
};

// Parses "kafka", "singer" or "jsonl=PATH"; nullopt otherwise.
std::optional<output_choice> parse_output(const std::string& text);

// What a run has done so far (see engine_options::on_progress). Counts are
// live taps, not the summary: records are those committed to the output,
// calls the quota permits taken (every attempt, retries included).
struct stream_progress {
  std::string job;
  std::string stream;  // "(plan)" for planning calls
  std::uint64_t records = 0;
  std::uint64_t calls = 0;
};

struct account_progress {
  std::string account;
  std::int64_t calls_today = 0;   // as the quota counts them (the API's own count if larger)
  std::int64_t daily_limit = -1;  // -1: unlimited
  std::int64_t in_flight = 0;
  std::int64_t queued = 0;
};

struct run_progress {
  std::chrono::milliseconds elapsed{0};
  std::vector<stream_progress> streams;  // by job, then stream
  std::vector<account_progress> accounts;
  bool finished = false;  // the last report, after every run ended
};

struct engine_options {
  output_choice output;
  std::optional<std::string> singer_state_file;  // --state
  int workers = 0;                                // 0: from the config
  std::string state_dir = ".quarry";              // quota usage when not on Kafka
  std::string instance = "extract";               // names transactional ids
  // Called every `progress_interval` while run() runs, on a thread of its
  // own (not the caller's), and once more with finished = true before run()
  // returns. Empty: no progress is tracked (and nothing is added to the
  // quota path).
  std::function<void(const run_progress&)> on_progress;
  std::chrono::milliseconds progress_interval{500};
  // Serves /metrics /healthz /readyz on telemetry.listen (serve runs its
  // own server, with the admin API).
  bool status_server = true;
  // Loads CAF's middleman for workers in other processes (serve with a
  // cluster_listen, worker).
  bool distributed = false;
  std::chrono::milliseconds heartbeat{1000};
  std::chrono::milliseconds peer_timeout{5000};
  // Mutual TLS on the cluster channel (serve.tls for serve, worker.tls for a
  // worker; cli/cluster_tls.hpp); nullopt: plain TCP.
  std::optional<config::tls_config> tls;
};

// quarry serve: where remote workers join, and the slots earlier
// coordinators handed out (each names a producer that must be fenced before
// any run starts, so a worker still running for a lost coordinator cannot
// commit what a new run repeats).
struct service_options {
  std::string cluster_listen;  // "" = no remote workers
  std::uint32_t remote_slots_stored = 0;
  // Stores a new high-water mark of remote slots; true once stored. Called
  // on a thread of its own.
  std::function<bool(std::uint32_t)> store_slots;
};

// quarry worker: the coordinator to join and how this process leaves.
struct join_options {
  std::string host;
  int port = 0;
  std::string name;  // for the coordinator's logs
  int workers = 1;
  std::chrono::milliseconds grace{30'000};
  std::function<bool()> stopping;         // polled; true: leave (SIGTERM)
  std::function<void(bool)> on_joined;  // readiness: joined, or not any more
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

  // The streams `account` offers (connector::discover), for `job`'s context
  // when `job` is not empty. Its calls take permits of the account's quota
  // actor, which is set up as for a run (usage restored from and stored to
  // the same place), so discovery counts against the account's budget.
  // Errors from the API are returned; set-up failures throw like the
  // constructor.
  result<std::vector<connectors::stream_descriptor>> discover(const std::string& account,
                                                              const std::string& job = "");

  // Where the engine's Kafka clients connect: the embedded cluster's
  // address when kafka.embedded, which lives as long as the engine. Empty
  // before the first run() or discover().
  std::string kafka_bootstrap() const;

  // --- long-running use (quarry serve) ---

  // Starts the coordinator for `jobs` with the local workers, fences the
  // slots of earlier coordinators, and publishes the coordinator for remote
  // workers. Throws like the constructor.
  void start_service(const std::vector<std::string>& jobs, const service_options& service);
  // Starts a run; `done` gets its summary on an actor thread (it must not
  // block).
  void submit(const std::string& job, const std::string& run,
              std::function<void(const run_summary&)> done);
  void cancel(const std::string& run);
  // Each account's quota as its quota actor counts it.
  std::vector<account_progress> quotas();
  // SIGTERM: no new work; running tasks commit what they checkpointed and
  // are handed back (their runs stay unfinished, to resume). True when every
  // local worker stopped within `grace`.
  bool drain(std::chrono::milliseconds grace);

  // --- quarry worker ---

  // Joins the coordinator and runs its tasks until options.stopping(). 0
  // when every worker stopped within the grace period, 1 otherwise,
  // rejoin_exit when the coordinator was lost: the caller starts the process
  // afresh (exec), which joins the coordinator's successor.
  static constexpr int rejoin_exit = 75;
  int work_for(const join_options& options);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// "<job>-<UTC time>-<4 hex digits>": a new run's id.
std::string new_run_id(const std::string& job);

// The job's stream and column selection, as connectors and sessions see it.
connectors::stream_selection selection_of(const config::job_config& job);

// The run summary as the <prefix>._runs record and the log show it
// (docs/kafka.md).
std::string summary_json(const run_summary& summary);

} // namespace quarry::runtime
