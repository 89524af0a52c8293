#pragma once

// A worker pulls tasks from the coordinator and runs them with the
// connector's code, one at a time, on its own thread (a blocking actor, so
// libcurl and librdkafka never block a CAF scheduler thread).
//
// Task lifecycle as a worker sees it:
//
//   pull --task--> running --checkpoint--> commit (records + bookmark, one txn)
//                     |  ^                    |
//                     |  +--------------------+
//                     +--ok------> final commit --> task_result{done}
//                     +--error---> abort -------> task_result{failed|resumable|cancelled}
//
// Child tasks spawned by a task are sent to the coordinator only after the
// work before them is committed, so a retried parent never leaves orphans
// from an aborted transaction.

#include "actors/job_directory.hpp"
#include "connectors/core/backoff.hpp"
#include "connectors/core/http_client.hpp"
#include "proto/ids.hpp"
#include "sinks/record_sink.hpp"
#include "sinks/state_store.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace quarry::actors {

struct worker_config {
  worker_id id;
  caf::actor coordinator;
  std::shared_ptr<const job_directory> jobs;
  std::shared_ptr<sinks::sink_factory> sinks;
  // Reads a job's committed bookmarks (for plan tasks).
  std::function<result<sinks::job_state>(const std::string& prefix, const std::string& job)>
      load_state;
  std::uint64_t checkpoint_records = 10'000;
  std::chrono::milliseconds checkpoint_interval{5'000};
  http::backoff_policy backoff;
  http::client_options http;
};

caf::actor spawn_worker(caf::actor_system& system, worker_config config);

} // namespace quarry::actors
