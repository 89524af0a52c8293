#pragma once

// The typed interfaces of quarry's event-based actors: every send and
// request to a coordinator, quota actor or slot log is checked by the
// compiler against these lists, and a worker process joining over the wire
// gets the coordinator only if the published interface equals this one
// (remote_actor<coordinator_actor> checks it when it connects). The message
// types are in proto/messages.hpp (its type-id block makes them cross
// processes); this header only declares them, so headers that pass handles
// around stay light.
//
// Replies are noted with `with<...>`; `reacts_to` takes no reply.
//

#include "proto/ids.hpp"

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>

CAF_ADD_ATOM(quarry, quarry, pull_atom, "pull")
CAF_ADD_ATOM(quarry, quarry, shutdown_atom, "shutdown")
CAF_ADD_ATOM(quarry, quarry, start_run_atom, "start_run")
CAF_ADD_ATOM(quarry, quarry, cancel_atom, "cancel")
CAF_ADD_ATOM(quarry, quarry, tick_atom, "tick")
CAF_ADD_ATOM(quarry, quarry, persisted_atom, "persisted")
CAF_ADD_ATOM(quarry, quarry, join_atom, "join")
CAF_ADD_ATOM(quarry, quarry, try_pull_atom, "try_pull")

namespace quarry {

struct task_assignment;
struct task_result;
struct plan_result;
struct child_tasks;
struct run_request;
struct run_summary;
struct join_request;
struct join_reply;
struct quota_acquire;
struct quota_grant;
struct quota_release;
struct quota_usage_report;
struct quota_snapshot;

// One quota actor per source account (actors/quota_actor.hpp), or a counting
// relay in front of it (runtime/progress_counters.hpp). Workers in other
// processes get it in join_reply.
using quota_actor = caf::typed_actor<
    // a permit, or a denial because a budget is spent until its reset
    caf::replies_to<quota_acquire>::with<quota_grant>,
    // a permit back, with what the server said
    caf::reacts_to<quota_release>,
    // the server's own count of today's calls (reconcile)
    caf::reacts_to<quota_usage_report>,
    caf::replies_to<caf::get_atom>::with<quota_snapshot>,
    // a clean stop: no more grants; true once the windows are stored
    caf::replies_to<shutdown_atom>::with<bool>>;

// The coordinator (coordinator/coordinator.hpp), published to worker
// processes by `quarry serve`.
using coordinator_actor = caf::typed_actor<
    // a worker asks for its next task; the reply waits until one exists
    caf::replies_to<pull_atom, worker_id>::with<task_assignment>,
    // the same, answered at once: work.id == 0 (and not shutdown) when no
    // task is ready. A worker with uncommitted tasks asks this way.
    caf::replies_to<try_pull_atom>::with<task_assignment>,
    // a worker finished (or gave up on, or handed back) a task
    caf::reacts_to<task_result>,
    // a plan task's streams and bookmarks
    caf::reacts_to<plan_result>,
    // a task found parents; queue these
    caf::reacts_to<child_tasks>,
    // answered when the run ends
    caf::replies_to<start_run_atom, run_request>::with<run_summary>,
    // queued tasks dropped, running ones told to stop
    caf::reacts_to<cancel_atom, run_id>,
    // a worker process joins: slots for its workers, the quota actors
    caf::replies_to<join_atom, join_request>::with<join_reply>,
    // stop taking work: idle workers stop, running tasks hand back the rest
    caf::reacts_to<shutdown_atom>,
    // the same for one worker (its process is leaving)
    caf::reacts_to<shutdown_atom, worker_id>>;

// What a worker takes (actors/worker.hpp): stop the running task at its next
// call (task 0: whatever runs; the worker is leaving). A worker is a blocking
// actor (its own thread, for libcurl and librdkafka) and CAF 0.17 spawns only
// event-based actors typed: spawn_worker returns a caf::actor, and the
// coordinator casts the handle of a worker that pulled to this type, so its
// sends are checked here and the worker's receive matches them.
using worker_actor = caf::typed_actor<caf::reacts_to<cancel_atom, task_id>>;

// Stores the high-water mark of remote worker slots (a detached actor, it
// blocks on Kafka or a file); true once stored.
using slot_log_actor =
    caf::typed_actor<caf::replies_to<persisted_atom, std::uint32_t>::with<bool>>;

} // namespace quarry
