// Bronto end to end: the real `quarry` binary against the Bronto simulator
// over loopback and the real Kafka broker. What a read_committed consumer
// sees is compared record for record with the simulator's /_sim/dataset,
// under every reading the simulator serves of what Bronto's docs leave open;
// every committed record is checked against the schema `quarry discover`
// declares for its stream.

#include "kafka/topic_reader.hpp"
#include "sim/bronto.hpp"
#include "sim/timestamps.hpp"
#include "tests/support/e2e.hpp"
#include "tests/support/json_schema_check.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <map>
#include <set>
#include <sstream>

namespace quarry {
namespace {

using nlohmann::json;
using testing::calls_of;
using testing::committed;
using testing::day_s;
using testing::get_json;
using testing::post_json;
using testing::process_result;
using testing::quarry_process;
using testing::records_by_key;
using testing::summary_records;
using testing::temp_dir;
using namespace std::chrono_literals;
const std::vector<std::string> all_streams{"contact", "list", "unsubscribe", "inbound_activity", "outbound_activity"};
const std::vector<std::string> incremental_streams{"contact", "unsubscribe", "inbound_activity", "outbound_activity"};

// 25 days of records: every activity is inside Bronto's 30-day horizon.
// Small pages, so that every read takes several.
sim::bronto_options small_account() {
  sim::bronto_options o;
  o.data.contacts = 300;
  o.data.lists = 15;
  o.data.unsubscribes = 80;
  o.data.inbound = 2600;
  o.data.outbound = 300;
  o.data.days = 25;
  o.page_size = 50;
  o.activity_page_size = 1000;
  return o;
}

std::unique_ptr<sim::bronto_simulator> start(sim::bronto_options o) {
  return testing::start_simulator<sim::bronto_simulator>(std::move(o));
}

std::int64_t sim_now_ms(const sim::bronto_simulator& s) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(s.http().clock().now().time_since_epoch()).count();
}

struct job_options {
  json streams;  // null: every stream
  json settings = json::object();
  std::int64_t start_days_ago = 41;
};

std::string make_config(const std::string& prefix, const sim::bronto_simulator& s, const job_options& o = {}) {
  json settings = {{"time_zone", "Etc/GMT+5"}};  // the simulator's zone, UTC-05:00
  settings.update(o.settings);
  json account = {{"source", "bronto"},
                  {"endpoint", s.endpoint()},
                  {"credentials", {{"api_token", {{"env", "BRONTO_TOKEN"}}}}},
                  {"settings", settings},
                  {"quota", {{"windows", json::array({{{"calls", 10000}, {"seconds", 1}}})}, {"concurrency", 8}}}};
  json job = {{"start_date", sim::format_rfc3339(testing::unix_now() - o.start_days_ago * day_s)}};
  if (!o.streams.is_null()) job["streams"] = o.streams;
  return testing::one_job_config(prefix, "br", account, job).dump(2);
}

process_result extract(const temp_dir& dir, const std::string& config, const std::string& token) {
  return quarry_process{{"extract", "--config", config}, {{"BRONTO_TOKEN", token}}, dir}.wait(120s);
}

std::string topic(const std::string& prefix, const std::string& stream) { return prefix + ".bronto." + stream; }

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
void expect_stream_matches(const records_by_key& seen, const sim::bronto_simulator& s, const std::string& stream) {
  SCOPED_TRACE(stream);
  const auto rows = get_json(s, "/_sim/dataset/" + stream);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(seen.size(), rows.size());
  int lacking = 0;
  for (const auto& row : rows) {
    const auto key = key_of(stream, row);
    auto it = seen.find(key);
    if (it == seen.end()) {
      if (++lacking <= 3) ADD_FAILURE() << "lacks " << row.dump();
      continue;
    }
    EXPECT_EQ(it->second.back(), row) << key;
  }
  EXPECT_EQ(lacking, 0);
}

// Exactly once: no record (key and value) delivered twice. A contact
// modified between two runs is two records.
void expect_exactly_once(const records_by_key& seen, const std::string& stream) {
  int repeats = 0;
  for (const auto& [key, values] : seen) {
    std::set<std::string> distinct;
    for (const auto& v : values)
      if (!distinct.insert(v.dump()).second && ++repeats <= 3)
        ADD_FAILURE() << stream << " " << key << " delivered twice: " << v.dump().substr(0, 200);
  }
  EXPECT_EQ(repeats, 0) << stream;
}

// Each stream's schema, as `quarry discover` declares it.
std::map<std::string, json> discovered_schemas(const std::string& config, const sim::bronto_simulator& s) {
  return testing::discovered_schemas({"--config", config}, {{"BRONTO_TOKEN", s.options().api_token}});
}

// Every committed record validates against its stream's discovered schema
// (types and formats: every date-time RFC 3339 with an offset).
void expect_records_match_their_schemas(const std::map<std::string, records_by_key>& seen,
                                        const std::map<std::string, json>& schemas) {
  for (const auto& [stream, records_of_stream] : seen) {
    SCOPED_TRACE(stream);
    ASSERT_TRUE(schemas.count(stream)) << "not discovered";
    EXPECT_GT(testing::expect_records_fit(stream, schemas.at(stream), records_of_stream), 0u) << "nothing to check";
  }
}

// Contacts to modify (from `first_contact`, -1: after the last ones), and
// unsubscribes, inbound and outbound activities to add.
sim::bronto_mutation changes(std::int64_t contacts, std::int64_t unsubscribes, std::int64_t inbound,
                             std::int64_t outbound, std::int64_t first_contact = -1) {
  return {contacts, unsubscribes, inbound, outbound, first_contact};
}

// A burst of records sharing one instant: contacts modified, unsubscribes
// and activities added, all at `at_ms`.
void burst(sim::bronto_simulator& s, std::int64_t at_ms, std::int64_t n) {
  s.mutate(changes(n, n / 4, n, n / 2), at_ms);
}

// ---- every reading ---------------------------------------------------------

struct reading_case {
  std::string name, value;  // "" = every default
};

void PrintTo(const reading_case& c, std::ostream* out) { *out << (c.name.empty() ? "defaults" : c.name + "=" + c.value); }

std::string case_name(const ::testing::TestParamInfo<reading_case>& info) {
  return info.param.name.empty() ? std::string("defaults") : info.param.name + "_" + info.param.value;
}

class bronto_every_reading : public ::testing::TestWithParam<reading_case> {};

// Under each reading: a first run, while a burst sharing one instant is
// half written; the rest of the burst written afterwards at that same
// instant; recent records, some only visible minutes after their time
// (activity_visibility=delayed); a second run. Every record of every
// stream arrives exactly once and validates against its schema.
TEST_P(bronto_every_reading, every_record_exactly_once_across_a_burst_straddling_the_checkpoint) {
  auto o = small_account();
  if (!GetParam().name.empty()) o.server.readings = {{GetParam().name, GetParam().value}};
  auto s = start(std::move(o));
  temp_dir dir;
  const auto prefix = testing::unique_prefix("br", "rd" + case_name({GetParam(), 0}));
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s));
  const auto token = s->options().api_token;

  // The generated records end now; the burst comes 5 minutes later (at a
  // fraction of a second), the sim clock 30 minutes later, two late groups 2
  // and 1 minute before it: newer than the 10 minutes a run leaves to settle.
  const auto c = sim_now_ms(*s);
  s->http().clock().advance(30min);
  const auto t = c + 5 * 60'000 + 42;
  burst(*s, t, 40);
  s->mutate(changes(0, 1, 3, 3), c + 28 * 60'000);
  s->mutate(changes(0, 1, 3, 3), c + 29 * 60'000);

  const auto first = extract(dir, cfg, token);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  // The rest of the burst, at the same instant, and a few changes now.
  burst(*s, t, 40);
  s->mutate(changes(5, 2, 4, 4));
  s->http().clock().advance(11min);
  const auto before = s->http().stats().calls_total;
  const auto second = extract(dir, cfg, token);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;

  const auto seen = testing::committed_streams(prefix, "bronto", all_streams);
  for (const auto& stream : all_streams) expect_stream_matches(seen.at(stream), *s, stream);
  for (const auto& stream : incremental_streams) expect_exactly_once(seen.at(stream), stream);
  expect_records_match_their_schemas(seen, discovered_schemas(cfg, *s));
  if (GetParam().name.empty()) {
    // The second run reads what changed: the burst's second half, the two
    // late groups and the changes made after the first run.
    const auto records = summary_records(second.out);
    EXPECT_EQ(records.at("contact"), 45) << second.out;
    EXPECT_EQ(records.at("unsubscribe"), 10 + 2 + 2) << second.out;
    EXPECT_EQ(records.at("inbound_activity"), 40 + 6 + 4) << second.out;
    EXPECT_EQ(records.at("outbound_activity"), 20 + 6 + 4) << second.out;
    EXPECT_LE(s->http().stats().calls_total - before, 30) << "an incremental run reads one short span per stream";
    EXPECT_EQ(calls_of(*s, "login"), 2 * 5) << "one session per task";
  }
}

INSTANTIATE_TEST_SUITE_P(readings, bronto_every_reading,
                         ::testing::Values(reading_case{"", ""}, reading_case{"since_bound", "exclusive"},
                                           reading_case{"until_bound", "inclusive"},
                                           reading_case{"date_operators", "day"},
                                           reading_case{"subsecond", "seconds"}, reading_case{"date_zone", "utc"},
                                           reading_case{"date_zone", "none"},
                                           reading_case{"contact_order", "modified"},
                                           reading_case{"page_fill", "ragged"},
                                           reading_case{"activity_cursor", "token"},
                                           reading_case{"activity_end", "empty"},
                                           reading_case{"activity_order", "descending"},
                                           reading_case{"activity_visibility", "delayed"}),
                         case_name);

// ---- kill -9 inside a burst --------------------------------------------------

class bronto_kill : public ::testing::TestWithParam<std::string> {};

// A first run delivers the first half of a burst of 1,500 inbound
// activities sharing one instant; the second half is written; the next run
// is killed with SIGKILL while it pages through the burst (its FIRST page
// answered, its NEXT held); the run after that completes. Under either
// reading of the start bound, every activity is delivered exactly once.
TEST_P(bronto_kill, a_rerun_after_kill_9_inside_a_burst_delivers_it_exactly_once) {
  auto o = small_account();
  o.server.readings = {{"since_bound", GetParam()}};
  auto s = start(std::move(o));
  temp_dir dir;
  const auto prefix = testing::unique_prefix("br", "kill" + GetParam());
  job_options jo;
  jo.streams = {{"inbound_activity", json::object()}, {"contact", json::object()}};
  jo.settings = {{"settle_minutes", 0}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  const auto token = s->options().api_token;

  const auto t = sim_now_ms(*s) + 60'000 + 7;
  s->mutate(changes(150, 0, 750, 0), t);
  s->http().clock().advance(2min);
  const auto first = extract(dir, cfg, token);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  s->mutate(changes(150, 0, 750, 0), t);

  auto held = s->hold("readRecentInboundActivities", 1);
  {
    quarry_process p{{"extract", "--config", cfg}, {{"BRONTO_TOKEN", token}}, dir};
    ASSERT_EQ(held.wait_for(60s), std::future_status::ready) << "the burst's NEXT page never came";
    p.kill(SIGKILL);
    EXPECT_EQ(p.wait(30s).exit_code, -1);
  }
  s->release();
  const auto third = extract(dir, cfg, token);
  ASSERT_EQ(third.exit_code, 0) << third.out << third.err;

  const auto seen = testing::committed_streams(prefix, "bronto", {"inbound_activity", "contact"});
  for (const auto& [stream, records] : seen) {
    expect_stream_matches(records, *s, stream);
    expect_exactly_once(records, stream);
  }
}

INSTANTIATE_TEST_SUITE_P(since_bound, bronto_kill, ::testing::Values("inclusive", "exclusive"));

// ---- contacts modified while they are paged -----------------------------------

class bronto_paging : public ::testing::TestWithParam<std::string> {};

// The contacts are read in a closed 20-day window of 5 pages, then an open
// one. While the read of the first waits for its third page, contacts 0-29
// (on the pages already read, in created order) are modified, and a second
// later contacts 150-249 (on pages still to come). They leave the window
// (in modified order they would move to its end), so every contact after
// them moves up and 30 are passed over at the page boundary: the check
// after the window (contacts modified since the read began) finds contacts
// the read met as other versions, and the window is read again. The new
// versions carry a time after the run's start, so this run delivers none
// of them (a bookmark taken from the later group would pass the first); the
// next run brings all 130.
TEST_P(bronto_paging, contacts_modified_while_paged_are_neither_lost_nor_repeated) {
  auto o = small_account();
  o.server.readings = {{"contact_order", GetParam()}};
  auto s = start(std::move(o));
  temp_dir dir;
  const auto prefix = testing::unique_prefix("br", "pg" + GetParam());
  job_options jo;
  jo.streams = {{"contact", json::object()}};
  jo.settings = {{"settle_minutes", 0}, {"window_days", 20}};
  jo.start_days_ago = 26;
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  const auto token = s->options().api_token;
  s->http().clock().advance(1min);

  auto held = s->hold("readContacts", 2);
  process_result first;
  {
    quarry_process p{{"extract", "--config", cfg}, {{"BRONTO_TOKEN", token}}, dir};
    ASSERT_EQ(held.wait_for(60s), std::future_status::ready);
    const auto now = sim_now_ms(*s);
    s->mutate(changes(30, 0, 0, 0, 0), now);
    s->mutate(changes(100, 0, 0, 0, 150), now + 1000);
    s->http().clock().advance(2s);
    s->release();
    first = p.wait(60s);
  }
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE((first.out + first.err).find("while it was read (modified meanwhile); reading it again"), std::string::npos)
      << first.err;
  s->http().clock().advance(1min);
  const auto second = extract(dir, cfg, token);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(summary_records(second.out).at("contact"), 130) << second.out;
  const auto seen = committed(topic(prefix, "contact"));
  expect_stream_matches(seen, *s, "contact");
  expect_exactly_once(seen, "contact");
}

INSTANTIATE_TEST_SUITE_P(contact_order, bronto_paging, ::testing::Values("created", "modified"));

// ---- a bookmark that fits a Kafka message ---------------------------------------

// 10,001 activities at one instant (a bulk send): every one is delivered,
// and the bookmark moves one millisecond past the instant with no keys
// rather than holding 10,001 of them.
TEST(bronto_e2e, a_burst_beyond_ten_thousand_records_is_bookmarked_past_its_instant) {
  auto s = start(small_account());
  temp_dir dir;
  const auto prefix = testing::unique_prefix("br", "bulk");
  job_options jo;
  jo.streams = {{"outbound_activity", json::object()}};
  jo.settings = {{"settle_minutes", 0}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  const auto t = sim_now_ms(*s) + 1'000;
  s->mutate(changes(0, 0, 0, 10'001), t);
  s->http().clock().advance(1min);
  const auto first = extract(dir, cfg, s->options().api_token);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const auto mark = testing::committed_bookmark(prefix, "outbound_activity");
  EXPECT_EQ(mark["createdDate"], sim::format_rfc3339_ms(std::chrono::system_clock::time_point(
                                     std::chrono::milliseconds(t + 1))));
  EXPECT_EQ(mark["keys_at"], json::array());
  const auto second = extract(dir, cfg, s->options().api_token);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(summary_records(second.out).at("outbound_activity"), 0) << second.out;
  const auto seen = committed(topic(prefix, "outbound_activity"));
  expect_stream_matches(seen, *s, "outbound_activity");
  expect_exactly_once(seen, "outbound_activity");
}

// ---- sessions, hostile answers, credentials ----------------------------------

TEST(bronto_e2e, sessions_expiring_in_the_middle_of_paging_lose_and_repeat_nothing) {
  auto o = small_account();
  o.data.inbound = 11000;  // one 30-day read of many pages
  o.activity_page_size = 5000;
  auto s = start(std::move(o));
  temp_dir dir;
  const auto prefix = testing::unique_prefix("br", "expiry");
  job_options jo;
  jo.streams = {{"contact", json::object()}, {"inbound_activity", json::object()}};
  jo.settings = {{"activity_window_hours", 720}, {"settle_minutes", 0}};
  jo.start_days_ago = 29;
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  s->http().clock().advance(1min);
  // Every session dies after the 3rd readContacts page and after the first
  // NEXT of the activity read.
  post_json(*s, "/_sim/expire_sessions", {{"operation", "readContacts"}, {"after_calls", 3}});
  post_json(*s, "/_sim/expire_sessions", {{"operation", "readRecentInboundActivities"}, {"after_calls", 2}});

  const auto r = extract(dir, cfg, s->options().api_token);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto sessions = get_json(*s, "/_sim/sessions");
  EXPECT_GE(sessions["answered_103"].get<int>(), 2) << sessions.dump();
  EXPECT_GE(sessions["logins"].get<int>(), 4) << sessions.dump();
  for (const auto& [stream, records] : testing::committed_streams(prefix, "bronto", {"contact", "inbound_activity"})) {
    expect_stream_matches(records, *s, stream);
    expect_exactly_once(records, stream);
  }
}

TEST(bronto_e2e, hostile_xml_fails_only_its_own_task_naming_the_operation) {
  auto s = start(small_account());
  temp_dir dir;
  const auto prefix = testing::unique_prefix("br", "hostile");
  job_options jo;
  jo.settings = {{"settle_minutes", 0}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  s->http().clock().advance(1min);
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
  expect_stream_matches(committed(topic(prefix, "inbound_activity")), *s, "inbound_activity");
  EXPECT_EQ(all.find("/etc/passwd\n"), std::string::npos);
}

TEST(bronto_e2e, an_unreadable_date_fails_its_stream_naming_the_record_and_the_value) {
  auto s = start(small_account());
  temp_dir dir;
  const auto prefix = testing::unique_prefix("br", "baddate");
  job_options jo;
  jo.streams = {{"contact", json::object()}, {"inbound_activity", json::object()}};
  jo.settings = {{"settle_minutes", 0}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  s->http().clock().advance(1min);
  post_json(*s, "/_sim/xml_faults", {{"operation", "readContacts"}, {"kind", "bad_date"}, {"count", 100}});
  const auto r = extract(dir, cfg, s->options().api_token);
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.exit_code, -1) << "no crash";
  EXPECT_NE((r.out + r.err).find(
                R"(bronto readContacts: contact 0bc403ec0000000000000000000000000bad: createdDate "yesterday" is not a date-time)"),
            std::string::npos)
      << r.out << r.err;
  expect_stream_matches(committed(topic(prefix, "inbound_activity")), *s, "inbound_activity");
}

TEST(bronto_e2e, a_wrong_token_or_setting_fails_every_task_with_a_clear_error_and_no_secret) {
  auto s = start(small_account());
  temp_dir dir;
  job_options jo;
  jo.streams = {{"list", json::object()}, {"contact", json::object()}};
  const auto cfg = dir.write("quarry.json", make_config(testing::unique_prefix("br", "token"), *s, jo));
  const std::string wrong = "wrong-token-5ecret-9f2";
  const auto r = extract(dir, cfg, wrong);
  EXPECT_NE(r.exit_code, 0);
  const auto all = r.out + r.err;
  EXPECT_NE(all.find("authentication failed (fault 102)"), std::string::npos) << all;
  EXPECT_EQ(all.find(wrong), std::string::npos) << "the token leaked:\n" << all;
  EXPECT_EQ(get_json(*s, "/_sim/sessions")["answered_102"], 2);

  jo.settings = {{"time_zone", "Mars/Olympus_Mons"}};
  const auto bad_zone = dir.write("zone.json", make_config(testing::unique_prefix("br", "zone"), *s, jo));
  const auto z = extract(dir, bad_zone, s->options().api_token);
  EXPECT_EQ(z.exit_code, 2);
  EXPECT_NE((z.out + z.err).find("/settings/time_zone: expected a time zone of the tz database"),
            std::string::npos)
      << z.out << z.err;
}

} // namespace
} // namespace quarry
