// quarry serve and quarry worker end to end: the real binary in several
// processes, the synthetic simulator over loopback HTTP, the real broker.
// Workers in other processes, a worker killed with -9, the coordinator
// killed and restarted (both over plain TCP and over mutual TLS), workers
// without a certificate from the cluster's CA refused, SIGTERM in the middle
// of transactions, and the admin API.

#include "kafka/topic_reader.hpp"
#include "sim/synthetic.hpp"
#include "tests/support/e2e.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

namespace quarry {
namespace {

using nlohmann::json;
using testing::free_port;
using testing::quarry_process;
using testing::temp_dir;

const testing::env_list env = {{"SYN_KEY", "synthetic-key"}, {"ADMIN_TOKEN", "s3cret-admin"}};

// The tls section naming `name`.crt and `name`.key in `certs` (written by
// make_certs.sh), trusting the cluster's CA.
json tls_section(const std::string& certs, const std::string& name) {
  return {{"ca", certs + "/ca.crt"},
          {"cert", certs + "/" + name + ".crt"},
          {"key", {{"file", certs + "/" + name + ".key"}}}};
}

struct cluster {
  std::unique_ptr<sim::synthetic_simulator> sim;
  temp_dir dir;
  std::string prefix;
  int admin_port = free_port();
  int cluster_port = free_port();
  std::string certs;  // "" unless the cluster runs over TLS
  json cfg;
  std::string config;

  // With `tls`, serve.tls and worker.tls name certificates from the
  // cluster's CA (the coordinator's and a worker's).
  cluster(const std::string& stem, int accounts, int latency_ms, int local_workers,
          json serve_extra = json::object(), std::string listen_host = "127.0.0.1",
          bool tls = false) {
    sim::synthetic_options o;
    o.accounts = accounts;
    o.events_per_account = 2;
    o.users = 10;
    o.server.latency_ms = latency_ms;
    // One budget for every process: 8 calls in flight, 400 per 2 s.
    o.server.limits.concurrency = 8;
    o.server.limits.windows.push_back({400, 2});
    sim = testing::start_simulator<sim::synthetic_simulator>(o);
    prefix = testing::unique_prefix("serve", stem);
    json serve = {{"cluster_listen", "127.0.0.1:" + std::to_string(cluster_port)},
                  {"local_workers", local_workers},
                  {"heartbeat_ms", 200},
                  {"peer_timeout_ms", 1000},
                  {"grace_period_s", 20}};
    if (tls) {
      certs = dir.file("certs");
      const auto made = std::system(("bash " QUARRY_MAKE_CERTS " " + certs).c_str());
      EXPECT_EQ(made, 0) << "make_certs.sh failed";
      serve["tls"] = tls_section(certs, "coordinator");
    }
    serve.update(serve_extra);
    cfg = {{"kafka",
                 {{"bootstrap_servers", testing::kafka_bootstrap()},
                  {"topic_prefix", prefix},
                  {"replication_factor", 1}}},
                {"engine", {{"workers", 2}, {"checkpoint_records", 20}}},
                {"telemetry", {{"listen", listen_host + ":" + std::to_string(admin_port)}}},
                {"serve", serve},
                {"accounts",
                 {{"syn",
                   {{"source", "synthetic"},
                    {"endpoint", sim->base_url()},
                    {"credentials", {{"api_key", {{"env", "SYN_KEY"}}}}},
                    {"quota", {{"concurrency", 8}, {"windows", {{{"calls", 400}, {"seconds", 2}}}}}}}}}},
                {"jobs",
                 {{{"name", "syn"},
                   {"account", "syn"},
                   {"start_date", "2024-01-01T00:00:00Z"},
                   {"streams", {"accounts", "events"}}}}}};
    if (tls) cfg["worker"] = {{"tls", tls_section(certs, "worker")}};
    config = dir.write("quarry.json", cfg.dump(2));
  }

  // The config file with worker.tls replaced by `tls` (null: none).
  std::string config_with_worker_tls(const std::string& name, const json& tls) const {
    json variant = cfg;
    variant.erase("worker");
    if (!tls.is_null()) variant["worker"] = {{"tls", tls}};
    return dir.write(name + ".json", variant.dump(2));
  }

  std::unique_ptr<quarry_process> serve() {
    return std::make_unique<quarry_process>(std::vector<std::string>{"serve", "--config", config},
                                            env, dir);
  }
  // A worker process; its metrics on `metrics_port` (0: any).
  std::unique_ptr<quarry_process> worker(const std::string& name, const std::string& config_file = "",
                                         int metrics_port = 0) {
    return std::make_unique<quarry_process>(
        std::vector<std::string>{"worker", "--config", config_file.empty() ? config : config_file,
                                 "--join", "127.0.0.1:" + std::to_string(cluster_port), "--name",
                                 name, "--workers", "2", "--listen",
                                 "127.0.0.1:" + std::to_string(metrics_port)},
        env, dir);
  }

  httplib::Client admin(const std::string& token = "") const {
    httplib::Client c{"127.0.0.1", admin_port};
    c.set_connection_timeout(2);
    c.set_read_timeout(30);
    if (!token.empty()) c.set_bearer_token_auth(token);
    return c;
  }

  // Polls `GET path` until `ok` holds for its JSON (or the deadline).
  bool await(const std::string& path, const std::function<bool(const json&)>& ok,
             std::chrono::seconds limit = std::chrono::seconds(120)) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    auto c = admin("s3cret-admin");
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto r = c.Get(path.c_str()); r && r->status == 200) {
        auto j = json::parse(r->body, nullptr, false);
        if (!j.is_discarded() && ok(j)) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  bool await_calls(std::int64_t calls) const {
    for (int i = 0; i < 1200; ++i) {
      if (sim->http().stats().calls_total >= calls) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }

  std::string trigger() const {
    auto r = admin("s3cret-admin").Post("/api/v1/jobs/syn/runs");
    EXPECT_TRUE(r) << "admin API unreachable";
    if (!r) return "";
    EXPECT_EQ(r->status, 202) << r->body;
    return json::parse(r->body).value("run", "");
  }

  // Waits for the job's last run to be a finished one other than `not_run`.
  json await_finished(const std::string& not_run = "") const {
    json last;
    await("/api/v1/jobs/syn", [&](const json& j) {
      if (!j.contains("last_run") || j.value("running", true)) return false;
      last = j["last_run"];
      return last.value("run", "") != not_run || not_run.empty();
    });
    return last;
  }

  void expect_exactly_once() const {
    for (auto [stream, dataset] : {std::pair{"accounts", sim::synthetic_dataset::accounts},
                                   std::pair{"events", sim::synthetic_dataset::events}}) {
      const auto topic = prefix + ".synthetic." + stream;
      std::map<std::string, int> seen;
      auto st = kafka::read_to_end(testing::kafka_settings(), topic,
                                   [&](kafka::consumed_message&& m) { ++seen[m.key]; });
      ASSERT_TRUE(st.ok()) << st.error().describe();
      const auto records = json::parse(sim->dataset_json(dataset));
      ASSERT_EQ(seen.size(), records.size()) << topic;
      for (const auto& r : records) {
        const auto key = json{{"id", r["id"]}}.dump();
        ASSERT_EQ(seen[key], 1) << topic << " has " << key << " " << seen[key] << " times";
      }
    }
  }

  void expect_no_limit_broken() const {
    const auto stats = sim->http().stats();
    EXPECT_TRUE(stats.violations.empty()) << sim::to_json(stats);
  }
};

bool ready(const cluster& c) {
  return c.await("/api/v1/jobs", [](const json&) { return true; }, std::chrono::seconds(60));
}

// The value of `series` (name and labels, as exposed) on a /metrics page at
// `port`, or nullopt when the page or the series is not there.
std::optional<double> metric(int port, const std::string& series) {
  httplib::Client c{"127.0.0.1", port};
  c.set_connection_timeout(2);
  auto r = c.Get("/metrics");
  if (!r || r->status != 200) return std::nullopt;
  const auto at = r->body.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(r->body.substr(at + series.size() + 2));
}

// Polls until `series` at `port` satisfies `ok`.
bool await_metric(int port, const std::string& series, const std::function<bool(double)>& ok) {
  for (int i = 0; i < 1200; ++i) {
    if (auto v = metric(port, series); v && ok(*v)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The kill tests run over plain TCP and over mutual TLS.
class serve_over : public ::testing::TestWithParam<bool> {};

INSTANTIATE_TEST_SUITE_P(serve, serve_over, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "tls" : "plain"; });

TEST_P(serve_over, three_worker_processes_one_killed_with_9_the_run_completes_exactly_once) {
  cluster c{"kill-worker", 600, 15, 0, json::object(), "127.0.0.1", GetParam()};
  auto coordinator = c.serve();
  ASSERT_TRUE(ready(c));
  auto a = c.worker("a");
  auto b = c.worker("b");
  auto victim = c.worker("victim");
  const auto run = c.trigger();
  ASSERT_TRUE(c.await_calls(150));
  victim->kill(SIGKILL);
  EXPECT_EQ(victim->wait().exit_code, -1);
  const auto killed_at = std::chrono::steady_clock::now();
  // The lost worker's permits come back well within the lease (300 s): the
  // quota counts nothing in flight once its heartbeats stop.
  const auto last = c.await_finished();
  EXPECT_EQ(last.value("run", ""), run);
  EXPECT_EQ(last.value("outcome", ""), "succeeded") << last.dump();
  ASSERT_TRUE(c.await("/api/v1/quota", [](const json& j) {
    return j["accounts"].size() == 1 && j["accounts"][0]["in_flight"] == 0;
  }));
  EXPECT_LT(std::chrono::steady_clock::now() - killed_at, std::chrono::seconds(120));
  c.expect_exactly_once();
  c.expect_no_limit_broken();
  coordinator->kill(SIGTERM);
  EXPECT_EQ(coordinator->wait(std::chrono::seconds(60)).exit_code, 0);
  // The survivors kept their connection: the victim's death dropped no one
  // else (over TLS it once dropped every peer: a stale OpenSSL error).
  for (auto* w : {a.get(), b.get()}) {
    w->kill(SIGTERM);
    const auto r = w->wait(std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 0);
    std::size_t joins = 0;
    for (auto at = r.err.find("joined coordinator"); at != std::string::npos;
         at = r.err.find("joined coordinator", at + 1))
      ++joins;
    EXPECT_EQ(joins, 1u) << r.err;
  }
}

TEST_P(serve_over, coordinator_killed_and_restarted_workers_rejoin_and_the_run_finishes) {
  cluster c{"kill-coordinator", 500, 15, 0, json::object(), "127.0.0.1", GetParam()};
  auto coordinator = c.serve();
  ASSERT_TRUE(ready(c));
  auto a = c.worker("a");
  auto b = c.worker("b");
  c.trigger();
  ASSERT_TRUE(c.await_calls(150));
  coordinator->kill(SIGKILL);
  EXPECT_EQ(coordinator->wait().exit_code, -1);
  const auto calls_at_kill = c.sim->http().stats().calls_total;
  ASSERT_LT(calls_at_kill, 502) << "the run must be cut short";
  auto restarted = c.serve();
  // The run cut short starts again by itself, on the workers that rejoined.
  const auto last = c.await_finished();
  EXPECT_EQ(last.value("outcome", ""), "succeeded") << last.dump();
  EXPECT_LT(c.sim->http().stats().calls_total - calls_at_kill, 502)
      << "the restart went on from committed bookmarks";
  c.expect_exactly_once();
  c.expect_no_limit_broken();
  restarted->kill(SIGTERM);
  EXPECT_EQ(restarted->wait(std::chrono::seconds(60)).exit_code, 0);
  for (auto* w : {a.get(), b.get()}) {
    w->kill(SIGTERM);
    EXPECT_EQ(w->wait(std::chrono::seconds(60)).exit_code, 0);
  }
}

TEST(serve, sigterm_mid_transaction_then_restart_loses_and_duplicates_nothing) {
  cluster c{"sigterm", 400, 10, 2};
  auto first = c.serve();
  ASSERT_TRUE(ready(c));
  c.trigger();
  ASSERT_TRUE(c.await_calls(100));
  first->kill(SIGTERM);
  const auto stopped = first->wait(std::chrono::seconds(60));
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  ASSERT_LT(c.sim->http().stats().calls_total, 402) << "the run must be cut short";
  // Its records carry only the run id (quarry.run); the run's record in
  // _runs, written before it started, names its job and source.
  json cut;
  auto st = kafka::read_to_end(testing::kafka_settings(), c.prefix + "._runs", [&](kafka::consumed_message&& m) {
    if (m.key == "syn") cut = json::parse(m.value.value_or("null"));
  });
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(cut.value("outcome", ""), "running") << cut.dump();
  EXPECT_EQ(cut.value("job", ""), "syn") << cut.dump();
  EXPECT_EQ(cut.value("source", ""), "synthetic") << cut.dump();
  std::set<std::string> runs;
  st = kafka::read_to_end(testing::kafka_settings(), c.prefix + ".synthetic.events", [&](kafka::consumed_message&& m) {
    for (const auto& [name, value] : m.headers)
      if (name == "quarry.run") runs.insert(value);
  });
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(runs, std::set<std::string>{cut.value("run", "")});
  auto second = c.serve();
  const auto last = c.await_finished();
  EXPECT_EQ(last.value("outcome", ""), "succeeded") << last.dump();
  c.expect_exactly_once();
  second->kill(SIGTERM);
  EXPECT_EQ(second->wait(std::chrono::seconds(60)).exit_code, 0);
}

TEST(serve, admin_api_needs_the_token_off_loopback_and_answers_each_endpoint) {
  cluster c{"admin", 60, 20, 1, {{"admin_token", {{"env", "ADMIN_TOKEN"}}}}, "0.0.0.0"};
  auto server = c.serve();
  ASSERT_TRUE(ready(c));
  EXPECT_EQ(c.admin().Get("/api/v1/jobs")->status, 401);
  EXPECT_EQ(c.admin("wrong").Get("/api/v1/jobs")->status, 401);
  EXPECT_EQ(c.admin().Get("/metrics")->status, 200) << "metrics and probes need no token";
  auto api = c.admin("s3cret-admin");
  auto jobs = api.Get("/api/v1/jobs");
  ASSERT_EQ(jobs->status, 200);
  EXPECT_EQ(json::parse(jobs->body)["jobs"][0]["job"], "syn");
  EXPECT_EQ(json::parse(jobs->body)["jobs"][0]["schedule"], "manual");
  EXPECT_EQ(api.Get("/api/v1/jobs/nope")->status, 404);
  EXPECT_EQ(api.Post("/api/v1/jobs/nope/runs")->status, 404);
  EXPECT_EQ(api.Get("/api/v1/nothing")->status, 404);
  // Pause: no run by hand either, until resumed.
  EXPECT_EQ(api.Post("/api/v1/jobs/syn/pause")->status, 200);
  EXPECT_TRUE(json::parse(api.Get("/api/v1/jobs/syn")->body)["paused"]);
  EXPECT_EQ(api.Post("/api/v1/jobs/syn/runs")->status, 409);
  EXPECT_EQ(api.Post("/api/v1/jobs/syn/resume")->status, 200);
  auto started = api.Post("/api/v1/jobs/syn/runs");
  ASSERT_EQ(started->status, 202) << started->body;
  // While it runs: a second trigger and a reset are refused.
  auto again = api.Post("/api/v1/jobs/syn/runs");
  auto reset_running = api.Post("/api/v1/jobs/syn/reset");
  const bool still_running = json::parse(api.Get("/api/v1/jobs/syn")->body)["running"];
  if (still_running) {
    EXPECT_EQ(again->status, 409) << again->body;
    EXPECT_EQ(reset_running->status, 409) << reset_running->body;
  }
  const auto last = c.await_finished();
  EXPECT_EQ(last.value("outcome", ""), "succeeded");
  auto quota = json::parse(api.Get("/api/v1/quota")->body);
  EXPECT_EQ(quota["accounts"][0]["account"], "syn");
  EXPECT_GE(quota["accounts"][0]["calls_today"].get<int>(), 62);
  EXPECT_EQ(api.Post("/api/v1/jobs/syn/reset", "{not json", "application/json")->status, 400);
  EXPECT_EQ(api.Post("/api/v1/jobs/syn/reset", R"({"streem": "events"})", "application/json")->status, 400);
  auto reset = api.Post("/api/v1/jobs/syn/reset", R"({"stream": "events"})", "application/json");
  ASSERT_EQ(reset->status, 200) << reset->body;
  EXPECT_EQ(json::parse(reset->body)["reset"], 60) << "one bookmark per account's events";
  const auto metrics = c.admin().Get("/metrics")->body;
  EXPECT_NE(metrics.find("quarry_records_total{"), std::string::npos);
  EXPECT_EQ(metrics.find("s3cret-admin"), std::string::npos);
  server->kill(SIGTERM);
  EXPECT_EQ(server->wait(std::chrono::seconds(60)).exit_code, 0);
}

TEST(serve, over_tls_only_workers_with_a_certificate_from_its_ca_join) {
  cluster c{"tls-join", 60, 10, 0, {{"admin_token", {{"env", "ADMIN_TOKEN"}}}}, "127.0.0.1", true};
  auto coordinator = c.serve();
  ASSERT_TRUE(ready(c));
  // Three processes that must not join: no TLS at all, a self-signed
  // certificate, and one from another CA. The last two trust the cluster's
  // CA and their own issuer (else their own start-up check stops them), so
  // only the coordinator's check can.
  const int plain_port = free_port(), self_port = free_port(), stranger_port = free_port();
  auto intruder = [&](const std::string& name) {
    auto tls = tls_section(c.certs, name);
    tls["ca"] = c.certs + "/" + name + "-trust.crt";
    return c.config_with_worker_tls(name, tls);
  };
  auto plain = c.worker("plain", c.config_with_worker_tls("plain", nullptr), plain_port);
  auto self_signed = c.worker("self-signed", intruder("self-signed"), self_port);
  auto stranger = c.worker("stranger", intruder("stranger"), stranger_port);
  // An unjoined worker serves its own metrics: its build and that it has not joined.
  for (int port : {plain_port, self_port, stranger_port}) {
    ASSERT_TRUE(await_metric(port, "quarry_worker_joined", [](double v) { return v == 0; })) << port;
    EXPECT_TRUE(metric(port, R"(quarry_build_info{version=")" QUARRY_VERSION R"("})")) << port;
  }
  ASSERT_TRUE(await_metric(c.admin_port, "quarry_cluster_connections_refused_total",
                           [](double v) { return v >= 3; }));
  const int worker_port = free_port();
  auto legit = c.worker("legit", "", worker_port);
  ASSERT_TRUE(await_metric(worker_port, "quarry_worker_joined", [](double v) { return v == 1; }));
  ASSERT_TRUE(await_metric(c.admin_port, R"(quarry_workers{location="remote"})",
                           [](double v) { return v == 2; }));
  const auto run = c.trigger();
  const auto last = c.await_finished();
  EXPECT_EQ(last.value("run", ""), run);
  EXPECT_EQ(last.value("outcome", ""), "succeeded") << last.dump();
  c.expect_exactly_once();
  // The intruders still try, and still count nowhere.
  EXPECT_EQ(metric(c.admin_port, R"(quarry_workers{location="remote"})"), 2.0);
  for (int port : {plain_port, self_port, stranger_port})
    EXPECT_EQ(metric(port, "quarry_worker_joined"), 0.0) << port;

  std::vector<testing::process_result> outputs;
  for (auto* p : {legit.get(), plain.get(), self_signed.get(), stranger.get(), coordinator.get()}) {
    p->kill(SIGTERM);
    outputs.push_back(p->wait(std::chrono::seconds(60)));
    EXPECT_EQ(outputs.back().exit_code, 0) << outputs.back().err;
  }
  for (std::size_t i = 1; i < 4; ++i)
    EXPECT_EQ(outputs[i].err.find("joined coordinator"), std::string::npos) << outputs[i].err;
  // The coordinator logged each refusal with the peer's address and why.
  const auto& log = outputs[4].err;
  EXPECT_NE(log.find("refused a cluster connection from 127.0.0.1:"), std::string::npos) << log;
  // (A plain worker; a self-signed one; one sending its chain to a root the
  // cluster does not trust.)
  for (const char* reason : {R"(: wrong version number")", R"(: self-signed certificate")",
                             R"(: self-signed certificate in certificate chain")"})
    EXPECT_NE(log.find(reason), std::string::npos) << reason << " in\n" << log;
  // No secret in any output: neither the admin token nor a line of a key.
  std::vector<std::string> key_lines;
  for (const char* key : {"coordinator.key", "worker.key", "stranger.key", "self-signed.key"}) {
    std::ifstream in{c.certs + "/" + key};
    for (std::string line; std::getline(in, line);)
      if (line.find("-----") == std::string::npos && line.size() > 16) key_lines.push_back(line);
  }
  ASSERT_FALSE(key_lines.empty());
  for (const auto& o : outputs)
    for (const auto* text : {&o.out, &o.err}) {
      EXPECT_EQ(text->find("s3cret-admin"), std::string::npos);
      EXPECT_EQ(text->find("PRIVATE KEY"), std::string::npos);
      for (const auto& line : key_lines) EXPECT_EQ(text->find(line), std::string::npos);
    }
}

TEST(serve, a_worker_joins_no_coordinator_whose_certificate_is_from_another_ca) {
  cluster c{"tls-impostor", 1, 0, 0, json::object(), "127.0.0.1", true};
  // The impostor would admit the cluster's workers, but its own certificate
  // comes from another CA: the worker's check alone must stop it.
  json cfg = c.cfg;
  cfg["serve"]["tls"] = tls_section(c.certs, "impostor");
  cfg["serve"]["tls"]["ca"] = c.certs + "/impostor-trust.crt";
  auto impostor = std::make_unique<quarry_process>(
      std::vector<std::string>{"serve", "--config", c.dir.write("impostor.json", cfg.dump())}, env,
      c.dir);
  ASSERT_TRUE(ready(c));
  const int port = free_port();
  auto worker = c.worker("w", "", port);
  ASSERT_TRUE(await_metric(c.admin_port, "quarry_cluster_connections_refused_total",
                           [](double v) { return v >= 2; }));
  EXPECT_EQ(metric(port, "quarry_worker_joined"), 0.0);
  EXPECT_EQ(metric(c.admin_port, R"(quarry_workers{location="remote"})").value_or(0), 0.0);
  worker->kill(SIGTERM);
  const auto w = worker->wait(std::chrono::seconds(60));
  EXPECT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(w.err.find("joined coordinator"), std::string::npos) << w.err;
  impostor->kill(SIGTERM);
  const auto i = impostor->wait(std::chrono::seconds(60));
  EXPECT_NE(i.err.find("the peer refused the handshake"), std::string::npos) << i.err;
}

TEST(serve, refuses_workers_off_loopback_without_tls_and_bad_certificate_files) {
  cluster c{"no-tls", 1, 0, 1, {{"cluster_listen", "0.0.0.0:0"}}};
  auto r = testing::run_quarry({"serve", "--config", c.config}, env, std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("serve.tls"), std::string::npos) << r.err;

  // A key that is not the certificate's, and a certificate from another CA.
  cluster t{"bad-tls", 1, 0, 1, json::object(), "127.0.0.1", true};
  auto mismatched = tls_section(t.certs, "coordinator");
  mismatched["key"] = {{"file", t.certs + "/worker.key"}};
  json cfg = t.cfg;
  cfg["serve"]["tls"] = mismatched;
  r = testing::run_quarry({"serve", "--config", t.dir.write("mismatch.json", cfg.dump())}, env,
                          std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("does not belong to the certificate"), std::string::npos) << r.err;
  r = testing::run_quarry({"worker", "--config",
                           t.config_with_worker_tls("w", tls_section(t.certs, "stranger")),
                           "--join", "127.0.0.1:1"},
                          env, std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unable to get local issuer certificate"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("PRIVATE KEY"), std::string::npos) << r.err;
}

TEST(serve, refuses_an_admin_api_off_loopback_without_a_token) {
  cluster c{"no-token", 1, 0, 1, json::object(), "0.0.0.0"};
  auto r = testing::run_quarry({"serve", "--config", c.config}, env, std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("serve.admin_token"), std::string::npos) << r.err;
}

} // namespace
} // namespace quarry
