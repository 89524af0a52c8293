// Kustomer end to end: the real `quarry` binary against the Kustomer
// simulator over loopback and the real Kafka broker. What a read_committed
// consumer sees is compared, record for record, with the simulator's own
// dataset (records as the connector should emit them), every committed record
// is checked against the schema `quarry discover` declares for its stream,
// and the simulator's counters show how quarry got there. Tie groups (records
// sharing one updatedAt) run under every reading of the undocumented id
// filter: honoured, refused with 400, silently ignored.

#include "kafka/topic_reader.hpp"
#include "sim/kustomer.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/e2e.hpp"
#include "tests/support/json_schema_check.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <unistd.h>

namespace quarry {
namespace {

using nlohmann::json;
using testing::calls_to;
using testing::process_result;
using testing::quarry_process;
using testing::set_reading;
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
  json engine = {{"workers", 4}};
  // quarry's own budget: generous unless a test says otherwise
  json quota = {{"windows", json::array({{{"calls", 1000}, {"seconds", 60}}})}};
};

std::string make_config(const std::string& prefix, const sim::kustomer_simulator& s, const job_options& o = {}) {
  json account = {{"source", "kustomer"},
                  {"endpoint", s.base_url()},
                  {"credentials", {{"api_key", {{"env", "KUSTOMER_KEY"}}}}},
                  {"settings", o.settings},
                  {"quota", o.quota}};
  return testing::one_job_config(prefix, "ku", account, {{"start_date", "2020-01-01T00:00:00Z"}}, o.engine).dump(2);
}

process_result extract(const temp_dir& dir, const std::string& config, const sim::kustomer_simulator& s) {
  return quarry_process{{"extract", "--config", config}, {{"KUSTOMER_KEY", s.options().api_key}}, dir}.wait();
}

// Committed records of a topic: key -> values in the order seen.
testing::records_by_key committed(const std::string& prefix, const std::string& stream) {
  return testing::committed(prefix + ".kustomer." + stream);
}

json dataset(const sim::kustomer_simulator& s, const std::string& stream) {
  return testing::get_json(s, "/_sim/dataset/" + stream);
}

// Every record of the dataset in the stream's topic once per version (twice
// for `touched`: before and after a change), the last value equal to the
// record as the simulator shows it; with a `schema`, every committed record
// validates against it. The topic is read once.
void expect_stream_matches(const std::string& prefix, const sim::kustomer_simulator& s, const std::string& stream,
                           const json& schema = nullptr, const std::set<std::string>& touched = {}) {
  const auto seen = committed(prefix, stream);
  const auto rows = dataset(s, stream);
  ASSERT_EQ(seen.size(), rows.size()) << stream;
  for (const auto& row : rows) {
    const auto id = row["id"].get<std::string>();
    const auto it = seen.find(json{{"id", id}}.dump());
    ASSERT_NE(it, seen.end()) << stream << " lacks " << id;
    const auto times = touched.count(id) ? 2u : 1u;
    ASSERT_EQ(it->second.size(), times) << stream << " " << id << " delivered " << it->second.size() << " times";
    ASSERT_EQ(it->second.back(), row) << stream << " " << id;
  }
  if (!schema.is_null()) testing::expect_records_fit(stream, schema, seen);
}

// The schema `quarry discover` declares for each stream.
std::map<std::string, json> discovered_schemas(const std::string& config, const sim::kustomer_simulator& s) {
  return testing::discovered_schemas({"--config", config}, {{"KUSTOMER_KEY", s.options().api_key}});
}

// Waits (bounded) until the simulator has answered `n` searches.
bool wait_for_searches(const sim::kustomer_simulator& s, std::int64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    if (calls_to(s, "/v1/customers/search") >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

TEST(kustomer_e2e, full_run_matches_every_stream_and_a_second_run_reads_only_the_changes) {
  auto s = start(small_org());
  temp_dir dir;
  const auto prefix = unique_prefix("full");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s));

  const auto first = extract(dir, cfg, *s);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const auto schemas = discovered_schemas(cfg, *s);
  for (const auto& stream : all_streams) expect_stream_matches(prefix, *s, stream, schemas.at(stream));
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

const std::vector<std::string> id_filter_readings{"honoured", "refused", "ignored"};

// 1,200 customers sharing one updatedAt (past one 500-record page) and
// 12,000 (past the 10,000-record search depth), under each reading of the
// undocumented customer_id filter: every record once, in few searches.
TEST(kustomer_e2e, tie_groups_of_1200_and_12000_are_read_once_whatever_the_server_does_with_the_id_filter) {
  json schema;
  for (const int tied : {1200, 12000}) {
    auto o = small_org();
    o.data.counts = {tied + 300, 0, 0, 0, 0, 3, 0, 0, 0};
    o.data.same_updated_at = tied;
    o.search_per_minute = 10000;  // the simulator's window is not what this test is about
    auto s = start(std::move(o));
    for (const auto& reading : id_filter_readings) {
      set_reading(*s, "id_filter", reading);
      temp_dir dir;
      const auto prefix = unique_prefix("tie" + std::to_string(tied) + reading);
      const auto cfg = dir.write("quarry.json", make_config(prefix, *s));
      const auto searches_before = calls_to(*s, "/v1/customers/search");
      const auto started = std::chrono::steady_clock::now();
      const auto r = extract(dir, cfg, *s);
      ASSERT_EQ(r.exit_code, 0) << reading << r.out << r.err;
      if (schema.is_null()) schema = discovered_schemas(cfg, *s).at("customers");
      expect_stream_matches(prefix, *s, "customers", schema);
      const auto searches = calls_to(*s, "/v1/customers/search") - searches_before;
      // Pages of 500: customers' own, a few to enter and leave the group and,
      // past the depth, to split it by createdAt; one search for each other stream.
      EXPECT_LE(searches, (tied + 300) / 500 + 14) << reading;
      std::cerr << "[ measure ] tie group " << tied << " id_filter=" << reading << ": " << searches
                << " searches, "
                << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()
                << " ms\n";
      const auto log = r.out + r.err;
      EXPECT_EQ(log.find("search filter was") != std::string::npos, reading != "honoured")
          << reading << ": the fallback is logged exactly when the filter cannot serve";
    }
  }
}

// kill -9 while quarry is inside a tie group (bookmarked mid-group), then a
// rerun: every record once for a read_committed consumer.
TEST(kustomer_e2e, kill_9_inside_a_tie_group_resumes_without_loss_or_duplicates) {
  for (const std::string reading : {"honoured", "refused"}) {
    auto o = small_org();
    o.data.counts = {1400, 0, 0, 0, 0, 3, 0, 0, 0};
    o.data.same_updated_at = 1200;
    o.search_per_minute = 10000;
    o.server.latency_ms = 20;  // a window wide enough to land the kill inside the group
    auto s = start(std::move(o));
    set_reading(*s, "id_filter", reading);
    temp_dir dir;
    const auto prefix = unique_prefix("kill" + reading);
    job_options jo;
    jo.settings = {{"page_size", 100}};
    jo.engine = {{"workers", 4}, {"checkpoint_records", 100}};
    const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
    {
      quarry_process first{{"extract", "--config", cfg}, {{"KUSTOMER_KEY", s->options().api_key}}, dir};
      // 4 empty search streams and ~3 customer pages come before the group's 12+.
      ASSERT_TRUE(wait_for_searches(*s, 13));
      first.kill(SIGKILL);
      EXPECT_EQ(first.wait().exit_code, -1);
    }
    const auto bookmark = testing::committed_bookmark(prefix, "customers");
    ASSERT_TRUE(bookmark.contains("tie")) << reading << ": killed inside the group, got " << bookmark.dump();
    EXPECT_LT(bookmark["keys_at"].size(), 100u);
    const auto r = extract(dir, cfg, *s);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_stream_matches(prefix, *s, "customers");
  }
}

// 600 records of every search stream change in one millisecond after a first
// run: the incremental run delivers each once more, under each reading of
// the id filter, and with the server comparing times finer than it shows.
TEST(kustomer_e2e, an_incremental_run_after_600_records_change_in_one_millisecond_delivers_each_once) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"honoured", "ms"}, {"refused", "ms"}, {"ignored", "ms"}, {"honoured", "us"}};
  std::map<std::string, json> schemas;
  for (const auto& [id_filter, precision] : cases) {
    auto o = small_org();
    o.data.counts = {700, 650, 650, 620, 610, 0, 0, 0, 0};
    o.search_per_minute = 10000;
    auto s = start(std::move(o));
    set_reading(*s, "id_filter", id_filter);
    set_reading(*s, "time_precision", precision);
    temp_dir dir;
    const auto prefix = unique_prefix("burst" + id_filter + precision);
    const auto cfg = dir.write("quarry.json", make_config(prefix, *s));
    const auto first = extract(dir, cfg, *s);
    ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
    s->mutate(600, 0);
    std::map<std::string, std::set<std::string>> touched;
    for (const auto& stream : search_streams) {
      const auto rows = dataset(*s, stream);
      for (const auto& row : rows)
        if (row["updated_at"] == rows.back()["updated_at"]) touched[stream].insert(row["id"].get<std::string>());
      ASSERT_EQ(touched[stream].size(), 600u) << stream;
    }
    const auto second = extract(dir, cfg, *s);
    ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
    if (schemas.empty()) schemas = discovered_schemas(cfg, *s);
    for (const auto& stream : search_streams)
      expect_stream_matches(prefix, *s, stream, schemas.at(stream), touched[stream]);
  }
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
