// Marketo end to end: the real `quarry` binary against the Marketo simulator
// over loopback and the real Kafka broker. What a read_committed consumer
// sees is compared with the simulator's own dataset, and the simulator's
// counters (calls, limits, exports, tokens) show how quarry got it.

#include "kafka/topic_reader.hpp"
#include "sim/marketo.hpp"
#include "sim/timestamps.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/e2e.hpp"
#include "tests/support/json_schema_check.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
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
using testing::calls_to;
using testing::committed;
using testing::day_s;
using testing::get_json;
using testing::post_json;
using testing::process_result;
using testing::quarry_process;
using testing::summary_records;
using testing::temp_dir;
using testing::unix_now;

// A dataset over the last 40 days, so a job starting 41 days ago walks two
// export windows per stream; limits wide enough not to be the subject.
sim::marketo_options small_account(std::int64_t leads = 1500, std::int64_t activities = 4000) {
  sim::marketo_options o;
  o.data.leads = leads;
  o.data.activities = activities;
  o.data.campaigns = 30;
  o.data.lists = 8;
  o.data.programs = 260;
  o.data.days = 40;
  o.data.start = unix_now() - 40 * day_s;
  o.rate_calls = 1000;
  o.export_seconds_per_mb = 0;
  return o;
}

std::unique_ptr<sim::marketo_simulator> start(sim::marketo_options o) { return testing::start_simulator<sim::marketo_simulator>(std::move(o)); }

std::string unique_prefix(const std::string& stem) { return testing::unique_prefix("mk", stem); }

struct job_options {
  json streams;                      // null: every stream
  json quota = json::object();       // the account's quota overrides
  json settings = {{"poll_interval_s", 1}};
  std::int64_t start_days_ago = 41;
};

std::string make_config(const std::string& prefix, const sim::marketo_simulator& s,
                        const job_options& o = {}) {
  json account = {{"source", "marketo"},
                  {"endpoint", s.base_url()},
                  {"credentials",
                   {{"client_id", s.options().client_id}, {"client_secret", {{"env", "MKTO_SECRET"}}}}},
                  {"settings", o.settings}};
  // Quarry's own budget mirrors the simulator's limits unless a test says otherwise.
  json quota = {{"windows", {{{"calls", s.options().rate_calls}, {"seconds", static_cast<int>(s.options().rate_seconds)}}}}};
  for (const auto& [k, v] : o.quota.items()) quota[k] = v;
  account["quota"] = quota;
  json job = {{"start_date", sim::format_rfc3339(unix_now() - o.start_days_ago * day_s)}};
  if (!o.streams.is_null()) job["streams"] = o.streams;
  return testing::one_job_config(prefix, "mk", account, job).dump(2);
}

process_result extract(const temp_dir& dir, const std::string& config, const sim::marketo_simulator& s,
                       std::int64_t clock_offset_s = 0) {
  return quarry_process{{"extract", "--config", config},
                        {{"MKTO_SECRET", s.options().client_secret},
                         {"QUARRY_CLOCK_OFFSET_S", std::to_string(clock_offset_s)}},
                        dir}
      .wait();
}

std::string topic(const std::string& prefix, const std::string& stream) {
  return prefix + ".marketo." + stream;
}

json dataset(const sim::marketo_simulator& s, const std::string& kind) {
  json all = json::array();
  for (std::int64_t offset = 0;; offset += 100000) {
    auto page = get_json(s, "/_sim/dataset/" + kind + "?offset=" + std::to_string(offset) + "&limit=100000");
    for (auto& r : page) all.push_back(std::move(r));
    if (page.size() < 100000) break;
  }
  return all;
}

std::string snake(const std::string& name) {
  std::string out;
  for (unsigned char c : name) out += c == ' ' ? '_' : static_cast<char>(std::tolower(c));
  return out;
}

// activity type id -> stream name
std::map<std::int64_t, std::string> activity_streams(const sim::marketo_simulator& s) {
  std::map<std::int64_t, std::string> out;
  for (const auto& t : sim::marketo_data::activity_types())
    out[t.id] = "activities_" + snake(t.name);
  (void)s;
  return out;
}

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// Every lead of the dataset once in the topic, field for field.
void expect_leads_match(const std::string& prefix, const sim::marketo_simulator& s) {
  const auto seen = committed(topic(prefix, "leads"));
  const auto leads = dataset(s, "leads");
  ASSERT_EQ(seen.size(), leads.size());
  for (const auto& lead : leads) {
    const auto key = json{{"id", lead["id"]}}.dump();
    auto it = seen.find(key);
    ASSERT_NE(it, seen.end()) << "leads lacks " << key;
    ASSERT_EQ(it->second.size(), 1u) << key << " delivered " << it->second.size() << " times";
    ASSERT_EQ(it->second.front(), lead) << key;
  }
}

// Every activity once in its type's topic, with its attributes flattened.
void expect_activities_match(const std::string& prefix, const sim::marketo_simulator& s) {
  const auto names = activity_streams(s);
  std::vector<std::string> streams;
  for (const auto& [id, name] : names) streams.push_back(name);
  auto seen = testing::committed_streams(prefix, "marketo", streams);
  std::map<std::string, std::size_t> expected_per_stream;
  for (const auto& a : dataset(s, "activities")) {
    const auto& name = names.at(a["activityTypeId"].get<std::int64_t>());
    ++expected_per_stream[name];
    const auto key = json{{"marketoGUID", a["marketoGUID"]}}.dump();
    const auto& got = seen[name];
    auto it = got.find(key);
    ASSERT_NE(it, got.end()) << name << " lacks " << key;
    ASSERT_EQ(it->second.size(), 1u) << name << " " << key << " delivered " << it->second.size() << " times";
    const auto& r = it->second.front();
    EXPECT_EQ(r["leadId"], a["leadId"]) << key;
    EXPECT_EQ(r["activityDate"], a["activityDate"]) << key;
    EXPECT_EQ(r["activityTypeId"], a["activityTypeId"]) << key;
    EXPECT_EQ(r["campaignId"], a["campaignId"]) << key;
    EXPECT_EQ(r["primary_attribute_value"], a["primaryAttributeValue"]) << key;
    for (const auto& attr : a["attributes"]) {
      const auto column = snake(attr["name"].get<std::string>());
      ASSERT_TRUE(r.contains(column)) << name << " " << key << " lacks " << column;
      EXPECT_EQ(text_of(r[column]), text_of(attr["value"])) << key << " " << column;
    }
  }
  for (const auto& [name, got] : seen) EXPECT_EQ(got.size(), expected_per_stream[name]) << name;
}

// A programs row as quarry writes it: Marketo's "2015-11-18T15:25:35Z+0000"
// as RFC 3339.
json as_delivered(json row) {
  for (const char* field : {"createdAt", "updatedAt"})
    if (row.contains(field) && row[field].is_string()) {
      auto text = row[field].get<std::string>();
      if (text.ends_with("Z+0000")) text.resize(text.size() - 5);
      row[field] = text;
    }
  return row;
}

void expect_rest_stream_matches(const std::string& prefix, const sim::marketo_simulator& s,
                                const std::string& stream) {
  const auto seen = committed(topic(prefix, stream));
  json rows = json::array();
  for (const auto& row : dataset(s, stream)) rows.push_back(as_delivered(row));
  ASSERT_EQ(seen.size(), rows.size()) << stream;
  for (const auto& row : rows) {
    const auto key = json{{"id", row["id"]}}.dump();
    auto it = seen.find(key);
    ASSERT_NE(it, seen.end()) << stream << " lacks " << key;
    ASSERT_EQ(it->second.size(), 1u) << stream << " " << key;
    EXPECT_EQ(it->second.front(), row) << stream << " " << key;
  }
}

// The schema `quarry discover` declares for each stream of the config's job.
std::map<std::string, json> discovered_schemas(const std::string& config, const sim::marketo_simulator& s) {
  return testing::discovered_schemas({"--config", config}, {{"MKTO_SECRET", s.options().client_secret}});
}

// Every committed record of every stream fits the schema discover declares
// for it, formats (date-time, date) included.
void expect_records_fit_their_schemas(const std::string& prefix, const std::map<std::string, json>& schemas) {
  ASSERT_FALSE(schemas.empty());
  for (const auto& [stream, schema] : schemas)
    EXPECT_GT(testing::expect_records_fit(stream, schema, committed(topic(prefix, stream))), 0u)
        << stream << " has no records to check";
}

// The last committed bookmark of each stream (state topic key [job, stream, partition]).
std::map<std::string, json> bookmarks(const std::string& prefix) {
  std::map<std::string, json> out;
  for (const auto& [key, value] : testing::state_messages(prefix))
    if (!value.is_null() && key.is_array() && key.size() == 3) out[key[1].get<std::string>()] = value.value("bookmark", json());
  return out;
}

TEST(marketo_e2e, full_run_matches_the_dataset_and_a_second_run_fetches_only_what_changed) {
  auto s = start(small_account());
  temp_dir dir;
  const auto prefix = unique_prefix("full");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s));

  const auto first = extract(dir, cfg, *s);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  expect_leads_match(prefix, *s);
  expect_activities_match(prefix, *s);
  for (const auto* stream : {"campaigns", "lists", "programs"}) expect_rest_stream_matches(prefix, *s, stream);
  EXPECT_EQ(committed(topic(prefix, "activity_types")).size(), sim::marketo_data::activity_types().size());
  EXPECT_TRUE(s->http().stats().violations.empty()) << sim::to_json(s->http().stats());
  // One export job carries every activity type: 2 windows x (create, enqueue,
  // status, file) for leads and 2 for activities.
  EXPECT_EQ(calls_to(*s, "/bulk/v1/activities/export/create.json"), 2);
  EXPECT_EQ(calls_to(*s, "/bulk/v1/leads/export/create.json"), 2);
  const auto calls_first = s->http().stats().calls_total;

  // Changes after the first run, stamped in a second the first run's windows
  // did not reach.
  const auto mutated_at = unix_now();
  const auto changed = s->mutate(40, 90);
  ASSERT_EQ(changed.touched_leads, 40);
  while (unix_now() <= mutated_at) std::this_thread::sleep_for(std::chrono::milliseconds(20));

  const auto second = extract(dir, cfg, *s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  const auto records = summary_records(second.out);
  EXPECT_EQ(records.at("leads"), 40) << second.out;
  std::int64_t activities = 0;
  for (const auto& [stream, n] : records)
    if (stream.rfind("activities_", 0) == 0) activities += n;
  EXPECT_EQ(activities, 90) << second.out;
  EXPECT_EQ(records.at("campaigns"), 0) << second.out;
  EXPECT_EQ(records.at("lists"), 0) << second.out;
  EXPECT_EQ(records.at("programs"), 0) << second.out;
  // The topics now hold the dataset as it is, the touched leads twice (the
  // latest value last), every activity once.
  const auto leads = committed(topic(prefix, "leads"));
  std::int64_t twice = 0;
  for (const auto& lead : dataset(*s, "leads")) {
    const auto& values = leads.at(json{{"id", lead["id"]}}.dump());
    EXPECT_EQ(values.back(), lead);
    if (values.size() == 2) ++twice;
  }
  EXPECT_EQ(twice, 40);
  expect_activities_match(prefix, *s);
  const auto calls_second = s->http().stats().calls_total - calls_first;
  EXPECT_LE(calls_second, 25) << "an incremental run walks one window per export, not the history";
}

TEST(marketo_e2e, column_and_table_selection_fetch_only_what_is_selected) {
  auto s = start(small_account());
  temp_dir dir;
  const auto prefix = unique_prefix("select");
  job_options o;
  o.streams = {{"leads", {{"columns", {"email", "firstName"}}}},
               {"activities_fill_out_form", json::object()},
               {"campaigns", json::object()}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, o));
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  const auto leads = committed(topic(prefix, "leads"));
  ASSERT_EQ(leads.size(), static_cast<std::size_t>(s->data().lead_count()));
  for (const auto& [key, values] : leads) {
    std::set<std::string> fields;
    for (const auto& [k, v] : values.front().items()) fields.insert(k);
    // The key and the replication key are automatic, the rest as selected.
    EXPECT_EQ(fields, (std::set<std::string>{"id", "updatedAt", "email", "firstName"})) << key;
  }
  std::int64_t fill_outs = 0;
  for (const auto& a : dataset(*s, "activities")) fill_outs += a["activityTypeId"] == 2;
  EXPECT_EQ(committed(topic(prefix, "activities_fill_out_form")).size(), static_cast<std::size_t>(fill_outs));
  EXPECT_EQ(committed(topic(prefix, "campaigns")).size(), 30u);
  EXPECT_TRUE(committed(topic(prefix, "activities_visit_webpage")).empty());
  EXPECT_EQ(calls_to(*s, "/rest/v1/lists.json"), 0);
  EXPECT_EQ(calls_to(*s, "/rest/asset/v1/programs.json"), 0);
  // The activity exports carried only the selected type.
  const auto exports = get_json(*s, "/_sim/exports");
  std::int64_t activity_exports = 0;
  for (const auto& j : exports["jobs"])
    if (j["kind"] == "activities") ++activity_exports;
  EXPECT_EQ(activity_exports, 2);
}

TEST(marketo_e2e, a_leads_column_the_account_lacks_fails_leads_alone_naming_the_nearest) {
  auto s = start(small_account());
  temp_dir dir;
  const auto prefix = unique_prefix("column");
  job_options o;
  o.streams = {{"leads", {{"columns", {"emial"}}}}, {"campaigns", json::object()}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, o));
  const auto r = extract(dir, cfg, *s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find(R"(no column \"emial\" in leads (the account's describe.json); did you mean \"email\"?)"),
            std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(committed(topic(prefix, "campaigns")).size(), 30u) << "the other stream is delivered";
  EXPECT_TRUE(committed(topic(prefix, "leads")).empty());
  for (const auto& j : get_json(*s, "/_sim/exports")["jobs"]) EXPECT_NE(j["kind"], "leads") << "no export was made";
}

// Only types.json knows an activity stream's columns: a typo there fails
// that stream alone at plan, from the answer the plan has anyway. Run
// beside the same job without the typo, the calls are the same (the
// refused stream shared its export with the others), the export without
// its type.
TEST(marketo_e2e, an_activity_column_its_type_lacks_fails_that_stream_alone_at_no_extra_call) {
  auto s = start(small_account(100, 3000));
  temp_dir dir;
  const auto run = [&](const std::string& prefix, const std::string& column) {
    job_options o;
    o.streams = {{"activities_fill_out_form", {{"columns", {"client_ip_address", column}}}},
                 {"activities_visit_webpage", json::object()},
                 {"campaigns", json::object()}};
    const auto before = s->http().stats().calls_by_path;
    const auto exports_before = get_json(*s, "/_sim/exports")["jobs"].size();
    const auto r = extract(dir, dir.write(prefix + ".json", make_config(prefix, *s, o)), *s);
    auto calls = s->http().stats().calls_by_path;
    for (const auto& [path, n] : before) calls[path] -= n;
    std::erase_if(calls, [](const auto& c) { return c.second == 0; });
    std::int64_t exported = 0;
    const auto jobs = get_json(*s, "/_sim/exports")["jobs"];
    for (std::size_t i = exports_before; i < jobs.size(); ++i) exported += jobs[i].value("numberOfRecords", 0);
    return std::tuple{r, calls, exported};
  };
  std::map<std::string, std::size_t> per_stream;
  for (const auto& a : dataset(*s, "activities"))
    ++per_stream[activity_streams(*s).at(a["activityTypeId"].get<std::int64_t>())];

  const auto typo = unique_prefix("acolumn");
  const auto [bad, bad_calls, bad_exported] = run(typo, "form_feilds");
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE((bad.out + bad.err).find(R"(no column \"form_feilds\" in activities_fill_out_form (activity type 2's attributes and the fixed fields); did you mean \"form_fields\"?)"),
            std::string::npos)
      << bad.out << bad.err;
  EXPECT_TRUE(committed(topic(typo, "activities_fill_out_form")).empty());
  EXPECT_EQ(committed(topic(typo, "activities_visit_webpage")).size(), per_stream.at("activities_visit_webpage"));
  EXPECT_EQ(committed(topic(typo, "campaigns")).size(), 30u);

  const auto fixed = unique_prefix("acolumnok");
  const auto [good, good_calls, good_exported] = run(fixed, "form_fields");
  ASSERT_EQ(good.exit_code, 0) << good.out << good.err;
  const auto forms = committed(topic(fixed, "activities_fill_out_form"));
  EXPECT_EQ(forms.size(), per_stream.at("activities_fill_out_form"));
  for (const auto& [key, values] : forms) {
    std::set<std::string> fields;
    for (const auto& [k, v] : values.front().items()) fields.insert(k);
    EXPECT_EQ(fields, (std::set<std::string>{"marketoGUID", "activityDate", "client_ip_address", "form_fields"}));
  }
  EXPECT_EQ(committed(topic(fixed, "activities_visit_webpage")).size(), per_stream.at("activities_visit_webpage"));

  EXPECT_EQ(bad_calls, good_calls) << "the refusal costs no call, and saves none: its export was shared";
  EXPECT_LT(bad_exported, good_exported) << "the refused type was not exported";
  EXPECT_GE(bad_exported, static_cast<std::int64_t>(per_stream.at("activities_visit_webpage")));
}


TEST(marketo_e2e, every_activity_stream_gets_its_bookmark_gauge_and_a_labelled_share_of_the_calls) {
  // Activity streams share one export per ten types: quarry serve's
  // /metrics and run summary must still speak of each stream.
  auto s = start(small_account());
  temp_dir dir;
  const auto prefix = unique_prefix("gauges");
  json cfg = json::parse(make_config(prefix, *s));
  const int port = testing::free_port();
  cfg["telemetry"] = {{"listen", "127.0.0.1:" + std::to_string(port)}};
  cfg["serve"] = {{"local_workers", 2}};
  quarry_process serve{{"serve", "--config", dir.write("serve.json", cfg.dump())},
                       {{"MKTO_SECRET", s->options().client_secret}},
                       dir};
  httplib::Client c{"127.0.0.1", port};
  c.set_connection_timeout(2);
  c.set_read_timeout(30);
  auto await_json = [&](const std::string& path, const std::function<bool(const json&)>& ok) {
    json got;
    for (int i = 0; i < 600; ++i) {
      if (auto r = c.Get(path.c_str()); r && r->status == 200) {
        got = json::parse(r->body, nullptr, false);
        if (!got.is_discarded() && ok(got)) return got;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return json();
  };
  if (await_json("/api/v1/jobs", [](const json&) { return true; }).is_null()) {
    serve.kill(SIGKILL);
    FAIL() << "serve never answered: " << serve.wait(std::chrono::seconds(10)).err;
  }
  auto started = c.Post("/api/v1/jobs/mk/runs");
  ASSERT_TRUE(started && started->status == 202);
  const auto job = await_json("/api/v1/jobs/mk", [](const json& j) {
    return j.contains("last_run") && !j.value("running", true);
  });
  ASSERT_FALSE(job.is_null()) << "the run never finished";
  const auto metrics = c.Get("/metrics")->body;
  int fed = 0, with_calls = 0;
  for (const auto& st : job["last_run"]["streams"]) {
    const std::string name = st["stream"];
    if (name.rfind("activities_", 0) != 0 || st["records"] == 0) continue;
    ++fed;
    with_calls += st["calls"].get<int>() > 0;
    EXPECT_EQ(st.value("calls_shared", false), true) << st.dump();
    EXPECT_NE(metrics.find("quarry_bookmark_last_commit_timestamp_seconds{quarry_job=\"mk\",stream=\"" + name + "\"}"),
              std::string::npos)
        << name;
  }
  EXPECT_GE(fed, 3) << job.dump();
  EXPECT_EQ(with_calls, fed) << "each activity stream that got records has its share of the calls: " << job.dump();
  serve.kill(SIGTERM);
  EXPECT_EQ(serve.wait(std::chrono::seconds(60)).exit_code, 0);
}

TEST(marketo_e2e, max_daily_calls_below_the_job_holds_and_the_next_days_finish_it) {
  auto s = start(small_account(600, 1500));
  temp_dir dir;
  const auto prefix = unique_prefix("ceiling");
  job_options o;
  o.quota = {{"daily_calls", 20}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, o));
  process_result r;
  int day = 0;
  for (; day < 8; ++day) {
    s->http().clock().set_now(std::chrono::system_clock::now() + std::chrono::seconds(day * day_s));
    r = extract(dir, cfg, *s, day * day_s);
    const auto stats = s->http().stats();
    const auto today = stats.calls_by_day.rbegin();
    ASSERT_NE(today, stats.calls_by_day.rend());
    ASSERT_LE(today->second, 20) << "the simulator counted more than max_daily_calls on " << today->first;
    EXPECT_TRUE(stats.violations.empty()) << sim::to_json(stats);
    if (r.exit_code != 3) break;
    EXPECT_NE(r.out.find("incomplete"), std::string::npos) << r.out;
  }
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GE(day, 2) << "the job needs more than two days of 20 calls";
  expect_leads_match(prefix, *s);
  expect_activities_match(prefix, *s);
}

TEST(marketo_e2e, a_spent_daily_export_volume_ends_the_run_resumably_until_the_reset) {
  auto o = small_account(20000, 0);
  o.export_daily_mb = 1;  // about one window's file a day
  auto s = start(std::move(o));
  temp_dir dir;
  const auto prefix = unique_prefix("export-mb");
  job_options jo;
  jo.streams = {{"leads", json::object()}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  process_result r;
  int day = 0;
  for (; day < 5; ++day) {
    s->http().clock().set_now(std::chrono::system_clock::now() + std::chrono::seconds(day * day_s));
    r = extract(dir, cfg, *s, day * day_s);
    if (r.exit_code != 3) break;
    EXPECT_NE(r.out.find("1029 Export daily quota exceeded"), std::string::npos) << r.out;
  }
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GE(day, 1) << "one day's export volume cannot hold the leads";
  expect_leads_match(prefix, *s);
}

TEST(marketo_e2e, an_access_token_that_expires_mid_run_is_refreshed) {
  auto o = small_account(800, 2000);
  o.token_ttl_s = 2;
  o.export_seconds_per_mb = 30;  // each export takes ~1-2 s: the run outlives tokens
  auto s = start(std::move(o));
  temp_dir dir;
  const auto prefix = unique_prefix("token");
  job_options jo;
  jo.streams = {{"leads", json::object()}, {"activities_*", json::object()}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto auth = get_json(*s, "/_sim/auth");
  EXPECT_GE(auth["tokens_issued"].get<int>(), 2) << auth.dump();
  expect_leads_match(prefix, *s);
  expect_activities_match(prefix, *s);
}

TEST(marketo_e2e, storms_of_606_and_615_slow_quarry_down_without_losing_anything) {
  // Another app spends the same account's window and concurrency while
  // quarry runs: quarry's own budget cannot see it, so Marketo answers 606
  // and 615 and quarry must back off and still deliver everything.
  auto o = small_account(600, 1500);
  o.rate_calls = 15;
  o.rate_seconds = 1;
  o.concurrency = 2;
  o.server.latency_ms = 20;
  auto s = start(std::move(o));
  temp_dir dir;
  const auto prefix = unique_prefix("storm");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s));
  std::atomic<bool> done{false};
  std::thread other_app([&] {
    httplib::Client c{"127.0.0.1", s->port()};
    auto token = c.Get("/identity/oauth/token?grant_type=client_credentials&client_id=" + s->options().client_id +
                       "&client_secret=" + s->options().client_secret);
    if (!token || token->status != 200) return;
    const httplib::Headers auth{{"Authorization", "Bearer " + json::parse(token->body)["access_token"].get<std::string>()}};
    while (!done) {  // bursts that fill most of a window, twice a second
      for (int i = 0; i < 12 && !done; ++i) c.Get("/rest/v1/lists.json?batchSize=1", auth);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the other app's pace
    }
  });
  const auto r = extract(dir, cfg, *s);
  done = true;
  other_app.join();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto stats = s->http().stats();
  std::map<sim::limit_kind, int> answered;
  for (const auto& v : stats.violations)
    if (v.path.find("/lists.json") == std::string::npos) ++answered[v.kind];
  EXPECT_GT(answered[sim::limit_kind::window], 0) << "quarry got no 606: no storm";
  EXPECT_GT(answered[sim::limit_kind::concurrency], 0) << "quarry got no 615: no storm";
  // Visible at the default level: a line per task summing its failed calls
  // by kind (at most one line per worker every 10 s).
  EXPECT_NE(r.err.find("failed and were retried or given up (rate_limited "), std::string::npos) << r.err;
  expect_leads_match(prefix, *s);
  expect_activities_match(prefix, *s);
  for (const auto* stream : {"campaigns", "programs"}) expect_rest_stream_matches(prefix, *s, stream);
}

TEST(marketo_e2e, failed_and_cancelled_exports_are_exported_again) {
  auto o = small_account(800, 2000);
  o.export_fail_rate = 0.3;
  o.export_seconds_per_mb = 60;  // a few seconds per export: time to cancel one
  auto s = start(std::move(o));
  temp_dir dir;
  const auto prefix = unique_prefix("fail");
  job_options jo;
  jo.streams = {{"leads", json::object()}, {"activities_*", json::object()}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  quarry_process p{{"extract", "--config", cfg},
                   {{"MKTO_SECRET", s->options().client_secret}, {"QUARRY_CLOCK_OFFSET_S", "0"}},
                   dir};
  // Cancel the first export seen queued or processing, as an admin would.
  std::string cancelled;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (cancelled.empty() && std::chrono::steady_clock::now() < deadline) {
    const auto exports = get_json(*s, "/_sim/exports");
    for (const auto& j : exports["jobs"]) {
      if (j["status"] != "Queued" && j["status"] != "Processing") continue;
      httplib::Client c{"127.0.0.1", s->port()};
      auto token = c.Get("/identity/oauth/token?grant_type=client_credentials&client_id=" +
                         s->options().client_id + "&client_secret=" + s->options().client_secret);
      ASSERT_TRUE(token && token->status == 200);
      const auto bearer = json::parse(token->body)["access_token"].get<std::string>();
      auto res = c.Post("/bulk/v1/" + j["kind"].get<std::string>() + "/export/" +
                            j["exportId"].get<std::string>() + "/cancel.json",
                        {{"Authorization", "Bearer " + bearer}}, "", "application/json");
      ASSERT_TRUE(res && res->status == 200);
      cancelled = j["exportId"].get<std::string>();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the simulator
  }
  const auto r = p.wait(std::chrono::seconds(300));
  ASSERT_FALSE(cancelled.empty()) << "no export was seen in flight: " << get_json(*s, "/_sim/exports").dump()
                                  << r.out << r.err;
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  int failed = 0, cancelled_jobs = 0;
  const auto exports = get_json(*s, "/_sim/exports");
  for (const auto& j : exports["jobs"]) {
    failed += j["status"] == "Failed";
    cancelled_jobs += j["status"] == "Cancelled";
  }
  EXPECT_GT(failed, 0) << "the fail rate produced no failed export";
  EXPECT_EQ(cancelled_jobs, 1);
  expect_leads_match(prefix, *s);
  expect_activities_match(prefix, *s);
}

TEST(marketo_e2e, an_interrupted_download_resumes_with_a_range_request) {
  auto s = start(small_account(20000, 0));
  temp_dir dir;
  const auto prefix = unique_prefix("resume");
  job_options jo;
  jo.streams = {{"leads", json::object()}};
  jo.start_days_ago = 20;  // one window holds about half the leads
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  post_json(*s, "/_sim/export_faults", {{"cut_after_bytes", 1'500'000}});
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto exports = get_json(*s, "/_sim/exports");
  std::int64_t file_bytes = 0;
  for (const auto& j : exports["jobs"]) file_bytes += j["fileSize"].get<std::int64_t>();
  ASSERT_GT(file_bytes, 1'500'000) << "the export must be bigger than the cut";
  EXPECT_EQ(exports["jobs"].size(), 1u) << "the export was reused, not created again";
  // What was committed before the cut (every 5,000 rows) is not fetched again.
  const auto served = exports["export_bytes_served_today"].get<std::int64_t>();
  EXPECT_LT(served, file_bytes + 1'500'000) << "the download started over";
  EXPECT_GE(served, file_bytes);
  // Every lead updated in the window, exactly once.
  const auto seen = committed(topic(prefix, "leads"));
  const auto since = sim::format_rfc3339(unix_now() - 20 * day_s);
  std::size_t expected = 0;
  for (const auto& lead : dataset(*s, "leads")) {
    if (lead["updatedAt"].get<std::string>() < since) continue;
    ++expected;
    auto it = seen.find(json{{"id", lead["id"]}}.dump());
    ASSERT_NE(it, seen.end()) << lead["id"];
    ASSERT_EQ(it->second.size(), 1u) << lead["id"];
  }
  EXPECT_EQ(seen.size(), expected);
}

TEST(marketo_e2e, a_malformed_csv_row_is_reported_with_its_line_and_the_rest_is_delivered) {
  auto s = start(small_account(300, 0));
  temp_dir dir;
  const auto prefix = unique_prefix("malformed");
  job_options jo;
  jo.streams = {{"leads", json::object()}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  post_json(*s, "/_sim/export_faults", {{"malformed_row", 20}, {"kind", "leads"}});
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::int64_t line = 0;
  const auto exports = get_json(*s, "/_sim/exports");
  for (const auto& j : exports["jobs"]) line = std::max(line, j.value("malformed_line", std::int64_t{0}));
  ASSERT_GT(line, 20) << "the fault was not placed";
  SCOPED_TRACE("the simulator broke line " + std::to_string(line));
  EXPECT_NE(r.err.find("malformed row skipped, line " + std::to_string(line) + ":"), std::string::npos) << r.err;
  const auto seen = committed(topic(prefix, "leads"));
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(s->data().lead_count() - 1));
}

TEST(marketo_e2e, file_json_answered_606_and_615_again_and_again_is_waited_out) {
  // Marketo answers a file request like any call when a limit is hit: HTTP
  // 200 and a JSON envelope instead of the file. Six in a row (three used to
  // fail the stream) are waited out without using up the task's attempts.
  auto o = small_account(600, 1500);
  o.rate_seconds = 1;  // 606 names a 1 s window
  auto s = start(std::move(o));
  temp_dir dir;
  const auto prefix = unique_prefix("file-limits");
  job_options jo;
  jo.streams = {{"leads", json::object()}, {"activities_*", json::object()}};
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s, jo));
  const json codes = {"606", "615", "606", "615", "606", "615"};
  post_json(*s, "/_sim/export_faults", {{"file_errors", codes}});
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto exports = get_json(*s, "/_sim/exports");
  EXPECT_EQ(exports["file_errors_answered"], codes.size());
  std::int64_t files = 0;
  for (const auto& j : exports["jobs"]) files += j["status"] == "Completed" && j["numberOfRecords"].get<std::int64_t>() > 0;
  EXPECT_EQ(calls_to(*s, "/bulk/v1/leads/export/{exportId}/file.json") +
                calls_to(*s, "/bulk/v1/activities/export/{exportId}/file.json"),
            files + static_cast<std::int64_t>(codes.size()))
      << "each limit answer costs one more call, nothing else";
  expect_leads_match(prefix, *s);
  expect_activities_match(prefix, *s);
}

// Where Marketo's docs are silent on date bounds (startAt/endAt of exports,
// earliestUpdatedAt/latestUpdatedAt of programs, sinceDatetime of activity
// paging tokens), the simulator serves each reading; under every one, every
// record is delivered once, those stamped exactly on a window's edge or a
// bookmark included.
struct bounds_case {
  const char* name;
  const char* export_bounds;
  const char* since_datetime;
  const char* activities_via;
};

class marketo_bounds : public ::testing::TestWithParam<bounds_case> {};

// `seen` holds exactly the records of `expected` (key text -> record), each once.
void expect_exactly_once(const std::string& stream, const testing::records_by_key& seen, const std::map<std::string, json>& expected) {
  EXPECT_EQ(seen.size(), expected.size()) << stream;
  for (const auto& [key, record] : expected) {
    const auto it = seen.find(key);
    ASSERT_NE(it, seen.end()) << stream << " lacks " << key << " " << record.dump();
    EXPECT_EQ(it->second.size(), 1u) << stream << " " << key << " delivered " << it->second.size() << " times";
  }
}

TEST_P(marketo_bounds, every_record_once_with_records_on_every_window_edge) {
  const auto& c = GetParam();
  constexpr std::int64_t grid = 7200;  // records share 2-hour marks
  auto o = small_account();
  o.data.start = unix_now() / grid * grid - 40 * day_s;
  o.data.time_grid_s = grid;
  o.server.readings = {{"export_bounds", c.export_bounds}, {"programs_bounds", c.export_bounds},
                       {"since_datetime", c.since_datetime}};
  auto s = start(std::move(o));
  // The job starts on a program's updatedAt, a day or more into the data,
  // and walks windows of 7 days: every edge is a 2-hour mark.
  std::string start_date;
  for (const auto& p : dataset(*s, "programs")) {
    const auto at = as_delivered(p)["updatedAt"].get<std::string>();
    if (at >= sim::format_rfc3339(s->data().base_time + day_s) && (start_date.empty() || at < start_date))
      start_date = at;
  }
  ASSERT_FALSE(start_date.empty());
  const auto start_s = *sim::parse_rfc3339_us(start_date) / 1000000;
  std::set<std::string> edges;
  for (auto t = start_s; t < unix_now(); t += 7 * day_s) edges.insert(sim::format_rfc3339(t));

  temp_dir dir;
  const auto prefix = unique_prefix(std::string("bounds-") + c.name);
  job_options jo;
  jo.settings = {{"poll_interval_s", 1}, {"export_days", 7}, {"activities_via", c.activities_via}};
  auto cfg_json = json::parse(make_config(prefix, *s, jo));
  cfg_json["jobs"][0]["start_date"] = start_date;
  const auto cfg = dir.write("quarry.json", cfg_json.dump(2));
  const auto names = activity_streams(*s);

  // What a run must have delivered: every record stamped at or after the start.
  auto expected = [&] {
    std::map<std::string, std::map<std::string, json>> out;
    for (const auto& l : dataset(*s, "leads"))
      if (l["updatedAt"].get<std::string>() >= start_date) out["leads"][json{{"id", l["id"]}}.dump()] = l;
    for (const auto& a : dataset(*s, "activities"))
      if (a["activityDate"].get<std::string>() >= start_date)
        out[names.at(a["activityTypeId"].get<std::int64_t>())][json{{"marketoGUID", a["marketoGUID"]}}.dump()] = a;
    for (const auto* stream : {"programs", "campaigns", "lists"})
      for (const auto& row : dataset(*s, stream))
        if (as_delivered(row)["updatedAt"].get<std::string>() >= start_date)
          out[stream][json{{"id", row["id"]}}.dump()] = row;
    return out;
  };
  const auto first_expected = expected();
  // The readings are only tested where records sit on the edges.
  std::int64_t leads_on_edges = 0, activities_on_edges = 0, programs_at_start = 0;
  for (const auto& [key, l] : first_expected.at("leads")) leads_on_edges += edges.contains(l["updatedAt"]);
  for (const auto& [id, name] : names)
    if (first_expected.contains(name))
      for (const auto& [key, a] : first_expected.at(name)) activities_on_edges += edges.contains(a["activityDate"]);
  for (const auto& [key, p] : first_expected.at("programs"))
    programs_at_start += as_delivered(p)["updatedAt"] == start_date;
  ASSERT_GT(leads_on_edges, 0);
  ASSERT_GT(activities_on_edges, 0);
  ASSERT_GT(programs_at_start, 0);

  const auto first = extract(dir, cfg, *s);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const auto first_records = summary_records(first.out);
  for (const auto& [stream, records] : first_expected)
    EXPECT_EQ(first_records.at(stream), static_cast<std::int64_t>(records.size())) << stream << first.out;

  // Changes stamped exactly at the bookmarks the first run left: the leads'
  // (the end of its last window) and the activities' (that too in bulk; the
  // newest activity through REST).
  const auto marks = bookmarks(prefix);
  const auto leads_mark = *sim::parse_rfc3339_us(marks.at("leads").at("updatedAt").get<std::string>()) / 1000000;
  const auto acts_mark =
      *sim::parse_rfc3339_us(marks.at(names.at(1)).at("activityDate").get<std::string>()) / 1000000;
  auto stamp_at = [&](std::int64_t t) {
    s->http().clock().set_now(std::chrono::system_clock::time_point{std::chrono::seconds{t}} +
                              std::chrono::milliseconds{100});
  };
  stamp_at(acts_mark);
  s->mutate(0, 40);
  stamp_at(leads_mark);
  s->mutate(30, 0);
  const auto acts = dataset(*s, "activities");
  ASSERT_EQ(acts.back()["activityDate"], sim::format_rfc3339(acts_mark)) << "the new activities are not on the bookmark";

  const auto second = extract(dir, cfg, *s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  const auto records = summary_records(second.out);
  EXPECT_EQ(records.at("leads"), 30) << second.out;
  std::int64_t new_activities = 0;
  for (const auto& [stream, n] : records)
    if (stream.rfind("activities_", 0) == 0) new_activities += n;
  EXPECT_EQ(new_activities, 40) << second.out;
  for (const auto* stream : {"programs", "campaigns", "lists"}) EXPECT_EQ(records.at(stream), 0) << stream << second.out;

  // Both runs together: every record once (a touched lead once per version
  // at or after the start), each fitting its discovered schema.
  const auto schemas = discovered_schemas(cfg, *s);
  for (const auto& [stream, want] : expected()) {
    const auto seen = committed(topic(prefix, stream));
    for (const auto& [key, values] : seen)
      for (const auto& value : values) {
        const auto wrong = testing::schema_violations(schemas.at(stream), value);
        ASSERT_TRUE(wrong.empty()) << stream << " " << key << ": " << wrong.front() << "\n" << value.dump();
      }
    if (stream != "leads") {
      expect_exactly_once(stream, seen, want);
      continue;
    }
    EXPECT_EQ(seen.size(), want.size());
    for (const auto& [key, lead] : want) {
      const auto it = seen.find(key);
      ASSERT_NE(it, seen.end()) << "leads lacks " << key;
      const auto& before = first_expected.at("leads");
      const auto old = before.find(key);
      const bool touched = old == before.end() || old->second != lead;
      EXPECT_EQ(it->second.size(), (old != before.end() ? 1u : 0u) + (touched ? 1u : 0u)) << key;
      EXPECT_EQ(it->second.back(), lead) << key;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    readings, marketo_bounds,
    ::testing::Values(bounds_case{"incl_incl", "start_inclusive_end_inclusive", "inclusive", "bulk"},
                      bounds_case{"incl_excl", "start_inclusive_end_exclusive", "exclusive", "bulk"},
                      bounds_case{"excl_incl", "start_exclusive_end_inclusive", "inclusive", "bulk"},
                      bounds_case{"excl_excl", "start_exclusive_end_exclusive", "exclusive", "bulk"},
                      bounds_case{"rest_since_incl", "start_exclusive_end_exclusive", "inclusive", "rest"},
                      bounds_case{"rest_since_excl", "start_inclusive_end_inclusive", "exclusive", "rest"}),
    [](const ::testing::TestParamInfo<bounds_case>& info) { return std::string(info.param.name); });

// The run of issue 13 for Marketo: a bulk leads export whose window holds a
// burst of 12,000 leads stamped with one updatedAt, the job's start (so
// which bounds the server counts matters), is `kill -9`ed with part of its
// file committed; the rerun resumes that export's file where the committed
// checkpoint says and delivers every lead of the window exactly once, under
// the default reading of export_bounds and the exclusive one.
class marketo_burst : public ::testing::TestWithParam<std::string> {};

TEST_P(marketo_burst, a_kill_9_inside_a_same_updated_at_burst_then_a_rerun_delivers_every_lead_once) {
  auto o = small_account(20000, 0);
  o.server.readings = {{"export_bounds", GetParam()}};
  auto s = start(std::move(o));
  const auto burst_at = unix_now() - 10 * day_s;
  s->http().clock().set_now(std::chrono::system_clock::time_point{std::chrono::seconds{burst_at}} +
                            std::chrono::milliseconds{100});
  ASSERT_EQ(s->mutate(12000, 0).touched_leads, 12000);
  s->http().clock().reset();
  const auto start_date = sim::format_rfc3339(burst_at);
  std::set<std::string> burst;
  std::size_t expected = 0;
  for (const auto& lead : dataset(*s, "leads")) {
    const auto at = lead["updatedAt"].get<std::string>();
    if (at == start_date) burst.insert(json{{"id", lead["id"]}}.dump());
    expected += at >= start_date;
  }
  ASSERT_EQ(burst.size(), 12000u);

  temp_dir dir;
  const auto prefix = unique_prefix("burst-" + GetParam());
  job_options jo;
  jo.streams = {{"leads", json::object()}};
  auto cfg_json = json::parse(make_config(prefix, *s, jo));
  cfg_json["jobs"][0]["start_date"] = start_date;  // one window, from the burst's second
  const auto cfg = dir.write("quarry.json", cfg_json.dump(2));
  // The first download is cut past its first checkpoint (5,000 rows); its
  // Range retry, from that checkpoint, is held unanswered.
  post_json(*s, "/_sim/export_faults", {{"cut_after_bytes", 1'200'000}});
  const std::string file = "/bulk/v1/leads/export/{exportId}/file.json";
  post_json(*s, "/_sim/hold", {{"path", file}, {"after_calls", 1}});
  std::int64_t offset = 0;  // of the committed checkpoint in the file
  {
    quarry_process run{{"extract", "--config", cfg}, {{"MKTO_SECRET", s->options().client_secret}}, dir};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    json mark;
    auto inside = [&] {
      return mark.is_object() && mark.contains("export") && mark["export"].value("offset", 0) > 0;
    };
    while (std::chrono::steady_clock::now() < deadline && !run.exited()) {
      if (get_json(*s, "/_sim/hold")["held"] == 1) {
        mark = bookmarks(prefix)["leads"];
        if (inside()) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the simulator and the state
    }
    if (!inside()) {
      const auto r = run.wait(std::chrono::seconds(1));
      FAIL() << "no checkpoint inside the file: " << mark.dump() << "\n" << r.out << r.err;
    }
    offset = mark["export"]["offset"].get<std::int64_t>();
    run.kill(SIGKILL);
    EXPECT_EQ(run.wait().exit_code, -1);
  }
  ASSERT_EQ(calls_to(*s, file), 2) << "the whole file, then the held Range retry";
  const auto jobs = get_json(*s, "/_sim/exports")["jobs"];
  ASSERT_EQ(jobs.size(), 1u);
  const auto export_id = jobs[0]["exportId"];
  // Part of the burst is committed, part is not.
  std::size_t burst_before = 0;
  const auto before = committed(topic(prefix, "leads"));
  for (const auto& [key, values] : before) burst_before += burst.contains(key);
  ASSERT_GT(burst_before, 0u);
  ASSERT_LT(burst_before, burst.size());
  post_json(*s, "/_sim/hold", json::object());

  const auto rerun = extract(dir, cfg, *s);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  EXPECT_EQ(summary_records(rerun.out).at("leads"), static_cast<std::int64_t>(expected - before.size())) << rerun.out;
  // The rerun resumed the export in the bookmark from its checkpoint: the
  // bytes served are the cut answer, the rest of that file from the byte
  // before the offset (the row end quarry checks) twice (to the held call,
  // answered once released, and to the rerun) and the file of any window
  // the rerun added since the first run's end.
  const auto exports = get_json(*s, "/_sim/exports");
  ASSERT_EQ(exports["jobs"][0]["exportId"], export_id);
  auto served = 1'200'000 + 2 * (exports["jobs"][0]["fileSize"].get<std::int64_t>() - offset + 1);
  for (std::size_t i = 1; i < exports["jobs"].size(); ++i)
    if (exports["jobs"][i]["numberOfRecords"].get<std::int64_t>() > 0) served += exports["jobs"][i]["fileSize"].get<std::int64_t>();
  EXPECT_EQ(exports["export_bytes_served_today"].get<std::int64_t>(), served)
      << "the rerun did not resume the file at the checkpoint's offset " << offset;
  // Every lead stamped at or after the start, exactly once.
  const auto seen = committed(topic(prefix, "leads"));
  for (const auto& lead : dataset(*s, "leads")) {
    if (lead["updatedAt"].get<std::string>() < start_date) continue;
    const auto key = json{{"id", lead["id"]}}.dump();
    const auto it = seen.find(key);
    ASSERT_NE(it, seen.end()) << "leads lacks " << key;
    ASSERT_EQ(it->second.size(), 1u) << key << " delivered " << it->second.size() << " times";
    EXPECT_EQ(it->second.front(), lead) << key;
  }
  EXPECT_EQ(seen.size(), expected);
}

INSTANTIATE_TEST_SUITE_P(readings, marketo_burst,
                         ::testing::Values("start_inclusive_end_inclusive", "start_exclusive_end_exclusive"));

TEST(marketo_e2e, dates_of_birth_and_program_dates_fit_their_declared_formats) {
  auto s = start(small_account(300, 600));
  temp_dir dir;
  const auto prefix = unique_prefix("formats");
  const auto cfg = dir.write("quarry.json", make_config(prefix, *s));
  const auto r = extract(dir, cfg, *s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto schemas = discovered_schemas(cfg, *s);
  EXPECT_EQ(schemas.at("leads")["properties"]["dateOfBirth"]["format"], "date");
  EXPECT_EQ(schemas.at("leads")["properties"]["updatedAt"]["format"], "date-time");
  EXPECT_EQ(schemas.at("programs")["properties"]["createdAt"]["format"], "date-time");
  EXPECT_EQ(schemas.at("programs")["properties"]["updatedAt"]["format"], "date-time");
  std::int64_t births = 0;
  for (const auto& [key, values] : committed(topic(prefix, "leads"))) births += values.front()["dateOfBirth"].is_string();
  EXPECT_GT(births, 0) << "no dateOfBirth to check";
  // primary_attribute_name as tap-marketo writes it.
  for (const auto& [key, values] : committed(topic(prefix, "activities_visit_webpage")))
    ASSERT_EQ(values.front()["primary_attribute_name"], "webpage_id") << key;
  expect_records_fit_their_schemas(prefix, schemas);
  for (const auto* stream : {"campaigns", "lists", "programs"}) expect_rest_stream_matches(prefix, *s, stream);
}

} // namespace
} // namespace quarry
