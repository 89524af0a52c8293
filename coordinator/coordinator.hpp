#pragma once

// The coordinator actor: turns runs into tasks and hands them to workers.
// Its interface is coordinator_actor (proto/interfaces.hpp).
//
//   start_run --> plan task queued --> a worker plans: plan_result (streams,
//   bookmarks) and child tasks (one per stream) come back --> queued -->
//   workers pull them --> task_result --> done, retried, or given up -->
//   no task of the run left: run_summary to whoever started the run.
//
// Task lifecycle (coordinator's view):
//
//   start_run (the plan task), child_tasks
//          |
//          v          pull, try_pull                    task_result
//   +--> [queued] ---------------------> [leased] --+-- done ------------------> (done)
//   |      |                              |   |     +-- resumable -------------> (incomplete)
//   |      | cancel (its run)             |   |     +-- cancelled, run
//   |      v                              |   |     |   cancelled -------------> (cancelled)
//   |   (dropped)                         |   |     +-- failed: not retriable,
//   |                                     |   |         no attempts left, or
//   |                                     |   |         run cancelled ---------> (failed)
//   +<--- worker lost (down_msg), or -----+   |
//   |     cancelled, handed back by its       | failed: retriable
//   |     leaving worker (front of the queue) | and attempts left
//   |                                         v
//   +------------ backoff elapsed ------- [retrying] --- run cancelled ---> (dropped)
//
// A cancelled run's leased tasks are told to stop (cancel_atom to their
// worker) and end as task_result{cancelled}. A task re-queued because its
// worker was lost carries recover_from: the next worker fences the lost
// one's producer first.
//
// Work is pulled: a worker's pull is answered only when a task exists, which
// is the back-pressure, and works the same for workers in other processes.
// A failing task only ever affects its own stream's status.
//
// Threading: an event-based actor; it never blocks. Everything blocking
// (planning, state reads, Kafka) happens on worker threads.

#include "actors/job_directory.hpp"
#include "proto/interfaces.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace quarry::coordinator {

struct coordinator_config {
  std::shared_ptr<const actors::job_directory> jobs;
  std::uint32_t task_attempts = 3;
  std::chrono::milliseconds retry_base{500};
  // Runs start only once this many workers have asked for work, so every
  // worker's transactional producer has fenced its predecessor (and settled
  // that one's open transaction) before bookmarks are read.
  std::size_t expected_workers = 0;
  // Remote workers (quarry worker --join): each worker actor gets a slot,
  // "r<N>", which names its transactional producer. A restarted coordinator
  // must fence every slot an earlier one handed out, so the high-water mark
  // is stored before a join is answered: `slot_log` answers
  // (persisted_atom, uint32 high_water) with true once stored. Without it,
  // slots are not stored (tests, extract).
  slot_log_actor slot_log;
  std::uint32_t remote_slots_stored = 0;
};

coordinator_actor spawn_coordinator(caf::actor_system& system, coordinator_config config);

} // namespace quarry::coordinator
