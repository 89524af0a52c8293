// Bronto end to end: the real `quarry` binary against the Bronto simulator
// over loopback and the real Kafka broker. What a read_committed consumer
// sees is compared record for record with the simulator's /_sim/dataset, and
// the simulator's counters (calls per operation, sessions) show how quarry
// got it.

#include "kafka/topic_reader.hpp"
#include "sim/bronto.hpp"
#include "sim/timestamps.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/e2e.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include <unistd.h>

namespace quarry {
namespace {

using nlohmann::json;
using testing::committed;
using testing::unix_now;
using testing::process_result;
using testing::quarry_process;
using testing::temp_dir;

constexpr std::int64_t day_s = 86'400;
const std::vector<std::string> all_streams{"contact", "list", "unsubscribe", "inbound_activity", "outbound_activity"};

// 25 days of records: every activity is inside Bronto's 30-day horizon.
sim::bronto_options small_account() {
  sim::bronto_options o;
  o.data.contacts = 300;
  o.data.lists = 15;
  o.data.unsubscribes = 80;
  o.data.inbound = 600;
  o.data.outbound = 300;
  o.data.days = 25;
  o.data.start = 0;
  o.page_size = 50;  // several pages per window
  return o;
}

std::unique_ptr<sim::bronto_simulator> start(sim::bronto_options o) { return testing::start_simulator<sim::bronto_simulator>(std::move(o)); }

std::string unique_prefix(const std::string& stem) { return testing::unique_prefix("br", stem); }

struct job_options {
  json streams;  // null: every stream
  json settings = json::object();
  std::int64_t start_days_ago = 41;
};

std::string make_config(const std::string& prefix, const sim::bronto_simulator& s, const job_options& o = {}) {
  json account = {{"source", "bronto"},
                  {"endpoint", s.endpoint()},
                  {"credentials", {{"api_token", {{"env", "BRONTO_TOKEN"}}}}},
                  {"settings", o.settings}};
  json job = {{"name", "br"}, {"account", "br"}, {"start_date", sim::format_rfc3339(unix_now() - o.start_days_ago * day_s)}};
  if (!o.streams.is_null()) job["streams"] = o.streams;
  json cfg = {{"kafka",
               {{"bootstrap_servers", testing::kafka_bootstrap()}, {"topic_prefix", prefix}, {"replication_factor", 1}}},
              {"engine", {{"workers", 4}}},
              {"accounts", {{"br", account}}},
              {"jobs", json::array({job})}};
  return cfg.dump(2);
}

process_result extract(const temp_dir& dir, const std::string& config, const std::string& token) {
  quarry_process p{{"extract", "--config", config}, {{"BRONTO_TOKEN", token}}, dir};
  return p.wait(std::chrono::seconds(120));
}

std::string topic(const std::string& prefix, const std::string& stream) { return prefix + ".bronto." + stream; }

json get_json(const sim::bronto_simulator& s, const std::string& path) {
  httplib::Client c{"127.0.0.1", s.port()};
  auto r = c.Get(path);
  EXPECT_TRUE(r && r->status == 200) << path;
  return r ? json::parse(r->body) : json();
}

void post_json(const sim::bronto_simulator& s, const std::string& path, const json& body) {
  httplib::Client c{"127.0.0.1", s.port()};
  auto r = c.Post(path, body.dump(), "application/json");
  EXPECT_TRUE(r && r->status == 200) << path << " " << (r ? r->body : "");
}

// The Kafka key: the primary key's fields in key order.
std::string key_of(const std::string& stream, const json& r) {
  std::vector<std::string> fields{"id"};
  if (stream == "unsubscribe") fields = {"contactId", "method", "created"};
  if (stream.ends_with("_activity")) fields = {"id", "event_id"};
  std::string key = "{";
  for (const auto& f : fields) key += (key.size() > 1 ? "," : "") + json(f).dump() + ":" + r[f].dump();
  return key + "}";
}

// Every record of the dataset in the topic under its key, the latest value
// last and equal to the dataset's; no other key.
void expect_stream_matches(const std::string& prefix, const sim::bronto_simulator& s, const std::string& stream) {
  const auto seen = committed(topic(prefix, stream));
  const auto rows = get_json(s, "/_sim/dataset/" + stream);
  ASSERT_FALSE(rows.empty()) << stream;
  EXPECT_EQ(seen.size(), rows.size()) << stream;
  for (const auto& row : rows) {
    const auto key = key_of(stream, row);
    auto it = seen.find(key);
    if (it == seen.end()) {
      ADD_FAILURE() << stream << " lacks " << row.dump();
      continue;
    }
    EXPECT_EQ(it->second.back(), row) << stream << " " << key;
  }
}

// Every key exactly once.
void expect_no_repeats(const std::string& prefix, const std::string& stream) {
  for (const auto& [key, values] : committed(topic(prefix, stream)))
    EXPECT_EQ(values.size(), 1u) << stream << " " << key << " delivered " << values.size() << " times";
}

std::int64_t calls(const sim::bronto_simulator& s, const std::string& operation) {
  const auto stats = s.http().stats();
  auto it = stats.calls_by_operation.find(operation);
  return it == stats.calls_by_operation.end() ? 0 : it->second;
}

// Records per stream of the last run, from the run summary on stdout.
std::map<std::string, std::int64_t> summary_records(const std::string& out) {
  std::map<std::string, std::int64_t> records;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string stream;
    std::int64_t n = 0;
    if (row >> stream >> n && std::find(all_streams.begin(), all_streams.end(), stream) != all_streams.end())
      records[stream] = n;
  }
  return records;
}

TEST(bronto_e2e, full_run_matches_the_dataset_and_a_second_run_fetches_only_the_changes) {
  auto s = start(small_account());
  temp_dir dir;
  const auto prefix = unique_prefix("full");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s));

  const auto first = extract(dir, cfg, s->options().api_token);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  for (const auto& stream : all_streams) {
    expect_stream_matches(prefix, *s, stream);
    expect_no_repeats(prefix, stream);
  }
  // The start date is 41 days back: activities start 30 days back, said once per stream.
  EXPECT_NE((first.out + first.err).find("keeps 30 days of recent activities"), std::string::npos) << first.err;
  // Two clicks of one contact in one second share tap-bronto's id, not the key.
  std::map<std::string, int> per_tap_id;
  for (const auto& a : get_json(*s, "/_sim/dataset/inbound_activity")) ++per_tap_id[a["id"].get<std::string>()];
  EXPECT_TRUE(std::any_of(per_tap_id.begin(), per_tap_id.end(), [](const auto& p) { return p.second > 1; }));
  // One login per task. Every activity window is one FIRST and, when it
  // found records, one NEXT answered 116: 30 one-day windows, the 5 oldest
  // empty, far from tap-bronto's 720 hourly ones.
  EXPECT_EQ(calls(*s, "login"), 5);
  for (const char* op : {"readRecentInboundActivities", "readRecentOutboundActivities"}) {
    EXPECT_GE(calls(*s, op), 30 + 24) << op;
    EXPECT_LE(calls(*s, op), 31 + 26) << op;
  }
  const auto calls_first = s->http().stats().calls_total;

  // Changes after the first run, in a second its windows did not reach.
  const auto mutated_at = unix_now();
  s->mutate({10, 5, 7, 3});
  while (unix_now() <= mutated_at) std::this_thread::sleep_for(std::chrono::milliseconds(20));

  const auto second = extract(dir, cfg, s->options().api_token);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  auto records = summary_records(second.out);
  EXPECT_EQ(records["contact"], 10) << second.out;
  EXPECT_EQ(records["unsubscribe"], 5) << second.out;
  EXPECT_EQ(records["inbound_activity"], 7) << second.out;
  EXPECT_EQ(records["outbound_activity"], 3) << second.out;
  EXPECT_EQ(records["list"], 15) << second.out;
  for (const auto& stream : all_streams) expect_stream_matches(prefix, *s, stream);
  for (const auto& stream : {"unsubscribe", "inbound_activity", "outbound_activity"}) expect_no_repeats(prefix, stream);
  EXPECT_LE(s->http().stats().calls_total - calls_first, 30) << "an incremental run reads one window per stream";
}

TEST(bronto_e2e, sessions_expiring_in_the_middle_of_paging_lose_and_repeat_nothing) {
  auto o = small_account();
  o.data.inbound = 11000;  // one 30-day read of three pages (5000, 5000, 1000)
  auto s = start(std::move(o));
  temp_dir dir;
  const auto prefix = unique_prefix("expiry");
  job_options jo;
  jo.streams = {{"contact", json::object()}, {"inbound_activity", json::object()}};
  jo.settings = {{"activity_window_hours", 720}, {"window_days", 30}};
  jo.start_days_ago = 29;
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  // Every session dies after the 3rd readContacts page and after the first
  // NEXT of the activity read.
  post_json(*s, "/_sim/expire_sessions", {{"operation", "readContacts"}, {"after_calls", 3}});
  post_json(*s, "/_sim/expire_sessions", {{"operation", "readRecentInboundActivities"}, {"after_calls", 2}});

  const auto r = extract(dir, cfg, s->options().api_token);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto sessions = get_json(*s, "/_sim/sessions");
  EXPECT_GE(sessions["answered_103"].get<int>(), 2) << sessions.dump();
  EXPECT_GE(sessions["logins"].get<int>(), 4) << sessions.dump();
  for (const auto* stream : {"contact", "inbound_activity"}) {
    expect_stream_matches(prefix, *s, stream);
    expect_no_repeats(prefix, stream);
  }
}

TEST(bronto_e2e, hostile_xml_fails_only_its_own_task_naming_the_operation) {
  auto s = start(small_account());
  temp_dir dir;
  const auto prefix = unique_prefix("hostile");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s));
  const std::map<std::string, std::string> faults{{"readLists", "malformed"},
                                                  {"readUnsubscribes", "truncated"},
                                                  {"readContacts", "entity_bomb"},
                                                  {"readRecentOutboundActivities", "external_entity"}};
  for (const auto& [operation, kind] : faults)
    post_json(*s, "/_sim/xml_faults", {{"operation", operation}, {"kind", kind}, {"count", 1}});

  const auto r = extract(dir, cfg, s->options().api_token);
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.exit_code, -1) << "no crash";
  const auto all = r.out + r.err;
  for (const auto& [operation, kind] : faults)
    EXPECT_NE(all.find("bronto " + operation + ": "), std::string::npos) << operation << "\n" << all;
  EXPECT_NE(all.find("DOCTYPE"), std::string::npos) << all;
  EXPECT_NE(all.find("not well formed"), std::string::npos) << all;
  // The untouched stream is whole.
  expect_stream_matches(prefix, *s, "inbound_activity");
  EXPECT_EQ(all.find("/etc/passwd\n"), std::string::npos);
}

TEST(bronto_e2e, a_wrong_token_fails_every_task_without_showing_the_token) {
  auto s = start(small_account());
  temp_dir dir;
  const auto prefix = unique_prefix("token");
  job_options jo;
  jo.streams = {{"list", json::object()}, {"contact", json::object()}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  const std::string wrong = "wrong-token-5ecret-9f2";
  const auto r = extract(dir, cfg, wrong);
  EXPECT_NE(r.exit_code, 0);
  const auto all = r.out + r.err;
  EXPECT_NE(all.find("authentication failed (fault 102)"), std::string::npos) << all;
  EXPECT_EQ(all.find(wrong), std::string::npos) << "the token leaked:\n" << all;
  EXPECT_EQ(get_json(*s, "/_sim/sessions")["answered_102"], 2);
}

} // namespace
} // namespace quarry
