#pragma once

// A worker pulls tasks from the coordinator and runs them with the
// connector's code, one at a time, on its own thread (a blocking actor, so
// libcurl and librdkafka never block a CAF scheduler thread).
//
// Group commit: the tasks a worker runs one after another share one Kafka
// transaction (its batch). Task lifecycle as a worker sees it:
//
//   pull (nothing open) or try-pull (a batch open) --task--> running
//   running --checkpoint--> records + bookmark into the batch's transaction
//   running --ok------> final state into it ---+
//   running --error---> drop what followed its |  batch due, no task ready,
//                       last checkpoint -------+  or stopping: ONE commit,
//                                                 then children and each
//                                                 task_result to the coordinator
//   commit fails --> abort; every task of the batch reports failed
//
// Child tasks spawned by a task are sent to the coordinator only after the
// work before them is committed, so a retried parent never leaves orphans
// from an aborted transaction. docs/architecture.md, "Worker and exactly-once
// state", has the rules.

#include "actors/job_directory.hpp"
#include "connectors/core/backoff.hpp"
#include "connectors/core/connector.hpp"
#include "connectors/core/http_client.hpp"
#include "proto/ids.hpp"
#include "proto/interfaces.hpp"
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
  coordinator_actor coordinator;
  std::shared_ptr<const job_directory> jobs;
  std::shared_ptr<sinks::sink_factory> sinks;
  connectors::connector_factory connectors;  // the registry's, from the runtime
  // Reads a job's committed bookmarks (for plan tasks).
  std::function<result<sinks::job_state>(const std::string& prefix, const std::string& job)>
      load_state;
  // A batch commits once it holds this many records or has been open this
  // long (engine.checkpoint_records, engine.checkpoint_interval_ms).
  std::uint64_t checkpoint_records = 10'000;
  std::chrono::milliseconds checkpoint_interval{5'000};
  http::backoff_policy backoff;
  http::client_options http;
};

caf::actor spawn_worker(caf::actor_system& system, worker_config config);

} // namespace quarry::actors
