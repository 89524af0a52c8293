#pragma once

// Every message that actors exchange, with `inspect` so that each can cross a
// process boundary (CAF middleman), registered in one type-id block. Include
// this only where actors are defined: it pulls in CAF headers.
//
// Which actor takes which message, and what it answers: the typed
// interfaces in proto/interfaces.hpp.

#include "proto/error.hpp"
#include "proto/ids.hpp"
#include "proto/interfaces.hpp"
#include "proto/stream_info.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace quarry {

// A stream's identity in a run: the plan declares it, tasks carry it.

struct bookmark_entry {
  std::string stream;
  std::string partition;
  std::string bookmark;  // JSON
};

// What a worker executes (`kind`: see task_kind). `params` and `bookmark` are
// JSON text owned by the connector: quarry stores and forwards them without
// looking inside.
struct task {
  task_id id = 0;
  run_id run;
  job_id job;
  account_id account;
  std::string source;
  task_kind kind = task_kind::extract;
  stream_name stream;
  std::string partition;  // "" for a whole stream; a parent id or window otherwise
  std::string params;     // JSON
  std::string bookmark;   // JSON of the committed bookmark this task resumes from; "" for none
  // Streams the task may emit to: its own first, then those named in `emits`.
  // Children are sent with only `emits` set; the coordinator resolves them.
  std::vector<std::string> emits;
  std::vector<stream_info> streams;
  std::uint32_t attempt = 1;
  // Spawned by another task: its spec is in the state topic as pending until
  // it finishes, so a run cut short (quota, crash) re-queues it next time.
  bool child = false;
  // Set when the task was re-queued because its worker was lost: that
  // worker's name. The next worker first fences the lost worker's
  // transactional producer (so nothing it left open can still commit), then
  // resumes from the bookmark this run last committed for the partition.
  std::string recover_from;
  // Full-table tasks: the last complete snapshot of (stream, partition), as
  // the state topic keeps it ({"run":..,"count":N,"keys":["<key JSON>",..]});
  // "" when there is none. Its keys missing from this run's get tombstones.
  std::string snapshot;
};

// The answer to a worker's pull: its next task, or the order to stop. To a
// try-pull, also none: shutdown false and work.id == 0 (ids start at 1).
struct task_assignment {
  bool shutdown = false;
  task work;
};

// What a plan task learned: the run's streams and committed bookmarks. The
// coordinator fills children's stream infos and bookmarks from it.
struct plan_result {
  task_id id = 0;
  run_id run;
  std::vector<stream_info> streams;
  std::vector<bookmark_entry> bookmarks;
  std::vector<bookmark_entry> snapshots;  // last complete snapshot per (stream, partition)
};

enum class task_outcome : std::uint8_t {
  done,       // finished; its last bookmark is committed
  failed,     // gave up with an error (may be retried by the coordinator)
  resumable,  // stopped by a spent quota; resumes from its bookmark next run
  cancelled,
};

struct stream_count {
  std::string stream;
  std::uint64_t records = 0;
};

struct task_result {
  task_id id = 0;
  run_id run;
  worker_id worker;
  task_outcome outcome = task_outcome::done;
  quarry::error_kind error_kind = quarry::error_kind::fatal;  // when not done
  std::string message;
  std::vector<stream_count> records;  // per stream: a task may feed several
  std::uint64_t calls = 0;
  double retry_after_s = -1;
  std::string bookmark;  // the last committed bookmark: a retry resumes there
  // A full-table task that committed its snapshot: its distinct keys, and
  // the tombstones written for keys the previous snapshot had (-1: none).
  std::int64_t snapshot_records = -1;
  std::uint64_t snapshot_deleted = 0;
};

struct child_tasks {
  task_id parent = 0;
  run_id run;
  std::vector<task> tasks;
};

// What to run: the job's name; the coordinator resolves the rest from config.
struct run_request {
  job_id job;
  run_id run;
};

// A worker process joining a coordinator (quarry worker --join).
struct join_request {
  std::string name;          // the process's name (host name by default), for logs
  std::uint32_t workers = 1;  // how many worker actors it runs
};

struct quota_handle {
  std::string account;
  quota_actor quota;
};

// The answer to join_request: a name per worker actor (it names the
// worker's transactional producer, so a slot's next holder fences the last),
// and the one quota actor of each account.
struct join_reply {
  std::vector<worker_id> slots;
  std::vector<quota_handle> quotas;
};

struct quota_acquire {
  account_id account;
  std::string fairness_key;  // job/stream: waiters are served round-robin by key
  worker_id holder;
  bool byte_gated = false;   // also needs daily bytes left (bulk exports)
  std::string scope{};       // the call's quota scope (http::request::quota_scope)
};

// The answer to quota_acquire: a permit, or a denial because a budget is
// spent until its reset.
struct quota_grant {
  bool granted = false;
  permit_id permit = 0;
  std::int64_t lease_ms = 0;
  std::string reason;            // why not granted
  std::int64_t reset_at_ms = 0;  // when not granted: Unix ms of the budget's next reset
};

enum class call_outcome : std::uint8_t { ok, failed, throttled, quota_exhausted };

struct quota_release {
  permit_id permit = 0;
  call_outcome outcome = call_outcome::ok;
  double retry_after_s = -1;
  std::int64_t bytes = 0;  // bytes to charge to the daily byte budget
  // The server's room for calls of the permit's scope, from the answer's
  // headers (x-ratelimit-remaining/-reset): remaining < 0 when it said none.
  std::int64_t server_remaining = -1;
  std::int64_t server_reset_in_ms = 0;
};

struct quota_usage_report {
  std::int64_t calls_today = 0;  // as the server counts them
};

struct quota_snapshot {
  account_id account;
  std::int64_t calls_today = 0;
  std::int64_t daily_limit = -1;  // -1: unlimited
  std::int64_t bytes_today = 0;
  std::int64_t in_flight = 0;
  std::int64_t queued = 0;
  std::int64_t next_reset_ms = 0;
};

// How a stream of a run ended (pending: not decided yet).
enum class stream_status : std::uint8_t { pending, ok, failed, incomplete, cancelled };
// How a run ended: incomplete when a quota ran out (the next run resumes).
enum class run_outcome : std::uint8_t { succeeded, failed, incomplete, cancelled };

constexpr const char* to_string(stream_status s) {
  switch (s) {
    case stream_status::pending: return "pending";
    case stream_status::ok: return "ok";
    case stream_status::failed: return "failed";
    case stream_status::incomplete: return "incomplete";
    case stream_status::cancelled: return "cancelled";
  }
  return "pending";
}

constexpr const char* to_string(run_outcome o) {
  switch (o) {
    case run_outcome::succeeded: return "succeeded";
    case run_outcome::failed: return "failed";
    case run_outcome::incomplete: return "incomplete";
    case run_outcome::cancelled: return "cancelled";
  }
  return "failed";
}

struct stream_summary {
  std::string stream;
  std::uint64_t records = 0;
  std::uint64_t calls = 0;
  std::uint32_t tasks = 0;
  std::uint32_t tasks_failed = 0;
  std::uint32_t tasks_resumable = 0;
  stream_status status = stream_status::pending;
  std::string error;
  // Runs in a row, this one included, that failed without moving the
  // stream's bookmarks (0 unless failed; Kafka output only).
  std::uint32_t consecutive_failures = 0;
  // Full-table streams: snapshots completed this run (one per partition),
  // their records (distinct keys) and the tombstones they wrote.
  bool full_table = false;
  std::uint32_t snapshots = 0;
  std::uint64_t snapshot_records = 0;
  std::uint64_t snapshot_deleted = 0;
  // `calls` is this stream's share, by records, of calls made by tasks that
  // fed several streams (Marketo's activity streams share one export): an
  // estimate, labelled as one.
  bool calls_shared = false;
};

struct run_summary {
  run_id run;
  job_id job;
  std::string source;
  std::int64_t started_ms = 0;
  std::int64_t finished_ms = 0;
  run_outcome outcome = run_outcome::succeeded;
  std::vector<stream_summary> streams;
  std::vector<std::string> errors;
};

template <class Inspector, class Tag>
typename Inspector::result_type inspect(Inspector& f, named_id<Tag>& x) {
  return f(caf::meta::type_name("quarry.id"), x.value);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task& x) {
  return f(caf::meta::type_name("quarry.task"), x.id, x.run, x.job, x.account, x.source, x.kind,
           x.stream, x.partition, x.params, x.bookmark, x.emits, x.streams, x.attempt,
           x.child, x.recover_from, x.snapshot);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_request& x) {
  return f(caf::meta::type_name("quarry.join_request"), x.name, x.workers);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quota_handle& x) {
  return f(caf::meta::type_name("quarry.quota_handle"), x.account, x.quota);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_reply& x) {
  return f(caf::meta::type_name("quarry.join_reply"), x.slots, x.quotas);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_info& x) {
  return f(caf::meta::type_name("quarry.stream_info"), x.name, x.key_fields, x.fingerprint,
           x.replication_key, x.schema, x.full_table);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bookmark_entry& x) {
  return f(caf::meta::type_name("quarry.bookmark_entry"), x.stream, x.partition, x.bookmark);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plan_result& x) {
  return f(caf::meta::type_name("quarry.plan_result"), x.id, x.run, x.streams, x.bookmarks,
           x.snapshots);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_count& x) {
  return f(caf::meta::type_name("quarry.stream_count"), x.stream, x.records);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_result& x) {
  return f(caf::meta::type_name("quarry.task_result"), x.id, x.run, x.worker, x.outcome,
           x.error_kind, x.message, x.records, x.calls, x.retry_after_s, x.bookmark,
           x.snapshot_records, x.snapshot_deleted);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_tasks& x) {
  return f(caf::meta::type_name("quarry.child_tasks"), x.parent, x.run, x.tasks);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_request& x) {
  return f(caf::meta::type_name("quarry.run_request"), x.job, x.run);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quota_acquire& x) {
  return f(caf::meta::type_name("quarry.quota_acquire"), x.account, x.fairness_key, x.holder,
           x.byte_gated, x.scope);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quota_grant& x) {
  return f(caf::meta::type_name("quarry.quota_grant"), x.granted, x.permit, x.lease_ms, x.reason,
           x.reset_at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_assignment& x) {
  return f(caf::meta::type_name("quarry.task_assignment"), x.shutdown, x.work);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quota_release& x) {
  return f(caf::meta::type_name("quarry.quota_release"), x.permit, x.outcome, x.retry_after_s,
           x.bytes, x.server_remaining, x.server_reset_in_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quota_usage_report& x) {
  return f(caf::meta::type_name("quarry.quota_usage_report"), x.calls_today);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quota_snapshot& x) {
  return f(caf::meta::type_name("quarry.quota_snapshot"), x.account, x.calls_today, x.daily_limit,
           x.bytes_today, x.in_flight, x.queued, x.next_reset_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_summary& x) {
  return f(caf::meta::type_name("quarry.stream_summary"), x.stream, x.records, x.calls, x.tasks,
           x.tasks_failed, x.tasks_resumable, x.status, x.error, x.consecutive_failures,
           x.full_table, x.snapshots, x.snapshot_records, x.snapshot_deleted, x.calls_shared);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_summary& x) {
  return f(caf::meta::type_name("quarry.run_summary"), x.run, x.job, x.source, x.started_ms,
           x.finished_ms, x.outcome, x.streams, x.errors);
}

} // namespace quarry

CAF_BEGIN_TYPE_ID_BLOCK(quarry, caf::first_custom_type_id)
  CAF_ADD_TYPE_ID(quarry, (quarry::job_id))
  CAF_ADD_TYPE_ID(quarry, (quarry::account_id))
  CAF_ADD_TYPE_ID(quarry, (quarry::stream_name))
  CAF_ADD_TYPE_ID(quarry, (quarry::run_id))
  CAF_ADD_TYPE_ID(quarry, (quarry::worker_id))
  CAF_ADD_TYPE_ID(quarry, (quarry::stream_info))
  CAF_ADD_TYPE_ID(quarry, (std::vector<quarry::stream_info>))
  CAF_ADD_TYPE_ID(quarry, (quarry::bookmark_entry))
  CAF_ADD_TYPE_ID(quarry, (std::vector<quarry::bookmark_entry>))
  CAF_ADD_TYPE_ID(quarry, (quarry::plan_result))
  CAF_ADD_TYPE_ID(quarry, (quarry::task))
  CAF_ADD_TYPE_ID(quarry, (std::vector<quarry::task>))
  CAF_ADD_TYPE_ID(quarry, (quarry::task_outcome))
  CAF_ADD_TYPE_ID(quarry, (quarry::task_kind))
  CAF_ADD_TYPE_ID(quarry, (quarry::stream_status))
  CAF_ADD_TYPE_ID(quarry, (quarry::run_outcome))
  CAF_ADD_TYPE_ID(quarry, (quarry::error_kind))
  CAF_ADD_TYPE_ID(quarry, (quarry::stream_count))
  CAF_ADD_TYPE_ID(quarry, (std::vector<quarry::stream_count>))
  CAF_ADD_TYPE_ID(quarry, (quarry::task_result))
  CAF_ADD_TYPE_ID(quarry, (quarry::child_tasks))
  CAF_ADD_TYPE_ID(quarry, (quarry::run_request))
  CAF_ADD_TYPE_ID(quarry, (quarry::quota_acquire))
  CAF_ADD_TYPE_ID(quarry, (quarry::quota_grant))
  CAF_ADD_TYPE_ID(quarry, (quarry::task_assignment))
  CAF_ADD_TYPE_ID(quarry, (quarry::call_outcome))
  CAF_ADD_TYPE_ID(quarry, (quarry::quota_release))
  CAF_ADD_TYPE_ID(quarry, (quarry::quota_usage_report))
  CAF_ADD_TYPE_ID(quarry, (quarry::quota_snapshot))
  CAF_ADD_TYPE_ID(quarry, (quarry::stream_summary))
  CAF_ADD_TYPE_ID(quarry, (std::vector<quarry::stream_summary>))
  CAF_ADD_TYPE_ID(quarry, (quarry::run_summary))
  CAF_ADD_TYPE_ID(quarry, (quarry::join_request))
  CAF_ADD_TYPE_ID(quarry, (quarry::quota_actor))
  CAF_ADD_TYPE_ID(quarry, (quarry::quota_handle))
  CAF_ADD_TYPE_ID(quarry, (std::vector<quarry::quota_handle>))
  CAF_ADD_TYPE_ID(quarry, (std::vector<quarry::worker_id>))
  CAF_ADD_TYPE_ID(quarry, (quarry::join_reply))
CAF_END_TYPE_ID_BLOCK(quarry)
