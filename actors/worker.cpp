#include "actors/worker.hpp"

#include "actors/metered_http.hpp"
#include "proto/messages.hpp"
#include "proto/record.hpp"
#include "telemetry/metrics.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <set>

namespace quarry::actors {
namespace {

using nlohmann::json;
using std::chrono::steady_clock;

class worker_actor;

// A child task as the state topic keeps it while pending.
std::optional<connectors::task_spec> pending_child(const std::pair<std::string, std::string>& where,
                                                   const std::string& text) {
  auto spec = json::parse(text, nullptr, false);
  if (!spec.is_object()) return std::nullopt;
  connectors::task_spec c;
  c.stream = where.first;
  c.partition = where.second;
  c.kind = task_kind_of(spec.value("kind", std::string{"extract"}));
  c.params = spec.value("params", json::object());
  c.emits = spec.value("emits", std::vector<std::string>{});
  return c;
}

// The session of one task: HTTP through the account's quota actor, records
// and bookmarks into the worker's sink, children held until committed.
// Lives on the worker's thread only.
class task_session final : public connectors::session {
 public:
  task_session(worker_actor& worker, const task& t, const job_entry& job);

  const connectors::job_context& job() const override { return job_.context; }
  result<http::response> call(const http::request& req, const http::classifier& extra) override;
  result<http::response> download(const http::request& req,
                                  const std::function<bool(std::string_view)>& on_chunk,
                                  const http::classifier& extra) override;
  status emit(std::string_view stream, const json& record) override;
  status emit_serialized(std::string_view stream, std::string_view key_json,
                         std::string_view record_json) override;
  status tombstone(std::string_view stream, const json& key_record) override;
  status checkpoint(const json& bookmark) override;
  void spawn(connectors::task_spec child) override;
  void declare(const connectors::stream_descriptor& stream) override;
  bool cancelled() const override;
  void report_usage(std::int64_t calls_today) override;
  void warn(std::string_view message) override;

  // The task ended well: what it emitted since its last checkpoint goes into
  // the open transaction, and `final` (not a plan) adds its final state (a
  // child clears its pending entry, a full-table task completes its
  // snapshot). Committed with its batch.
  status finish(bool final);
  // The task failed: what it emitted since its last checkpoint is dropped
  // (it never reached the transaction); what its checkpoints cover (records,
  // bookmark, children) is committed with its batch.
  void drop_uncheckpointed();
  // The state changes this task adds to the batch's commit.
  sinks::task_states pending_states();
  // The batch committed: pending becomes committed, children are released.
  void committed();
  // The batch's transaction was aborted: everything uncommitted is gone.
  void reset();

  const task& work() const { return task_; }
  bool holds_children() const { return !held_children_.empty(); }

  std::uint64_t calls() const { return calls_; }
  // Calls that failed and were retried (or gave up), by error kind.
  const std::map<std::string, std::uint64_t>& failed_calls() const { return failed_calls_; }
  const std::map<std::string, std::uint64_t>& records() const { return records_; }
  const std::string& committed_bookmark() const { return committed_bookmark_; }
  // After the final commit of a full-table task: its snapshot's distinct
  // keys (-1: no snapshot) and the tombstones written for vanished keys.
  std::int64_t snapshot_records() const { return snapshot_records_; }
  std::uint64_t snapshot_deleted() const { return snapshot_deleted_; }
  std::vector<stream_info>& declared() { return declared_; }

 private:
  actors::permit_source permits() const;
  // One attempt of a call answered: counted, and by kind when it failed.
  void count_attempt(const result<http::response>& r);
  // The bookmark-age gauge of every stream the task's bookmark covers: its
  // own and those it emits to (Marketo's activity streams share one export).
  void mark_bookmark_committed();
  // The keys of `stream`, or an error: the connector emitted to a stream
  // it did not declare.
  result<const stream_info*> keys_of(std::string_view stream);
  result<std::string> key_of(const stream_info& keys, const json& record) const;
  // The task's own stream when it is full-table (its records form a
  // snapshot), else nullptr.
  const stream_info* snapshot_stream() const;
  // Tombstones for the keys the last complete snapshot had and this one
  // lacks, and the new snapshot as a state update. Part of the final commit.
  status complete_snapshot(std::vector<sinks::state_update>& states);

  worker_actor& worker_;
  const task& task_;
  const job_entry& job_;
  sinks::record_origin origin_;
  std::map<std::string, stream_info, std::less<>> keys_;
  std::vector<stream_info> declared_;
  std::uint64_t calls_ = 0;
  std::map<std::string, std::uint64_t> failed_calls_;
  std::map<std::string, std::uint64_t> records_;  // committed, per stream
  std::map<std::string, std::uint64_t> uncommitted_counts_;
  // Records emitted since the last checkpoint: they reach the transaction
  // only with the bookmark that covers them.
  // Kept in one arena: no allocation per record on the hot path.
  struct emitted {
    const stream_info* keys;
    std::size_t key_at, key_size, value_size;  // value follows the key in arena_
    bool tombstone;
  };
  std::vector<emitted> since_checkpoint_;
  std::string arena_;
  void keep(const stream_info* keys, std::string_view key, std::optional<std::string_view> value);
  // The keys of the snapshot's records written so far (full-table tasks).
  std::set<std::string, std::less<>> snapshot_keys_;
  std::int64_t snapshot_records_ = -1;
  std::uint64_t snapshot_deleted_ = 0;
  status flush_emitted();
  std::string pending_bookmark_;
  std::string committed_bookmark_;
  std::vector<connectors::task_spec> held_children_;
  std::vector<sinks::state_update> final_states_;  // from finish(): child done, snapshot
};

class worker_actor final : public caf::blocking_actor {
 public:
  worker_actor(caf::actor_config& cfg, worker_config config)
      : caf::blocking_actor(cfg), config_(std::move(config)), http_(config_.http) {}

  void act() override {
    spdlog::debug("worker {} starting", config_.id.str());
    sink_ = config_.sinks->make(config_.id.str());
    if (!open_sink()) return;
    bool running = true;
    while (running) {
      // With uncommitted tasks the worker only try-pulls: no task ready
      // means commit now, then wait for one.
      const bool open = !batch_.empty();
      std::optional<task_assignment> next;
      auto on_error = [&](caf::error& e) {
        spdlog::debug("worker {}: coordinator gone ({})", config_.id.str(), system().render(e));
        running = false;
      };
      if (open)
        request(config_.coordinator, caf::infinite, try_pull_atom_v)
            .receive([&](task_assignment& a) { next = std::move(a); }, on_error);
      else
        request(config_.coordinator, caf::infinite, pull_atom_v, config_.id)
            .receive([&](task_assignment& a) { next = std::move(a); }, on_error);
      if (!next || next->shutdown) break;
      if (next->work.id == 0) {  // none ready
        (void)commit_batch();
        continue;
      }
      execute(next->work);
      if (commit_due(!batch_.empty() && batch_.back()->session->holds_children()))
        (void)commit_batch();
    }
    // Stopping (shutdown, or the coordinator is gone): what finished is
    // committed and reported; the coordinator re-queues the rest.
    (void)commit_batch();
    if (auto st = sink_->abort(); !st) spdlog::debug("worker abort: {}", st.error().message);
    sink_.reset();
  }

  // Drains control messages; true once the running task was cancelled.
  bool poll_cancelled() {
    if (cancelled_) return true;
    bool more = true;
    while (more) {
      receive([&](cancel_atom, task_id id) {
                cancelled_ = cancelled_ || id == current_ || id == 0;
              },
              caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
    }
    return cancelled_;
  }

  void release_children(const task& parent, std::vector<connectors::task_spec>& specs,
                        bool durable) {
    if (specs.empty()) return;
    child_tasks children;
    children.parent = parent.id;
    children.run = parent.run;
    for (auto& spec : specs) {
      task c;
      c.run = parent.run;
      c.job = parent.job;
      c.account = parent.account;
      c.source = parent.source;
      c.kind = spec.kind;
      c.stream = stream_name{spec.stream};
      c.partition = spec.partition;
      c.params = spec.params.is_null() ? "" : spec.params.dump();
      c.bookmark = spec.bookmark.is_null() ? "" : spec.bookmark.dump();
      c.emits = spec.emits;
      c.child = durable;
      children.tasks.push_back(std::move(c));
    }
    specs.clear();
    send(config_.coordinator, std::move(children));
  }

  // A sink call failed: the open transaction may hold part of a checkpoint,
  // so the batch is aborted (abort_batch) before anything else commits.
  status sink_failed(status st) {
    if (!st) sink_failed_ = true;
    return st;
  }

  // Counts records that reached the open transaction.
  void written() { ++batch_records_; }

  // Whether the batch should commit now: enough records, open long enough,
  // or (`children`) the last task holds children that other workers could
  // run (so no earlier one does: they were committed then).
  bool commit_due(bool children) const {
    if (children) return true;
    if (batch_records_ >= config_.checkpoint_records) return true;
    return !batch_.empty() && steady_clock::now() - batch_opened_ >= config_.checkpoint_interval;
  }

  // Commits every task of the batch in one transaction, then reports each
  // finished task and releases every task's children. On failure the
  // transaction is aborted and every task in it fails (abort_batch).
  status commit_batch() {
    if (batch_.empty()) return {};
    if (sink_failed_) return abort_batch(make_error(error_kind::retriable, "the output failed"));
    std::vector<sinks::task_states> states;
    states.reserve(batch_.size());
    for (auto& b : batch_)
      if (auto s = b->session->pending_states(); !s.updates.empty()) states.push_back(std::move(s));
    if (auto st = sink_->commit(states); !st) return abort_batch(std::move(st).error());
    close_batch([](batched& b) { b.session->committed(); }, [](batched&) {});
    return {};
  }

  // The batch's transaction cannot commit: abort it. Its tasks lose their
  // uncommitted work and fail (the coordinator retries them from their
  // committed bookmarks); a task still running sees `e` from its checkpoint.
  status abort_batch(error e) {
    spdlog::warn("worker {}: transaction of {} task(s) aborted: {}", config_.id.str(),
                 batch_.size(), e.message);
    if (auto ab = sink_->abort(); !ab && ab.error().kind == error_kind::fatal) reopen();
    sink_failed_ = false;
    close_batch([](batched& b) { b.session->reset(); },
                [&](batched& b) {
                  if (b.out.outcome == task_outcome::done) {
                    // A batch-mate: nothing of its own failed, so it may be retried.
                    fail(b.out, make_error(error_kind::retriable,
                                           "its transaction was aborted: " + e.message));
                  }
                  b.ok = false;
                });
    return e;
  }

  // The transaction ended (committed or aborted): `each` for every task in
  // it; a finished task is then `settle`d and reported, a running one stays
  // for the next transaction.
  template <class Each, class Settle>
  void close_batch(Each each, Settle settle) {
    batch_records_ = 0;
    batch_opened_ = steady_clock::now();
    std::vector<std::unique_ptr<batched>> running;
    for (auto& b : batch_) {
      each(*b);
      if (!b->finished) {
        running.push_back(std::move(b));
        continue;
      }
      settle(*b);
      report(*b);
    }
    batch_ = std::move(running);
  }

  const worker_config& config() const { return config_; }
  http::client& http() { return http_; }
  sinks::record_sink& sink() { return *sink_; }

 private:
  // A task that ran (or runs) in the open batch, reported after its commit.
  struct batched {
    task work;
    task_result out;
    std::unique_ptr<task_session> session;
    bool finished = false;
    bool ok = false;
  };

  // Retried faults and throttling are invisible at the default level unless
  // summed up: one info line for a task whose calls failed, at most one per
  // worker every 10 s (tasks in between are folded into the next line).
  void note_retries(const task_session& s) {
    if (s.failed_calls().empty()) return;
    for (const auto& [kind, n] : s.failed_calls()) retried_[kind] += n;
    ++retried_tasks_;
    const auto now = steady_clock::now();
    if (now - last_retry_line_ < std::chrono::seconds(10)) return;
    std::uint64_t total = 0;
    std::string why;
    for (const auto& [kind, n] : retried_) {
      total += n;
      why += (why.empty() ? "" : ", ") + kind + " " + std::to_string(n);
    }
    const auto& t = s.work();
    spdlog::info("job {} stream {}{}: {} call(s) failed and were retried or given up ({}){}", t.job.str(),
                 t.stream.str(), t.partition.empty() ? "" : " [" + t.partition + "]", total, why,
                 retried_tasks_ > 1 ? " over " + std::to_string(retried_tasks_) + " tasks since the last such line"
                                    : "");
    retried_.clear();
    retried_tasks_ = 0;
    last_retry_line_ = now;
  }

  void report(batched& b) {
    auto& out = b.out;
    auto& session = *b.session;
    note_retries(session);
    out.calls = session.calls();
    out.snapshot_records = b.ok ? session.snapshot_records() : -1;
    out.snapshot_deleted = b.ok ? session.snapshot_deleted() : 0;
    out.records.clear();
    for (const auto& [stream, n] : session.records()) out.records.push_back({stream, n});
    if (!session.committed_bookmark().empty()) out.bookmark = session.committed_bookmark();
    send(config_.coordinator, std::move(out));
  }

  bool open_sink() {
    for (int attempt = 1;; ++attempt) {
      auto st = sink_->open();
      if (st) return true;
      spdlog::error("worker {}: cannot open output: {}", config_.id.str(), st.error().message);
      if (attempt >= 5) return false;
      std::this_thread::sleep_for(std::chrono::seconds(attempt));
    }
  }

  void execute(task& assigned) {
    auto entry = std::make_unique<batched>();
    entry->work = std::move(assigned);
    task& t = entry->work;
    task_result& out = entry->out;
    out.id = t.id;
    out.run = t.run;
    out.worker = config_.id;
    out.bookmark = t.bookmark;
    const job_entry* job = config_.jobs->find(t.job.str());
    if (job == nullptr) {
      fail(out, make_error(error_kind::fatal, "job " + t.job.str() + " is not configured here"));
      send(config_.coordinator, std::move(out));
      return;
    }
    auto connector = config_.connectors(t.source);
    if (!connector) {
      fail(out, make_error(error_kind::fatal, "no connector for source " + t.source));
      send(config_.coordinator, std::move(out));
      return;
    }
    if (!t.recover_from.empty()) {
      // Fencing may wait for the lost producer's transaction to end: none
      // of this worker's stays open meanwhile.
      (void)commit_batch();
      if (auto st = recover(t, *job); !st) {
        fail(out, std::move(st).error());
        send(config_.coordinator, std::move(out));
        return;
      }
      out.bookmark = t.bookmark;
    }
    current_ = t.id;
    cancelled_ = false;
    entry->session = std::make_unique<task_session>(*this, t, *job);
    if (batch_.empty()) batch_opened_ = steady_clock::now();
    batched& b = *entry;
    batch_.push_back(std::move(entry));
    task_session& session = *b.session;
    status st = t.kind == task_kind::plan ? plan(t, *job, *connector, session) : run(t, *connector, session);
    current_ = 0;
    if (st) st = session.finish(t.kind != task_kind::plan);
    if (!st) {
      session.drop_uncheckpointed();
      fail(out, std::move(st).error());
    }
    b.finished = true;
    b.ok = static_cast<bool>(st);
    if (sink_failed_) (void)abort_batch(make_error(error_kind::retriable, "the output failed"));
  }

  status run(const task& t, connectors::connector& connector, task_session& session) {
    connectors::task_spec spec;
    spec.kind = t.kind;
    spec.stream = t.stream.str();
    spec.partition = t.partition;
    spec.emits = t.emits;
    spec.params = t.params.empty() ? json::object() : json::parse(t.params, nullptr, false);
    if (!t.bookmark.empty()) spec.bookmark = json::parse(t.bookmark, nullptr, false);
    try {
      return connector.run(spec, session);
    } catch (const std::exception& e) {
      // A connector bug or unexpected data must fail the task, not the process.
      return make_error(error_kind::bad_payload,
                        t.stream.str() + ": unexpected failure: " + std::string{e.what()});
    }
  }

  // The plan task: read committed bookmarks, let the connector plan, tell the
  // coordinator the run's streams and bookmarks, then hand over the tasks.
  status plan(const task& t, const job_entry& job, connectors::connector& connector,
              task_session& session) {
    auto state = config_.load_state(job.prefix, t.job.str());
    if (!state) return std::move(state).error();
    connectors::bookmark_map bookmarks;
    plan_result learned;
    learned.id = t.id;
    learned.run = t.run;
    for (const auto& [where, bookmark] : state->bookmarks) {
      bookmarks[where] = json::parse(bookmark, nullptr, false);
      learned.bookmarks.push_back({where.first, where.second, bookmark});
    }
    for (const auto& [where, snapshot] : state->snapshots)
      learned.snapshots.push_back({where.first, where.second, snapshot});
    std::optional<quarry::result<std::vector<connectors::task_spec>>> planned;
    try {
      planned.emplace(connector.plan(session, bookmarks));
    } catch (const std::exception& e) {
      return make_error(error_kind::bad_payload, std::string{"plan failed: "} + e.what());
    }
    auto& tasks = *planned;
    if (!tasks) return std::move(tasks).error();
    if (auto st = commit_batch(); !st) return st;  // schemas out before any record
    learned.streams = session.declared();
    send(config_.coordinator, std::move(learned));
    // Children that earlier runs spawned but never finished come back too.
    std::set<std::pair<std::string, std::string>> in_plan;
    for (const auto& spec : *tasks) in_plan.emplace(spec.stream, spec.partition);
    std::vector<connectors::task_spec> unfinished;
    for (const auto& [where, text] : state->pending)
      if (in_plan.count(where) == 0)
        if (auto c = pending_child(where, text)) unfinished.push_back(std::move(*c));
    if (!unfinished.empty())
      spdlog::info("run {}: {} unfinished child tasks from earlier runs re-queued", t.run.str(),
                   unfinished.size());
    release_children(t, *tasks, false);
    release_children(t, unfinished, true);
    return {};
  }

  // A task whose worker was lost: fence that worker's producer, so whatever
  // it left open is settled and nothing it still holds can commit, then take
  // the bookmark this run committed for the partition (the lost worker's
  // progress) and hand the coordinator again any child this run left pending
  // (it drops those it already has).
  status recover(task& t, const job_entry& job) {
    spdlog::info("task {} {} [{}]: recovering from lost worker {}", t.job.str(), t.stream.str(),
                 t.partition, t.recover_from);
    if (auto st = config_.sinks->fence(t.recover_from); !st) return st;
    if (t.kind == task_kind::plan) return {};  // a plan reads the state itself
    auto state = config_.load_state(job.prefix, t.job.str());
    if (!state) return std::move(state).error();
    const std::pair where{t.stream.str(), t.partition};
    if (auto run = state->bookmark_runs.find(where);
        run != state->bookmark_runs.end() && run->second == t.run.str())
      t.bookmark = state->bookmarks.at(where);
    // The lost worker may have completed the snapshot before it was lost.
    if (auto snapshot = state->snapshots.find(where); snapshot != state->snapshots.end())
      t.snapshot = snapshot->second;
    std::vector<connectors::task_spec> orphans;
    for (const auto& [where, text] : state->pending) {
      auto run = state->pending_runs.find(where);
      if (run != state->pending_runs.end() && run->second == t.run.str())
        if (auto c = pending_child(where, text)) orphans.push_back(std::move(*c));
    }
    release_children(t, orphans, true);
    return {};
  }

  void fail(task_result& out, error e) {
    out.outcome = e.kind == error_kind::quota_exhausted ? task_outcome::resumable
                  : e.kind == error_kind::cancelled     ? task_outcome::cancelled
                                                        : task_outcome::failed;
    out.error_kind = e.kind;
    out.message = std::move(e.message);
    out.retry_after_s = e.retry_after_s;
  }

  void reopen() {
    sink_ = config_.sinks->make(config_.id.str());
    if (!open_sink()) spdlog::error("worker {}: output stays closed", config_.id.str());
  }

  worker_config config_;
  http::client http_;
  std::unique_ptr<sinks::record_sink> sink_;
  task_id current_ = 0;
  bool cancelled_ = false;
  // Group commit: the tasks whose work is in the open transaction, in the
  // order they started; at most the last one is still running.
  std::vector<std::unique_ptr<batched>> batch_;
  std::uint64_t batch_records_ = 0;  // records in the open transaction
  steady_clock::time_point batch_opened_;  // its first task started, or the last commit
  bool sink_failed_ = false;
  // Failed calls of reported tasks not yet in a log line (note_retries).
  std::map<std::string, std::uint64_t> retried_;
  std::uint64_t retried_tasks_ = 0;
  steady_clock::time_point last_retry_line_{};
};

task_session::task_session(worker_actor& worker, const task& t, const job_entry& job)
    : worker_(worker), task_(t), job_(job),
      origin_{job.prefix, t.source, t.job.str(), t.run.str()},
      committed_bookmark_(t.bookmark) {
  for (const auto& s : t.streams) keys_[s.name] = s;
}

actors::permit_source task_session::permits() const {
  return {&worker_, worker_.config().jobs->quota_of(task_.account.str()), task_.account,
          task_.job.str() + "/" + task_.stream.str(), worker_.config().id, task_.source};
}

result<http::response> task_session::call(const http::request& req,
                                          const http::classifier& extra) {
  return actors::metered_call(permits(), worker_.http(), worker_.config().backoff, req, extra,
                              [this] { return cancelled(); },
                              [this](const result<http::response>& r) { count_attempt(r); });
}

result<http::response> task_session::download(
    const http::request& req, const std::function<bool(std::string_view)>& on_chunk,
    const http::classifier& extra) {
  return actors::metered_download(permits(), worker_.http(), worker_.config().backoff, req, on_chunk, extra,
                                  [this] { return cancelled(); },
                                  [this](const result<http::response>& r) { count_attempt(r); });
}

void task_session::count_attempt(const result<http::response>& r) {
  ++calls_;
  if (!r.ok()) ++failed_calls_[std::string(to_string(r.error().kind))];
}

void task_session::mark_bookmark_committed() {
  const auto now = static_cast<double>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  auto& gauges = telemetry::metrics().bookmark_committed;
  gauges.Add({{"quarry_job", task_.job.str()}, {"stream", task_.stream.str()}}).Set(now);
  for (const auto& stream : task_.emits) gauges.Add({{"quarry_job", task_.job.str()}, {"stream", stream}}).Set(now);
}

result<const stream_info*> task_session::keys_of(std::string_view stream) {
  auto it = keys_.find(stream);
  if (it == keys_.end())
    return make_error(error_kind::fatal, "stream " + std::string{stream} +
                                             " was not declared for task " + task_.stream.str());
  return &it->second;
}

const stream_info* task_session::snapshot_stream() const {
  if (task_.kind == task_kind::plan) return nullptr;
  auto it = keys_.find(task_.stream.str());
  return it != keys_.end() && it->second.full_table ? &it->second : nullptr;
}

// The record's primary key as compact JSON, in key order.
result<std::string> task_session::key_of(const stream_info& keys, const json& record) const {
  if (!record.is_object())
    return make_error(error_kind::bad_payload, keys.name + ": record is not a JSON object");
  json key = json::object();
  for (const auto& field : keys.key_fields) {
    auto it = record.find(field);
    if (it == record.end() || it->is_null())
      return make_error(error_kind::bad_payload, keys.name + ": record without key field " +
                                                     field + ": " + record.dump().substr(0, 120));
    key[field] = *it;
  }
  return key.dump();
}

status task_session::emit(std::string_view stream, const json& record) {
  auto declared = keys_of(stream);
  if (!declared) return std::move(declared).error();
  const stream_info* keys = *declared;
  auto key = key_of(*keys, record);
  if (!key) return std::move(key).error();
  std::string value;
  const std::string name{stream};
  if (const auto* columns = job_.context.selection.columns_of(name)) {
    json selected = json::object();
    for (const auto& [field, v] : record.items()) {
      const bool wanted = std::find(keys->key_fields.begin(), keys->key_fields.end(), field) !=
                              keys->key_fields.end() ||
                          field == keys->replication_key ||
                          std::find(columns->begin(), columns->end(), field) != columns->end();
      if (wanted) selected[field] = v;
    }
    value = selected.dump();
  } else {
    value = record.dump();
  }
  keep(keys, *key, value);
  return {};
}

status task_session::tombstone(std::string_view stream, const json& key_record) {
  auto declared = keys_of(stream);
  if (!declared) return std::move(declared).error();
  const stream_info* keys = *declared;
  auto key = key_of(*keys, key_record);
  if (!key) return std::move(key).error();
  keep(keys, *key, std::nullopt);
  return {};
}

void task_session::keep(const stream_info* keys, std::string_view key,
                        std::optional<std::string_view> value) {
  since_checkpoint_.push_back({keys, arena_.size(), key.size(), value ? value->size() : 0, !value});
  arena_.append(key);
  if (value) arena_.append(*value);
}

status task_session::emit_serialized(std::string_view stream, std::string_view key_json,
                                     std::string_view record_json) {
  auto declared = keys_of(stream);
  if (!declared) return std::move(declared).error();
  const stream_info* keys = *declared;
  if (key_json.empty() || record_json.empty() || record_json.front() != '{')
    return make_error(error_kind::bad_payload, std::string{stream} + ": record is not a JSON object");
  keep(keys, key_json, record_json);
  return {};
}

status task_session::flush_emitted() {
  const std::string_view arena = arena_;
  const stream_info* snapshot = snapshot_stream();
  for (const auto& e : since_checkpoint_) {
    const auto key = arena.substr(e.key_at, e.key_size);
    std::optional<std::string_view> value;
    if (!e.tombstone) value = arena.substr(e.key_at + e.key_size, e.value_size);
    if (auto st = worker_.sink_failed(worker_.sink().write(origin_, *e.keys, key, value)); !st)
      return st;
    if (e.keys == snapshot) {
      if (value) {
        if (snapshot_keys_.find(key) == snapshot_keys_.end()) snapshot_keys_.emplace(key);
      } else if (auto it = snapshot_keys_.find(key); it != snapshot_keys_.end()) {
        snapshot_keys_.erase(it);
      }
    }
    if (value) ++uncommitted_counts_[e.keys->name];
    worker_.written();
  }
  since_checkpoint_.clear();
  arena_.clear();
  return {};
}

status task_session::checkpoint(const json& bookmark) {
  if (auto st = flush_emitted(); !st) return st;
  pending_bookmark_ = bookmark.dump();
  if (worker_.commit_due(!held_children_.empty())) return worker_.commit_batch();
  return {};
}

void task_session::spawn(connectors::task_spec child) { held_children_.push_back(std::move(child)); }

void task_session::declare(const connectors::stream_descriptor& stream) {
  std::string schema = stream.schema.dump();
  const std::string fingerprint = contract::fingerprint(schema);
  stream_info info{stream.name, stream.primary_key, fingerprint, stream.replication_key,
                   std::move(schema),
                   stream.replication == connectors::replication_method::full_table};
  keys_[stream.name] = info;
  declared_.push_back(std::move(info));
  const std::string& schema_text = declared_.back().schema;
  if (auto st = worker_.sink().publish_schema(origin_, stream.name, schema_text, fingerprint,
                                              stream.primary_key);
      !st)
    spdlog::warn("cannot publish schema of {}: {}", stream.name, st.error().message);
}

bool task_session::cancelled() const { return worker_.poll_cancelled(); }

void task_session::warn(std::string_view message) {
  spdlog::warn("job {} stream {}{}: {}", task_.job.str(), task_.stream.str(),
               task_.partition.empty() ? "" : " [" + task_.partition + "]", message);
}

void task_session::report_usage(std::int64_t calls_today) {
  if (auto quota = worker_.config().jobs->quota_of(task_.account.str()))
    worker_.send(quota, quota_usage_report{calls_today});
}

void task_session::drop_uncheckpointed() {
  since_checkpoint_.clear();
  arena_.clear();
  final_states_.clear();
}

status task_session::complete_snapshot(std::vector<sinks::state_update>& states) {
  const stream_info* stream = snapshot_stream();
  const json previous = task_.snapshot.empty() ? json() : json::parse(task_.snapshot, nullptr, false);
  const auto old_keys = previous.is_object() ? previous.find("keys") : previous.end();
  std::uint64_t deleted = 0;
  if (old_keys != previous.end() && old_keys->is_null()) {
    // It was too large to keep (warned then): nothing to compare with.
  } else if (old_keys != previous.end() && old_keys->is_array()) {
    for (const auto& k : *old_keys) {
      if (!k.is_string() || snapshot_keys_.count(k.get_ref<const std::string&>()) != 0) continue;
      if (auto st = worker_.sink_failed(
              worker_.sink().write(origin_, *stream, k.get_ref<const std::string&>(), std::nullopt));
          !st)
        return st;
      ++deleted;
    }
  } else if (!task_.snapshot.empty()) {
    warn("the last snapshot in the state topic is malformed; no deletes detected this run");
  }
  json keys = json::array();
  for (const auto& k : snapshot_keys_) keys.push_back(k);
  json snapshot = {{"run", task_.run.str()}, {"count", snapshot_keys_.size()}, {"keys", std::move(keys)}};
  std::string text = snapshot.dump();
  // The state topic's records are at most ~1 MB (the broker's default
  // message.max.bytes); a larger key set is not kept.
  constexpr std::size_t max_snapshot_bytes = 900 * 1024;
  if (text.size() > max_snapshot_bytes) {
    warn("snapshot of " + std::to_string(snapshot_keys_.size()) + " keys (" +
         std::to_string(text.size()) + " bytes) is too large to keep; deletes of this stream are "
         "not detected");
    snapshot = {{"run", task_.run.str()}, {"count", snapshot_keys_.size()}, {"keys", nullptr}};
    text = snapshot.dump();
  }
  states.push_back({sinks::state_update::kind::snapshot, task_.stream.str(), task_.partition,
                    std::move(text)});
  snapshot_records_ = static_cast<std::int64_t>(snapshot_keys_.size());
  snapshot_deleted_ = deleted;
  return {};
}

status task_session::finish(bool final) {
  if (auto st = flush_emitted(); !st) return st;
  if (final && snapshot_stream() != nullptr)
    if (auto st = complete_snapshot(final_states_); !st) return st;
  if (final && task_.child)
    final_states_.push_back(
        {sinks::state_update::kind::child_done, task_.stream.str(), task_.partition, ""});
  return {};
}

sinks::task_states task_session::pending_states() {
  using update = sinks::state_update;
  sinks::task_states out{&origin_, {}};
  auto& states = out.updates;
  if (!pending_bookmark_.empty() && task_.kind != task_kind::plan)
    states.push_back({update::kind::bookmark, task_.stream.str(), task_.partition, pending_bookmark_});
  for (const auto& c : held_children_) {
    json spec = {{"kind", to_string(c.kind)}, {"params", c.params}, {"emits", c.emits}};
    states.push_back({update::kind::pending_child, c.stream, c.partition, spec.dump()});
  }
  states.insert(states.end(), final_states_.begin(), final_states_.end());
  return out;
}

void task_session::committed() {
  if (!pending_bookmark_.empty()) {
    committed_bookmark_ = std::move(pending_bookmark_);
    mark_bookmark_committed();
  }
  pending_bookmark_.clear();
  final_states_.clear();
  for (const auto& [stream, n] : uncommitted_counts_) records_[stream] += n;
  uncommitted_counts_.clear();
  if (task_.kind != task_kind::plan) worker_.release_children(task_, held_children_, true);
}

void task_session::reset() {
  since_checkpoint_.clear();
  arena_.clear();
  held_children_.clear();
  pending_bookmark_.clear();
  final_states_.clear();
  uncommitted_counts_.clear();
  snapshot_keys_.clear();
  snapshot_records_ = -1;
  snapshot_deleted_ = 0;
}

} // namespace

caf::actor spawn_worker(caf::actor_system& system, worker_config config) {
  return system.spawn<worker_actor>(std::move(config));
}

} // namespace quarry::actors
