#include "cli/serve.hpp"

#include "cli/admin_api.hpp"
#include "runtime/cluster_tls.hpp"
#include "connectors/core/timestamp.hpp"
#include "runtime/engine.hpp"
#include "config/value_formats.hpp"
#include "kafka/producer.hpp"
#include "kafka/topic_reader.hpp"
#include "proto/messages.hpp"
#include "proto/record.hpp"
#include "schedule/job_scheduler.hpp"
#include "sinks/state_store.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status_server.hpp"

#include <date/date.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <map>
#include <mutex>
#include <utility>
#include <thread>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>

namespace quarry::cli {
namespace {

using nlohmann::json;
using clock = std::chrono::system_clock;

constexpr const char* cluster_key = "_cluster";  // the remote slots' record in <prefix>._runs

kafka::client_settings kafka_of(const config::quarry_config& c) {
  kafka::client_settings s;
  s.bootstrap_servers = c.kafka.bootstrap_servers;
  for (const auto& p : c.kafka.properties) s.properties.emplace_back(p.name, p.value.reveal());
  s.topic_partitions = 1;
  s.replication_factor = c.kafka.replication_factor;
  return s;
}

std::string iso(std::optional<clock::time_point> t) {
  if (!t) return "";
  return connectors::format_utc_seconds(*t);
}

// Run records and the remote slots' high-water mark in <prefix>._runs
// (compacted, keyed by job). Written from several threads.
class run_log {
 public:
  explicit run_log(const config::quarry_config& c)
      : settings_(kafka_of(c)), topic_(contract::runs_topic(c.kafka.topic_prefix)) {}

  // The last record per job, and the slots; throws when Kafka cannot be read.
  void load(std::map<std::string, json>& last, std::uint32_t& slots) {
    slots = 0;
    auto st = kafka::read_to_end(settings_, topic_, [&](kafka::consumed_message&& m) {
      if (!m.value) return;
      auto v = json::parse(*m.value, nullptr, false);
      if (!v.is_object()) return;
      if (m.key == cluster_key)
        slots = v.value("remote_slots", 0u);
      else
        last[m.key] = std::move(v);
    });
    if (!st) throw std::runtime_error("cannot read " + topic_ + ": " + st.error().message);
  }

  bool write(const std::string& key, const json& value) {
    std::lock_guard lock{mutex_};
    if (!producer_) {
      auto p = kafka::producer::create(settings_);
      if (!p) {
        spdlog::error("cannot write to {}: {}", topic_, p.error().message);
        return false;
      }
      producer_ = std::move(p).value();
      if (auto st = producer_->ensure_topic(topic_, {.compacted = true, .retention_ms = std::nullopt}); !st)
        spdlog::warn("{}", st.error().message);
    }
    if (auto st = producer_->produce(topic_, key, value.dump()); !st) {
      spdlog::error("cannot write to {}: {}", topic_, st.error().message);
      return false;
    }
    if (auto st = producer_->flush(); !st) {
      spdlog::error("cannot write to {}: {}", topic_, st.error().message);
      return false;
    }
    return true;
  }

 private:
  kafka::client_settings settings_;
  std::string topic_;
  std::mutex mutex_;
  std::unique_ptr<kafka::producer> producer_;
};

// SIGINT/SIGTERM (blocked in every thread by main) as a flag.
class termination_watch {
 public:
  explicit termination_watch(std::function<void()> on_signal) {
    thread_ = std::thread([this, on_signal = std::move(on_signal)] {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGINT);
      sigaddset(&set, SIGTERM);
      const timespec tick{0, 100'000'000};
      while (!stop_)
        if (sigtimedwait(&set, nullptr, &tick) > 0 && !signalled_.exchange(true)) {
          spdlog::warn("signal received: stopping");
          on_signal();
        }
    });
  }
  ~termination_watch() {
    stop_ = true;
    thread_.join();
  }
  bool signalled() const { return signalled_; }

 private:
  std::atomic<bool> stop_{false}, signalled_{false};
  std::thread thread_;
};

// serve's job table: the scheduler, the runs in progress, the last runs.
// The main loop and the admin API's threads share it under one mutex.
class service final : public admin_control {
 public:
  service(const config::quarry_config& config, runtime::engine& engine, run_log& log)
      : config_(config), engine_(engine), log_(log) {}

  void add_jobs(const std::map<std::string, json>& last) {
    std::lock_guard lock{mutex_};
    const auto now = clock::now();
    for (const auto& job : config_.jobs) {
      std::optional<scheduling::schedule> when;
      if (job.schedule) when = *job.schedule;
      if (auto st = scheduler_.add(job.name, std::move(when), now); !st)
        throw std::runtime_error(st.error().message);
      if (auto it = last.find(job.name); it != last.end()) {
        if (it->second.value("outcome", "") == "running") {
          spdlog::info("job {}: run {} was cut short; starting again from its committed state",
                       job.name, it->second.value("run", ""));
          if (scheduler_.try_start(job.name, now) == scheduling::start_outcome::started)
            start(job.name);
        } else {
          last_run_[job.name] = it->second;
        }
      }
    }
  }

  // The main loop: starts due runs, records finished ones, until `stopping`.
  void loop(const std::atomic<bool>& stopping) {
    std::unique_lock lock{mutex_};
    while (!stopping) {
      for (const auto& s : take_finished()) record(s);
      for (const auto& job : scheduler_.take_due(clock::now())) start(job);
      auto wake = clock::now() + std::chrono::seconds(1);
      if (auto next = scheduler_.next_wakeup()) wake = std::min(wake, *next);
      // A summary that arrives between the check and the wait is picked up
      // at the latest a second later (the callback does not take mutex_).
      wake_.wait_until(lock, wake, [&] { return stopping || has_finished(); });
    }
  }

  void wake() { wake_.notify_all(); }

  admin_reply jobs() override {
    std::lock_guard lock{mutex_};
    json out = json::array();
    for (const auto& v : scheduler_.view()) out.push_back(view_json(v));
    return {200, {{"jobs", std::move(out)}}};
  }

  admin_reply job(const std::string& name) override {
    std::lock_guard lock{mutex_};
    auto v = scheduler_.view(name);
    if (!v) return unknown(name);
    return {200, view_json(*v)};
  }

  admin_reply trigger(const std::string& name) override {
    std::lock_guard lock{mutex_};
    auto v = scheduler_.view(name);
    if (!v) return unknown(name);
    if (v->paused) return {409, {{"error", "job " + name + " is paused; resume it first"}}};
    if (scheduler_.try_start(name, clock::now()) != scheduling::start_outcome::started)
      return {409, {{"error", "job " + name + " is running (run " + running_[name] + ")"}}};
    return {202, {{"job", name}, {"run", start(name)}}};
  }

  admin_reply pause(const std::string& name, bool paused) override {
    std::lock_guard lock{mutex_};
    if (!scheduler_.contains(name)) return unknown(name);
    auto st = paused ? scheduler_.pause(name) : scheduler_.resume(name, clock::now());
    if (!st) return {400, {{"error", st.error().message}}};
    spdlog::info("job {} {}", name, paused ? "paused" : "resumed");
    wake_.notify_all();
    return {200, view_json(*scheduler_.view(name))};
  }

  admin_reply reset(const std::string& name, const std::optional<std::string>& stream) override {
    std::lock_guard lock{mutex_};
    const auto* job = config_.find_job(name);
    if (job == nullptr) return unknown(name);
    if (running_.count(name) != 0)
      return {409, {{"error", "job " + name + " is running (run " + running_[name] +
                                  "); reset it when the run has ended"}}};
    if (config_.kafka.embedded)
      return {409, {{"error", "the embedded Kafka keeps no state between runs; nothing to reset"}}};
    auto n = sinks::reset_kafka_state(kafka_of(config_), job->topic_prefix.value_or(config_.kafka.topic_prefix),
                                      name, stream);
    if (!n) return {503, {{"error", n.error().message}}};
    spdlog::info("job {}: reset {} bookmark(s){}", name, *n, stream ? " of stream " + *stream : "");
    return {200, {{"job", name}, {"stream", stream.value_or("")}, {"reset", *n}}};
  }

  admin_reply quota() override {
    json out = json::array();
    for (const auto& a : engine_.quotas())
      out.push_back({{"account", a.account},
                     {"calls_today", a.calls_today},
                     {"daily_limit", a.daily_limit < 0 ? json(nullptr) : json(a.daily_limit)},
                     {"in_flight", a.in_flight},
                     {"queued", a.queued}});
    return {200, {{"accounts", std::move(out)}}};
  }

 private:
  static admin_reply unknown(const std::string& name) {
    return {404, {{"error", "no job named \"" + name + "\" in the config"}}};
  }

  json view_json(const scheduling::job_view& v) {
    json out = {{"job", v.job},
                {"schedule", v.schedule},
                {"paused", v.paused},
                {"running", v.running},
                {"next_run", v.next_fire ? json(iso(v.next_fire)) : json(nullptr)},
                {"last_start", v.last_start ? json(iso(v.last_start)) : json(nullptr)},
                {"last_finish", v.last_finish ? json(iso(v.last_finish)) : json(nullptr)}};
    if (auto it = running_.find(v.job); it != running_.end()) out["run"] = it->second;
    if (auto it = last_run_.find(v.job); it != last_run_.end()) out["last_run"] = it->second;
    return out;
  }

  // Starts a run the scheduler has marked running (mutex held).
  std::string start(const std::string& job) {
    const auto run = runtime::new_run_id(job);
    running_[job] = run;
    // Its records carry only the run id (quarry.run): the source they come
    // from is here from the start, as in the summary.
    const auto* spec = config_.find_job(job);
    const auto* account = spec ? config_.find_account(spec->account) : nullptr;
    log_.write(job, {{"run", run},
                     {"job", job},
                     {"source", account ? account->source : ""},
                     {"outcome", "running"},
                     {"started_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                        clock::now().time_since_epoch())
                                        .count()}});
    // Called on a CAF scheduler thread: it takes only inbox_mutex_, which
    // is never held across I/O (mutex_ is, while run records are written).
    engine_.submit(job, run, [this](const run_summary& s) {
      {
        std::lock_guard lock{inbox_mutex_};
        finished_.push_back(s);
      }
      wake_.notify_all();
    });
    return run;
  }

  std::deque<run_summary> take_finished() {
    std::lock_guard lock{inbox_mutex_};
    return std::exchange(finished_, {});
  }

  bool has_finished() {
    std::lock_guard lock{inbox_mutex_};
    return !finished_.empty();
  }

  // A run ended (mutex held).
  void record(const run_summary& s) {
    const auto job = s.job.str();
    running_.erase(job);
    if (auto st = scheduler_.finished(job, clock::now()); !st) spdlog::warn("{}", st.error().message);
    auto summary = json::parse(runtime::summary_json(s));
    log_.write(job, summary);
    last_run_[job] = std::move(summary);
    spdlog::info("run {} of job {}: {}", s.run.str(), job, to_string(s.outcome));
  }

  const config::quarry_config& config_;
  runtime::engine& engine_;
  run_log& log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  scheduling::job_scheduler scheduler_;
  std::map<std::string, std::string> running_;  // job -> run
  std::map<std::string, json> last_run_;        // job -> its last summary
  std::mutex inbox_mutex_;
  std::deque<run_summary> finished_;  // guarded by inbox_mutex_
};

// Replaces this process with a fresh copy of itself (same pid, same
// arguments): no descriptor is inherited. Returns only if exec fails.
[[noreturn]] void restart_process(const std::vector<std::string>& argv) {
  spdlog::warn("coordinator lost; starting afresh to join its successor");
  spdlog::default_logger()->flush();
  std::fflush(nullptr);
  if (auto* dir = opendir("/proc/self/fd")) {
    while (auto* entry = readdir(dir)) {
      const int fd = std::atoi(entry->d_name);
      if (fd > 2) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    closedir(dir);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv("/proc/self/exe", args.data());
  spdlog::error("cannot restart: {}", std::strerror(errno));
  std::_Exit(1);
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "worker";
  return name;
}

} // namespace

int run_serve(const config::quarry_config& config) {
  // serve_rule_issues (cli/serve_rules.hpp) has been checked: an exposed
  // admin API has a token, an exposed cluster port has usable TLS files.
  const auto& listen = config.telemetry.listen;
  if (!config.serve.cluster_listen.empty() && config.serve.tls)
    runtime::cluster_tls::watch_connections();
  if (config.kafka.embedded)
    spdlog::warn("serve on the embedded Kafka: run state lives only as long as this process");
  runtime::engine_options options;
  options.instance = "serve";
  options.workers = config.serve.local_workers;
  options.status_server = false;
  options.distributed = !config.serve.cluster_listen.empty();
  options.heartbeat = std::chrono::milliseconds(config.serve.heartbeat_ms);
  options.peer_timeout = std::chrono::milliseconds(config.serve.peer_timeout_ms);
  options.tls = config.serve.tls;
  runtime::engine engine{config, options};
  run_log log{config};
  std::map<std::string, json> last;
  runtime::service_options svc;
  svc.cluster_listen = config.serve.cluster_listen;
  if (!config.kafka.embedded) {
    log.load(last, svc.remote_slots_stored);
    svc.store_slots = [&log](std::uint32_t high) {
      return log.write(cluster_key, {{"remote_slots", high}});
    };
  }
  std::vector<std::string> jobs;
  for (const auto& j : config.jobs) jobs.push_back(j.name);
  std::atomic<bool> stopping{false};
  service svc_table{config, engine, log};
  termination_watch signals{[&] {
    stopping = true;
    svc_table.wake();
  }};
  engine.start_service(jobs, svc);
  std::unique_ptr<telemetry::status_server> status;
  if (!listen.empty()) {
    status = std::make_unique<telemetry::status_server>();
    add_admin_routes(status->routes(), svc_table,
                     config.serve.admin_token ? config.serve.admin_token->reveal() : std::string{});
    const int port = status->start(listen);
    spdlog::info("admin API, metrics and health on port {}", port);
  }
  svc_table.add_jobs(last);
  if (status) status->set_ready(true);
  svc_table.loop(stopping);
  if (status) status->set_ready(false);
  const auto grace = std::chrono::seconds(config.serve.grace_period_s);
  spdlog::info("draining: running tasks commit what they checkpointed (grace {} s)", grace.count());
  const bool drained = engine.drain(grace);
  if (status) status->stop();
  if (!drained) {
    spdlog::error("workers still busy after {} s; exiting (open transactions are aborted)",
                  grace.count());
    std::fflush(nullptr);
    std::_Exit(1);
  }
  spdlog::info("stopped");
  return 0;
}

int run_worker(const config::quarry_config& config, const worker_command& command) {
  // worker_rule_issues (cli/serve_rules.hpp) has been checked.
  if (config.worker.tls) runtime::cluster_tls::watch_connections();
  auto [host, port] = telemetry::split_host_port(command.join);
  runtime::engine_options options;
  options.instance = "serve";
  options.status_server = false;
  options.distributed = true;
  options.heartbeat = std::chrono::milliseconds(config.serve.heartbeat_ms);
  options.peer_timeout = std::chrono::milliseconds(config.serve.peer_timeout_ms);
  options.tls = config.worker.tls;
  runtime::engine engine{config, options};
  std::unique_ptr<telemetry::status_server> status;
  const auto listen = command.listen.empty() ? config.telemetry.listen : command.listen;
  // Served from the start: quarry_build_info, and whether this process has
  // joined (an empty /metrics would look like a broken target).
  auto& joined_gauge = telemetry::metrics().worker_joined.Add({});
  joined_gauge.Set(0);
  if (!listen.empty()) {
    status = std::make_unique<telemetry::status_server>();
    spdlog::info("metrics and health on port {}", status->start(listen));
  }
  std::atomic<bool> stopping{false};
  termination_watch signals{[&] { stopping = true; }};
  runtime::join_options join;
  join.host = host;
  join.port = port;
  join.name = command.name.empty() ? host_name() : command.name;
  join.workers = command.workers > 0 ? command.workers : config.engine.workers;
  join.grace = std::chrono::seconds(config.serve.grace_period_s);
  join.stopping = [&] { return stopping.load(); };
  join.on_joined = [&](bool joined) {
    joined_gauge.Set(joined ? 1 : 0);
    if (status) status->set_ready(joined);
  };
  const int rc = engine.work_for(join);
  if (status) status->stop();
  if (rc == runtime::engine::rejoin_exit) restart_process(command.argv);
  if (rc != 0) {
    spdlog::error("workers still busy after the grace period; exiting");
    std::fflush(nullptr);
    std::_Exit(rc);
  }
  return 0;
}

} // namespace quarry::cli
