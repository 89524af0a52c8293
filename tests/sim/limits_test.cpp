// Limits, faults and corruption, enforced and counted by the server, seen
// through the synthetic simulator over real HTTP.

#include "tests/sim/synthetic_fixture.hpp"

#include <latch>
#include <thread>

namespace quarry::sim {
namespace {

using testing::reply;
using testing::synthetic_fixture;
using nlohmann::json;

using synthetic_limits = synthetic_fixture;

TEST_F(synthetic_limits, daily_limit_rejects_until_the_next_sim_day) {
  synthetic_options options;
  options.server.limits.daily = 5;
  start(options);
  auto c = client();
  ASSERT_EQ(c.post("/_sim/clock", R"({"now":"2026-11-24T00:00:05Z"})").status, 200);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(c.get("/v1/users").status, 200) << i;
  const reply sixth = c.get("/v1/accounts");
  EXPECT_EQ(sixth.status, 429);
  EXPECT_EQ(sixth.json, json({{"error", "quota_exceeded"}}));

  auto stats = sim().http().stats();
  EXPECT_EQ(stats.calls_total, 6);
  EXPECT_EQ(stats.calls_by_day.at("2026-11-24"), 6);
  ASSERT_EQ(stats.violations.size(), 1u);
  EXPECT_EQ(stats.violations[0].kind, limit_kind::daily);
  EXPECT_EQ(stats.violations[0].path, "/v1/accounts");
  EXPECT_EQ(stats.violations[0].at.substr(0, 17), "2026-11-24T00:00:");

  ASSERT_EQ(c.post("/_sim/clock", R"({"now":"2026-11-25T00:00:01Z"})").status, 200);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.get("/v1/users").status, 200) << i;
  EXPECT_EQ(c.get("/v1/users").status, 429);
  stats = sim().http().stats();
  EXPECT_EQ(stats.calls_by_day.at("2026-11-25"), 6);
  EXPECT_EQ(stats.violations.size(), 2u);
}

TEST_F(synthetic_limits, window_limit_rejects_the_fourth_quick_call) {
  synthetic_options options;
  options.server.limits.windows = {{3, 2}};
  start(options);
  auto c = client();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(c.get("/v1/users").status, 200) << i;
  const reply fourth = c.get("/v1/users");
  EXPECT_EQ(fourth.status, 429);
  EXPECT_EQ(fourth.json, json({{"error", "rate_limited"}}));
  ASSERT_TRUE(fourth.headers.count("Retry-After"));
  const int retry_after = std::stoi(fourth.headers.find("Retry-After")->second);
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 2);

  const reply stats = c.get("/_sim/stats");
  // The rejected call counts toward max_seen: the server saw 4 calls.
  EXPECT_EQ(stats.json["windows"], json::parse(R"([{"calls":3,"seconds":2,"max_seen":4}])"));
  ASSERT_EQ(stats.json["violations"].size(), 1u);
  EXPECT_EQ(stats.json["violations"][0]["kind"], "window");
  EXPECT_EQ(stats.json["violations"][0]["path"], "/v1/users");
}

TEST_F(synthetic_limits, concurrency_limit_rejects_the_third_overlapping_call) {
  synthetic_options options;
  options.server.limits.concurrency = 2;
  options.server.latency_ms = 200;
  start(options);
  // Three threads lined up by a latch fire together; the server's 200 ms
  // latency holds the first two in flight while the third arrives. Should the
  // machine be so slow that they did not overlap (max_in_flight < 3), try again.
  int rejected = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    sim().http().reset_stats();
    std::latch ready(3);
    std::vector<int> statuses(3);
    std::vector<std::string> bodies(3);
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i)
      threads.emplace_back([&, i] {
        auto c = client();
        ready.arrive_and_wait();
        const reply r = c.get("/v1/accounts?limit=5");
        statuses[i] = r.status;
        bodies[i] = r.body;
      });
    for (auto& t : threads) t.join();
    if (sim().http().stats().max_in_flight < 3) continue;
    rejected = 0;
    for (int i = 0; i < 3; ++i) {
      if (statuses[i] == 429) {
        ++rejected;
        EXPECT_EQ(json::parse(bodies[i]), json({{"error", "too_many_concurrent"}}));
      } else {
        EXPECT_EQ(statuses[i], 200);
      }
    }
    break;
  }
  const auto stats = sim().http().stats();
  EXPECT_EQ(stats.max_in_flight, 3);
  EXPECT_EQ(rejected, 1);
  ASSERT_EQ(stats.violations.size(), 1u);
  EXPECT_EQ(stats.violations[0].kind, limit_kind::concurrency);
  EXPECT_EQ(stats.calls_total, 3);
}

TEST_F(synthetic_limits, fault_rate_one_answers_every_call_500) {
  synthetic_options options;
  options.server.fault_rate = 1.0;
  options.server.fault_stall_ms = 50;
  start(options);
  auto c = client();
  for (int i = 0; i < 8; ++i) {
    const reply r = c.get("/v1/accounts");
    EXPECT_EQ(r.status, 500) << i;
  }
  const auto stats = sim().http().stats();
  EXPECT_EQ(stats.faults_injected, 8);
  EXPECT_EQ(stats.calls_total, 8);
}

TEST_F(synthetic_limits, fault_rate_picks_the_same_calls_for_the_same_seed) {
  auto pattern = [this] {
    synthetic_options options;
    options.server.fault_rate = 0.3;
    options.server.fault_stall_ms = 0;
    options.server.fault_seed = 99;
    start(options);
    auto c = client();
    std::string out;
    for (int i = 0; i < 40; ++i) out += c.get("/v1/users?per_page=1").status == 200 ? '.' : 'F';
    return out;
  };
  const auto first = pattern();
  const auto second = pattern();
  EXPECT_EQ(first, second);
  const auto faults = std::count(first.begin(), first.end(), 'F');
  EXPECT_GT(faults, 0);
  EXPECT_LT(faults, 40);
  EXPECT_EQ(sim().http().stats().faults_injected, faults);
}

TEST_F(synthetic_limits, malformed_paths_answer_invalid_json_only_there) {
  synthetic_options options;
  options.server.malformed_paths = {"/v1/accounts/"};
  start(options);
  auto c = client();
  const reply events = c.get("/v1/accounts/acc-00001/events");
  EXPECT_EQ(events.status, 200);
  EXPECT_FALSE(events.is_json()) << events.body;
  EXPECT_FALSE(events.body.empty());
  const reply accounts = c.get("/v1/accounts");
  EXPECT_EQ(accounts.status, 200);
  EXPECT_TRUE(accounts.is_json());
  EXPECT_EQ(c.get("/v1/accounts/acc-99999/events").status, 404);  // errors stay intact
}

} // namespace
} // namespace quarry::sim
