// Kustomer end to end: the real `quarry` binary against the Kustomer
// simulator over loopback and the real Kafka broker. What a read_committed
// consumer sees is compared, record for record, with the simulator's own
// dataset (records as the connector should emit them), and the simulator's
// counters show how quarry got there.

#include "kafka/topic_reader.hpp"
#include "sim/kustomer.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/e2e.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include <unistd.h>

namespace quarry {
namespace {

using nlohmann::json;
using testing::process_result;
using testing::quarry_process;
using testing::temp_dir;

const std::vector<std::string> all_streams{"customers", "conversations", "messages", "notes", "kobjects",
                                           "users",     "teams",         "tags",     "shortcuts"};
const std::vector<std::string> search_streams{"customers", "conversations", "messages", "notes", "kobjects"};

sim::kustomer_options small_org() {
  sim::kustomer_options o;
  o.data.counts = {400, 250, 500, 120, 90, 30, 6, 140, 12};
  return o;
}

std::unique_ptr<sim::kustomer_simulator> start(sim::kustomer_options o) { return testing::start_simulator<sim::kustomer_simulator>(std::move(o)); }

std::string unique_prefix(const std::string& stem) { return testing::unique_prefix("ku", stem); }

struct job_options {
  json settings = json::object();
  // quarry's own budget: generous unless a test says otherwise
  json quota = {{"windows", json::array({{{"calls", 1000}, {"seconds", 60}}})}};
};

std::string make_config(const std::string& prefix, const sim::kustomer_simulator& s, const job_options& o = {}) {
  json account = {{"source", "kustomer"},
                  {"endpoint", s.base_url()},
                  {"credentials", {{"api_key", {{"env", "KUSTOMER_KEY"}}}}},
                  {"settings", o.settings},
                  {"quota", o.quota}};
  json job = {{"name", "ku"}, {"account", "ku"}, {"start_date", "2020-01-01T00:00:00Z"}};
  json cfg = {{"kafka",
               {{"bootstrap_servers", testing::kafka_bootstrap()}, {"topic_prefix", prefix}, {"replication_factor", 1}}},
              {"engine", {{"workers", 4}}},
              {"accounts", {{"ku", account}}},
              {"jobs", json::array({job})}};
  return cfg.dump(2);
}

process_result extract(const temp_dir& dir, const std::string& config, const sim::kustomer_simulator& s) {
  quarry_process p{{"extract", "--config", config}, {{"KUSTOMER_KEY", s.options().api_key}}, dir};
  return p.wait(std::chrono::seconds(300));
}

// Committed records of a topic: key -> values in the order seen.
std::map<std::string, std::vector<json>> committed(const std::string& prefix, const std::string& stream) {
  return testing::committed(prefix + ".kustomer." + stream);
}

json dataset(const sim::kustomer_simulator& s, const std::string& stream) {
  httplib::Client c{"127.0.0.1", s.port()};
  auto r = c.Get("/_sim/dataset/" + stream);
  EXPECT_TRUE(r && r->status == 200) << stream;
  return r ? json::parse(r->body) : json::array();
}

// Every record of the dataset exactly `times` times in the stream's topic,
// the last value equal to the record as the simulator shows it.
void expect_stream_matches(const std::string& prefix, const sim::kustomer_simulator& s, const std::string& stream) {
  const auto seen = committed(prefix, stream);
  const auto rows = dataset(s, stream);
  ASSERT_EQ(seen.size(), rows.size()) << stream;
  for (const auto& row : rows) {
    const auto key = json{{"id", row["id"]}}.dump();
    const auto it = seen.find(key);
    ASSERT_NE(it, seen.end()) << stream << " lacks " << key;
    ASSERT_EQ(it->second.size(), 1u) << stream << " " << key << " delivered " << it->second.size() << " times";
    ASSERT_EQ(it->second.front(), row) << stream << " " << key;
  }
}

std::int64_t calls_to(const sim::kustomer_simulator& s, const std::string& path) {
  const auto stats = s.http().stats();
  const auto it = stats.calls_by_path.find(path);
  return it == stats.calls_by_path.end() ? 0 : it->second;
}

TEST(kustomer_e2e, full_run_matches_every_stream_and_a_second_run_reads_only_the_changes) {
  auto s = start(small_org());
  temp_dir dir;
  const auto prefix = unique_prefix("full");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s));

  const auto first = extract(dir, cfg, *s);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  for (const auto& stream : all_streams) expect_stream_matches(prefix, *s, stream);
  EXPECT_TRUE(s->http().stats().violations.empty()) << sim::to_json(s->http().stats());
  // One search per 500 records: customers 1, conversations 1, messages 2 (+1
  // that finds the last page full), notes 1, kobjects 1; lists one page each.
  EXPECT_LE(calls_to(*s, "/v1/customers/search"), 7);
  EXPECT_EQ(first.err.find(s->options().api_key), std::string::npos) << "the API key leaked into the log";

  const auto changed = s->mutate(3, 2);
  ASSERT_EQ(changed.touched, 3);
  const auto calls_before = s->http().stats().calls_total;
  const auto second = extract(dir, cfg, *s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  for (const auto& stream : search_streams) {
    const auto seen = committed(prefix, stream);
    std::int64_t twice = 0;
    const auto rows = dataset(*s, stream);
    ASSERT_EQ(seen.size(), rows.size()) << stream;
    for (const auto& row : rows) {
      const auto& values = seen.at(json{{"id", row["id"]}}.dump());
      EXPECT_EQ(values.back(), row) << stream;
      twice += values.size() == 2;
    }
    EXPECT_EQ(twice, 3) << stream << ": the touched records, again";
  }
  for (const auto& stream : {"users", "teams", "tags", "shortcuts"}) expect_stream_matches(prefix, *s, stream);
  // One search per search stream (from the bookmark on) and the lists' pages
  // (tags has two).
  EXPECT_EQ(s->http().stats().calls_total - calls_before, 5 + 5);
}

TEST(kustomer_e2e, a_thousand_customers_sharing_one_updated_at_page_through_without_loss_or_duplicates) {
  auto o = small_org();
  o.data.counts = {1300, 0, 0, 0, 0, 3, 0, 0, 0};
  o.data.same_updated_at = 1000;
  auto s = start(std::move(o));
  temp_dir dir;
  const auto prefix = unique_prefix("ties");
  job_options jo;
  jo.settings = {{"page_size", 100}};  // the tie group spans ten pages
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_stream_matches(prefix, *s, "customers");
  // 13 pages of new records, plus the few that re-read a page's tail when
  // entering or leaving the tie group: no loop.
  EXPECT_LE(calls_to(*s, "/v1/customers/search"), 18);
}

TEST(kustomer_e2e, a_search_deeper_than_the_search_window_is_read_whole) {
  auto o = small_org();
  o.data.counts = {1200, 0, 0, 0, 0, 3, 0, 0, 0};
  o.data.same_updated_at = 450;  // the tie group alone is deeper than the window
  o.max_search_hits = 300;
  auto s = start(std::move(o));
  temp_dir dir;
  const auto prefix = unique_prefix("deep");
  job_options jo;
  jo.settings = {{"page_size", 100}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_stream_matches(prefix, *s, "customers");
  EXPECT_TRUE(s->http().stats().violations.empty());
}

// The simulator's limits are far below what quarry was told (1000/min, and
// 100 searches/min by default): x-ratelimit headers alone keep quarry inside
// both windows, the search window apart from the org's.
TEST(kustomer_e2e, rate_limit_headers_keep_quarry_inside_limits_it_was_not_told) {
  auto o = small_org();
  o.data.counts = {900, 300, 300, 100, 100, 30, 6, 140, 12};
  o.org_per_minute = 12;
  o.search_per_minute = 4;
  o.window_seconds = 2;
  auto s = start(std::move(o));
  temp_dir dir;
  const auto prefix = unique_prefix("headers");
  job_options jo;
  jo.settings = {{"page_size", 100}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& stream : all_streams) expect_stream_matches(prefix, *s, stream);
  const auto stats = s->http().stats();
  EXPECT_GT(calls_to(*s, "/v1/customers/search"), 4 * 4) << "the run spans several search windows";
  EXPECT_TRUE(stats.violations.empty()) << sim::to_json(stats);
}

// Another app spends the org's search budget while quarry runs: quarry's
// searches meet 429 after 429, wait for x-ratelimit-reset and finish with
// every record once, and its list streams go on meanwhile.
TEST(kustomer_e2e, a_429_storm_from_another_app_delays_searches_but_loses_nothing) {
  auto o = small_org();
  o.data.counts = {600, 200, 200, 100, 100, 30, 6, 140, 12};
  o.search_per_minute = 6;
  o.window_seconds = 2;
  auto s = start(std::move(o));
  std::atomic<bool> stop{false};
  std::thread other_app([&] {
    httplib::Client c{"127.0.0.1", s->port()};
    const json body = {{"queryContext", "note"}};
    while (!stop) {
      c.Post("/v1/customers/search?page=1&pageSize=1", {{"Authorization", "Bearer kustomer-key"}}, body.dump(),
             "application/json");
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // 4 of every window's 6
    }
  });
  temp_dir dir;
  const auto prefix = unique_prefix("storm");
  job_options jo;
  jo.settings = {{"page_size", 100}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  const auto r = extract(dir, cfg, *s);
  stop = true;
  other_app.join();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& stream : all_streams) expect_stream_matches(prefix, *s, stream);
  const auto stats = s->http().stats();
  EXPECT_FALSE(stats.violations.empty()) << "the storm happened";
  for (const auto& v : stats.violations) EXPECT_EQ(v.path, "/v1/customers/search") << "lists were never refused";
}

} // namespace
} // namespace quarry
