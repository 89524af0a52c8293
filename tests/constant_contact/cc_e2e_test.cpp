// Constant Contact end to end: the real `quarry` binary against the Constant
// Contact simulator over loopback and the real Kafka broker. What a
// read_committed consumer sees is compared with the simulator's dataset; the
// simulator's counters (calls by path, OAuth, storms, violations) show how
// quarry got it.
//
// Tracking events accrue on the sim clock, which runs on while a test does:
// a report topic is compared with the dataset read before the run (every
// event in it delivered) and after it (nothing delivered that the API never
// showed), each event exactly once.

#include "kafka/topic_reader.hpp"
#include "sim/constant_contact.hpp"
#include "sim/timestamps.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/e2e.hpp"
#include "tests/support/json_schema_check.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <signal.h>
#include <unistd.h>

namespace quarry {
namespace {

using nlohmann::json;
using testing::calls_to;
using testing::committed;
using testing::control;
using testing::day_s;
using testing::process_result;
using testing::quarry_process;
using testing::summary_records;
using testing::temp_dir;
using testing::unix_now;

const std::vector<std::string>& report_streams() {
  static const std::vector<std::string> all = {"sends",   "opens",    "unique_opens", "clicks",
                                               "bounces", "optouts",  "forwards",     "didnotopens"};
  return all;
}

// Key fields of each stream, as the connector declares them.
std::vector<std::string> key_of(const std::string& stream) {
  if (stream == "contacts") return {"contact_id"};
  if (stream == "contact_lists") return {"list_id"};
  if (stream == "contact_custom_fields") return {"custom_field_id"};
  if (stream == "campaigns") return {"campaign_id"};
  if (stream == "campaign_activities" || stream == "email_previews") return {"campaign_activity_id"};
  if (stream == "email_links") return {"campaign_activity_id", "url_id"};
  if (stream == "campaign_activity_schedules") return {"campaign_activity_id", "scheduled_date"};
  if (stream == "campaign_activity_send_history") return {"campaign_activity_id", "send_id"};
  if (stream == "account_summary") return {"encoded_account_id"};
  if (stream == "account_emails") return {"email_id"};
  if (stream == "contact_tags") return {"tag_id"};
  if (stream == "segments") return {"segment_id"};
  if (stream == "email_campaign_summaries") return {"campaign_id"};
  if (stream == "contact_activity_summaries") return {"contact_id", "campaign_activity_id"};
  std::vector<std::string> key = {"campaign_activity_id", "contact_id"};
  if (stream == "opens" || stream == "clicks" || stream == "forwards") key.push_back("created_time");
  if (stream == "clicks") key.push_back("url_id");
  return key;
}

std::string key_json(const std::string& stream, const json& record) {
  json key = json::object();
  for (const auto& f : key_of(stream)) key[f] = record.at(f);
  return key.dump();
}

// A small account: limits wide enough not to be the subject unless a test says so.
sim::constant_contact_options small_account() {
  sim::constant_contact_options o;
  o.data.contacts = 620;  // two pages of contacts
  o.data.lists = 5;
  o.data.custom_fields = 3;
  o.data.campaigns = 8;
  o.data.recipients = 30;
  o.data.days = 70;  // campaigns inside and outside the 30-day horizon
  o.rate_calls = 200;
  return o;
}

std::unique_ptr<sim::constant_contact_simulator> start(sim::constant_contact_options o) { return testing::start_simulator<sim::constant_contact_simulator>(std::move(o)); }

std::string unique_prefix(const std::string& stem) { return testing::unique_prefix("cc", stem); }

struct job_options {
  json streams;  // null: every stream
  std::int64_t checkpoint_records = 0;  // 0: the engine's default
  json quota;    // null: mirror the simulator's limits
  std::int64_t start_days_ago = 400;
  json refresh_token;  // null: {"file": <dir>/refresh_token}
  json settings = json::object();  // the account's, besides auth_endpoint
};

std::string make_config(const std::string& prefix, const sim::constant_contact_simulator& s, const temp_dir& dir,
                        const job_options& o = {}) {
  json account = {{"source", "constant_contact"},
                  {"endpoint", s.base_url()},
                  {"credentials",
                   {{"client_id", s.options().client_id},
                    {"client_secret", {{"env", "CC_SECRET"}}},
                    {"refresh_token", o.refresh_token.is_null() ? json{{"file", dir.file("refresh_token")}}
                                                                : o.refresh_token}}},
                  {"settings", o.settings}};
  account["settings"]["auth_endpoint"] = s.base_url();
  account["quota"] = o.quota.is_null()
                         ? json{{"windows", {{{"calls", s.options().rate_calls},
                                              {"seconds", static_cast<int>(s.options().rate_seconds)}}}}}
                         : o.quota;
  json job = {{"start_date", sim::format_rfc3339(s.http().clock().now_unix_seconds() - o.start_days_ago * day_s)}};
  if (!o.streams.is_null()) job["streams"] = o.streams;
  json engine = {{"workers", 4}};
  if (o.checkpoint_records > 0) engine["checkpoint_records"] = o.checkpoint_records;
  return testing::one_job_config(prefix, "cc", account, job, engine).dump(2);
}

process_result extract(const temp_dir& dir, const std::string& config, const sim::constant_contact_simulator& s,
                       testing::env_list extra = {}) {
  extra.emplace_back("CC_SECRET", s.options().client_secret);
  return quarry_process{{"extract", "--config", config}, extra, dir}.wait();
}

std::string topic(const std::string& prefix, const std::string& stream) {
  return prefix + ".constant_contact." + stream;
}

json dataset(const sim::constant_contact_simulator& s, const std::string& stream) {
  return json::parse(s.dataset_json(stream));
}

std::map<std::string, json> by_key(const std::string& stream, const json& rows) {
  std::map<std::string, json> out;
  for (const auto& r : rows) out[key_json(stream, r)] = r;
  return out;
}

// Streams whose rows count events that go on accruing while a run reads:
// a row is delivered as the API showed it before or after the run.
bool counts_accrue(const std::string& stream) {
  return stream == "email_links" || stream == "email_campaign_summaries" || stream == "contact_activity_summaries";
}

// Every record the API showed before the run is in the topic once, equal;
// nothing is in it that the API did not show by the end.
void expect_stream_matches(const std::string& prefix, const std::string& stream, const json& before,
                           const json& after) {
  SCOPED_TRACE(stream);
  const auto seen = committed(topic(prefix, stream));
  const auto last = by_key(stream, after);
  for (const auto& [key, values] : seen) {
    ASSERT_EQ(values.size(), 1u) << key << " delivered " << values.size() << " times";
    const auto it = last.find(key);
    ASSERT_NE(it, last.end()) << "the API never showed " << key;
  }
  for (const auto& [key, row] : by_key(stream, before)) {
    const auto it = seen.find(key);
    ASSERT_NE(it, seen.end()) << "missing " << key;
    if (counts_accrue(stream) && it->second.front() != row) EXPECT_EQ(it->second.front(), last.at(key)) << key;
    else EXPECT_EQ(it->second.front(), row) << key;
  }
}

std::map<std::string, json> snapshot(const sim::constant_contact_simulator& s, const std::vector<std::string>& streams) {
  std::map<std::string, json> out;
  for (const auto& st : streams) out[st] = dataset(s, st);
  return out;
}

// The streams of issue 17.
const std::vector<std::string>& per_activity_streams() {
  static const std::vector<std::string> all = {"email_links", "email_previews", "campaign_activity_schedules",
                                               "campaign_activity_send_history"};
  return all;
}
const std::vector<std::string>& account_streams() {
  static const std::vector<std::string> all = {"account_summary", "account_emails", "contact_tags", "segments",
                                               "email_campaign_summaries"};
  return all;
}
std::vector<std::string> new_streams() {
  auto out = per_activity_streams();
  out.insert(out.end(), account_streams().begin(), account_streams().end());
  return out;
}

std::vector<std::string> all_streams() {
  std::vector<std::string> out = {"contacts", "contact_lists", "contact_custom_fields", "campaigns",
                                  "campaign_activities"};
  for (const auto& r : report_streams()) out.push_back(r);
  for (const auto& n : new_streams()) out.push_back(n);
  return out;
}

std::string report_path(const std::string& report) {
  return "/v3/reports/email_reports/{campaign_activity_id}/tracking/" + report;
}

// Each stream's schema, as `quarry discover` declares it.
std::map<std::string, json> discovered_schemas(const std::string& config, const sim::constant_contact_simulator& s) {
  return testing::discovered_schemas({"--config", config}, {{"CC_SECRET", s.options().client_secret}});
}

// Every committed record of `streams` validates against its discovered
// schema (types and formats: every date-time RFC 3339 with an offset).
void expect_records_match_their_schemas(const std::string& prefix, const std::vector<std::string>& streams,
                                        const std::map<std::string, json>& schemas) {
  for (const auto& stream : streams) {
    SCOPED_TRACE(stream);
    ASSERT_TRUE(schemas.count(stream)) << "not discovered";
    const auto records = testing::expect_records_fit(
        stream, schemas.at(stream), committed(topic(prefix, stream), false, /*deletes_expected=*/true));
    if (stream != "optouts" && stream != "forwards" && stream != "bounces") {
      EXPECT_GT(records, 0u) << "nothing to check";
    }
  }
}

void write_refresh_token(const temp_dir& dir, const std::string& token) { dir.write("refresh_token", token + "\n"); }

std::string file_token(const temp_dir& dir) {
  auto text = testing::read_file(dir.file("refresh_token"));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// The token in the file is the one the server holds valid: a refresh with it works.
void expect_file_token_is_live(const sim::constant_contact_simulator& s, const temp_dir& dir) {
  httplib::Client c{"127.0.0.1", s.port()};
  httplib::Headers h{httplib::make_basic_authentication_header(s.options().client_id, s.options().client_secret)};
  auto r = c.Post("/oauth2/default/v1/token?refresh_token=" + file_token(dir) + "&grant_type=refresh_token", h, "",
                  "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

// Runs quarry on `cfg` and kills it with SIGKILL once the simulator holds a
// call (a POST /_sim/hold the test made) and `also` is true; then releases
// the hold.
void kill_when_held(const sim::constant_contact_simulator& s, const temp_dir& dir, const std::string& cfg,
                    const std::function<bool()>& also = [] { return true; }) {
  quarry_process run{{"extract", "--config", cfg}, {{"CC_SECRET", s.options().client_secret}}, dir};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && (control(s, "GET", "/_sim/hold")["held"] == 0 || !also()))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_GT(control(s, "GET", "/_sim/hold")["held"], 0) << "quarry never reached the held call";
  ASSERT_TRUE(also()) << "held, but the test's condition never came";
  run.kill(SIGKILL);
  EXPECT_EQ(run.wait().exit_code, -1);
  control(s, "POST", "/_sim/hold", json::object());
}

// Both readings of "after" (updated_after and after_date): inclusive, or
// exclusive as the simulator serves by default [GUESS].
class constant_contact_bounds : public ::testing::TestWithParam<std::string> {
 protected:
  sim::constant_contact_options with_reading(sim::constant_contact_options o) const {
    const bool first = GetParam() == "exclusive";  // each reading's default, else its other value
    o.server.readings = {{"updated_after_bound", GetParam()},
                         {"after_date_bound", GetParam()},
                         {"no_clicks_meaning", first ? "true_adds_unclicked" : "false_adds_unclicked"},
                         {"schedules_shape", first ? "array" : "object"},
                         {"summary_count_type", first ? "string" : "integer"}};
    return o;
  }
};

INSTANTIATE_TEST_SUITE_P(after, constant_contact_bounds, ::testing::Values("exclusive", "inclusive"),
                         [](const auto& info) { return info.param; });

// Every stream but contact_activity_summaries (its own test, below, whose
// reads would blur the call counts asserted here).
TEST_P(constant_contact_bounds, full_run_matches_the_dataset_and_a_second_run_reads_only_what_can_change) {
  auto s = start(with_reading(small_account()));
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  const auto prefix = unique_prefix("full");
  job_options jo;
  for (const auto& n : all_streams()) jo.streams[n] = json::object();
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, dir, jo));

  const auto before = snapshot(*s, all_streams());
  const auto first = extract(dir, cfg, *s);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const auto after = snapshot(*s, all_streams());
  for (const auto& stream : all_streams()) expect_stream_matches(prefix, stream, before.at(stream), after.at(stream));
  EXPECT_GT(before.at("opens").size(), 0u);
  EXPECT_TRUE(s->http().stats().violations.empty()) << sim::to_json(s->http().stats());
  const auto oauth = control(*s, "GET", "/_sim/oauth");
  EXPECT_EQ(oauth["refreshes"], 1) << "one refresh for the whole run: " << oauth.dump();
  EXPECT_EQ(oauth["invalid_grant"], 0);
  EXPECT_NE(file_token(dir), s->options().refresh_token) << "the rotated token was saved";
  EXPECT_EQ(first.err.find(file_token(dir)), std::string::npos) << "a token in the log";
  EXPECT_EQ(first.out.find(file_token(dir)), std::string::npos) << "a token in the summary";
  const auto campaigns = dataset(*s, "campaigns");
  EXPECT_EQ(calls_to(*s, "/v3/emails/{campaign_id}"), static_cast<std::int64_t>(campaigns.size()));
  std::int64_t sent = 0;
  std::int64_t scheduled = 0;
  for (const auto& c : campaigns) {
    sent += c["current_status"] == "Done";
    scheduled += c["current_status"] == "Scheduled";
  }
  ASSERT_LT(sent, static_cast<std::int64_t>(campaigns.size())) << "the dataset must hold a draft";
  ASSERT_GT(scheduled, 0) << "the dataset must hold a scheduled campaign";
  EXPECT_EQ(calls_to(*s, report_path("sends")), sent) << "a draft has no reports to read";
  // Per activity, one call each: previews of every activity, schedules of
  // the scheduled campaigns' primary_email ones, send history of the sent
  // ones; links one or two (no_clicks read both ways, below).
  const auto activities = static_cast<std::int64_t>(dataset(*s, "campaign_activities").size());
  EXPECT_EQ(calls_to(*s, "/v3/emails/activities/{campaign_activity_id}/previews"), activities);
  EXPECT_EQ(calls_to(*s, "/v3/emails/activities/{campaign_activity_id}/schedules"), scheduled);
  EXPECT_EQ(calls_to(*s, "/v3/emails/activities/{campaign_activity_id}/send_history"), sent);
  EXPECT_GE(calls_to(*s, "/v3/reports/email_reports/{campaign_activity_id}/links"), sent);
  EXPECT_LE(calls_to(*s, "/v3/reports/email_reports/{campaign_activity_id}/links"), 2 * sent);
  for (const auto& path : {"/v3/account/summary", "/v3/account/emails", "/v3/contact_tags", "/v3/segments",
                           "/v3/reports/summary_reports/email_campaign_summaries"})
    EXPECT_EQ(calls_to(*s, path), 1) << path;
  const auto calls_first = s->http().stats().calls_total;

  // A day later: 40 contacts changed, a campaign sent, and the events of the
  // last month's campaigns went on accruing.
  s->http().clock().advance(std::chrono::seconds(day_s));
  const auto changed = s->mutate(40, 1);
  const auto second_before = snapshot(*s, all_streams());
  s->http().reset_stats();
  const auto second = extract(dir, cfg, *s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  const auto second_after = snapshot(*s, all_streams());
  const auto records = summary_records(second.out);
  EXPECT_EQ(records.at("contacts"), changed.touched_contacts) << second.out;
  EXPECT_EQ(records.at("campaigns"), 1) << second.out;
  EXPECT_EQ(records.at("campaign_activities"), 2) << "the new campaign's two activities" << second.out;
  // Every event delivered once over both runs.
  for (const auto& stream : report_streams())
    if (stream != "didnotopens")
      expect_stream_matches(prefix, stream, second_before.at(stream), second_after.at(stream));
  // Only campaigns sent within 30 days of the last read were read again.
  const auto now_ms = s->http().clock().now_unix_seconds();
  std::int64_t recent = 0;
  for (const auto& c : dataset(*s, "campaigns")) {
    const auto updated = sim::parse_rfc3339_us(c["updated_at"].get<std::string>()).value() / 1000000;
    recent += c["current_status"] != "Draft" && updated >= now_ms - day_s - 30 * day_s;
  }
  ASSERT_LT(recent, static_cast<std::int64_t>(campaigns.size()) + 1) << "some campaigns must be older than 30 days";
  EXPECT_EQ(calls_to(*s, "/v3/emails/{campaign_id}"), recent);
  EXPECT_EQ(calls_to(*s, "/v3/emails/activities/{campaign_activity_id}"), 2);
  // A campaign unchanged since the last run costs no preview, schedule or
  // detail; its links and send history are read while it is within the
  // horizon, as its reports are.
  EXPECT_EQ(calls_to(*s, "/v3/emails/activities/{campaign_activity_id}/previews"), 2);
  EXPECT_EQ(calls_to(*s, "/v3/emails/activities/{campaign_activity_id}/schedules"), 0);
  EXPECT_EQ(calls_to(*s, "/v3/emails/activities/{campaign_activity_id}/send_history"),
            calls_to(*s, report_path("sends")));
  EXPECT_EQ(records.at("email_previews"), 2) << second.out;
  // The full tables again, whole.
  for (const auto& stream : account_streams())
    EXPECT_EQ(records.at(stream), static_cast<std::int64_t>(second_after.at(stream).size())) << stream;
  const auto calls_second = s->http().stats().calls_total;
  EXPECT_LT(calls_second, calls_first) << second.out;
  expect_records_match_their_schemas(prefix, all_streams(), discovered_schemas(cfg, *s));
}

// Issue 17: the per-activity streams under `kill -9` while campaign tasks
// read them (the links report held unanswered after a few calls), a rerun,
// then a day later an incremental run. Previews, schedules and send history:
// every row exactly once over the three runs; links: every link, and a link
// again only when its unique_clicks moved. Both readings of no_clicks and of
// the schedules' shape (the test's parameter).
TEST_P(constant_contact_bounds, a_kill_9_among_the_activity_children_then_reruns_deliver_each_row_once) {
  auto o = small_account();
  o.data.contacts = 60;
  o.data.campaigns = 10;
  auto s = start(with_reading(o));
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  const auto prefix = unique_prefix("children-" + GetParam());
  job_options jo;
  for (const auto& n : per_activity_streams()) jo.streams[n] = json::object();
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, dir, jo));
  const std::string links_path = "/v3/reports/email_reports/{campaign_activity_id}/links";
  control(*s, "POST", "/_sim/hold", {{"path", links_path}, {"after_calls", 3}});
  kill_when_held(*s, dir, cfg);
  if (HasFatalFailure()) return;
  const auto killed_previews = committed(topic(prefix, "email_previews")).size();

  auto check = [&](const std::map<std::string, json>& before, const std::map<std::string, json>& after) {
    for (const auto& stream : {"email_previews", "campaign_activity_schedules", "campaign_activity_send_history"})
      expect_stream_matches(prefix, stream, before.at(stream), after.at(stream));
    SCOPED_TRACE("email_links");
    const auto seen = committed(topic(prefix, "email_links"));
    const auto now = by_key("email_links", after.at("email_links"));
    for (const auto& [key, row] : by_key("email_links", before.at("email_links"))) {
      const auto it = seen.find(key);
      ASSERT_NE(it, seen.end()) << "missing " << key;
      for (std::size_t i = 1; i < it->second.size(); ++i)
        EXPECT_NE(it->second[i], it->second[i - 1]) << key << " delivered again unchanged";
      const auto& last = it->second.back();
      EXPECT_TRUE(last == row || last == now.at(key)) << key << ": " << last.dump();
    }
    EXPECT_EQ(seen.size(), now.size());
  };
  const auto before = snapshot(*s, per_activity_streams());
  const auto rerun = extract(dir, cfg, *s);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  check(before, snapshot(*s, per_activity_streams()));
  // (Exactly once, checked above, is the point: the killed run's last
  // commits may become visible only after the kill, so the split between
  // the two runs is not asserted.)
  EXPECT_LE(summary_records(rerun.out).at("email_previews"),
            static_cast<std::int64_t>(before.at("email_previews").size() - killed_previews));

  // A day later: a campaign sent, last month's clicks accruing.
  s->http().clock().advance(std::chrono::seconds(day_s));
  s->mutate(0, 1);
  const auto second_before = snapshot(*s, per_activity_streams());
  const auto second = extract(dir, cfg, *s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  check(second_before, snapshot(*s, per_activity_streams()));
  const auto records = summary_records(second.out);
  EXPECT_EQ(records.at("email_previews"), 2) << "the new campaign's two activities" << second.out;
  EXPECT_EQ(records.at("campaign_activity_send_history"), 1) << "the new campaign's send" << second.out;
  expect_records_match_their_schemas(prefix, {"email_previews", "campaign_activity_send_history", "email_links"},
                                     discovered_schemas(cfg, *s));
}

// The run of issue 13: `kill -9` while quarry reads a burst of contacts that
// share one updated_at, with part of the burst committed, then a rerun. The
// rerun asks from before the burst's instant, so a server that reads
// updated_after exclusively still returns the rest of the burst, and skips
// the contacts the bookmark holds: every contact exactly once.
TEST_P(constant_contact_bounds, a_kill_9_inside_a_same_updated_at_burst_then_a_rerun_delivers_every_contact_once) {
  auto o = small_account();
  o.data.contacts = 2000;
  o.data.campaigns = 0;
  auto s = start(with_reading(o));
  const auto burst = s->mutate(1600, 0).touched_contacts;  // at the sim clock's now
  ASSERT_EQ(burst, 1600);
  const auto burst_at = dataset(*s, "contacts").back()["updated_at"].get<std::string>();  // the newest
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  const auto prefix = unique_prefix("burst-" + GetParam());
  job_options jo;
  jo.streams = {{"contacts", json::object()}};
  jo.checkpoint_records = 1;  // every page's checkpoint commits
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, dir, jo));
  // Pages of 500 by (updated_at, id): 400 older contacts and 100 of the
  // burst, then 500 of the burst. The third page is held unanswered.
  control(*s, "POST", "/_sim/hold", {{"path", "/v3/contacts"}, {"after_calls", 2}});
  {
    quarry_process run{{"extract", "--config", cfg}, {{"CC_SECRET", s->options().client_secret}}, dir};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    json bookmark;
    // Both pages committed, the third asked for.
    while (std::chrono::steady_clock::now() < deadline) {
      if (control(*s, "GET", "/_sim/hold")["held"] == 1) {
        bookmark = testing::committed_bookmark(prefix, "contacts");
        if (bookmark.value("keys_at", json::array()).size() == 600) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(bookmark.value("keys_at", json::array()).size(), 600u) << "not inside the burst: " << bookmark.dump();
    ASSERT_EQ(*sim::parse_rfc3339_us(bookmark["updated_at"].get<std::string>()),
              *sim::parse_rfc3339_us(burst_at))
        << bookmark.dump();
    run.kill(SIGKILL);
    EXPECT_EQ(run.wait().exit_code, -1);
  }
  EXPECT_EQ(committed(topic(prefix, "contacts")).size(), 1000u) << "two pages committed";
  control(*s, "POST", "/_sim/hold", json::object());

  const auto before = dataset(*s, "contacts");
  const auto rerun = extract(dir, cfg, *s);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  expect_stream_matches(prefix, "contacts", before, dataset(*s, "contacts"));
  EXPECT_EQ(committed(topic(prefix, "contacts")).size(), 2000u);
  EXPECT_EQ(summary_records(rerun.out).at("contacts"), 1000) << rerun.out;
  expect_records_match_their_schemas(prefix, {"contacts"}, discovered_schemas(cfg, *s));
}

TEST(constant_contact_e2e, refresh_tokens_rotated_mid_run_are_saved_and_never_reused) {
  auto o = small_account();
  o.access_ttl_s = 1;         // several refreshes in one run
  o.server.latency_ms = 100;  // the run's calls span ~4 s: it outlives several tokens
  auto s = start(o);
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  const auto prefix = unique_prefix("rotate");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, dir));
  const auto before = snapshot(*s, all_streams());
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto oauth = control(*s, "GET", "/_sim/oauth");
  EXPECT_GE(oauth["refreshes"].get<int>(), 2) << "no rotation mid-run: " << oauth.dump();
  EXPECT_EQ(oauth["invalid_grant"], 0) << "a dead refresh token was used";
  const auto after = snapshot(*s, all_streams());
  for (const auto& stream : all_streams()) expect_stream_matches(prefix, stream, before.at(stream), after.at(stream));
  expect_file_token_is_live(*s, dir);
}

// Worker pods on one volume, or two runs on one machine: every process reads
// the token file under its lock, so none presents a token another has spent.
TEST(constant_contact_e2e, two_processes_sharing_the_token_file_rotate_in_turn_without_a_lockout) {
  auto o = small_account();
  o.access_ttl_s = 1;        // each run outlives several access tokens
  o.server.latency_ms = 100;
  auto s = start(o);
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  const std::vector<std::string> prefixes = {unique_prefix("share-a"), unique_prefix("share-b")};
  const auto before = snapshot(*s, all_streams());
  std::vector<std::unique_ptr<quarry_process>> runs;
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const auto cfg = dir.write("quarry-" + std::to_string(i) + ".json", make_config(prefixes[i], *s, dir));
    runs.push_back(std::make_unique<quarry_process>(std::vector<std::string>{"extract", "--config", cfg},
                                                    testing::env_list{{"CC_SECRET", s->options().client_secret}},
                                                    dir));
  }
  for (auto& run : runs) {
    const auto r = run->wait(std::chrono::seconds(300));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  const auto oauth = control(*s, "GET", "/_sim/oauth");
  EXPECT_EQ(oauth["invalid_grant"], 0) << "a process used a token the other had spent: " << oauth.dump();
  EXPECT_GE(oauth["refreshes"].get<int>(), 3) << "both processes must rotate: " << oauth.dump();
  const auto after = snapshot(*s, all_streams());
  for (const auto& prefix : prefixes)
    for (const auto& stream : all_streams()) expect_stream_matches(prefix, stream, before.at(stream), after.at(stream));
  expect_file_token_is_live(*s, dir);
}

TEST(constant_contact_e2e, a_crash_right_after_a_refresh_is_saved_restarts_without_a_lockout) {
  auto s = start(small_account());
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  const auto prefix = unique_prefix("crash");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, dir));
  const auto crashed = extract(dir, cfg, *s, {{"QUARRY_TEST_KILL_AFTER_CREDENTIAL_STORE", "1"}});
  ASSERT_EQ(crashed.exit_code, -1) << "killed by SIGKILL right after the store" << crashed.out << crashed.err;
  auto oauth = control(*s, "GET", "/_sim/oauth");
  ASSERT_EQ(oauth["refreshes"], 1);
  EXPECT_EQ(s->http().stats().calls_total, 0) << "the new token was not used before the crash";
  EXPECT_NE(file_token(dir), s->options().refresh_token);

  const auto before = snapshot(*s, all_streams());
  const auto restarted = extract(dir, cfg, *s);
  ASSERT_EQ(restarted.exit_code, 0) << restarted.out << restarted.err;
  oauth = control(*s, "GET", "/_sim/oauth");
  EXPECT_EQ(oauth["invalid_grant"], 0);
  EXPECT_EQ(oauth["refreshes"], 2);
  const auto after = snapshot(*s, all_streams());
  for (const auto& stream : all_streams()) expect_stream_matches(prefix, stream, before.at(stream), after.at(stream));
  expect_file_token_is_live(*s, dir);
}

TEST(constant_contact_e2e, a_refresh_token_from_the_environment_is_refused_at_config_time) {
  auto s = start(small_account());
  temp_dir dir;
  job_options o;
  o.refresh_token = {{"env", "CC_REFRESH"}};
  const auto cfg = dir.write("quarry.json", make_config(unique_prefix("env"), *s, dir, o));
  const auto r = extract(dir, cfg, *s, {{"CC_REFRESH", "cc-refresh-0"}});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("/accounts/cc/credentials/refresh_token"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("{\"file\": PATH}"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("cc-refresh-0"), std::string::npos) << "the token in an error";
  EXPECT_EQ(control(*s, "GET", "/_sim/oauth")["refreshes"], 0);
}

TEST(constant_contact_e2e, a_throttled_storm_at_four_calls_a_second_slows_quarry_without_a_violation) {
  auto o = small_account();
  o.data.contacts = 300;
  o.data.campaigns = 2;
  o.rate_calls = 4;  // the real limit, and quarry's default budget
  auto s = start(o);
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  const auto prefix = unique_prefix("throttled");
  job_options jo;
  jo.quota = json::object();  // the connector's defaults: 4 calls/s, 10,000 a day
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, dir, jo));
  control(*s, "POST", "/_sim/storm", {{"throttled", 8}});  // another app spent the window
  const auto before = snapshot(*s, all_streams());
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto storm = control(*s, "GET", "/_sim/storm");
  EXPECT_EQ(storm["throttled_answered"], 8);
  EXPECT_TRUE(s->http().stats().violations.empty()) << sim::to_json(s->http().stats());
  const auto after = snapshot(*s, all_streams());
  for (const auto& stream : all_streams()) expect_stream_matches(prefix, stream, before.at(stream), after.at(stream));
}

TEST(constant_contact_e2e, quota_exceeded_ends_the_run_resumably_and_the_next_day_finishes_it) {
  auto s = start(small_account());
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  const auto prefix = unique_prefix("quota");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, dir));
  control(*s, "POST", "/_sim/storm", {{"quota_exceeded", true}, {"after_calls", 12}});  // other apps spend the day
  const auto before = snapshot(*s, all_streams());
  const auto first = extract(dir, cfg, *s);
  ASSERT_EQ(first.exit_code, 3) << first.out << first.err;
  EXPECT_NE(first.out.find("incomplete"), std::string::npos) << first.out;
  EXPECT_LE(control(*s, "GET", "/_sim/storm")["quota_answered"].get<int>(), 4)
      << "quarry stops spending once told the day is spent";

  // The next UTC day, for the simulator and for quarry's own budget.
  const auto now = s->http().clock().now_unix_seconds();
  const auto tomorrow = (now / day_s + 1) * day_s + 5;
  s->http().clock().set_now(std::chrono::system_clock::time_point{std::chrono::seconds(tomorrow)});
  const auto second = extract(dir, cfg, *s, {{"QUARRY_CLOCK_OFFSET_S", std::to_string(tomorrow - now)}});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_TRUE(s->http().stats().violations.empty()) << sim::to_json(s->http().stats());
  const auto after = snapshot(*s, all_streams());
  // Incremental streams: every record once over both runs (full-table
  // streams that finished on the first day are read again on the second).
  for (const auto& stream : {"contacts", "campaigns", "campaign_activities", "sends", "opens", "clicks"})
    expect_stream_matches(prefix, stream, before.at(stream), after.at(stream));
}

TEST(constant_contact_e2e, a_campaign_with_50_activities_fans_out_400_report_tasks_that_bookmark) {
  auto o = small_account();
  o.data.contacts = 60;
  o.data.campaigns = 0;
  o.data.activities_per_campaign = 50;
  o.data.recipients = 12;
  o.rate_calls = 400;
  auto s = start(o);
  s->mutate(0, 1);  // sent now: its reports are read again in the next runs
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  const auto prefix = unique_prefix("fanout");
  job_options jo;
  jo.streams = {{"campaigns", json::object()}, {"campaign_activities", json::object()}};
  for (const auto& r : report_streams()) jo.streams[r] = json::object();
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, dir, jo));
  std::vector<std::string> streams = {"campaigns", "campaign_activities"};
  for (const auto& r : report_streams()) streams.push_back(r);

  const auto before = snapshot(*s, streams);
  const auto first = extract(dir, cfg, *s);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const auto after = snapshot(*s, streams);
  for (const auto& stream : streams) expect_stream_matches(prefix, stream, before.at(stream), after.at(stream));
  EXPECT_EQ(committed(topic(prefix, "campaign_activities")).size(), 51u);  // 50 + the permalink
  for (const auto& r : report_streams()) EXPECT_EQ(calls_to(*s, report_path(r)), 50) << r;
  // A bookmark per (report, activity) in the state topic.
  std::set<std::string> bookmarked;
  auto st = kafka::read_to_end(testing::kafka_settings(), prefix + "._state", [&](kafka::consumed_message&& m) {
    const auto key = json::parse(m.key, nullptr, false);
    if (m.value && key.is_array() && key.size() == 3 &&
        std::find(report_streams().begin(), report_streams().end(), key[1].get<std::string>()) != report_streams().end())
      bookmarked.insert(m.key);
  });
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(bookmarked.size(), 400u);

  // Two days on: each report is asked once more (one page from its newest
  // event) and only what accrued meanwhile is delivered.
  s->http().clock().advance(std::chrono::seconds(2 * day_s));
  const auto second_before = snapshot(*s, streams);
  s->http().reset_stats();
  const auto second = extract(dir, cfg, *s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  const auto second_after = snapshot(*s, streams);
  for (const auto& r : report_streams()) {
    EXPECT_EQ(calls_to(*s, report_path(r)), 50) << r;
    if (r != "didnotopens") expect_stream_matches(prefix, r, second_before.at(r), second_after.at(r));
  }
  EXPECT_EQ(calls_to(*s, "/v3/emails/activities/{campaign_activity_id}"), 0) << "the campaign did not change";
  EXPECT_GT(summary_records(second.out).at("opens"), 0) << "opens accrued over two days" << second.out;
}

// The streams whose bookmark the state topic holds committed now (their
// records are committed in the same transaction).
std::set<std::string> bookmarked_streams(const std::string& prefix) {
  std::set<std::string> out;
  for (const auto& [key, value] : testing::state_messages(prefix))
    if (!value.is_null() && key.is_array() && key.size() == 3 && key[1].is_string()) out.insert(key[1].get<std::string>());
  return out;
}

// Issue 17: the five account-wide full tables under `kill -9`: contact_tags
// (two pages) held after its first page, killed once the four others have
// committed, then a rerun and a third run. A read_committed consumer sees
// each table's snapshot of a run whole or not at all, once per run that
// completed it, and no tombstone (every key still exists at the source;
// committed() fails on one).
TEST(constant_contact_e2e, a_kill_9_among_the_account_tables_then_each_run_delivers_each_snapshot_once) {
  auto o = small_account();
  o.data.contacts = 60;
  o.data.tags = 600;
  auto s = start(o);
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  const auto prefix = unique_prefix("account-tables");
  job_options jo;
  jo.checkpoint_records = 1;
  for (const auto& n : account_streams()) jo.streams[n] = json::object();
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, dir, jo));
  control(*s, "POST", "/_sim/hold", {{"path", "/v3/contact_tags"}, {"after_calls", 1}});
  kill_when_held(*s, dir, cfg, [&] {  // contact_tags' second page held, the other tables committed
    const auto done = bookmarked_streams(prefix);
    return std::all_of(account_streams().begin(), account_streams().end(),
                       [&](const std::string& n) { return n == "contact_tags" || done.contains(n); });
  });
  if (HasFatalFailure()) return;
  // Per stream: how many times the killed run delivered its snapshot (0 or 1).
  std::map<std::string, std::size_t> killed;
  for (const auto& stream : account_streams()) {
    SCOPED_TRACE(stream);
    const auto seen = committed(topic(prefix, stream));
    const auto rows = by_key(stream, dataset(*s, stream));
    killed[stream] = seen.empty() ? 0 : 1;
    for (const auto& [key, values] : seen) EXPECT_EQ(values.size(), 1u) << key << ": part of a snapshot twice";
    if (!seen.empty()) {
      EXPECT_EQ(seen.size(), rows.size()) << "a snapshot committed in part";
    }
  }
  for (const auto& stream : account_streams())
    EXPECT_EQ(killed.at(stream), stream == "contact_tags" ? 0u : 1u) << stream << ": committed per its task's end";

  for (const auto* name : {"rerun", "third run"}) {
    SCOPED_TRACE(name);
    const auto before = snapshot(*s, account_streams());
    const auto r = extract(dir, cfg, *s);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto after = snapshot(*s, account_streams());
    const auto records = summary_records(r.out);
    for (const auto& stream : account_streams()) {
      SCOPED_TRACE(stream);
      ++killed[stream];
      const auto seen = committed(topic(prefix, stream));
      const auto now = by_key(stream, after.at(stream));
      EXPECT_EQ(records.at(stream), static_cast<std::int64_t>(now.size())) << r.out;
      EXPECT_EQ(seen.size(), now.size());
      for (const auto& [key, row] : by_key(stream, before.at(stream))) {
        const auto it = seen.find(key);
        ASSERT_NE(it, seen.end()) << "missing " << key;
        EXPECT_EQ(it->second.size(), killed[stream]) << key << ": once per completed snapshot";
        EXPECT_TRUE(it->second.back() == row || it->second.back() == now.at(key)) << key;
      }
    }
  }
}

// Issue 17: contact activity summaries under the readings the docs leave
// open, each value in one instance: is `end` in the range, does the range
// pick activities by their send or count only the events inside it, are
// counts strings or integers, is the opt-out count em_unsubscribes or
// em_optouts.
class constant_contact_summaries : public ::testing::TestWithParam<bool> {
 protected:
  sim::constant_contact_options with_readings(sim::constant_contact_options o) const {
    const bool first = GetParam();
    o.server.readings = {{"summary_end", first ? "exclusive" : "inclusive"},
                         {"summary_range", first ? "sends" : "events"},
                         {"summary_counts", first ? "integer" : "string"},
                         {"summary_optout_field", first ? "em_unsubscribes" : "em_optouts"}};
    return o;
  }
};

INSTANTIATE_TEST_SUITE_P(readings, constant_contact_summaries, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "reference" : "others"; });

// The contacts with an event at or after `since` in a counted report.
std::set<std::string> contacts_active_since(const sim::constant_contact_simulator& s, std::int64_t since) {
  std::set<std::string> out;
  for (const auto* report : {"sends", "opens", "clicks", "bounces", "optouts", "forwards"})
    for (const auto& e : dataset(s, report))
      if (sim::parse_rfc3339_us(e["created_time"].get<std::string>()).value() / 1'000'000 >= since)
        out.insert(e["contact_id"].get<std::string>());
  return out;
}

// The first read (a call per contact) killed part way, a rerun that goes on
// from its last checkpoint, every row exactly once; then a day later, with a
// campaign sent and last month's events accruing, a call only per contact
// with new activity, and each changed row delivered with its new counts.
TEST_P(constant_contact_summaries, a_kill_9_in_the_first_read_then_only_contacts_with_new_activity_cost_a_call) {
  auto o = small_account();
  o.data.contacts = 60;
  o.data.campaigns = 10;
  auto s = start(with_readings(o));
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  const auto prefix = unique_prefix(std::string("summaries-") + (GetParam() ? "reference" : "others"));
  const std::string stream = "contact_activity_summaries";
  const std::string path = "/v3/reports/contact_reports/{contact_id}/activity_summary";
  job_options jo;
  jo.checkpoint_records = 1;
  jo.streams[stream] = json::object();
  // A start_date inside the data's 70 days: the rows of campaigns sent
  // before it are not delivered (under summary_range=events they would
  // come with only the events after it).
  jo.start_days_ago = 50;
  const auto first_start = s->http().clock().now_unix_seconds();
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, dir, jo));
  auto dataset = [&](const sim::constant_contact_simulator& sim, const std::string& name) {
    json rows = json::array();
    for (auto& r : quarry::dataset(sim, name))
      if (sim::parse_rfc3339_us(r["start_on"].get<std::string>()).value() / 1'000'000 >= first_start - 50 * day_s)
        rows.push_back(std::move(r));
    return rows;
  };
  ASSERT_LT(dataset(*s, stream).size(), quarry::dataset(*s, stream).size()) << "no row sent before start_date";
  control(*s, "POST", "/_sim/hold", {{"path", path}, {"after_calls", 45}});
  // Held at the 46th contact, killed once a checkpoint (every 20) is committed.
  kill_when_held(*s, dir, cfg, [&] { return bookmarked_streams(prefix).contains(stream); });
  if (HasFatalFailure()) return;
  s->http().reset_stats();
  const auto before = dataset(*s, stream);
  const auto rerun = extract(dir, cfg, *s);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  expect_stream_matches(prefix, stream, before, dataset(*s, stream));
  EXPECT_GT(before.size(), 100u) << "too few rows to mean anything";
  EXPECT_LE(calls_to(*s, path), 40) << "the rerun went on from a checkpoint of the killed run";
  EXPECT_TRUE(s->http().stats().violations.empty()) << sim::to_json(s->http().stats());

  // A day later: a campaign sent now, last month's campaigns accruing.
  const auto rerun_end = s->http().clock().now_unix_seconds();
  s->http().clock().advance(std::chrono::seconds(day_s));
  s->mutate(0, 1);
  const auto second_before = dataset(*s, stream);
  s->http().reset_stats();
  const auto second_start = s->http().clock().now_unix_seconds();
  const auto second = extract(dir, cfg, *s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  const auto second_after = dataset(*s, stream);
  // Every contact with activity since the last read is asked (those with it
  // only in the 60 s before the first read began may be too); no other.
  const auto must = contacts_active_since(*s, rerun_end);
  const auto may = contacts_active_since(*s, first_start - 60);
  EXPECT_GE(calls_to(*s, path), static_cast<std::int64_t>(must.size()));
  EXPECT_LE(calls_to(*s, path), static_cast<std::int64_t>(may.size()));
  EXPECT_LT(calls_to(*s, path), 60) << "a contact without new activity cost a call";
  EXPECT_GE(must.size(), 20u) << "the new campaign's recipients";
  // Every row ends as the source shows it, each changed one delivered anew.
  const auto seen = committed(topic(prefix, stream));
  const auto old = by_key(stream, before);
  const auto now = by_key(stream, second_after);
  std::size_t changed = 0;
  for (const auto& [key, row] : by_key(stream, second_before)) {
    const auto it = seen.find(key);
    ASSERT_NE(it, seen.end()) << "missing " << key;
    EXPECT_TRUE(it->second.back() == row || it->second.back() == now.at(key)) << key << ": " << it->second.back();
    changed += !old.contains(key) || old.at(key) != row;
  }
  EXPECT_GE(summary_records(second.out).at(stream), static_cast<std::int64_t>(changed)) << second.out;
  EXPECT_GT(changed, 0u);

  // At once again: the new campaign's sends, in the minute before the last
  // read began, were counted by it (its "seen" events), so their contacts
  // cost nothing now; only events since that read began can.
  s->http().reset_stats();
  const auto third = extract(dir, cfg, *s);
  ASSERT_EQ(third.exit_code, 0) << third.out << third.err;
  EXPECT_LE(calls_to(*s, path), static_cast<std::int64_t>(contacts_active_since(*s, second_start).size()))
      << third.out;
  for (const auto& [key, values] : committed(topic(prefix, stream)))
    for (std::size_t i = 1; i < values.size(); ++i) EXPECT_NE(values[i], values[i - 1]) << key << " again unchanged";
  expect_records_match_their_schemas(prefix, {stream}, discovered_schemas(cfg, *s));
}

// Deletes (issue 14). What a consumer of the contacts topic sees per key, in
// order: each value, or null for a tombstone.
std::map<std::string, std::vector<json>> contact_messages(const std::string& prefix) {
  std::map<std::string, std::vector<json>> out;
  auto st = kafka::read_to_end(testing::kafka_settings(), topic(prefix, "contacts"), [&](kafka::consumed_message&& m) {
    out[json::parse(m.key).at("contact_id").get<std::string>()].push_back(m.value ? json::parse(*m.value) : json());
  });
  EXPECT_TRUE(st.ok()) << st.error().describe();
  return out;
}

std::size_t tombstones_in(const std::vector<json>& messages) {
  return static_cast<std::size_t>(std::count_if(messages.begin(), messages.end(), [](const json& v) { return v.is_null(); }));
}

// The ids the simulator shows deleted now.
std::set<std::string> deleted_ids(const sim::constant_contact_simulator& s) {
  std::set<std::string> out;
  for (const auto& c : dataset(s, "contacts"))
    if (c.contains("deleted_at")) out.insert(c["contact_id"].get<std::string>());
  return out;
}

std::set<std::string> ids_of(const json& answer) { return {answer["deleted"].begin(), answer["deleted"].end()}; }

// The topic as a consumer that applies tombstones ends up with: every
// deleted contact's last message is its tombstone (and it has `tombstones`
// of them), every other contact's last one a live record.
void expect_contacts_end_as_the_source(const std::string& prefix, const sim::constant_contact_simulator& s,
                                       const std::map<std::string, std::size_t>& tombstones = {}) {
  const auto deleted = deleted_ids(s);
  std::size_t live = 0;
  for (const auto& [id, messages] : contact_messages(prefix)) {
    ASSERT_FALSE(messages.empty());
    if (deleted.contains(id)) {
      const auto it = tombstones.find(id);
      EXPECT_EQ(tombstones_in(messages), it == tombstones.end() ? 1u : it->second) << id;
      EXPECT_TRUE(messages.back().is_null()) << id << ": a live record after its tombstone";
    } else {
      ++live;
      EXPECT_FALSE(messages.back().is_null()) << id << " is live at the source";
    }
  }
  EXPECT_EQ(live + deleted.size(), dataset(s, "contacts").size()) << "every contact in the topic";
}

// The readings the docs leave open on deletes: does deleting a contact move
// its updated_at (so that the incremental read sees the deletion too), and
// is deleted_at a date or a date-time?
class constant_contact_deletes : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
 protected:
  sim::constant_contact_options with_readings(sim::constant_contact_options o) const {
    o.server.readings = {{"delete_bumps_updated_at", std::get<0>(GetParam())},
                         {"deleted_at_format", std::get<1>(GetParam())}};
    return o;
  }
};

INSTANTIATE_TEST_SUITE_P(readings, constant_contact_deletes,
                         ::testing::Combine(::testing::Values("yes", "no"), ::testing::Values("date", "date-time")),
                         [](const auto& info) {
                           auto name = "bumps_" + std::get<0>(info.param) + "_" + std::get<1>(info.param);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// Deletions reach the topic as one tombstone each, after the contact's live
// records: over runs with nothing new, a restore and a second deletion, and
// a run killed inside the deleted pass.
TEST_P(constant_contact_deletes, each_deletion_is_one_tombstone_over_runs_and_a_killed_run) {
  auto o = small_account();
  o.data.campaigns = 0;
  o.access_ttl_s = 30 * day_s;  // no 401 to count among the calls the hold lets through
  auto s = start(with_readings(o));
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  const auto prefix = unique_prefix("deletes");
  job_options jo;
  jo.streams = {{"contacts", json::object()}};
  jo.checkpoint_records = 1;  // every checkpoint commits
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, dir, jo));
  auto run = [&](const char* what) {
    SCOPED_TRACE(what);
    const auto r = extract(dir, cfg, *s);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  };

  run("baseline");
  EXPECT_EQ(contact_messages(prefix).size(), 620u);
  expect_contacts_end_as_the_source(prefix, *s);
  const auto first = ids_of(control(*s, "POST", "/_sim/contacts/delete", {{"count", 30}}));
  ASSERT_EQ(first.size(), 30u);
  run("30 deleted");
  expect_contacts_end_as_the_source(prefix, *s);
  s->http().reset_stats();
  run("nothing new");
  expect_contacts_end_as_the_source(prefix, *s);
  EXPECT_EQ(calls_to(*s, "/v3/contacts"), 2) << "one page of each pass";

  // One of them restored (added to a list) and delivered live, then deleted
  // again, the same day, with 540 more: the deleted pass has two pages, and
  // the first one's tombstones are emitted before the second is asked for.
  const auto again = *first.begin();
  control(*s, "POST", "/_sim/contacts/restore", {{"ids", {again}}});
  run("one restored");
  EXPECT_FALSE(contact_messages(prefix).at(again).back().is_null()) << "live again";
  const auto bookmark = testing::committed_bookmark(prefix, "contacts");
  ASSERT_TRUE(bookmark.contains("deleted")) << bookmark.dump();
  std::size_t incremental = 0;  // what the incremental pass will list, from the bookmark's second on
  const auto since_s = sim::parse_rfc3339_us(bookmark["updated_at"].get<std::string>()).value() / 1'000'000;
  ASSERT_EQ(control(*s, "POST", "/_sim/contacts/delete", {{"ids", {again}}, {"count", 540}})["deleted"].size(), 541u);
  // Three days on, these deletions are settled (a deleted_at date is over
  // everywhere): the deleted pass delivers them as it reads each page.
  s->http().clock().advance(std::chrono::seconds(3 * day_s));
  for (const auto& c : dataset(*s, "contacts"))
    incremental += sim::parse_rfc3339_us(c["updated_at"].get<std::string>()).value() / 1'000'000 >= since_s;
  ASSERT_EQ(deleted_ids(*s).size(), 570u);
  const auto tombstones_before = [&] {
    std::size_t n = 0;
    for (const auto& [id, messages] : contact_messages(prefix)) n += tombstones_in(messages);
    return n;
  };
  ASSERT_EQ(tombstones_before(), 30u);
  // The incremental pass's pages and the deleted pass's first go through;
  // its second is held, and quarry killed there.
  const auto pages = std::max<std::size_t>(1, (incremental + 499) / 500);
  s->http().reset_stats();
  control(*s, "POST", "/_sim/hold", {{"path", "/v3/contacts"}, {"after_calls", pages + 1}});
  {
    quarry_process killed{{"extract", "--config", cfg}, {{"CC_SECRET", s->options().client_secret}}, dir};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (control(*s, "GET", "/_sim/hold")["held"] != 1 && !killed.exited() &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_EQ(control(*s, "GET", "/_sim/hold")["held"], 1) << "the deleted pass's second page was not asked for";
    ASSERT_EQ(calls_to(*s, "/v3/contacts"), static_cast<std::int64_t>(pages) + 2) << "held elsewhere";
    killed.kill(SIGKILL);
    EXPECT_EQ(killed.wait().exit_code, -1);
  }
  control(*s, "POST", "/_sim/hold", json::object());
  EXPECT_EQ(tombstones_before(), 30u) << "the killed run committed a tombstone";
  EXPECT_EQ(testing::committed_bookmark(prefix, "contacts")["deleted"], bookmark["deleted"]);
  run("after the kill");
  expect_contacts_end_as_the_source(prefix, *s, {{again, 2}});
  const auto& restored = contact_messages(prefix).at(again);
  ASSERT_GE(restored.size(), 3u);
  EXPECT_FALSE(restored[restored.size() - 2].is_null()) << "tombstone, live, tombstone";
  run("nothing new again");
  EXPECT_EQ(tombstones_before(), 571u);
}

// settings.deletes: "flag" delivers a deleted contact as its record with
// "deleted": true (live ones carry false), "both" that record and then the
// tombstone; every record fits the discovered schema.
TEST(constant_contact_e2e, deletes_flag_and_both_deliver_the_flagged_record) {
  auto o = small_account();
  o.data.contacts = 120;
  o.data.campaigns = 0;
  auto s = start(o);
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  std::map<std::string, std::string> prefixes, configs;
  for (const std::string mode : {"flag", "both"}) {
    job_options jo;
    jo.streams = {{"contacts", json::object()}};
    jo.settings = {{"deletes", mode}};
    prefixes[mode] = unique_prefix("deletes-" + mode);
    configs[mode] = dir.write(mode + ".json", make_config(prefixes[mode], *s, dir, jo));
    const auto r = extract(dir, configs[mode], *s);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  const auto gone = ids_of(control(*s, "POST", "/_sim/contacts/delete", {{"count", 10}}));
  ASSERT_EQ(gone.size(), 10u);
  for (const std::string mode : {"flag", "both"}) {
    SCOPED_TRACE(mode);
    const auto r = extract(dir, configs[mode], *s);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto messages = contact_messages(prefixes[mode]);
    ASSERT_EQ(messages.size(), 120u);
    for (const auto& [id, values] : messages) {
      if (!gone.contains(id)) {
        ASSERT_EQ(values.size(), 1u) << id;
        EXPECT_EQ(values[0]["deleted"], false) << id;
        continue;
      }
      ASSERT_EQ(values.size(), mode == "flag" ? 2u : 3u) << id;
      EXPECT_EQ(values[0]["deleted"], false);
      EXPECT_EQ(values[1]["deleted"], true);
      EXPECT_TRUE(values[1]["deleted_at"].is_string());
      EXPECT_EQ(values[1]["list_memberships"], json::array());
      if (mode == "both") {
        EXPECT_TRUE(values[2].is_null()) << "the tombstone after the flagged record";
      }
    }
    expect_records_match_their_schemas(prefixes[mode], {"contacts"}, discovered_schemas(configs[mode], *s));
  }
}

TEST(constant_contact_e2e, a_deletes_setting_of_no_known_value_is_refused_at_load_naming_it) {
  auto s = start(small_account());
  temp_dir dir;
  write_refresh_token(dir, s->options().refresh_token);
  job_options jo;
  jo.settings = {{"deletes", "soft"}};
  const auto cfg = dir.write("quarry.json", make_config(unique_prefix("bad-deletes"), *s, dir, jo));
  const auto r = extract(dir, cfg, *s);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find(R"(/settings/deletes: must be one of tombstone, flag, both; got "soft")"),
            std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(s->http().stats().calls_total, 0) << "refused at load";
}

} // namespace
} // namespace quarry
