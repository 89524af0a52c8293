// Listrak end to end: the real `quarry` binary against the Listrak simulator
// over loopback and the real Kafka broker. What a read_committed consumer
// sees is compared record for record with the simulator's dataset (under the
// simulator's readings of what the docs leave open), and every record with
// the schema `quarry discover` declares; the simulator's calls_by_operation
// shows which reports quarry read.

#include "kafka/topic_reader.hpp"
#include "sim/listrak.hpp"
#include "sim/timestamps.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/e2e.hpp"
#include "tests/support/json_schema_check.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <unistd.h>

namespace quarry {
namespace {

using nlohmann::json;
using testing::calls_of;
using testing::control;
using testing::day_s;
using testing::process_result;
using testing::quarry_process;
using testing::set_readings;
using testing::temp_dir;
using testing::unix_now;

// Kafka key fields of each stream, in key order.
const std::map<std::string, std::vector<std::string>>& stream_keys() {
  static const std::map<std::string, std::vector<std::string>> keys{
      {"lists", {"ListID"}},
      {"messages", {"MsgID"}},
      {"subscribed_contacts", {"ListID", "ContactID"}},
      {"message_sends", {"MsgID", "EmailAddress"}},
      {"message_opens", {"MsgID", "EmailAddress", "OpenDate", "Ordinal"}},
      {"message_clicks", {"MsgID", "EmailAddress", "ClickDate", "LinkUrl", "Ordinal"}},
      {"message_reads", {"MsgID", "EmailAddress", "ReadDate", "Ordinal"}},
      {"message_unsubs", {"MsgID", "EmailAddress", "RemovalDate", "Ordinal"}},
      {"message_bounces", {"MsgID", "EmailAddress", "BounceDate", "Ordinal"}}};
  return keys;
}

// The SOAP method of each child stream.
const std::map<std::string, std::string>& operations() {
  static const std::map<std::string, std::string> ops{
      {"message_sends", "ReportMessageContactSent"},
      {"message_opens", "ReportRangeMessageContactOpen"},
      {"message_clicks", "ReportRangeMessageContactClick"},
      {"message_reads", "ReportRangeMessageContactRead"},
      {"message_unsubs", "ReportRangeMessageContactRemoval"},
      {"message_bounces", "ReportRangeMessageContactBounces"},
      {"subscribed_contacts", "ReportRangeSubscribedContacts"}};
  return ops;
}

// Messages sent 60..30 days ago: past the bounce window, inside the job.
sim::listrak_options account(int lists, int messages, int recipients, int subscribers) {
  sim::listrak_options o;
  o.data.lists = lists;
  o.data.messages_per_list = messages;
  o.data.recipients_per_message = recipients;
  o.data.subscribers_per_list = subscribers;
  o.data.days = 30;
  o.data.start = unix_now() - 60 * day_s;
  return o;
}

std::unique_ptr<sim::listrak_simulator> start(sim::listrak_options o) { return testing::start_simulator<sim::listrak_simulator>(std::move(o)); }

std::string unique_prefix(const std::string& stem) { return testing::unique_prefix("lr", stem); }

// interval_days 40 over a job that starts 100 days ago: 3 windows per list.
constexpr int windows_per_list = 3;

std::string make_config(const std::string& prefix, const sim::listrak_simulator& s, int workers = 4,
                        int checkpoint_records = 0, const json& streams = nullptr, const json& settings = json::object()) {
  json account = {{"source", "listrak"},
                  {"endpoint", s.endpoint()},
                  {"credentials",
                   {{"username", s.options().username}, {"password", {{"env", "LISTRAK_PASSWORD"}}}}},
                  {"settings", {{"interval_days", 40}}}};
  account["settings"].update(settings);
  json engine = {{"workers", workers}};
  if (checkpoint_records > 0) engine["checkpoint_records"] = checkpoint_records;
  json job = {{"start_date", sim::format_rfc3339(unix_now() - 100 * day_s)}};
  if (!streams.is_null()) job["streams"] = streams;
  return testing::one_job_config(prefix, "lr", account, job, engine).dump(2);
}

testing::env_list child_env(const sim::listrak_simulator& s) {
  return {{"LISTRAK_PASSWORD", s.options().password}};
}

process_result extract(const temp_dir& dir, const std::string& config, const sim::listrak_simulator& s) {
  return quarry_process{{"extract", "--config", config}, child_env(s), dir}.wait();
}

std::string topic(const std::string& prefix, const std::string& stream) {
  return prefix + ".listrak." + stream;
}

json dataset(const sim::listrak_simulator& s, const std::string& stream) {
  return json::parse(*s.dataset_json(stream));
}

json key_of(const std::string& stream, const json& record) {
  json k = json::object();
  for (const auto& f : stream_keys().at(stream)) k[f] = record.at(f);
  return k;
}

// Every record of the dataset under its own key, `times` times (the last
// value equal to the dataset's), and nothing else.
void expect_stream_matches(const std::string& prefix, const sim::listrak_simulator& s, const std::string& stream,
                           std::size_t times = 1) {
  const auto seen = testing::committed(topic(prefix, stream), true);
  const auto rows = dataset(s, stream);
  ASSERT_EQ(seen.size(), rows.size()) << stream << ": distinct keys";
  for (const auto& row : rows) {
    const auto key = key_of(stream, row).dump();
    const auto it = seen.find(key);
    ASSERT_NE(it, seen.end()) << stream << " lacks " << key;
    ASSERT_EQ(it->second.size(), times) << stream << " " << key;
    EXPECT_EQ(it->second.back(), row) << stream << " " << key;
  }
}

void expect_children_exactly_once(const std::string& prefix, const sim::listrak_simulator& s) {
  for (const auto& [stream, op] : operations()) expect_stream_matches(prefix, s, stream);
}

// Every committed record of every stream validates against the schema
// `quarry discover` declares for it (formats checked).
void expect_records_match_discovered_schemas(const std::string& config, const sim::listrak_simulator& s,
                                             const std::string& prefix) {
  std::size_t checked = 0;
  for (const auto& [stream, schema] : testing::discovered_schemas({"--config", config, "--account", "lr"}, child_env(s)))
    checked += testing::expect_records_fit(stream, schema, testing::committed(topic(prefix, stream)));
  EXPECT_GT(checked, 0u);
}

json mutate(const sim::listrak_simulator& s, const json& body) { return testing::post_json(s, "/_sim/mutate", body); }

// Calls a paged read of n records makes (pages of 5000, then an empty one).
std::int64_t paged_calls(std::size_t n) { return static_cast<std::int64_t>((n + 4999) / 5000 + 1); }

// Records per message of each child stream, from the dataset.
std::map<std::string, std::map<std::int64_t, std::size_t>> per_message(const sim::listrak_simulator& s) {
  std::map<std::string, std::map<std::int64_t, std::size_t>> out;
  for (const auto& [stream, op] : operations()) {
    if (stream == "subscribed_contacts") continue;
    for (const auto& r : dataset(s, stream)) ++out[stream][r["MsgID"].get<std::int64_t>()];
  }
  return out;
}

// The calls of a first run: one collection, windows per list, one paged
// read per list (contacts) and per message and child stream.
std::map<std::string, std::int64_t> first_run_calls(const sim::listrak_simulator& s) {
  std::map<std::string, std::int64_t> calls;
  const auto lists = dataset(s, "lists").size();
  calls["GetContactListCollection"] = 1;
  calls["ReportListMessageActivity"] = static_cast<std::int64_t>(lists) * windows_per_list;
  std::map<std::int64_t, std::size_t> contacts;
  for (const auto& c : dataset(s, "subscribed_contacts")) ++contacts[c["ListID"].get<std::int64_t>()];
  for (const auto& l : dataset(s, "lists")) calls["ReportRangeSubscribedContacts"] += paged_calls(contacts[l["ListID"]]);
  const auto counts = per_message(s);
  for (const auto& m : dataset(s, "messages")) {
    const auto id = m["MsgID"].get<std::int64_t>();
    for (const auto& [stream, op] : operations()) {
      if (stream == "subscribed_contacts") continue;
      const auto& c = counts.count(stream) ? counts.at(stream) : std::map<std::int64_t, std::size_t>{};
      const auto it = c.find(id);
      calls[op] += paged_calls(it == c.end() ? 0 : it->second);
    }
  }
  return calls;
}

TEST(listrak_e2e, full_run_matches_the_dataset_and_an_incremental_run_reads_only_changed_messages) {
  auto s = start(account(2, 6, 25, 40));
  temp_dir dir;
  const auto prefix = unique_prefix("full");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s));

  const auto first = extract(dir, cfg, *s);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  expect_stream_matches(prefix, *s, "lists");
  expect_stream_matches(prefix, *s, "messages");
  expect_children_exactly_once(prefix, *s);
  // Repeat opens and clicks are all there, each under its own key.
  std::map<std::string, int> clicks_by_contact;
  for (const auto& [key, values] : testing::committed(topic(prefix, "message_clicks"), true)) {
    const auto k = json::parse(key);
    ++clicks_by_contact[k["MsgID"].dump() + k["EmailAddress"].get<std::string>()];
  }
  int repeat_clickers = 0;
  for (const auto& [who, n] : clicks_by_contact) repeat_clickers += n > 1;
  EXPECT_GT(repeat_clickers, 0) << "a [MsgID, EmailAddress] key would have merged these";
  for (const auto& [op, n] : first_run_calls(*s)) EXPECT_EQ(calls_of(*s, op), n) << op;

  // Changes: 3 messages gain events, one message is sent, 4 contacts subscribe.
  const auto mutated_at = unix_now();
  const auto changed =
      mutate(*s, {{"touch_messages", 3}, {"events_per_message", 2}, {"add_messages", 1}, {"add_subscribers", 4}});
  ASSERT_EQ(changed["touched_messages"].size(), 3u);
  while (unix_now() <= mutated_at) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  s->http().reset_stats();

  const auto second = extract(dir, cfg, *s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  expect_children_exactly_once(prefix, *s);
  std::set<std::int64_t> new_message{changed["added_messages"][0].get<std::int64_t>()};
  expect_stream_matches(prefix, *s, "lists", 2);
  // Messages: every one again (its counters may change), the new one once.
  const auto messages = testing::committed(topic(prefix, "messages"), true);
  for (const auto& m : dataset(*s, "messages")) {
    const auto& values = messages.at(key_of("messages", m).dump());
    EXPECT_EQ(values.size(), new_message.count(m["MsgID"]) ? 1u : 2u) << m;
    EXPECT_EQ(values.back(), m);
  }
  // Calls: the same windows, and per child stream only the messages whose
  // counter moved: 3 touched (events, so a data page and an empty page) plus
  // the new one; bounces and sends only for the new message.
  EXPECT_EQ(calls_of(*s, "ReportListMessageActivity"), 2 * windows_per_list);
  const auto counts = per_message(*s);
  const auto new_id = *new_message.begin();
  auto new_calls = [&](const std::string& stream) {
    const auto& c = counts.count(stream) ? counts.at(stream) : std::map<std::int64_t, std::size_t>{};
    return c.count(new_id) ? 2 : 1;
  };
  for (const auto* stream : {"message_opens", "message_clicks", "message_reads", "message_unsubs"})
    EXPECT_EQ(calls_of(*s, operations().at(stream)), 3 * 2 + new_calls(stream)) << stream;
  EXPECT_EQ(calls_of(*s, "ReportRangeMessageContactBounces"), new_calls("message_bounces"));
  EXPECT_EQ(calls_of(*s, "ReportMessageContactSent"), 2);
  EXPECT_EQ(calls_of(*s, "ReportRangeSubscribedContacts"), 2 * 2);
  expect_records_match_discovered_schemas(cfg, *s, prefix);
}

// Messages sent 12..8 days ago, inside the default 30-day engagement
// horizon, and an instant after every generated event.
sim::listrak_options recent_account() {
  auto o = account(1, 3, 20, 30);
  o.data.start = unix_now() - 12 * day_s;
  o.data.days = 4;
  return o;
}

struct readings_case {
  json readings;
};

void PrintTo(const readings_case& c, std::ostream* os) { *os << c.readings.dump(); }

class listrak_readings : public ::testing::TestWithParam<readings_case> {};

// Repeat opens, reads and clicks by people the counters already count, and
// two clicks on one link by one contact in one second, land after a first
// run at the very second that run's bookmarks hold: the next run delivers
// every one of them exactly once, under each reading of what the docs leave
// open, with concrete UTC instants whatever the server's zone.
TEST_P(listrak_readings, repeat_engagement_by_counted_people_and_same_second_clicks_arrive_on_the_next_run) {
  auto s = start(recent_account());
  set_readings(*s, GetParam().readings);
  const bool subsecond = s->http().reading("subsecond") == "on";
  temp_dir dir;
  const auto prefix = unique_prefix("readings");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, 4, 0, nullptr,
                                                        {{"time_zone", s->http().reading("server_time_zone")}}));
  const auto at = (unix_now() / 60 - 10) * 60;  // a whole minute, ten minutes ago
  const auto touched = mutate(*s, {{"touch_messages", 2}, {"events_per_message", 2}, {"at", sim::format_rfc3339(at)}});
  ASSERT_EQ(touched["touched_messages"].size(), 2u);

  const auto first = extract(dir, cfg, *s);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  expect_children_exactly_once(prefix, *s);
  expect_stream_matches(prefix, *s, "messages");

  // The counters quarry could have taken as a reason to skip.
  auto counters = [&] {
    json out = json::array();
    for (const auto& m : dataset(*s, "messages"))
      out.push_back({m["MsgID"], m["DeliverCount"], m["OpenCount"], m["ClickCount"], m["ReadCount"], m["RemoveCount"]});
    return out;
  };
  const auto counters_before = counters();
  const auto repeated = mutate(*s, {{"repeat_messages", 2}, {"events_per_message", 2}, {"at", sim::format_rfc3339(at)}});
  ASSERT_EQ(repeated["repeated_messages"], touched["touched_messages"]) << "the same messages, at the same second";
  ASSERT_EQ(repeated["added_events"]["message_clicks"], 2 * 4);
  if (s->http().reading("counters") == "people") {
    ASSERT_EQ(counters(), counters_before) << "counters of people do not move";
  }

  const auto second = extract(dir, cfg, *s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  expect_children_exactly_once(prefix, *s);
  expect_records_match_discovered_schemas(cfg, *s, prefix);

  // The first clicker's clicks on their link in that second, as UTC
  // instants: one at the second, .19 and .93 later (whole seconds: three
  // identical rows, Ordinal 0, 1, 2).
  const auto msg = repeated["repeated_messages"][0].get<std::int64_t>();
  const auto second_text = sim::format_rfc3339(at);  // "...:00Z"
  const auto base = second_text.substr(0, 19);
  std::map<std::string, std::set<std::pair<std::string, int>>> at_second;  // email + link -> (ClickDate, Ordinal)
  for (const auto& [key, values] : testing::committed(topic(prefix, "message_clicks"), true)) {
    const auto k = json::parse(key);
    if (k["MsgID"] == msg && k["ClickDate"].get<std::string>().starts_with(base))
      at_second[k["EmailAddress"].get<std::string>() + " " + k["LinkUrl"].get<std::string>()].emplace(
          k["ClickDate"], k["Ordinal"]);
  }
  const std::set<std::pair<std::string, int>> expected =
      subsecond ? std::set<std::pair<std::string, int>>{{second_text, 0}, {base + ".19Z", 0}, {base + ".93Z", 0}}
                : std::set<std::pair<std::string, int>>{{second_text, 0}, {second_text, 1}, {second_text, 2}};
  bool found = false;
  for (const auto& [who, clicks] : at_second) found = found || clicks == expected;
  EXPECT_TRUE(found) << "no contact with the three clicks of " << base << " on message " << msg;
}

INSTANTIATE_TEST_SUITE_P(
    readings, listrak_readings,
    ::testing::Values(
        readings_case{{{"counters", "people"}, {"subsecond", "on"}, {"range_bound", "inclusive"},
                       {"server_time_zone", "UTC"}, {"bounce_date", "iso"}}},
        readings_case{{{"counters", "events"}, {"subsecond", "off"}, {"range_bound", "exclusive"},
                       {"server_time_zone", "Etc/GMT+5"}, {"bounce_date", "dotnet"}}},
        readings_case{{{"counters", "people"}, {"subsecond", "off"}, {"range_bound", "half_open"},
                       {"server_time_zone", "Etc/GMT+5"}, {"bounce_date", "iso"}}}),
    [](const ::testing::TestParamInfo<readings_case>& info) {
      return info.param.readings["counters"].get<std::string>() + "_" +
             info.param.readings["range_bound"].get<std::string>() + "_subsecond_" +
             info.param.readings["subsecond"].get<std::string>();
    });

TEST(listrak_e2e, bad_settings_are_refused_at_load_naming_the_setting) {
  auto s = start(account(1, 1, 2, 2));
  temp_dir dir;
  const auto prefix = unique_prefix("settings");
  const std::vector<std::pair<json, std::string>> cases{
      {{{"engagement_days", 0}}, "engagement_days"},
      {{{"engagement_days", "30"}}, "engagement_days"},
      {{{"engagement_days", 4000}}, "engagement_days"},
      {{{"time_zone", "Mars/Olympus_Mons"}}, "time_zone"},
      {{{"time_zone", 5}}, "time_zone"}};
  for (const auto& [settings, name] : cases) {
    const auto cfg = dir.write("quarry.json", make_config(prefix, *s, 1, 0, nullptr, settings));
    const auto r = extract(dir, cfg, *s);
    EXPECT_EQ(r.exit_code, 2) << settings;
    EXPECT_NE((r.out + r.err).find("/settings/" + name + ": "), std::string::npos) << settings << "\n" << r.out << r.err;
  }
  EXPECT_EQ(s->http().stats().calls_total, 0) << "nothing is read with a bad setting";
}

TEST(listrak_e2e, a_server_that_repeats_a_page_fails_the_task_instead_of_looping) {
  auto o = account(1, 1, 30, 30);
  o.page_size = 7;
  auto s = start(o);
  temp_dir dir;
  const auto prefix = unique_prefix("repeat");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, 1, 0, {{"message_sends", json::object()}}));
  httplib::Client c{"127.0.0.1", s->port()};
  const auto armed = c.Post("/_sim/xml_faults",
                            json{{"operation", "ReportMessageContactSent"}, {"kind", "repeat_page"}, {"count", 2}}.dump(),
                            "application/json");
  ASSERT_TRUE(armed && armed->status == 200);
  const auto first = extract(dir, cfg, *s);
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  EXPECT_NE((first.out + first.err).find("listrak ReportMessageContactSent (MsgID 10001"), std::string::npos)
      << first.out << first.err;
  EXPECT_NE((first.out + first.err).find("same page again"), std::string::npos) << first.out << first.err;
  EXPECT_EQ(calls_of(*s, "ReportMessageContactSent"), 2) << "page 1, then page 2 answered as page 1: stop";
  const auto second = extract(dir, cfg, *s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  expect_stream_matches(prefix, *s, "message_sends");
}

// Bookmarks committed per (stream, partition), and pending children left.
std::pair<std::map<std::string, int>, int> state_of(const std::string& prefix) {
  std::map<std::string, std::pair<json, json>> live;  // key text -> [key, value]
  for (auto& [key, value] : testing::state_messages(prefix))
    if (value.is_null())
      live.erase(key.dump());
    else
      live[key.dump()] = {key, value};
  std::map<std::string, int> bookmarks;
  int pending = 0;
  for (const auto& [text, entry] : live) {
    const auto& [k, value] = entry;
    if (k.size() == 4 && k[3] == "pending") ++pending;
    if (k.size() == 3 && value.contains("bookmark")) ++bookmarks[k[1].get<std::string>()];
  }
  return {bookmarks, pending};
}

TEST(listrak_e2e, a_list_of_300_messages_fans_out_1800_child_tasks_that_all_finish_and_bookmark) {
  auto s = start(account(1, 300, 2, 4));
  temp_dir dir;
  const auto prefix = unique_prefix("fanout");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, 8));
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& [stream, op] : operations()) {
    if (stream != "subscribed_contacts") {
      EXPECT_GE(calls_of(*s, op), 300) << op;
    }
  }
  expect_children_exactly_once(prefix, *s);
  const auto [bookmarks, pending] = state_of(prefix);
  EXPECT_EQ(pending, 0) << "every spawned child finished and cleared its pending entry";
  EXPECT_EQ(bookmarks.at("messages"), 1);
  for (const auto& [stream, op] : operations())
    if (stream != "subscribed_contacts") {
      EXPECT_EQ(bookmarks.count(stream) ? bookmarks.at(stream) : 0, 300) << stream;
    }
  EXPECT_EQ(bookmarks.at("subscribed_contacts"), 1);
}

TEST(listrak_e2e, a_run_killed_mid_way_resumes_from_per_message_bookmarks_with_every_event_once) {
  auto o = account(2, 40, 20, 30);
  o.server.latency_ms = 4;
  auto s = start(o);
  const auto full = first_run_calls(*s);
  std::int64_t full_total = 0;
  for (const auto& [op, n] : full) full_total += n;
  temp_dir dir;
  const auto prefix = unique_prefix("kill");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, 4, 20));
  {
    quarry_process p{{"extract", "--config", cfg}, child_env(*s), dir};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (s->http().stats().calls_total < full_total / 2 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    p.kill(SIGKILL);
    EXPECT_EQ(p.wait().exit_code, -1);
  }
  const auto calls_before = s->http().stats().calls_total;
  ASSERT_LT(calls_before, full_total) << "the run must be killed before it finished";
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_children_exactly_once(prefix, *s);
  const auto calls_after = s->http().stats().calls_total - calls_before;
  EXPECT_LT(calls_after, full_total) << "the restart went on from committed bookmarks and pending children";
}

class listrak_burst : public ::testing::TestWithParam<std::string> {};

// The run of issue 13 for Listrak: a message's opens end in a burst of 100
// sharing one OpenDate that straddles pages of 40; quarry is `kill -9`ed
// with a page inside the burst committed (its bookmark: that date and the
// burst rows it holds) and the next page asked for. The rerun asks from a
// second before the date and skips what the bookmark holds: every open
// exactly once, under each reading of the range's bounds.
TEST_P(listrak_burst, a_kill_9_inside_a_same_open_date_burst_then_a_rerun_delivers_every_open_once) {
  auto o = account(1, 1, 400, 400);
  o.data.start = unix_now() - 12 * day_s;  // inside the engagement horizon
  o.data.days = 4;
  o.page_size = 40;
  auto s = start(o);
  set_readings(*s, {{"range_bound", GetParam()}});
  const auto at = (unix_now() / 60 - 10) * 60;  // a whole minute ten minutes ago, after every generated event
  const auto opens_before = dataset(*s, "message_opens").size();
  const auto touched = mutate(*s, {{"touch_messages", 1}, {"events_per_message", 100}, {"at", sim::format_rfc3339(at)}});
  ASSERT_EQ(touched["added_events"]["message_opens"], 100);
  const auto msg = touched["touched_messages"][0].dump();
  const auto opens = dataset(*s, "message_opens");
  ASSERT_EQ(opens.size(), opens_before + 100);
  // Pages of 40 by date: the page holding the burst's first open ends
  // inside the burst; the next one is held.
  const auto pages_before = static_cast<std::int64_t>(opens_before / 40 + 1);
  const auto burst_on_page = pages_before * 40 - static_cast<std::int64_t>(opens_before);
  ASSERT_GT(burst_on_page, 0);
  ASSERT_LT(burst_on_page, 100);
  temp_dir dir;
  const auto prefix = unique_prefix("burst-" + GetParam());
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, 4, 1));
  const std::string op = "ReportRangeMessageContactOpen";
  control(*s, "POST", "/_sim/hold", {{"operation", op}, {"after_calls", pages_before}});
  {
    quarry_process run{{"extract", "--config", cfg}, child_env(*s), dir};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    json mark;
    while (std::chrono::steady_clock::now() < deadline && !run.exited()) {
      if (control(*s, "GET", "/_sim/hold")["held"] == 1) {
        mark = testing::committed_bookmark(prefix, "message_opens", &msg);
        if (mark.is_object() && mark.value("keys_at", json::array()).size() == static_cast<std::size_t>(burst_on_page))
          break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the simulator and the state
    }
    if (!mark.is_object() || mark.value("keys_at", json::array()).size() != static_cast<std::size_t>(burst_on_page) ||
        !mark.contains("OpenDate")) {
      const auto r = run.wait(std::chrono::seconds(1));
      FAIL() << "not inside the burst: " << mark.dump() << "\n" << r.out << r.err;
    }
    ASSERT_EQ(sim::parse_rfc3339_us(mark["OpenDate"].get<std::string>()).value_or(0) / 1000000, at) << mark.dump();
    run.kill(SIGKILL);
    EXPECT_EQ(run.wait().exit_code, -1);
  }
  EXPECT_EQ(calls_of(*s, op), pages_before + 1) << "the pages before the hold, and the held one";
  EXPECT_EQ(testing::committed(topic(prefix, "message_opens"), true).size(), static_cast<std::size_t>(pages_before * 40))
      << "every page before the hold committed";
  control(*s, "POST", "/_sim/hold");

  const auto rerun = extract(dir, cfg, *s);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  expect_children_exactly_once(prefix, *s);
  expect_records_match_discovered_schemas(cfg, *s, prefix);
}

INSTANTIATE_TEST_SUITE_P(readings, listrak_burst, ::testing::Values("inclusive", "exclusive"));

TEST(listrak_e2e, hostile_xml_fails_only_its_task_naming_the_operation_and_the_next_run_completes) {
  auto s = start(account(1, 5, 20, 20));
  temp_dir dir;
  const auto prefix = unique_prefix("hostile");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s));
  httplib::Client c{"127.0.0.1", s->port()};
  const std::vector<std::pair<std::string, std::string>> faults{
      {"ReportRangeMessageContactOpen", "malformed"},
      {"ReportRangeMessageContactClick", "truncated"},
      {"ReportRangeMessageContactRead", "entity_bomb"},
      {"ReportRangeMessageContactBounces", "external_entity"}};
  for (const auto& [op, kind] : faults) {
    const auto r = c.Post("/_sim/xml_faults", json{{"operation", op}, {"kind", kind}, {"count", 1}}.dump(),
                          "application/json");
    ASSERT_TRUE(r && r->status == 200);
  }
  const auto first = extract(dir, cfg, *s);
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  const auto all = first.out + first.err;
  for (const auto& [op, kind] : faults)
    EXPECT_NE(all.find("listrak " + op + " (MsgID"), std::string::npos) << op << "\n" << all;
  EXPECT_NE(all.find("not well formed"), std::string::npos) << all;
  EXPECT_NE(all.find("DOCTYPE"), std::string::npos) << all;
  EXPECT_EQ(all.find(s->options().password), std::string::npos);
  // The streams without a fault are complete.
  for (const auto* stream : {"message_sends", "message_unsubs", "subscribed_contacts"})
    expect_stream_matches(prefix, *s, stream);
  // The failed tasks stay pending and the next run finishes them.
  const auto second = extract(dir, cfg, *s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  expect_children_exactly_once(prefix, *s);
}

TEST(listrak_e2e, a_column_selection_keeps_the_key_and_reads_only_the_selected_reports) {
  auto s = start(account(1, 4, 10, 10));
  temp_dir dir;
  const auto prefix = unique_prefix("select");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, 4, 0, {{"message_clicks", {{"columns", {"LinkDescription"}}}}}));
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto clicks = testing::committed(topic(prefix, "message_clicks"), true);
  ASSERT_EQ(clicks.size(), dataset(*s, "message_clicks").size());
  for (const auto& [key, values] : clicks) {
    std::set<std::string> fields;
    for (const auto& [k, v] : values.front().items()) fields.insert(k);
    EXPECT_EQ(fields, (std::set<std::string>{"MsgID", "EmailAddress", "ClickDate", "LinkUrl", "Ordinal", "LinkDescription"})) << key;
  }
  // lists and messages are automatic; nothing else is read.
  expect_stream_matches(prefix, *s, "messages");
  EXPECT_EQ(calls_of(*s, "ReportRangeMessageContactClick"), first_run_calls(*s).at("ReportRangeMessageContactClick"));
  for (const auto& [stream, op] : operations()) {
    if (stream != "message_clicks") {
      EXPECT_EQ(calls_of(*s, op), 0) << op;
    }
  }
}

TEST(listrak_e2e, a_wrong_password_is_fatal_and_never_printed) {
  auto o = account(1, 2, 5, 5);
  o.password = "the-real-one";
  auto s = start(o);
  temp_dir dir;
  const auto prefix = unique_prefix("auth");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s));
  quarry_process p{{"extract", "--config", cfg}, {{"LISTRAK_PASSWORD", "wrong-password-123"}}, dir};
  const auto r = p.wait(std::chrono::seconds(120));
  EXPECT_EQ(r.exit_code, 1);
  const auto all = r.out + r.err;
  EXPECT_NE(all.find("[InvalidLogonAttempt]"), std::string::npos) << all;
  EXPECT_EQ(all.find("wrong-password-123"), std::string::npos) << all;
  EXPECT_EQ(calls_of(*s, "GetContactListCollection"), 1) << "not retried";
}

} // namespace
} // namespace quarry
