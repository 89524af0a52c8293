// The run engine end to end: the real `quarry` binary against the synthetic
// simulator over loopback and the real Kafka broker. Each test names a
// guarantee of docs/architecture.md and checks it where it is observable: in
// the simulator's own count of calls and limits, and in what a read_committed
// consumer sees.

#include "kafka/topic_reader.hpp"
#include "sim/synthetic.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <signal.h>

namespace quarry {
namespace {

using nlohmann::json;
using testing::env_list;
using testing::process_result;
using testing::quarry_process;
using testing::temp_dir;

constexpr const char* api_key = "synthetic-key";

std::unique_ptr<sim::synthetic_simulator> start_sim(int accounts, int events_per_account,
                                                    sim::server_options server = {},
                                                    int users = 10) {
  sim::synthetic_options o;
  o.accounts = accounts;
  o.events_per_account = events_per_account;
  o.users = users;
  o.server = std::move(server);
  auto s = std::make_unique<sim::synthetic_simulator>(o);
  s->start();
  return s;
}

struct account_spec {
  std::string name;
  const sim::synthetic_simulator* sim;
  json quota = json::object();
};

struct job_spec {
  std::string name;
  std::string account;
  json streams = json::array({"accounts", "events"});
};

std::string make_config(const std::string& prefix, const std::vector<account_spec>& accounts,
                        const std::vector<job_spec>& jobs, json engine = json::object()) {
  json cfg = {{"kafka",
               {{"bootstrap_servers", testing::kafka_bootstrap()},
                {"topic_prefix", prefix},
                {"replication_factor", 1}}},
              {"engine", engine},
              {"accounts", json::object()},
              {"jobs", json::array()}};
  for (const auto& a : accounts) {
    json acc = {{"source", "synthetic"},
                {"endpoint", a.sim->base_url()},
                {"credentials", {{"api_key", {{"env", "SYN_KEY"}}}}}};
    if (!a.quota.empty()) acc["quota"] = a.quota;
    cfg["accounts"][a.name] = acc;
  }
  for (const auto& j : jobs)
    cfg["jobs"].push_back({{"name", j.name},
                           {"account", j.account},
                           {"start_date", "2024-01-01T00:00:00Z"},
                           {"streams", j.streams}});
  return cfg.dump(2);
}

std::string unique_prefix(const std::string& stem) {
  return "t" + std::to_string(getpid()) + "-" + stem + "-" +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);
}

// key -> how many times a read_committed consumer sees it.
std::map<std::string, int> committed_keys(const std::string& topic) {
  std::map<std::string, int> seen;
  auto st = kafka::read_to_end(testing::kafka_settings(), topic,
                               [&](kafka::consumed_message&& m) { ++seen[m.key]; });
  EXPECT_TRUE(st.ok()) << st.error().describe();
  return seen;
}

// The live (non-tombstoned) entries of a compacted topic, last value wins.
std::map<std::string, std::string> live_entries(const std::string& topic) {
  std::map<std::string, std::string> live;
  auto st = kafka::read_to_end(testing::kafka_settings(), topic, [&](kafka::consumed_message&& m) {
    if (m.value)
      live[m.key] = *m.value;
    else
      live.erase(m.key);
  });
  EXPECT_TRUE(st.ok()) << st.error().describe();
  return live;
}

// Every record of a dataset appears exactly once, and nothing else.
void expect_exactly_once(const std::string& topic, const std::string& dataset_json) {
  const auto seen = committed_keys(topic);
  const auto dataset = json::parse(dataset_json);
  ASSERT_EQ(seen.size(), dataset.size()) << topic;
  for (const auto& record : dataset) {
    const std::string key = json{{"id", record["id"]}}.dump();
    auto it = seen.find(key);
    ASSERT_NE(it, seen.end()) << topic << " lacks " << key;
    ASSERT_EQ(it->second, 1) << topic << " has " << key << " " << it->second << " times";
  }
}

env_list child_env(std::int64_t clock_offset_s = 0) {
  return {{"SYN_KEY", api_key}, {"QUARRY_CLOCK_OFFSET_S", std::to_string(clock_offset_s)}};
}

process_result extract(const temp_dir& dir, const std::string& config_path,
                       std::int64_t clock_offset_s = 0) {
  quarry_process p{{"extract", "--config", config_path}, child_env(clock_offset_s), dir};
  return p.wait(std::chrono::seconds(240));
}

// Waits until the simulator has answered `calls` calls: the run is under way.
bool wait_for_calls(const sim::synthetic_simulator& s, std::int64_t calls) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (s.http().stats().calls_total < calls) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling the simulator
  }
  return true;
}

std::string today_of(const sim::synthetic_simulator& s) {
  const auto now = std::chrono::floor<std::chrono::days>(s.http().clock().now());
  const std::chrono::year_month_day ymd{now};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

TEST(engine, daily_budget_holds_across_8_workers_and_following_days_finish_the_job) {
  // 2,990 accounts with one event each: 6 account pages + 2,990 event calls
  // (+ one usage call per run).
  auto s = start_sim(2990, 1);
  temp_dir dir;
  const auto prefix = unique_prefix("budget");
  const auto cfg = dir.write(
      "quarry.json", make_config(prefix, {{"syn", s.get(), {{"daily_calls", 1000}}}},
                                 {{"job", "syn"}}, {{"workers", 8}}));
  constexpr std::int64_t day = 86'400;
  int day_index = 0;
  process_result r;
  std::vector<std::int64_t> calls_per_day;
  for (; day_index < 6; ++day_index) {
    s->http().clock().set_now(std::chrono::system_clock::now() + std::chrono::seconds(day * day_index));
    r = extract(dir, cfg, day * day_index);
    const auto stats = s->http().stats();
    const auto today = today_of(*s);
    calls_per_day.push_back(stats.calls_by_day.count(today) ? stats.calls_by_day.at(today) : 0);
    ASSERT_LE(calls_per_day.back(), 1000)
        << "the simulator counted more than the daily budget on " << today;
    EXPECT_TRUE(stats.violations.empty());
    if (r.exit_code != 3) break;
    EXPECT_NE(r.out.find("incomplete"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("quota of account syn"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("resumes after"), std::string::npos) << r.out;
  }
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // About 3,000 calls at 1,000 a day: three days, a fourth when retries
  // (a slow broker) spent some calls twice.
  EXPECT_GE(day_index, 2);
  EXPECT_LE(day_index, 3);
  // A cut-short day spends its whole budget: the ceiling binds, not the engine.
  EXPECT_GE(calls_per_day.front(), 990);
  expect_exactly_once(prefix + ".synthetic.accounts",
                      s->dataset_json(sim::synthetic_dataset::accounts));
  expect_exactly_once(prefix + ".synthetic.events", s->dataset_json(sim::synthetic_dataset::events));
}

TEST(engine, window_of_100_per_20s_and_10_in_flight_hold_with_16_workers) {
  sim::server_options server;
  server.latency_ms = 50;
  server.limits.windows = {{100, 20}};
  server.limits.concurrency = 10;
  auto s = start_sim(150, 1, server);  // 152 calls: more than one window's worth
  temp_dir dir;
  const auto prefix = unique_prefix("window");
  const auto cfg = dir.write(
      "quarry.json",
      make_config(prefix,
                  {{"syn", s.get(), {{"windows", {{{"calls", 100}, {"seconds", 20}}}}, {"concurrency", 10}}}},
                  {{"job", "syn"}}, {{"workers", 16}}));
  const auto r = extract(dir, cfg);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto stats = s->http().stats();
  EXPECT_EQ(stats.calls_total, 152);  // usage, 1 page of accounts, 150 event calls
  EXPECT_TRUE(stats.violations.empty()) << sim::to_json(stats);
  ASSERT_EQ(stats.windows.size(), 1u);
  EXPECT_LE(stats.windows[0].max_seen, 100);
  EXPECT_EQ(stats.windows[0].max_seen, 100) << "the window was used to its limit";
  EXPECT_LE(stats.max_in_flight, 10);
  expect_exactly_once(prefix + ".synthetic.events", s->dataset_json(sim::synthetic_dataset::events));
}

TEST(engine, jobs_on_one_account_share_its_budget_and_other_accounts_keep_their_own) {
  auto a = start_sim(200, 1);
  auto b = start_sim(200, 1);
  temp_dir dir;
  const auto prefix = unique_prefix("share");
  const json budget = {{"daily_calls", 300}};
  const auto cfg = dir.write(
      "quarry.json",
      make_config(prefix, {{"acc-a", a.get(), budget}, {"acc-b", b.get(), budget}},
                  {{"a1", "acc-a"}, {"a2", "acc-a"}, {"b1", "acc-b"}}, {{"workers", 6}}));
  const auto r = extract(dir, cfg);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  // a1 and a2 need 202 calls each: together more than account a's 300.
  EXPECT_LE(a->http().stats().calls_total, 300);
  EXPECT_GE(a->http().stats().calls_total, 250) << "the shared budget was spent, not stranded";
  // b1 is alone on account b and finishes.
  EXPECT_EQ(b->http().stats().calls_total, 202);
  EXPECT_NE(r.out.find("of job b1: succeeded"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("incomplete"), std::string::npos) << r.out;
}

TEST(engine, calls_other_apps_made_today_count_against_the_budget) {
  auto s = start_sim(600, 1);
  {
    // Another app on the same account spends 900 of the day's 1,000 calls.
    httplib::Client other{"127.0.0.1", s->port()};
    other.set_default_headers({{"Authorization", std::string{"Bearer "} + api_key}});
    for (int i = 0; i < 900; ++i) ASSERT_TRUE(other.Get("/v1/users?page=1&per_page=1"));
  }
  temp_dir dir;
  const auto prefix = unique_prefix("reconcile");
  const auto cfg = dir.write("quarry.json",
                             make_config(prefix, {{"syn", s.get(), {{"daily_calls", 1000}}}},
                                         {{"job", "syn"}}, {{"workers", 4}}));
  const auto r = extract(dir, cfg);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const auto stats = s->http().stats();
  EXPECT_LE(stats.calls_by_day.at(today_of(*s)), 1000) << "quarry spent what the other app had";
  EXPECT_GE(stats.calls_by_day.at(today_of(*s)), 990) << "and still used what was left";
}

TEST(engine, parent_with_500_parents_fans_out_500_children_that_all_commit_bookmarks) {
  auto s = start_sim(500, 3);
  temp_dir dir;
  const auto prefix = unique_prefix("fanout");
  const auto cfg = dir.write("quarry.json",
                             make_config(prefix, {{"syn", s.get()}}, {{"job", "syn"}}, {{"workers", 4}}));
  const auto r = extract(dir, cfg);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_exactly_once(prefix + ".synthetic.events", s->dataset_json(sim::synthetic_dataset::events));

  // The newest event of each account is its committed bookmark.
  std::map<std::string, std::string> newest;
  for (const auto& e : json::parse(s->dataset_json(sim::synthetic_dataset::events))) {
    auto& n = newest[e["account_id"].get<std::string>()];
    n = std::max(n, e["occurred_at"].get<std::string>());
  }
  int bookmarks = 0, pending = 0;
  for (const auto& [key, value] : live_entries(prefix + "._state")) {
    const auto k = json::parse(key);
    if (k.size() == 4 && k[3] == "pending") ++pending;
    if (k.size() != 3 || k[1] != "events") continue;
    ++bookmarks;
    EXPECT_EQ(json::parse(value)["bookmark"]["occurred_at"], newest[k[2].get<std::string>()]) << key;
  }
  EXPECT_EQ(bookmarks, 500);
  EXPECT_EQ(pending, 0) << "every spawned child finished and cleared its pending entry";
}

TEST(engine, kill_9_mid_run_then_restart_loses_nothing_duplicates_nothing_and_remembers_quota) {
  sim::server_options server;
  server.latency_ms = 5;
  auto s = start_sim(800, 5, server);
  temp_dir dir;
  const auto prefix = unique_prefix("crash");
  const auto cfg = dir.write(
      "quarry.json", make_config(prefix, {{"syn", s.get(), {{"daily_calls", 100000}}}}, {{"job", "syn"}},
                                 {{"workers", 4}, {"checkpoint_records", 50}}));
  {
    quarry_process first{{"extract", "--config", cfg}, child_env(), dir};
    // Wait until the run is well under way, then pull the plug.
    ASSERT_TRUE(wait_for_calls(*s, 300));
    first.kill(SIGKILL);
    EXPECT_EQ(first.wait().exit_code, -1);
  }
  const auto calls_before = s->http().stats().calls_total;
  constexpr int calls_needed = 802;  // usage, 2 pages of accounts, 800 event calls
  ASSERT_LT(calls_before, calls_needed) << "the run must be killed before it finished";
  const auto usage_after_kill = json::parse(live_entries(prefix + "._quota").at("syn"));
  EXPECT_GE(usage_after_kill["calls"].get<std::int64_t>(), calls_before)
      << "usage is stored before it is spent";

  const auto r = extract(dir, cfg);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto calls_total = s->http().stats().calls_total;
  EXPECT_LT(calls_total - calls_before, calls_needed)
      << "the restart resumed from committed bookmarks";
  expect_exactly_once(prefix + ".synthetic.accounts",
                      s->dataset_json(sim::synthetic_dataset::accounts));
  expect_exactly_once(prefix + ".synthetic.events", s->dataset_json(sim::synthetic_dataset::events));
  const auto usage = json::parse(live_entries(prefix + "._quota").at("syn"));
  EXPECT_GE(usage["calls"].get<std::int64_t>(), calls_total)
      << "the day's usage includes the killed run's calls";
}

// Kafka transactions that wrote to a single-partition topic: each leaves one
// control record (an offset no consumer sees) after its messages.
int transactions_in(const std::string& topic) {
  std::int64_t messages = 0, last = -1;
  auto st = kafka::read_to_end(testing::kafka_settings(), topic, [&](kafka::consumed_message&& m) {
    ++messages;
    last = m.offset;
  });
  EXPECT_TRUE(st.ok()) << st.error().describe();
  return static_cast<int>(last + 1 - messages) + 1;  // markers between messages, and the last one
}

TEST(engine, group_commit_of_2000_children_killed_with_9_then_restarted_delivers_each_record_once) {
  sim::server_options server;
  server.latency_ms = 3;
  auto s = start_sim(2000, 2, server);
  temp_dir dir;
  const auto prefix = unique_prefix("group");
  const auto cfg = dir.write("quarry.json", make_config(prefix, {{"syn", s.get()}}, {{"job", "syn"}},
                                                        {{"workers", 4}}));
  constexpr int calls_needed = 2005;  // usage, 4 pages of accounts, 2,000 event calls
  {
    quarry_process first{{"extract", "--config", cfg}, child_env(), dir};
    ASSERT_TRUE(wait_for_calls(*s, 700));
    first.kill(SIGKILL);
    EXPECT_EQ(first.wait().exit_code, -1);
  }
  const auto calls_before = s->http().stats().calls_total;
  ASSERT_LT(calls_before, calls_needed) << "the run must be killed before it finished";
  const auto r = extract(dir, cfg);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_LT(s->http().stats().calls_total - calls_before, calls_needed)
      << "the restart resumed from committed bookmarks";
  expect_exactly_once(prefix + ".synthetic.accounts",
                      s->dataset_json(sim::synthetic_dataset::accounts));
  expect_exactly_once(prefix + ".synthetic.events", s->dataset_json(sim::synthetic_dataset::events));
  int bookmarks = 0, pending = 0;
  for (const auto& [key, value] : live_entries(prefix + "._state")) {
    const auto k = json::parse(key);
    if (k.size() == 4 && k[3] == "pending") ++pending;
    if (k.size() == 3 && k[1] == "events") ++bookmarks;
  }
  EXPECT_EQ(bookmarks, 2000);
  EXPECT_EQ(pending, 0);
  // Each child's bookmark and child-done are in _state: one transaction per
  // task would leave about 2,000 transactions there.
  EXPECT_LT(transactions_in(prefix + "._state"), 200) << "tasks shared transactions";
}

TEST(engine, a_task_failing_inside_a_shared_transaction_loses_nothing_of_its_batch_mates) {
  sim::synthetic_options o;
  o.accounts = 500;
  o.events_per_account = 3;
  o.users = 10;
  std::set<std::string> failing;
  {
    // The same seed gives the same accounts: every 50th answers its events
    // with corrupt JSON, so its task fails (not retriable) among others.
    const sim::synthetic_simulator probe{o};
    const auto accounts = json::parse(probe.dataset_json(sim::synthetic_dataset::accounts));
    for (std::size_t i = 25; i < accounts.size(); i += 50)
      failing.insert(accounts[i]["id"].get<std::string>());
  }
  for (const auto& id : failing) o.server.malformed_paths.push_back("/v1/accounts/" + id + "/events");
  auto s = std::make_unique<sim::synthetic_simulator>(o);
  s->start();
  temp_dir dir;
  const auto prefix = unique_prefix("batchfail");
  const auto cfg = dir.write("quarry.json", make_config(prefix, {{"syn", s.get()}}, {{"job", "syn"}},
                                                        {{"workers", 4}}));
  const auto r = extract(dir, cfg);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("of job job: failed"), std::string::npos) << r.out;
  // Every task ran once: no batch-mate was re-run for another's failure.
  EXPECT_EQ(s->http().stats().calls_total, 502);  // usage, 1 page of accounts, 500 event calls

  // Every event of the other accounts exactly once, none of the failed ones.
  const auto seen = committed_keys(prefix + ".synthetic.events");
  std::size_t expected = 0;
  for (const auto& e : json::parse(s->dataset_json(sim::synthetic_dataset::events))) {
    const std::string key = json{{"id", e["id"]}}.dump();
    const auto it = seen.find(key);
    if (failing.count(e["account_id"].get<std::string>()) != 0) {
      EXPECT_EQ(it, seen.end()) << key << " of a failed task was committed";
      continue;
    }
    ++expected;
    ASSERT_NE(it, seen.end()) << "a batch-mate lost " << key;
    EXPECT_EQ(it->second, 1) << key;
  }
  EXPECT_EQ(seen.size(), expected);
  // The batch-mates' bookmarks are committed; the failed children stay
  // pending for the next run.
  int bookmarks = 0;
  std::set<std::string> pending;
  for (const auto& [key, value] : live_entries(prefix + "._state")) {
    const auto k = json::parse(key);
    if (k.size() == 4 && k[3] == "pending") pending.insert(k[2].get<std::string>());
    if (k.size() == 3 && k[1] == "events") ++bookmarks;
  }
  EXPECT_EQ(bookmarks, 500 - static_cast<int>(failing.size()));
  EXPECT_EQ(pending, failing);
}

TEST(engine, sigterm_cancels_the_run_and_the_next_run_completes_exactly_once) {
  sim::server_options server;
  server.latency_ms = 10;
  auto s = start_sim(400, 2, server);
  temp_dir dir;
  const auto prefix = unique_prefix("cancel");
  const auto cfg = dir.write("quarry.json", make_config(prefix, {{"syn", s.get()}}, {{"job", "syn"}},
                                                        {{"workers", 2}, {"checkpoint_records", 20}}));
  {
    quarry_process first{{"extract", "--config", cfg}, child_env(), dir};
    ASSERT_TRUE(wait_for_calls(*s, 100));
    first.kill(SIGTERM);
    const auto r = first.wait(std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find(": cancelled in"), std::string::npos) << r.out;
  }
  EXPECT_LT(s->http().stats().calls_total, 403) << "cancelled before the end";
  const auto r = extract(dir, cfg);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_exactly_once(prefix + ".synthetic.events", s->dataset_json(sim::synthetic_dataset::events));
}

TEST(engine, five_percent_faults_and_timeouts_complete_through_retries) {
  sim::server_options server;
  server.fault_rate = 0.05;
  server.fault_stall_ms = 1500;  // longer than the request timeout below: a client timeout
  auto s = start_sim(300, 2, server);
  temp_dir dir;
  const auto prefix = unique_prefix("faults");
  const auto cfg = dir.write("quarry.json",
                             make_config(prefix, {{"syn", s.get()}}, {{"job", "syn"}},
                                         {{"workers", 4}, {"request_timeout_ms", 500}}));
  const auto r = extract(dir, cfg);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GT(s->http().stats().faults_injected, 0);
  expect_exactly_once(prefix + ".synthetic.accounts",
                      s->dataset_json(sim::synthetic_dataset::accounts));
  expect_exactly_once(prefix + ".synthetic.events", s->dataset_json(sim::synthetic_dataset::events));
}

// A stream that fails at the same bookmark run after run is counted: in the
// run summary (with the request that failed), in the state topic (so the
// next process knows), and a run that succeeds ends the streak.
TEST(engine, a_stream_failing_at_the_same_bookmark_run_after_run_is_counted_until_it_succeeds) {
  sim::server_options broken;
  broken.malformed_paths = {"/v1/users"};
  auto bad = start_sim(20, 1, broken);
  auto good = start_sim(20, 1);
  temp_dir dir;
  const auto prefix = unique_prefix("stuck");
  const json streams = json::array({"accounts", "users"});
  const auto bad_cfg =
      dir.write("bad.json", make_config(prefix, {{"syn", bad.get()}}, {{"job", "syn", streams}}));
  const auto good_cfg =
      dir.write("good.json", make_config(prefix, {{"syn", good.get()}}, {{"job", "syn", streams}}));
  const auto last_summary = [&] {
    return json::parse(live_entries(prefix + "._runs").at("job"));
  };
  const auto stream_of = [](const json& summary, const std::string& name) {
    for (const auto& st : summary["streams"])
      if (st["stream"] == name) return st;
    return json();
  };
  const std::string streak_key = json::array({"job", "users", "", "failures"}).dump();

  for (int run = 1; run <= 2; ++run) {
    SCOPED_TRACE("failing run " + std::to_string(run));
    const auto r = extract(dir, bad_cfg);
    ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
    const auto summary = last_summary();
    const auto users = stream_of(summary, "users");
    EXPECT_EQ(users["status"], "failed");
    EXPECT_EQ(users["consecutive_failures"], run);
    EXPECT_NE(users["error"].get<std::string>().find("GET /v1/users"), std::string::npos) << users;
    if (run == 2) {
      EXPECT_NE(users["error"].get<std::string>().find("2 runs in a row"), std::string::npos) << users;
    }
    EXPECT_EQ(stream_of(summary, "accounts")["consecutive_failures"], 0);
    const auto state = live_entries(prefix + "._state");
    ASSERT_TRUE(state.count(streak_key)) << "no streak entry";
    EXPECT_EQ(json::parse(state.at(streak_key))["failures"]["count"], run);
  }

  const auto r = extract(dir, good_cfg);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(stream_of(last_summary(), "users")["consecutive_failures"], 0);
  EXPECT_FALSE(live_entries(prefix + "._state").count(streak_key)) << "the streak outlived a success";
}

// A full-table stream is a snapshot: every record names the run whose
// snapshot it belongs to in quarry.run, and once a snapshot completes, each key the previous
// complete one had and this one lacks gets exactly one tombstone. A failed
// run deletes nothing.
TEST(engine, a_full_table_stream_that_shrinks_gets_one_tombstone_per_vanished_key) {
  auto hundred = start_sim(5, 1, {}, 100);
  auto ninety = start_sim(5, 1, {}, 90);
  auto fifty = start_sim(5, 1, {}, 50);
  sim::server_options broken;
  broken.malformed_paths = {"/v1/users"};
  auto failing = start_sim(5, 1, broken, 50);
  temp_dir dir;
  const auto prefix = unique_prefix("snap");
  const json streams = json::array({"users"});
  auto config_for = [&](const char* name, const sim::synthetic_simulator* s) {
    return dir.write(name, make_config(prefix, {{"syn", s}}, {{"job", "syn", streams}}));
  };
  const auto topic = prefix + ".synthetic.users";
  struct seen {
    std::map<std::string, int> records, tombstones;
    std::set<std::string> snapshot_runs;  // quarry.run headers of records
  };
  const auto read_users = [&] {
    seen out;
    auto st = kafka::read_to_end(testing::kafka_settings(), topic, [&](kafka::consumed_message&& m) {
      if (!m.value) {
        ++out.tombstones[m.key];
        return;
      }
      ++out.records[m.key];
      for (const auto& [name, value] : m.headers)
        if (name == "quarry.run") out.snapshot_runs.insert(value);
    });
    EXPECT_TRUE(st.ok()) << st.error().describe();
    return out;
  };
  const auto users_summary = [&] {
    const auto summary = json::parse(live_entries(prefix + "._runs").at("job"));
    for (const auto& st : summary["streams"])
      if (st["stream"] == "users") return std::pair{summary["run"].get<std::string>(), st};
    return std::pair{std::string{}, json()};
  };
  const auto key_of = [](int number) {
    char id[16];
    std::snprintf(id, sizeof id, "usr-%04d", number);
    return json{{"id", id}}.dump();
  };

  auto r = extract(dir, config_for("100.json", hundred.get()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto [run1, first] = users_summary();
  EXPECT_EQ(first["snapshot"], (json{{"complete", true}, {"partitions", 1}, {"records", 100}, {"deleted", 0}}));
  auto after1 = read_users();
  EXPECT_EQ(after1.records.size(), 100u);
  EXPECT_TRUE(after1.tombstones.empty());
  EXPECT_EQ(after1.snapshot_runs, std::set<std::string>{run1}) << "every record names its snapshot";

  r = extract(dir, config_for("90.json", ninety.get()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto [run2, second] = users_summary();
  EXPECT_EQ(second["snapshot"]["records"], 90);
  EXPECT_EQ(second["snapshot"]["deleted"], 10);
  auto after2 = read_users();
  ASSERT_EQ(after2.tombstones.size(), 10u);
  for (int id = 91; id <= 100; ++id) EXPECT_EQ(after2.tombstones[key_of(id)], 1) << id;
  EXPECT_EQ(after2.snapshot_runs, (std::set<std::string>{run1, run2}));

  // Unchanged: nothing new is deleted.
  r = extract(dir, config_for("90.json", ninety.get()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(users_summary().second["snapshot"]["deleted"], 0);
  EXPECT_EQ(read_users().tombstones.size(), 10u);

  // A failed snapshot deletes nothing, and its summary says it is incomplete.
  r = extract(dir, config_for("failing.json", failing.get()));
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(users_summary().second["snapshot"]["complete"], false);
  EXPECT_EQ(read_users().tombstones.size(), 10u);

  // The next complete one deletes 51..90, each once.
  r = extract(dir, config_for("50.json", fifty.get()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(users_summary().second["snapshot"]["deleted"], 40);
  const auto last = read_users();
  EXPECT_EQ(last.tombstones.size(), 50u);
  for (const auto& [key, n] : last.tombstones) EXPECT_EQ(n, 1) << key;
  for (int id = 1; id <= 50; ++id) EXPECT_EQ(last.tombstones.count(key_of(id)), 0u) << id;
}

} // namespace
} // namespace quarry
