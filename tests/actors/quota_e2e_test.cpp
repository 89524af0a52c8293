// Rate windows end to end: the real `quarry` binary against the synthetic
// simulator over loopback and the real Kafka broker, with 16 workers. The
// simulator is the referee: it counts every call into its windows, on arrival
// or on completion (its window_counting reading), and records each call it
// had to refuse as a violation. The rate quarry reaches is measured in
// bench/quota_rate, not here.

#include "kafka/topic_reader.hpp"
#include "sim/call_ledger.hpp"
#include "sim/synthetic.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <thread>

#include <signal.h>
#include <unistd.h>

namespace quarry {
namespace {

using nlohmann::json;
using testing::env_list;
using testing::quarry_process;
using testing::temp_dir;

std::unique_ptr<sim::synthetic_simulator> start_sim(int accounts, sim::server_options server) {
  sim::synthetic_options o;
  o.accounts = accounts;
  o.events_per_account = 1;
  o.server = std::move(server);
  auto s = std::make_unique<sim::synthetic_simulator>(o);
  s->start();
  return s;
}

sim::server_options limited(int calls, double seconds, int latency_ms, std::string reading) {
  sim::server_options o;
  o.latency_ms = latency_ms;
  o.limits.windows = {{calls, seconds}};
  o.readings = {{"window_counting", std::move(reading)}};
  return o;
}

std::string unique_prefix(const std::string& stem) {
  return "t" + std::to_string(getpid()) + "-" + stem + "-" +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);
}

// quarry's window is the server's, with 16 workers competing for it.
std::string make_config(const std::string& prefix, const sim::synthetic_simulator& s, int calls,
                        int seconds, const std::string& job = "job") {
  json cfg = {{"kafka",
               {{"bootstrap_servers", testing::kafka_bootstrap()},
                {"topic_prefix", prefix},
                {"replication_factor", 1}}},
              {"engine", {{"workers", 16}}},
              {"accounts",
               {{"syn",
                 {{"source", "synthetic"},
                  {"endpoint", s.base_url()},
                  {"credentials", {{"api_key", {{"env", "SYN_KEY"}}}}},
                  {"quota", {{"windows", {{{"calls", calls}, {"seconds", seconds}}}}}}}}}},
              {"jobs",
               {{{"name", job},
                 {"account", "syn"},
                 {"start_date", "2024-01-01T00:00:00Z"},
                 {"streams", {"accounts", "events"}}}}}};
  return cfg.dump(2);
}

env_list child_env() { return {{"SYN_KEY", "synthetic-key"}}; }

testing::process_result extract(const temp_dir& dir, const std::string& config) {
  quarry_process p{{"extract", "--config", config}, child_env(), dir};
  return p.wait(std::chrono::seconds(120));
}

// The simulator refused nothing, and its busiest window held `limit` calls at
// most (exactly `limit` when `reached`: quarry used the window to its limit).
void expect_within(const sim::synthetic_simulator& s, std::int64_t limit, bool reached) {
  const auto stats = s.http().stats();
  EXPECT_TRUE(stats.violations.empty()) << sim::to_json(stats);
  ASSERT_EQ(stats.windows.size(), 1u);
  EXPECT_LE(stats.windows[0].max_seen, limit) << sim::to_json(stats);
  if (reached) {
    EXPECT_EQ(stats.windows[0].max_seen, limit) << sim::to_json(stats);
  }
}

bool wait_for_calls(const sim::synthetic_simulator& s, std::int64_t calls) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (s.http().stats().calls_total < calls) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling the simulator
  }
  return true;
}

// The referee itself: under the completion reading a call holds a place from
// its arrival until a window's length after its answer.
TEST(quota_e2e, the_simulators_completion_reading_counts_a_call_from_arrival_to_a_window_after_its_answer) {
  using namespace std::chrono_literals;
  for (const bool at_completion : {false, true}) {
    SCOPED_TRACE(at_completion ? "completion" : "arrival");
    sim::sim_clock clock;
    sim::call_limits limits;
    limits.windows = {{2, 1.0}};
    sim::call_ledger ledger(limits, clock);
    const auto t0 = std::chrono::steady_clock::now();
    auto call = [&](std::chrono::milliseconds at) {
      return ledger.begin({"/p", "/p", t0 + at, "", at_completion});
    };
    const auto a = call(0ms);
    const auto b = call(0ms);
    ledger.end(a, 0, t0 + 500ms);
    ledger.end(b, 0, t0 + 500ms);
    // 1.2 s: a window after the arrivals, not after the answers.
    const auto c = call(1200ms);
    EXPECT_EQ(c.admitted(), !at_completion);
    ledger.end(c, 0, t0 + 1200ms);
    const auto d = call(1501ms);  // a window after the answers
    EXPECT_TRUE(d.admitted() || !at_completion);
    ledger.end(d, 0, t0 + 1501ms);
    const auto stats = ledger.snapshot();
    EXPECT_EQ(stats.violations.size(), at_completion ? 1u : 0u);
    EXPECT_EQ(stats.windows.at(0).max_seen, at_completion ? 3 : 2);
  }
}

TEST(quota_e2e, the_window_holds_whether_the_server_counts_on_arrival_or_on_completion) {
  for (const char* reading : {"arrival", "completion"}) {
    SCOPED_TRACE(reading);
    // 100 ms per call: under the completion reading a call stays in the
    // server's window 100 ms longer than under the arrival reading.
    auto s = start_sim(40, limited(10, 1, 100, reading));
    temp_dir dir;
    const auto cfg = dir.write("quarry.json", make_config(unique_prefix("reading"), *s, 10, 1));
    const auto r = extract(dir, cfg);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_within(*s, 10, true);
  }
}

// The last usage stored for the test account in <prefix>._quota.
std::optional<json> stored_usage(const std::string& prefix) {
  std::optional<json> usage;
  auto st = kafka::read_to_end(testing::kafka_settings(), prefix + "._quota",
                               [&](kafka::consumed_message&& m) {
                                 if (m.key == "syn" && m.value) usage = json::parse(*m.value);
                               });
  EXPECT_TRUE(st.ok()) << st.error().describe();
  return usage;
}

TEST(quota_e2e, two_runs_back_to_back_share_the_window) {
  // Two jobs of one account, one after the other: the second starts while the
  // first one's last window is open, and has a full extraction to make.
  auto s = start_sim(25, limited(10, 4, 0, "arrival"));
  temp_dir dir;
  const auto prefix = unique_prefix("back2back");
  auto r = extract(dir, dir.write("first.json", make_config(prefix, *s, 10, 4, "first")));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto first_calls = s->http().stats().calls_total;
  // A clean stop hands over the calls of its open windows, nothing ahead:
  // the second run starts with those instead of a full window.
  const auto usage = stored_usage(prefix);
  ASSERT_TRUE(usage) << "the first run stored its usage";
  EXPECT_EQ(usage->value("windows_ahead", -1), 0) << usage->dump();
  ASSERT_TRUE(usage->contains("windows") && (*usage)["windows"].size() == 1u) << usage->dump();
  const auto& kept = (*usage)["windows"][0]["released_ms"];
  EXPECT_GE(kept.size(), 1u) << "the last window's calls";
  EXPECT_LE(kept.size(), 10u);
  r = extract(dir, dir.write("second.json", make_config(prefix, *s, 10, 4, "second")));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_GE(s->http().stats().calls_total, 2 * first_calls) << "the second run made its calls";
  expect_within(*s, 10, true);
}

TEST(quota_e2e, kill_9_then_an_immediate_restart_shares_the_window) {
  auto s = start_sim(40, limited(10, 4, 5, "completion"));
  temp_dir dir;
  const auto prefix = unique_prefix("kill9");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, 10, 4));
  {
    quarry_process first{{"extract", "--config", cfg}, child_env(), dir};
    ASSERT_TRUE(wait_for_calls(*s, 15));  // into its second window
    first.kill(SIGKILL);
    EXPECT_EQ(first.wait().exit_code, -1);
  }
  ASSERT_LT(s->http().stats().calls_total, 40) << "killed before it finished";
  // What the killed run stored: its windows reserved ahead of its calls, in
  // time and in count.
  const auto usage = stored_usage(prefix);
  ASSERT_TRUE(usage && usage->contains("windows_until_ms")) << (usage ? usage->dump() : "none");
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_GT((*usage)["windows_until_ms"].get<std::int64_t>(), now_ms);
  EXPECT_GT(usage->value("windows_ahead", 0), 0) << usage->dump();

  const auto r = extract(dir, cfg);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_within(*s, 10, true);
}

} // namespace
} // namespace quarry
