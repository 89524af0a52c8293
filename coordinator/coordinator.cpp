#include "coordinator/coordinator.hpp"

#include "proto/messages.hpp"
#include "telemetry/metrics.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <deque>
#include <map>
#include <random>
#include <set>

namespace quarry::coordinator {
namespace {

using std::chrono::steady_clock;

constexpr const char* plan_stream = "(plan)";

struct run_state {
  run_summary summary;
  std::map<std::string, stream_summary> streams;
  std::map<std::string, stream_info> infos;
  std::map<std::pair<std::string, std::string>, std::string> bookmarks;
  std::map<std::pair<std::string, std::string>, std::string> snapshots;
  std::set<std::pair<std::string, std::string>> queued_partitions;  // never queue one twice
  std::size_t outstanding = 0;  // queued, leased or waiting for a retry
  bool cancelled = false;
  caf::typed_response_promise<run_summary> done;
  steady_clock::time_point started = steady_clock::now();
};

struct lease {
  task work;
  worker_actor worker;
};

struct waiting_worker {
  caf::actor_addr worker;
  caf::typed_response_promise<task_assignment> reply;
};

struct worker_info {
  worker_id id;
  bool remote = false;
};

struct coordinator_state {
  coordinator_config config;
  std::deque<task> ready;
  std::deque<waiting_worker> idle;
  std::map<task_id, lease> leased;
  std::map<std::string, run_state> runs;
  std::map<caf::actor_addr, worker_info> workers;
  // Remote worker slots ("r<N>"): held by a live worker, or by a lost one
  // until every task it left has been recovered (fenced) elsewhere.
  std::set<std::uint32_t> slots;
  std::map<std::string, std::size_t> unfenced;  // lost worker -> tasks not yet recovered
  std::uint32_t slots_stored = 0;               // high-water mark known to the slot log
  std::set<std::string> leaving;                // workers told to stop (their process drains)
  std::vector<std::pair<run_request, caf::typed_response_promise<run_summary>>> deferred_starts;
  task_id next_id = 1;
  bool shutting_down = false;
  std::mt19937_64 rng{std::random_device{}()};
};

// A retry whose backoff elapsed comes back as the task itself, on top of
// the interface.
using coordinator_impl = coordinator_actor::extend<caf::reacts_to<task>>;
using self_ptr = coordinator_impl::stateful_pointer<coordinator_state>;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void publish_task_gauges(self_ptr self) {
  auto& st = self->state;
  auto& tasks = telemetry::metrics().tasks;
  tasks.Add({{"state", "queued"}}).Set(static_cast<double>(st.ready.size()));
  tasks.Add({{"state", "running"}}).Set(static_cast<double>(st.leased.size()));
  std::size_t remote = 0;
  for (const auto& [_, w] : st.workers) remote += w.remote ? 1 : 0;
  auto& workers = telemetry::metrics().workers;
  workers.Add({{"location", "local"}}).Set(static_cast<double>(st.workers.size() - remote));
  workers.Add({{"location", "remote"}}).Set(static_cast<double>(remote));
}

// Pairs idle workers with queued tasks.
void dispatch(self_ptr self) {
  auto& st = self->state;
  while (!st.shutting_down && !st.idle.empty() && !st.ready.empty()) {
    auto w = std::move(st.idle.front());
    st.idle.pop_front();
    auto worker = caf::actor_cast<worker_actor>(w.worker);
    if (!worker) continue;  // died while waiting
    if (auto info = st.workers.find(w.worker);
        info != st.workers.end() && st.leaving.count(info->second.id.str()) != 0) {
      w.reply.deliver(task_assignment{true, {}});
      continue;
    }
    task t = std::move(st.ready.front());
    st.ready.pop_front();
    st.leased[t.id] = lease{t, worker};
    w.reply.deliver(task_assignment{false, std::move(t)});
  }
  if (st.shutting_down) {
    for (auto& w : st.idle) w.reply.deliver(task_assignment{true, {}});
    st.idle.clear();
  }
  publish_task_gauges(self);
}

stream_summary& stream_of(run_state& run, const std::string& stream) {
  auto& s = run.streams[stream];
  s.stream = stream;
  return s;
}

// A task's calls go to its stream; a task that fed several streams (its own
// and `emits`, such as Marketo's activity export for up to ten activity
// streams) splits them by each stream's share of its records (largest
// remainders, so the parts add up), and the summary marks them as shared.
void add_calls(run_state& run, const task& t, const task_result& res) {
  std::uint64_t total = 0;
  std::vector<const stream_count*> fed;
  for (const auto& c : res.records) {
    total += c.records;
    if (c.records > 0) fed.push_back(&c);
  }
  if (t.emits.empty() || fed.size() < 2) {  // one stream got every record (or none did)
    stream_of(run, fed.size() == 1 ? fed.front()->stream : t.stream.str()).calls += res.calls;
    return;
  }
  std::vector<std::pair<std::uint64_t, std::size_t>> remainders;  // (remainder, index)
  std::uint64_t given = 0;
  for (std::size_t i = 0; i < res.records.size(); ++i) {
    const auto& c = res.records[i];
    const std::uint64_t share = res.calls * c.records / total;
    auto& s = stream_of(run, c.stream);
    s.calls += share;
    s.calls_shared = true;
    given += share;
    remainders.push_back({res.calls * c.records % total, i});
  }
  std::sort(remainders.begin(), remainders.end(), std::greater<>());
  for (std::size_t k = 0; given < res.calls && k < remainders.size(); ++k, ++given)
    ++stream_of(run, res.records[remainders[k].second].stream).calls;
}

void finish_if_done(self_ptr self, const std::string& run_key) {
  auto& st = self->state;
  auto it = st.runs.find(run_key);
  if (it == st.runs.end() || it->second.outstanding > 0) return;
  auto& run = it->second;
  run_summary summary = std::move(run.summary);
  summary.finished_ms = now_ms();
  bool failed = false, incomplete = false;
  for (auto& [name, s] : run.streams) {
    if (auto info = run.infos.find(name); info != run.infos.end()) s.full_table = info->second.full_table;
    if (s.tasks_failed > 0) {
      s.status = stream_status::failed;
      failed = true;
    } else if (s.tasks_resumable > 0) {
      s.status = stream_status::incomplete;
      incomplete = true;
    } else if (run.cancelled && s.status == stream_status::pending) {
      s.status = stream_status::cancelled;
    } else if (s.status == stream_status::pending) {
      s.status = stream_status::ok;
    }
    summary.streams.push_back(s);
  }
  summary.outcome = run.cancelled ? run_outcome::cancelled
                    : failed      ? run_outcome::failed
                    : incomplete  ? run_outcome::incomplete
                                  : run_outcome::succeeded;
  const double seconds = std::chrono::duration<double>(steady_clock::now() - run.started).count();
  telemetry::metrics().runs.Add({{"quarry_job", summary.job.str()}, {"outcome", to_string(summary.outcome)}}).Increment();
  telemetry::metrics()
      .run_finished.Add({{"quarry_job", summary.job.str()}, {"outcome", to_string(summary.outcome)}})
      .Set(static_cast<double>(summary.finished_ms) / 1000.0);
  telemetry::metrics()
      .run_duration.Add({{"quarry_job", summary.job.str()}},
                        prometheus::Histogram::BucketBoundaries{1, 5, 15, 60, 300, 900, 3600, 14400})
      .Observe(seconds);
  run.done.deliver(summary);
  st.runs.erase(it);
}

void enqueue(self_ptr self, task t) {
  auto& st = self->state;
  st.ready.push_back(std::move(t));
  dispatch(self);
}

// Gives a child task its stream identities and committed bookmark.
void resolve(run_state& run, task& t) {
  if (t.streams.empty()) {
    auto add = [&](const std::string& name) {
      if (auto it = run.infos.find(name); it != run.infos.end()) t.streams.push_back(it->second);
    };
    add(t.stream.str());
    for (const auto& e : t.emits) add(e);
  }
  if (t.bookmark.empty()) {
    if (auto it = run.bookmarks.find({t.stream.str(), t.partition}); it != run.bookmarks.end())
      t.bookmark = it->second;
  }
  if (t.snapshot.empty())
    if (auto it = run.snapshots.find({t.stream.str(), t.partition}); it != run.snapshots.end())
      t.snapshot = it->second;
}

void start_run(self_ptr self, run_request req, caf::typed_response_promise<run_summary> rp) {
  auto& st = self->state;
  const auto* job = st.config.jobs->find(req.job.str());
  run_summary summary;
  summary.run = req.run;
  summary.job = req.job;
  summary.started_ms = now_ms();
  if (job == nullptr) {
    summary.outcome = run_outcome::failed;
    summary.finished_ms = summary.started_ms;
    summary.errors.push_back("job " + req.job.str() + " is not configured");
    rp.deliver(std::move(summary));
    return;
  }
  if (st.runs.count(req.run.str()) != 0) {
    summary.outcome = run_outcome::failed;
    summary.errors.push_back("run " + req.run.str() + " is already running");
    rp.deliver(std::move(summary));
    return;
  }
  summary.source = job->context.source;
  auto& run = st.runs[req.run.str()];
  run.summary = std::move(summary);
  run.done = std::move(rp);
  run.outstanding = 1;
  task plan;
  plan.id = st.next_id++;
  plan.run = req.run;
  plan.job = req.job;
  plan.account = account_id{job->context.account};
  plan.source = job->context.source;
  plan.kind = task_kind::plan;
  plan.stream = stream_name{plan_stream};
  spdlog::info("run {} of job {} started", req.run.str(), req.job.str());
  enqueue(self, std::move(plan));
}

bool retriable_kind(error_kind kind) {
  return kind == error_kind::retriable || kind == error_kind::rate_limited || kind == error_kind::auth_expired;
}

// A remote slot whose lost holder's tasks have all been recovered can be
// handed out again.
void recovered(self_ptr self, const std::string& lost_worker) {
  auto& st = self->state;
  auto it = st.unfenced.find(lost_worker);
  if (it == st.unfenced.end() || --it->second > 0) return;
  st.unfenced.erase(it);
  if (lost_worker.size() > 1 && lost_worker[0] == 'r')
    st.slots.erase(static_cast<std::uint32_t>(std::stoul(lost_worker.substr(1))));
}

void on_result(self_ptr self, task_result& res) {
  auto& st = self->state;
  auto lease_it = st.leased.find(res.id);
  if (lease_it == st.leased.end()) return;  // already re-queued after its worker died
  task t = std::move(lease_it->second.work);
  st.leased.erase(lease_it);
  if (!t.recover_from.empty()) {
    recovered(self, t.recover_from);
    t.recover_from.clear();
  }
  auto run_it = st.runs.find(t.run.str());
  if (run_it == st.runs.end()) {
    dispatch(self);
    return;
  }
  auto& run = run_it->second;
  if (res.outcome == task_outcome::cancelled && !run.cancelled) {
    // Its worker is leaving (SIGTERM, lost coordinator): it committed what
    // it checkpointed; another worker goes on from there.
    spdlog::info("run {}: task {} {} handed back by worker {}", t.run.str(), t.stream.str(),
                 t.partition, res.worker.str());
    t.bookmark = res.bookmark;
    for (const auto& c : res.records) stream_of(run, c.stream).records += c.records;
    add_calls(run, t, res);
    st.ready.push_front(std::move(t));
    dispatch(self);
    return;
  }
  const std::string stream = t.stream.str();
  auto& s = stream_of(run, stream);
  for (const auto& c : res.records) {
    stream_of(run, c.stream).records += c.records;
    telemetry::metrics()
        .records.Add({{"source", t.source}, {"stream", c.stream}, {"quarry_job", t.job.str()}})
        .Increment(static_cast<double>(c.records));
  }
  add_calls(run, t, res);
  const bool retry = res.outcome == task_outcome::failed && !run.cancelled &&
                     retriable_kind(res.error_kind) && t.attempt < st.config.task_attempts;
  if (retry) {
    spdlog::warn("run {}: task {} {} failed (attempt {} of {}), retrying: {}", t.run.str(), stream,
                 t.partition, t.attempt, st.config.task_attempts, res.message);
    t.bookmark = res.bookmark;  // resume where the last commit left it
    const auto base = st.config.retry_base * (1u << std::min<std::uint32_t>(t.attempt - 1, 6));
    std::uniform_int_distribution<std::int64_t> jitter(0, base.count());
    auto delay = std::chrono::milliseconds(base.count() / 2 + jitter(st.rng) / 2);
    if (res.retry_after_s > 0)
      delay = std::max(delay, std::chrono::milliseconds(static_cast<std::int64_t>(res.retry_after_s * 1000)));
    ++t.attempt;
    self->delayed_send(self, delay, std::move(t));
    dispatch(self);
    return;
  }
  ++s.tasks;
  if (res.snapshot_records >= 0) {
    ++s.snapshots;
    s.snapshot_records += static_cast<std::uint64_t>(res.snapshot_records);
    s.snapshot_deleted += res.snapshot_deleted;
  }
  switch (res.outcome) {
    case task_outcome::done: break;
    case task_outcome::resumable:
      ++s.tasks_resumable;
      if (s.error.empty()) s.error = res.message;
      break;
    case task_outcome::cancelled: s.status = stream_status::cancelled; break;
    case task_outcome::failed: {
      ++s.tasks_failed;
      std::string where = t.partition.empty() ? stream : stream + " [" + t.partition + "]";
      std::string msg = where + ": " + res.message;
      if (s.error.empty()) s.error = msg;
      if (run.summary.errors.size() < 100) run.summary.errors.push_back(msg);
      spdlog::error("run {}: {}", t.run.str(), msg);
      break;
    }
  }
  if (res.outcome == task_outcome::done && t.kind == task_kind::plan) run.streams.erase(stream);
  --run.outstanding;
  dispatch(self);
  finish_if_done(self, t.run.str());
}

// A worker is gone (its process exited or stopped answering heartbeats):
// its tasks go back to the queue, to be recovered by the next worker, which
// fences the lost one's producer first. Its slot stays taken until then.
void worker_lost(self_ptr self, const caf::actor_addr& worker) {
  auto& st = self->state;
  auto info = st.workers.find(worker);
  const std::string name = info == st.workers.end() ? "" : info->second.id.str();
  std::size_t requeued = 0;
  for (auto it = st.leased.begin(); it != st.leased.end();) {
    if (it->second.worker.address() != worker) {
      ++it;
      continue;
    }
    task t = std::move(it->second.work);
    it = st.leased.erase(it);
    spdlog::warn("worker {} lost; task {} {} re-queued", name, t.stream.str(), t.partition);
    if (!t.recover_from.empty()) recovered(self, t.recover_from);
    t.recover_from = name;
    ++t.attempt;
    st.ready.push_front(std::move(t));
    ++requeued;
  }
  if (info == st.workers.end()) return;
  st.leaving.erase(name);
  if (requeued > 0)
    st.unfenced[name] += requeued;
  else if (info->second.remote && name.size() > 1)
    st.slots.erase(static_cast<std::uint32_t>(std::stoul(name.substr(1))));
  st.workers.erase(info);
}

// Hands a joining worker process one slot per worker actor, lowest free
// first; the slot log stores a new high-water mark before the answer goes
// out, so a restarted coordinator knows every producer it must fence.
void join(self_ptr self, const join_request& req, caf::typed_response_promise<join_reply> rp) {
  auto& st = self->state;
  join_reply reply;
  std::uint32_t next = 0;
  for (std::uint32_t i = 0; i < req.workers; ++i) {
    while (st.slots.count(next) != 0) ++next;
    st.slots.insert(next);
    reply.slots.emplace_back("r" + std::to_string(next));
  }
  for (const auto& [account, quota] : st.config.jobs->quotas())
    reply.quotas.push_back({account, quota});
  const std::uint32_t high = st.slots.empty() ? 0 : *st.slots.rbegin() + 1;
  spdlog::info("worker process {} joined with {} workers", req.name, req.workers);
  if (high <= st.slots_stored || !st.config.slot_log) {
    rp.deliver(std::move(reply));
    return;
  }
  self->request(st.config.slot_log, std::chrono::seconds(30), persisted_atom_v, high)
      .then(
          [=](bool) mutable {
            auto& s = self->state;
            s.slots_stored = std::max(s.slots_stored, high);
            rp.deliver(std::move(reply));
          },
          [=](caf::error& e) mutable {
            spdlog::error("cannot store remote worker slots: {}", self->system().render(e));
            for (const auto& slot : reply.slots)
              self->state.slots.erase(static_cast<std::uint32_t>(std::stoul(slot.str().substr(1))));
            rp.deliver(caf::make_error(caf::sec::runtime_error, "cannot store worker slots"));
          });
}

coordinator_impl::behavior_type coordinator_behavior(self_ptr self, coordinator_config config) {
  self->state.config = std::move(config);
  self->state.slots_stored = self->state.config.remote_slots_stored;
  self->set_down_handler([=](caf::down_msg& msg) {
    worker_lost(self, msg.source);
    dispatch(self);
  });
  return {
      [=](try_pull_atom) -> task_assignment {
        // A worker with an open transaction asks without waiting: a task if
        // one is ready, else none (it commits, then pulls).
        auto& st = self->state;
        auto sender = caf::actor_cast<worker_actor>(self->current_sender());
        auto info = sender ? st.workers.find(sender.address()) : st.workers.end();
        if (st.shutting_down ||
            (info != st.workers.end() && st.leaving.count(info->second.id.str()) != 0))
          return task_assignment{true, {}};
        if (!sender || info == st.workers.end() || st.ready.empty()) return task_assignment{};
        task t = std::move(st.ready.front());
        st.ready.pop_front();
        st.leased[t.id] = lease{t, sender};
        publish_task_gauges(self);
        return task_assignment{false, std::move(t)};
      },
      [=](pull_atom, const worker_id& id) -> caf::result<task_assignment> {
        auto& st = self->state;
        // A worker told to leave that pulls again (it finished its task) stops
        // now, not when the next task is queued: its process is draining.
        if (st.shutting_down || st.leaving.count(id.str()) != 0) return task_assignment{true, {}};
        auto sender = caf::actor_cast<worker_actor>(self->current_sender());
        auto rp = self->make_response_promise<task_assignment>();
        if (sender &&
            st.workers.try_emplace(sender.address(), worker_info{id, sender.node() != self->node()})
                .second) {
          self->monitor(sender);
          if (st.workers.size() >= st.config.expected_workers && !st.deferred_starts.empty()) {
            auto starts = std::move(st.deferred_starts);
            st.deferred_starts.clear();
            for (auto& [req, p] : starts) start_run(self, std::move(req), std::move(p));
          }
        }
        st.idle.push_back({sender ? sender.address() : caf::actor_addr{}, rp});
        dispatch(self);
        return rp;
      },
      [=](join_atom, const join_request& req) -> caf::result<join_reply> {
        auto rp = self->make_response_promise<join_reply>();
        join(self, req, rp);
        return rp;
      },
      [=](start_run_atom, run_request& req) -> caf::result<run_summary> {
        auto& st = self->state;
        auto rp = self->make_response_promise<run_summary>();
        if (st.workers.size() < st.config.expected_workers)
          st.deferred_starts.emplace_back(std::move(req), rp);
        else
          start_run(self, std::move(req), rp);
        return rp;
      },
      [=](plan_result& learned) {
        auto it = self->state.runs.find(learned.run.str());
        if (it == self->state.runs.end()) return;
        for (auto& s : learned.streams) {
          stream_of(it->second, s.name);
          it->second.infos[s.name] = std::move(s);
        }
        for (auto& b : learned.bookmarks)
          it->second.bookmarks[{b.stream, b.partition}] = std::move(b.bookmark);
        for (auto& b : learned.snapshots)
          it->second.snapshots[{b.stream, b.partition}] = std::move(b.bookmark);
      },
      [=](child_tasks& children) {
        auto& st = self->state;
        auto it = st.runs.find(children.run.str());
        if (it == st.runs.end() || it->second.cancelled) return;
        for (auto& t : children.tasks) {
          if (!it->second.queued_partitions.emplace(t.stream.str(), t.partition).second) continue;
          t.id = st.next_id++;
          resolve(it->second, t);
          ++it->second.outstanding;
          st.ready.push_back(std::move(t));
        }
        dispatch(self);
      },
      [=](task& retry) {  // a retry whose backoff elapsed
        auto& st = self->state;
        auto it = st.runs.find(retry.run.str());
        if (it == st.runs.end()) return;
        if (it->second.cancelled) {
          --it->second.outstanding;
          finish_if_done(self, retry.run.str());
          return;
        }
        enqueue(self, std::move(retry));
      },
      [=](task_result& res) { on_result(self, res); },
      [=](cancel_atom, const run_id& run) {
        auto& st = self->state;
        auto it = st.runs.find(run.str());
        if (it == st.runs.end()) return;
        it->second.cancelled = true;
        for (auto q = st.ready.begin(); q != st.ready.end();) {
          if (q->run == run) {
            --it->second.outstanding;
            q = st.ready.erase(q);
          } else {
            ++q;
          }
        }
        for (auto& [id, l] : st.leased)
          if (l.work.run == run) self->send(l.worker, cancel_atom_v, id);
        finish_if_done(self, run.str());
      },
      [=](shutdown_atom) {
        // Stop taking work: idle workers are told to stop, running tasks to
        // commit what they checkpointed and hand the rest back.
        auto& st = self->state;
        st.shutting_down = true;
        for (auto& [id, l] : st.leased) self->send(l.worker, cancel_atom_v, id);
        dispatch(self);
      },
      [=](shutdown_atom, const worker_id& worker) {
        // One worker leaves (its process got SIGTERM): the same for it alone.
        auto& st = self->state;
        st.leaving.insert(worker.str());
        for (auto& [id, l] : st.leased)
          if (auto info = st.workers.find(l.worker.address());
              info != st.workers.end() && info->second.id == worker)
            self->send(l.worker, cancel_atom_v, id);
        for (auto it = st.idle.begin(); it != st.idle.end();) {
          auto info = st.workers.find(it->worker);
          if (info != st.workers.end() && info->second.id == worker) {
            it->reply.deliver(task_assignment{true, {}});
            it = st.idle.erase(it);
          } else {
            ++it;
          }
        }
      },
  };
}

} // namespace

coordinator_actor spawn_coordinator(caf::actor_system& system, coordinator_config config) {
  return system.spawn(coordinator_behavior, std::move(config));
}

} // namespace quarry::coordinator
