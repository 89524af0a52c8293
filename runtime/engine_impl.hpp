#pragma once

// The engine's inside, shared by engine.cpp (wiring, runs) and
// remote_worker.cpp (a worker process's life). Not for use outside runtime/.

#include "actors/job_directory.hpp"
#include "actors/worker.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/settings.hpp"
#include "proto/messages.hpp"
#include "runtime/engine.hpp"
#include "runtime/progress_counters.hpp"
#include "telemetry/status_server.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace quarry::runtime {

// The connector's view of a job (or of an account alone, for discovery:
// job == nullptr).
connectors::job_context context_of(const config::account_config& account, const config::job_config* job);

struct engine::impl {
  const config::quarry_config& config;
  engine_options options;
  std::unique_ptr<kafka::embedded_cluster> embedded;
  kafka::client_settings kafka;
  std::unique_ptr<caf::actor_system_config> system_config;
  std::unique_ptr<caf::actor_system> system;
  std::shared_ptr<actors::job_directory> jobs = std::make_shared<actors::job_directory>();
  std::map<std::string, quota_actor> quotas;    // by account: the quota actors themselves
  std::vector<quota_actor> relays;              // counting relays in front of them (progress)
  std::shared_ptr<progress_counters> counters;  // set iff options.on_progress
  std::vector<caf::actor> workers;
  coordinator_actor coordinator;
  std::unique_ptr<telemetry::status_server> status;

  impl(const config::quarry_config& cfg, engine_options opts) : config(cfg), options(std::move(opts)) {
    if (options.on_progress) counters = std::make_shared<progress_counters>();
  }

  void start_kafka();
  std::shared_ptr<sinks::sink_factory> make_sinks(const std::vector<std::string>& job_names);
  // The actor system and Kafka (the embedded cluster, if configured), once.
  void start_runtime();
  // The quota actor of `name`, spawned with its stored usage on first use.
  quota_actor quota_of(const std::string& name);
  void build_jobs(const std::vector<std::string>& job_names);
  actors::worker_config worker_config_of(worker_id id, coordinator_actor coord,
                                         std::shared_ptr<const actors::job_directory> directory,
                                         std::shared_ptr<sinks::sink_factory> sinks);
  void start(const std::vector<std::string>& job_names, const service_options* service = nullptr);
  // Producers named after remote slots an earlier coordinator handed out:
  // fenced (in parallel) before any run, so none can still commit.
  void fence_remote_slots(sinks::sink_factory& sinks, std::uint32_t slots);
  // A detached actor storing the remote slots' high-water mark (blocking).
  slot_log_actor spawn_slot_log(std::function<bool(std::uint32_t)> store);
  std::vector<account_progress> quota_views();
  // Waits for `actors` to exit, at most until `deadline`; true if they did.
  bool await_exit(caf::scoped_actor& self, const std::vector<caf::actor>& actors,
                  std::chrono::steady_clock::time_point deadline);
  // Live counts (counters must be set) and each account's quota.
  run_progress progress(std::chrono::steady_clock::time_point started, bool finished);
  // A stream failing at the same bookmarks run after run: its streak, counted
  // in the state topic, the summary and a gauge (blocking: Kafka I/O).
  void count_failure_streaks(run_summary& s);
  void write_summaries(const std::vector<run_summary>& summaries);
  void stop();
};

} // namespace quarry::runtime
