#include "runtime/engine.hpp"

#include "runtime/engine_impl.hpp"
#include "runtime/outputs.hpp"

#include "actors/job_directory.hpp"
#include "actors/quota_actor.hpp"
#include "actors/quota_policy.hpp"
#include "actors/usage_store.hpp"
#include "actors/worker.hpp"
#include "runtime/cluster_tls.hpp"
#include "runtime/discovery_session.hpp"
#include "runtime/progress_counters.hpp"
#include "connectors/core/timestamp.hpp"
#include "connectors/registry.hpp"
#include "coordinator/coordinator.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/producer.hpp"
#include "proto/messages.hpp"
#include "proto/record.hpp"
#include "sinks/kafka_sink.hpp"
#include "sinks/state_store.hpp"
#include "sinks/stream_sinks.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status_server.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <date/date.h>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

namespace quarry::runtime {
namespace {



// SIGINT and SIGTERM cancel the running jobs; the thread waits with a
// timeout so it can be stopped.
class signal_watch {
 public:
  explicit signal_watch(std::function<void()> on_signal) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    thread_ = std::thread([this, set, on_signal = std::move(on_signal)] {
      const timespec tick{0, 200'000'000};
      while (!stop_) {
        if (sigtimedwait(&set, nullptr, &tick) > 0) {
          spdlog::warn("signal received: cancelling the run");
          on_signal();
        }
      }
    });
  }
  ~signal_watch() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Calls `tick` every interval on a thread of its own until destroyed.
class progress_ticker {
 public:
  progress_ticker(std::chrono::milliseconds interval, std::function<void()> tick) {
    thread_ = std::thread([this, interval, tick = std::move(tick)] {
      std::unique_lock lock{mutex_};
      while (!wake_.wait_for(lock, interval, [this] { return stop_; })) {
        lock.unlock();
        tick();
        lock.lock();
      }
    });
  }
  ~progress_ticker() {
    {
      std::lock_guard lock{mutex_};
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  progress_ticker(const progress_ticker&) = delete;
  progress_ticker& operator=(const progress_ticker&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace

std::string new_run_id(const std::string& job) {
  static std::mt19937_64 rng{std::random_device{}()};
  const auto now = date::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(rng() & 0xffff));
  return job + "-" + date::format("%Y%m%dT%H%M%SZ", now) + "-" + suffix;
}

connectors::stream_selection selection_of(const config::job_config& job) {
  connectors::stream_selection sel;
  if (!job.streams) return sel;
  for (const auto& s : *job.streams) {
    if (!s.selected) {
      sel.excluded.push_back(s.pattern);
      continue;
    }
    sel.streams.push_back(s.pattern);
    if (!s.columns.empty()) sel.columns.emplace_back(s.pattern, s.columns);
  }
  return sel;
}

// The connector's view of a job (or of an account alone, for discovery).
connectors::job_context context_of(const config::account_config& account,
                                   const config::job_config* job) {
  connectors::job_context c;
  c.account = account.name;
  c.source = account.source;
  c.endpoint = account.endpoint.value_or("");
  for (const auto& [field, value] : account.credentials) {
    c.credentials.emplace_back(field, value.reveal());
    // A secret's origin is "file:PATH" or "env:NAME".
    if (const auto* s = value.as_secret(); s && s->origin().rfind("file:", 0) == 0)
      c.credential_files.emplace_back(field, s->origin().substr(5));
  }
  c.settings = *account.settings;
  if (job != nullptr) {
    c.job = job->name;
    c.start_date = connectors::format_utc_seconds(job->start_date);
    c.selection = selection_of(*job);
  }
  return c;
}


void engine::impl::start_kafka() {
  kafka = kafka_settings_of(config.kafka);
  if (options.output.kind != output_kind::kafka) return;
  if (config.kafka.embedded) {
    auto cluster = kafka::embedded_cluster::start();
    if (!cluster) throw std::runtime_error(cluster.error().message);
    embedded = std::move(cluster).value();
    kafka.bootstrap_servers = embedded->bootstrap_servers();
    kafka.auto_create_topics = true;
    spdlog::warn("using embedded Kafka at {}: in-memory, no transaction markers, not for "
                 "exactly-once (see docs/kafka.md)",
                 kafka.bootstrap_servers);
  }
}

std::shared_ptr<sinks::sink_factory> engine::impl::make_sinks(const std::vector<std::string>& job_names) {
  return make_sink_factory(config, options, kafka, job_names);
}

// The actor system and Kafka (the embedded cluster, if configured), once.
void engine::impl::start_runtime() {
  if (system) return;
  start_kafka();
  system_config = std::make_unique<caf::actor_system_config>();
  system_config->add_message_types<caf::id_block::quarry>();
  system_config->set("scheduler.max-threads", 2);
  // Work sharing: idle scheduler threads block on a condition variable.
  // Work stealing polls, sleeping 50 us between polls while messages keep
  // coming every few ms, which is quarry's load (actors wait on I/O done
  // elsewhere): measured in bench/README.md ("Serve: scaling").
  system_config->set("scheduler.policy", caf::atom("sharing"));
  system_config->set("logger.console", caf::atom("none"));
  if (options.distributed) {
    // Heartbeats on: a silent peer is lost within peer_timeout, not after
    // TCP's minutes.
    system_config->load<caf::io::middleman>();
    system_config->set("middleman.heartbeat-interval", caf::timespan{options.heartbeat});
    system_config->set("middleman.connection-timeout", caf::timespan{options.peer_timeout});
    if (options.tls) cluster_tls::configure(*system_config, *options.tls);
  }
  system = std::make_unique<caf::actor_system>(*system_config);
}

// The quota actor of `name`, spawned with its stored usage on first use.
quota_actor engine::impl::quota_of(const std::string& name) {
  if (auto it = quotas.find(name); it != quotas.end()) return it->second;
  const auto* account = config.find_account(name);
  if (account == nullptr) throw std::runtime_error("no account named " + name + " in the config");
  auto connector = connectors::make_connector(account->source);
  if (!connector)
    throw std::runtime_error("account " + name + ": no connector for source " + account->source);
  auto policy = quota::policy_of(connector->default_quota(), account->quota);
  std::shared_ptr<actors::usage_store> store =
      options.output.kind == output_kind::kafka
          ? actors::make_kafka_usage_store(kafka, config.kafka.topic_prefix)
          : actors::make_file_usage_store(options.state_dir);
  auto restored = store->load(name);
  if (!restored)
    throw std::runtime_error("cannot read the quota usage of account " + name + ": " +
                             restored.error().message);
  auto quota = actors::spawn_quota(*system, name, std::move(policy), *restored, store);
  quotas.emplace(name, quota);
  return quota;
}

void engine::impl::build_jobs(const std::vector<std::string>& job_names) {
  std::set<std::string> accounts;
  for (const auto& name : job_names) {
    const auto* job = config.find_job(name);
    if (job == nullptr) throw std::runtime_error("no job named " + name + " in the config");
    const auto* account = config.find_account(job->account);
    auto connector = connectors::make_connector(account->source);
    if (!connector)
      throw std::runtime_error("job " + name + ": no connector for source " + account->source);
    actors::job_entry entry;
    entry.context = context_of(*account, job);
    entry.prefix = job->topic_prefix.value_or(config.kafka.topic_prefix);
    jobs->add_job(std::move(entry));
    accounts.insert(account->name);
  }
  for (const auto& name : accounts) {
    auto quota = quota_of(name);
    if (counters) {
      auto relay = spawn_counting_relay(*system, quota, counters);
      relays.push_back(relay);
      quota = relay;
    }
    jobs->set_quota(name, quota);
  }
}

actors::worker_config engine::impl::worker_config_of(worker_id id, coordinator_actor coord,
                                                     std::shared_ptr<const actors::job_directory> directory,
                                                     std::shared_ptr<sinks::sink_factory> sinks) {
  actors::worker_config wc;
  wc.id = std::move(id);
  wc.coordinator = std::move(coord);
  wc.jobs = std::move(directory);
  wc.sinks = std::move(sinks);
  wc.load_state = make_state_loader(options, kafka);
  wc.connectors = connectors::make_connector;
  wc.checkpoint_records = static_cast<std::uint64_t>(config.engine.checkpoint_records);
  wc.checkpoint_interval = std::chrono::milliseconds(config.engine.checkpoint_interval_ms);
  wc.http.total_timeout = std::chrono::milliseconds(config.engine.request_timeout_ms);
  return wc;
}

void engine::impl::start(const std::vector<std::string>& job_names, const service_options* service) {
  start_runtime();
  build_jobs(job_names);
  const int n = options.workers >= 0 && (options.workers > 0 || service != nullptr)
                    ? options.workers
                    : config.engine.workers;
  auto sinks = make_sinks(job_names);
  coordinator::coordinator_config cc;
  cc.jobs = jobs;
  cc.task_attempts = static_cast<std::uint32_t>(config.engine.task_attempts);
  cc.expected_workers = static_cast<std::size_t>(n);
  if (service != nullptr) {
    fence_remote_slots(*sinks, service->remote_slots_stored);
    cc.remote_slots_stored = service->remote_slots_stored;
    if (service->store_slots) cc.slot_log = spawn_slot_log(service->store_slots);
  }
  coordinator = coordinator::spawn_coordinator(*system, cc);
  if (counters) sinks = make_counting_sink_factory(std::move(sinks), counters);
  for (int i = 0; i < n; ++i)
    workers.push_back(actors::spawn_worker(
        *system, worker_config_of(worker_id{"w" + std::to_string(i)}, coordinator, jobs, sinks)));
  if (service != nullptr && !service->cluster_listen.empty()) {
    auto [host, port] = telemetry::split_host_port(service->cluster_listen);
    const auto p = static_cast<std::uint16_t>(port);
    auto bound = options.tls ? caf::openssl::publish(coordinator, p, host.c_str(), true)
                             : system->middleman().publish(coordinator, p, host.c_str(), true);
    if (!bound)
      throw std::runtime_error("cannot listen for workers on " + service->cluster_listen + ": " +
                               system->render(bound.error()));
    spdlog::info("workers join on port {}{}", *bound, options.tls ? " (mutual TLS)" : "");
  }
  if (options.status_server && !config.telemetry.listen.empty()) {
    status = std::make_unique<telemetry::status_server>();
    const int port = status->start(config.telemetry.listen);
    spdlog::info("metrics and health on port {}", port);
    status->set_ready(true);
  }
}

// Producers named after remote slots an earlier coordinator handed out:
// fenced (in parallel) before any run, so none can still commit.
void engine::impl::fence_remote_slots(sinks::sink_factory& sinks, std::uint32_t slots) {
  std::vector<std::thread> fences;
  std::mutex mutex;
  std::vector<std::string> failures;
  for (std::uint32_t i = 0; i < slots; ++i)
    fences.emplace_back([&, i] {
      if (auto st = sinks.fence("r" + std::to_string(i)); !st) {
        std::lock_guard lock{mutex};
        failures.push_back("r" + std::to_string(i) + ": " + st.error().message);
      }
    });
  for (auto& t : fences) t.join();
  if (!failures.empty())
    throw std::runtime_error("cannot fence the producers of earlier workers: " + failures.front());
  if (slots > 0) spdlog::info("fenced the producers of {} earlier remote worker slots", slots);
}

// A detached actor storing the remote slots' high-water mark (blocking).
slot_log_actor engine::impl::spawn_slot_log(std::function<bool(std::uint32_t)> store) {
  return system->spawn<caf::detached>([store = std::move(store)]() -> slot_log_actor::behavior_type {
    return {[store](persisted_atom, std::uint32_t high) { return store(high); }};
  });
}

std::vector<account_progress> engine::impl::quota_views() {
  std::vector<account_progress> out;
  caf::scoped_actor self{*system};
  for (const auto& [name, quota] : quotas) {
    account_progress a;
    a.account = name;
    self->request(quota, std::chrono::seconds(2), caf::get_atom_v)
        .receive(
            [&](quota_snapshot& snap) {
              a.calls_today = snap.calls_today;
              a.daily_limit = snap.daily_limit;
              a.in_flight = snap.in_flight;
              a.queued = snap.queued;
            },
            [&](caf::error&) {});
    out.push_back(std::move(a));
  }
  return out;
}

// Waits for `actors` to exit, at most until `deadline`; true if they did.
bool engine::impl::await_exit(caf::scoped_actor& self, const std::vector<caf::actor>& actors,
                              std::chrono::steady_clock::time_point deadline) {
  std::set<caf::actor_addr> alive;
  for (const auto& a : actors) {
    alive.insert(a.address());
    self->monitor(a);
  }
  bool in_time = true;
  while (!alive.empty() && in_time) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) break;
    self->receive([&](caf::down_msg& d) { alive.erase(d.source); },
                  caf::after(std::chrono::duration_cast<std::chrono::milliseconds>(left)) >>
                      [&] { in_time = false; });
  }
  return alive.empty();
}

// Live counts (counters must be set) and each account's quota.
run_progress engine::impl::progress(std::chrono::steady_clock::time_point started, bool finished) {
  run_progress out;
  out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  out.finished = finished;
  for (const auto& [key, c] : counters->snapshot())
    out.streams.push_back({key.first, key.second, c.records, c.calls});
  out.accounts = quota_views();
  return out;
}

// A stream that fails at the same bookmarks in consecutive runs is stuck:
// count the streak in the state topic (contract::failures_key), in the
// summary and in quarry_stream_consecutive_failures. A stream that
// succeeds ends its streak; an incomplete one (quota) leaves it as it is.
// Blocking (reads and writes Kafka): never on a CAF scheduler thread.
void engine::impl::count_failure_streaks(run_summary& s) {
  if (options.output.kind != output_kind::kafka || s.streams.empty()) return;
  const auto& prefix = config.kafka.topic_prefix;
  auto state = sinks::load_kafka_state(kafka, prefix, s.job.str());
  if (!state) {
    spdlog::warn("failure streaks of job {} not counted: {}", s.job.str(), state.error().message);
    return;
  }
  auto p = kafka::producer::create(kafka);
  if (!p) {
    spdlog::warn("failure streaks of job {} not counted: {}", s.job.str(), p.error().message);
    return;
  }
  const auto topic = contract::state_topic(prefix);
  for (auto& st : s.streams) {
    auto& gauge = telemetry::metrics().stream_failures.Add({{"quarry_job", s.job.str()}, {"stream", st.stream}});
    const auto key = contract::failures_key(s.job.str(), st.stream);
    const auto previous = state->failures.find(st.stream);
    if (st.status == stream_status::ok) {
      gauge.Set(0);
      if (previous != state->failures.end())
        if (auto done = (*p)->produce(topic, key, std::nullopt); !done)
          spdlog::warn("{}", done.error().message);
      continue;
    }
    if (st.status != stream_status::failed) continue;
    // Where the stream stands now: every bookmark of it, any partition.
    std::string at;
    for (const auto& [where, bookmark] : state->bookmarks)
      if (where.first == st.stream) at += where.second + "\n" + bookmark + "\n";
    at = contract::fingerprint(at);
    std::uint32_t count = 1;
    if (previous != state->failures.end()) {
      const auto before = nlohmann::json::parse(previous->second, nullptr, false);
      if (before.is_object() && before.value("at", "") == at)
        count = before.value("count", std::uint32_t{0}) + 1;
    }
    st.consecutive_failures = count;
    gauge.Set(count);
    if (count > 1)
      st.error += " (failed " + std::to_string(count) + " runs in a row at the same bookmark)";
    const nlohmann::json value = {
        {"failures", {{"count", count}, {"at", at}, {"error", st.error}, {"run", s.run.str()}}}};
    if (auto done = (*p)->produce(topic, key, value.dump()); !done) spdlog::warn("{}", done.error().message);
  }
  if (auto st = (*p)->flush(); !st) spdlog::warn("failure streaks of job {}: {}", s.job.str(), st.error().message);
}

void engine::impl::write_summaries(const std::vector<run_summary>& summaries) {
  if (options.output.kind != output_kind::kafka) return;
  auto p = kafka::producer::create(kafka);
  if (!p) {
    spdlog::error("cannot write run summaries: {}", p.error().message);
    return;
  }
  const auto topic = contract::runs_topic(config.kafka.topic_prefix);
  if (auto st = (*p)->ensure_topic(topic); !st) spdlog::warn("{}", st.error().message);
  for (const auto& s : summaries)
    if (auto st = (*p)->produce(topic, s.job.str(), summary_json(s)); !st)
      spdlog::error("cannot write run summary: {}", st.error().message);
  if (auto st = (*p)->flush(); !st) spdlog::error("run summaries: {}", st.error().message);
}

void engine::impl::stop() {
  if (!system) return;
  caf::scoped_actor self{*system};
  if (coordinator) {
    self->send(coordinator, shutdown_atom_v);
    self->wait_for(workers);
    self->send_exit(coordinator, caf::exit_reason::user_shutdown);
  }
  for (auto& r : relays) self->send_exit(r, caf::exit_reason::user_shutdown);
  // The quotas store the calls still in their windows, so the next run
  // starts with them instead of taking every window as full.
  for (auto& [name, q] : quotas) {
    self->request(q, std::chrono::seconds(30), shutdown_atom_v)
        .receive([&, name = name](bool stored) {
                   if (!stored) spdlog::warn("quota {}: the windows were not stored; the next run waits a window", name);
                 },
                 [&, name = name](caf::error& e) {
                   spdlog::warn("quota {}: the windows were not stored ({}); the next run waits a window", name,
                                system->render(e));
                 });
    self->send_exit(q, caf::exit_reason::user_shutdown);
  }
  if (status) status->stop();
}


engine::engine(const config::quarry_config& config, engine_options options)
    : impl_(std::make_unique<impl>(config, std::move(options))) {}

engine::~engine() {
  impl_->stop();
  impl_->system.reset();
}

std::vector<run_summary> engine::run(const std::vector<std::string>& job_names) {
  if (!impl_->coordinator) impl_->start(job_names);
  auto& sys = *impl_->system;
  const auto started = std::chrono::steady_clock::now();
  std::optional<progress_ticker> ticker;
  if (impl_->counters)
    ticker.emplace(impl_->options.progress_interval,
                   [&] { impl_->options.on_progress(impl_->progress(started, false)); });
  caf::scoped_actor self{sys};
  std::vector<run_id> runs;
  for (const auto& job : job_names) runs.emplace_back(new_run_id(job));
  signal_watch signals{[&] {
    for (const auto& r : runs) caf::anon_send(impl_->coordinator, cancel_atom_v, r);
  }};
  auto start = [&](std::size_t i) {
    return self->request(impl_->coordinator, caf::infinite, start_run_atom_v,
                         run_request{job_id{job_names[i]}, runs[i]});
  };
  std::vector<decltype(start(0))> pending;
  std::vector<run_summary> summaries;
  for (std::size_t i = 0; i < job_names.size(); ++i) pending.push_back(start(i));
  for (auto& handle : pending)
    handle.receive([&](run_summary& s) { summaries.push_back(std::move(s)); },
                   [&](caf::error& e) {
                     run_summary s;
                     s.outcome = run_outcome::failed;
                     s.errors.push_back("coordinator: " + sys.render(e));
                     summaries.push_back(std::move(s));
                   });
  if (ticker) {
    ticker.reset();
    impl_->options.on_progress(impl_->progress(started, true));
  }
  for (auto& s : summaries) impl_->count_failure_streaks(s);
  impl_->write_summaries(summaries);
  for (const auto& s : summaries) spdlog::info("run summary {}", summary_json(s));
  return summaries;
}

result<std::vector<connectors::stream_descriptor>> engine::discover(const std::string& account_name,
                                                                    const std::string& job_name) {
  const auto* account = impl_->config.find_account(account_name);
  if (account == nullptr) throw std::runtime_error("no account named " + account_name + " in the config");
  const config::job_config* job = nullptr;
  if (!job_name.empty()) {
    job = impl_->config.find_job(job_name);
    if (job == nullptr) throw std::runtime_error("no job named " + job_name + " in the config");
  }
  auto connector = connectors::make_connector(account->source);
  if (!connector)
    throw std::runtime_error("account " + account_name + ": no connector for source " + account->source);
  impl_->start_runtime();
  http::client_options http;
  http.total_timeout = std::chrono::milliseconds(impl_->config.engine.request_timeout_ms);
  auto session = make_discovery_session(*impl_->system, impl_->quota_of(account_name),
                                        context_of(*account, job), http);
  return connector->discover(*session);
}

std::string engine::kafka_bootstrap() const { return impl_->kafka.bootstrap_servers; }

void engine::start_service(const std::vector<std::string>& jobs, const service_options& service) {
  impl_->start(jobs, &service);
}

void engine::submit(const std::string& job, const std::string& run,
                    std::function<void(const run_summary&)> done) {
  // A short-lived actor waits for the summary (the coordinator answers when
  // the run ends), counts failure streaks (Kafka I/O: detached, so it blocks
  // a thread of its own) and hands the summary over.
  impl_->system->spawn<caf::detached>([impl = impl_.get(), coord = impl_->coordinator,
                                       req = run_request{job_id{job}, run_id{run}},
                                       done = std::move(done)](caf::event_based_actor* self) {
    // A coordinator that stops (serve drains) leaves its runs unfinished:
    // no summary, the run resumes at the next start.
    self->monitor(coord);
    self->set_down_handler([self](caf::down_msg&) { self->quit(); });
    self->request(coord, caf::infinite, start_run_atom_v, req)
        .then(
            [done, impl](run_summary& s) {
              impl->count_failure_streaks(s);
              done(s);
            },
              [done, req, self](caf::error& e) {
                run_summary s;
                s.run = req.run;
                s.job = req.job;
                s.outcome = run_outcome::failed;
                s.errors.push_back("coordinator: " + self->system().render(e));
                done(s);
              });
  });
}

void engine::cancel(const std::string& run) {
  caf::anon_send(impl_->coordinator, cancel_atom_v, run_id{run});
}

std::vector<account_progress> engine::quotas() { return impl_->quota_views(); }

bool engine::drain(std::chrono::milliseconds grace) {
  caf::scoped_actor self{*impl_->system};
  self->send(impl_->coordinator, shutdown_atom_v);
  return impl_->await_exit(self, impl_->workers, std::chrono::steady_clock::now() + grace);
}

std::string summary_json(const run_summary& s) {
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& st : s.streams) {
    streams.push_back({{"stream", st.stream},
                       {"records", st.records},
                       {"calls", st.calls},
                       {"tasks", st.tasks},
                       {"tasks_failed", st.tasks_failed},
                       {"tasks_resumable", st.tasks_resumable},
                       {"status", to_string(st.status)},
                       {"error", st.error},
                       {"consecutive_failures", st.consecutive_failures}});
    // A full-table stream's snapshot is complete when every task of it
    // committed one; only then were vanished keys deleted.
    if (st.calls_shared) streams.back()["calls_shared"] = true;
    if (st.full_table)
      streams.back()["snapshot"] = {{"complete", st.status == stream_status::ok && st.snapshots > 0},
                                    {"partitions", st.snapshots},
                                    {"records", st.snapshot_records},
                                    {"deleted", st.snapshot_deleted}};
  }
  nlohmann::json j = {{"run", s.run.str()},
                      {"job", s.job.str()},
                      {"source", s.source},
                      {"outcome", to_string(s.outcome)},
                      {"started_ms", s.started_ms},
                      {"finished_ms", s.finished_ms},
                      {"streams", std::move(streams)},
                      {"errors", s.errors}};
  return j.dump();
}

} // namespace quarry::runtime
