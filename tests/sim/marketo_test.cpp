// The Marketo simulator over real HTTP: identity and tokens, envelopes and
// paging of each REST endpoint, the limits answered as Marketo answers them
// (606/607/615) and recorded in /_sim/stats, and the Bulk Extract lifecycle.

#include "sim/marketo.hpp"
#include "sim/timestamps.hpp"
#include "tests/sim/sim_client.hpp"

#include <gtest/gtest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace quarry::sim {
namespace {

using nlohmann::json;
using testing::reply;

// RFC 4180 with '\n' or "\r\n" row ends.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !row.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

class marketo : public ::testing::Test {
 protected:
  void start(marketo_options options = {}) {
    if (options.data.leads == 1000) options.data.leads = 200;
    if (options.data.activities == 5000) options.data.activities = 3000;
    sim_ = std::make_unique<marketo_simulator>(std::move(options));
    sim_->start();
    http_ = std::make_unique<httplib::Client>("127.0.0.1", sim_->port());
    http_->set_read_timeout(30, 0);
  }

  marketo_simulator& sim() { return *sim_; }

  static reply to_reply(const httplib::Result& res) {
    reply out;
    if (!res) {
      out.status = -1;
      out.json = json(json::value_t::discarded);
      return out;
    }
    out.status = res->status;
    out.body = res->body;
    out.headers = res->headers;
    out.json = json::parse(res->body, nullptr, false);
    return out;
  }

  reply identity(const std::string& id = "quarry-client", const std::string& secret = "quarry-secret") {
    return to_reply(http_->Get(("/identity/oauth/token?grant_type=client_credentials&client_id=" + id +
                                "&client_secret=" + secret).c_str()));
  }
  std::string token() {
    if (token_.empty()) token_ = identity().json.at("access_token").get<std::string>();
    return token_;
  }
  httplib::Headers auth(httplib::Headers extra = {}) {
    extra.emplace("Authorization", "Bearer " + token());
    return extra;
  }
  reply get(const std::string& path, httplib::Headers extra = {}) {
    return to_reply(http_->Get(path.c_str(), auth(std::move(extra))));
  }
  reply post(const std::string& path, const json& body = json::object()) {
    return to_reply(http_->Post(path.c_str(), auth(), body.dump(), "application/json"));
  }
  json control_get(const std::string& path) {
    return json::parse(http_->Get(path.c_str())->body);
  }
  void advance(double seconds) { sim_->http().clock().advance(std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6))); }

  static std::string error_code(const reply& r) {
    if (!r.is_json() || !r.json.contains("errors") || r.json["errors"].empty()) return "";
    return r.json["errors"][0].value("code", "");
  }

  json leads_export(const std::string& start, const std::string& end, const std::string& by = "createdAt",
                    std::vector<std::string> fields = {"id", "email", "firstName", "lastName", "company",
                                                       "city", "leadScore", "createdAt", "updatedAt"}) {
    return {{"format", "CSV"}, {"fields", fields}, {"filter", {{by, {{"startAt", start}, {"endAt", end}}}}}};
  }
  // Creates, enqueues and returns the export id.
  std::string create_and_enqueue(const std::string& kind, const json& body) {
    const auto c = post("/bulk/v1/" + kind + "/export/create.json", body);
    EXPECT_EQ(c.json.value("success", false), true) << c.body;
    const auto id = c.json["result"][0]["exportId"].get<std::string>();
    const auto e = post("/bulk/v1/" + kind + "/export/" + id + "/enqueue.json");
    EXPECT_EQ(e.json.value("success", false), true) << e.body;
    return id;
  }
  json status(const std::string& kind, const std::string& id) {
    return get("/bulk/v1/" + kind + "/export/" + id + "/status.json").json["result"][0];
  }

  std::vector<std::string> violations(const std::string& kind) {
    std::vector<std::string> out;
    const auto stats = control_get("/_sim/stats");
    for (const auto& v : stats["violations"])
      if (v["kind"] == kind) out.push_back(v["path"]);
    return out;
  }

  std::unique_ptr<marketo_simulator> sim_;
  std::unique_ptr<httplib::Client> http_;
  std::string token_;
};

TEST_F(marketo, identity_returns_the_same_token_until_it_expires) {
  marketo_options o;
  o.token_ttl_s = 100;
  start(o);
  EXPECT_EQ(identity("quarry-client", "wrong").status, 401);
  const auto first = identity();
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json["token_type"], "bearer");
  EXPECT_EQ(first.json["expires_in"], 100);
  EXPECT_TRUE(first.json.contains("scope"));
  advance(30);
  const auto second = identity();
  EXPECT_EQ(second.json["access_token"], first.json["access_token"]);
  EXPECT_LE(second.json["expires_in"].get<int>(), 70);
  token_ = first.json["access_token"];

  EXPECT_EQ(get("/rest/v1/leads/describe.json").json["success"], true);
  const auto by_query = to_reply(http_->Get(("/rest/v1/leads/describe.json?access_token=" + token_).c_str()));
  EXPECT_EQ(by_query.json["success"], true);

  const auto invalid = to_reply(http_->Get("/rest/v1/leads/describe.json",
                                           {{"Authorization", "Bearer nope:int"}}));
  EXPECT_EQ(invalid.status, 200);
  EXPECT_EQ(invalid.json["success"], false);
  EXPECT_EQ(error_code(invalid), "601");
  EXPECT_EQ(error_code(to_reply(http_->Get("/rest/v1/leads/describe.json"))), "601");

  advance(71);
  const auto expired = get("/rest/v1/leads/describe.json");
  EXPECT_EQ(error_code(expired), "602");
  EXPECT_EQ(expired.json["errors"][0]["message"], "Access token expired");
  const auto renewed = identity();
  EXPECT_NE(renewed.json["access_token"], first.json["access_token"]);
  token_ = renewed.json["access_token"];
  EXPECT_EQ(get("/rest/v1/leads/describe.json").json["success"], true);
}

TEST_F(marketo, describe_and_activity_types_use_the_envelope) {
  start();
  const auto d = get("/rest/v1/leads/describe.json");
  ASSERT_EQ(d.status, 200);
  EXPECT_TRUE(d.json["requestId"].is_string());
  EXPECT_EQ(d.json["success"], true);
  EXPECT_TRUE(d.json["warnings"].is_array());
  std::set<std::string> rest;
  int soap_only = 0;
  for (const auto& f : d.json["result"]) {
    EXPECT_TRUE(f.contains("displayName") && f.contains("dataType") && f.contains("soap"));
    if (f.contains("rest")) rest.insert(f["rest"]["name"].get<std::string>());
    else ++soap_only;
  }
  for (const auto* name : {"id", "email", "firstName", "lastName", "createdAt", "updatedAt"})
    EXPECT_TRUE(rest.contains(name)) << name;
  EXPECT_EQ(soap_only, 1);

  const auto t = get("/rest/v1/activities/types.json");
  ASSERT_GE(t.json["result"].size(), 8u);
  for (const auto& type : t.json["result"]) {
    EXPECT_TRUE(type["id"].is_number_integer());
    EXPECT_TRUE(type["primaryAttribute"].contains("name"));
    EXPECT_TRUE(type["attributes"].is_array());
  }
}

TEST_F(marketo, activities_page_from_a_paging_token_with_short_pages) {
  start();
  const auto p = get("/rest/v1/activities/pagingtoken.json?sinceDatetime=2023-12-01T00:00:00-06:00");
  ASSERT_EQ(p.json["success"], true) << p.body;
  std::string next = p.json["nextPageToken"];
  const std::string all_types = "1,2,6,7,10,11,12,13";
  std::vector<std::int64_t> ids;
  bool short_page = false;
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 1000);
    const auto r = get("/rest/v1/activities.json?activityTypeIds=" + all_types + "&nextPageToken=" + next);
    ASSERT_EQ(r.json["success"], true) << r.body;
    ASSERT_TRUE(r.json["nextPageToken"].is_string());
    const auto n = r.json.contains("result") ? r.json["result"].size() : 0;
    EXPECT_LE(n, 300u);
    if (r.json.contains("result"))
      for (const auto& a : r.json["result"]) {
        ids.push_back(std::stoll(a["marketoGUID"].get<std::string>()));
        EXPECT_TRUE(a.contains("leadId") && a.contains("activityDate") && a["attributes"].is_array());
      }
    next = r.json["nextPageToken"];
    if (!r.json["moreResult"].get<bool>()) break;
    if (n < 300) short_page = true;
  }
  EXPECT_TRUE(short_page);
  ASSERT_EQ(ids.size(), 3000u);
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], static_cast<std::int64_t>(i + 1));

  // The final token picks up activities added later.
  sim().mutate(0, 5);
  const auto later = get("/rest/v1/activities.json?activityTypeIds=" + all_types + "&nextPageToken=" + next);
  EXPECT_LE(later.json.contains("result") ? later.json["result"].size() : 0, 5u);
  std::size_t added = later.json.contains("result") ? later.json["result"].size() : 0;
  std::string t2 = later.json["nextPageToken"];
  while (added < 5) {
    const auto r = get("/rest/v1/activities.json?activityTypeIds=" + all_types + "&nextPageToken=" + t2);
    ASSERT_TRUE(r.json.contains("result")) << r.body;
    added += r.json["result"].size();
    t2 = r.json["nextPageToken"];
  }
  EXPECT_EQ(added, 5u);

  // One type only: every record has it.
  const auto one = get("/rest/v1/activities.json?activityTypeIds=6&nextPageToken=" +
                       p.json["nextPageToken"].get<std::string>());
  for (const auto& a : one.json["result"]) EXPECT_EQ(a["activityTypeId"], 6);

  EXPECT_EQ(error_code(get("/rest/v1/activities.json?activityTypeIds=1,2,3,4,5,6,7,8,9,10,11&nextPageToken=" + next)), "1003");
  EXPECT_EQ(error_code(get("/rest/v1/activities.json?activityTypeIds=1")), "1003");
  EXPECT_EQ(error_code(get("/rest/v1/activities.json?nextPageToken=" + next)), "1003");
}

TEST_F(marketo, campaigns_and_lists_page_until_no_next_page_token) {
  start();
  for (const auto& [path, count] : {std::pair{std::string("/rest/v1/campaigns.json"), 25},
                                    std::pair{std::string("/rest/v1/lists.json"), 12}}) {
    std::vector<int> ids;
    std::string token;
    int pages = 0;
    for (;;) {
      const auto r = get(path + "?batchSize=10" + (token.empty() ? "" : "&nextPageToken=" + token));
      ASSERT_EQ(r.json["success"], true) << r.body;
      ++pages;
      for (const auto& rec : r.json["result"]) {
        ids.push_back(rec["id"]);
        EXPECT_TRUE(rec.contains("createdAt") && rec.contains("updatedAt") && rec.contains("name"));
      }
      if (!r.json.contains("nextPageToken")) break;
      token = r.json["nextPageToken"];
    }
    EXPECT_EQ(static_cast<int>(ids.size()), count) << path;
    EXPECT_EQ(pages, (count + 9) / 10) << path;
    EXPECT_EQ(ids, [&] {
      std::vector<int> d;
      for (const auto& rec : control_get("/_sim/dataset/" + path.substr(9, path.size() - 14))) d.push_back(rec["id"]);
      return d;
    }());
    EXPECT_EQ(error_code(get(path + "?batchSize=301")), "1003");
  }
}

TEST_F(marketo, programs_page_by_offset_and_end_with_the_no_assets_warning) {
  start();
  std::size_t total = 0;
  int offset = 0;
  for (;; offset += 200) {
    const auto r = get("/rest/asset/v1/programs.json?maxReturn=200&offset=" + std::to_string(offset));
    ASSERT_EQ(r.json["success"], true) << r.body;
    if (!r.json.contains("result")) {
      EXPECT_EQ(r.json["warnings"], json::array({"No assets found for the given search criteria."}));
      break;
    }
    EXPECT_LE(r.json["result"].size(), 200u);
    EXPECT_TRUE(r.json["result"][0]["updatedAt"].get<std::string>().ends_with("Z+0000"));
    total += r.json["result"].size();
  }
  EXPECT_EQ(total, 450u);
  EXPECT_EQ(offset, 600);
  EXPECT_EQ(error_code(get("/rest/asset/v1/programs.json?maxReturn=201")), "1003");
  // A date range keeps only programs updated inside it.
  const auto some = get("/rest/asset/v1/programs.json?maxReturn=200&earliestUpdatedAt=2024-06-01T00:00:00Z"
                        "&latestUpdatedAt=2024-07-01T00:00:00%2B00:00");
  ASSERT_TRUE(some.json.contains("result")) << some.body;
  EXPECT_LT(some.json["result"].size(), 200u);
  for (const auto& p : some.json["result"]) {
    const auto at = p["updatedAt"].get<std::string>().substr(0, 20);
    EXPECT_GE(at, "2024-06-01");
    EXPECT_LE(at, "2024-07-01");
  }
}

TEST_F(marketo, usage_reports_calls_today_as_the_server_counts_them) {
  start();
  for (int i = 0; i < 4; ++i) get("/rest/v1/leads/describe.json");
  const auto u = get("/rest/v1/stats/usage.json");
  ASSERT_EQ(u.json["success"], true);
  EXPECT_EQ(u.json["result"][0]["total"], 5);
  // Marketo's day is the CST day (UTC-6, as the simulator counts it): between
  // 00:00 and 06:00 UTC it is still yesterday.
  EXPECT_EQ(u.json["result"][0]["date"], format_day(sim().http().clock().now() - std::chrono::hours(6)));
}

TEST_F(marketo, the_101st_call_in_20_seconds_gets_606_and_is_recorded) {
  start();
  for (int i = 0; i < 100; ++i) ASSERT_EQ(get("/rest/v1/lists.json").json["success"], true) << i;
  const auto r = get("/rest/v1/lists.json");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(error_code(r), "606");
  EXPECT_EQ(r.json["errors"][0]["message"], "Max rate limit '100' exceeded with in '20' secs");
  EXPECT_EQ(violations("window"), std::vector<std::string>{"/rest/v1/lists.json"});
}

TEST_F(marketo, calls_beyond_the_daily_quota_get_607_until_the_next_day) {
  marketo_options o;
  o.daily_limit = 3;
  start(o);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get("/rest/v1/lists.json").json["success"], true);
  const auto r = get("/rest/v1/lists.json");
  EXPECT_EQ(error_code(r), "607");
  EXPECT_EQ(violations("daily").size(), 1u);
  // Marketo's day starts at 00:00 CST (06:00 UTC): one second before it
  // the quota is still spent, five seconds after it is back.
  const auto cst = std::chrono::hours{6};
  const auto next_day = std::chrono::floor<std::chrono::days>(sim().http().clock().now() - cst) +
                        std::chrono::days{1} + cst;
  sim().http().clock().set_now(next_day - std::chrono::seconds{1});
  token_.clear();  // the day jump outlives the token
  EXPECT_EQ(error_code(get("/rest/v1/lists.json")), "607");
  sim().http().clock().set_now(next_day + std::chrono::seconds{5});
  token_.clear();
  EXPECT_EQ(get("/rest/v1/lists.json").json["success"], true);
}

TEST_F(marketo, more_than_10_concurrent_calls_get_615_and_are_recorded) {
  marketo_options o;
  o.server.latency_ms = 400;
  start(o);
  const auto t = token();
  std::atomic<int> rejected{0}, ok{0};
  // Connect first (the listen backlog is short) and keep the connections.
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int i = 0; i < 14; ++i) {
    clients.push_back(std::make_unique<httplib::Client>("127.0.0.1", sim().port()));
    clients.back()->set_keep_alive(true);
    ASSERT_EQ(clients.back()->Get("/_sim/clock")->status, 200);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 14; ++i)
    threads.emplace_back([&, i] {
      const auto r = to_reply(clients[i]->Get("/rest/v1/lists.json", {{"Authorization", "Bearer " + t}}));
      if (error_code(r) == "615") ++rejected;
      else if (r.json.value("success", false)) ++ok;
    });
  for (auto& th : threads) th.join();
  EXPECT_GE(rejected.load(), 1);
  EXPECT_LE(ok.load(), 10);
  EXPECT_EQ(static_cast<int>(violations("concurrency").size()), rejected.load());
  EXPECT_GT(control_get("/_sim/stats")["max_in_flight"].get<int>(), 10);
}

TEST_F(marketo, a_leads_export_runs_its_lifecycle_and_serves_ranges_with_a_checksum) {
  marketo_options o;
  o.token_ttl_s = 40 * 86400;
  o.export_seconds_per_mb = 1e6;  // processing takes sim time: the client must poll
  o.data.leads = 3000;
  start(o);
  sim().http().clock().set_now(std::chrono::sys_days{std::chrono::November / 23 / 2026} +
                               std::chrono::hours{12});
  const auto c = post("/bulk/v1/leads/export/create.json",
                      leads_export("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"));
  ASSERT_EQ(c.json["success"], true) << c.body;
  EXPECT_EQ(c.json["result"][0]["status"], "Created");
  const std::string id = c.json["result"][0]["exportId"];
  EXPECT_EQ(id.size(), 36u);

  const auto early = get("/bulk/v1/leads/export/" + id + "/file.json");
  EXPECT_EQ(early.status, 404);

  const auto e = post("/bulk/v1/leads/export/" + id + "/enqueue.json");
  EXPECT_EQ(e.json["result"][0]["status"], "Queued");
  EXPECT_EQ(error_code(post("/bulk/v1/leads/export/" + id + "/enqueue.json")), "1029");
  EXPECT_EQ(status("leads", id)["status"], "Processing");
  EXPECT_EQ(get("/bulk/v1/leads/export/" + id + "/file.json").status, 404);
  advance(86400);
  const auto s = status("leads", id);
  ASSERT_EQ(s["status"], "Completed") << s.dump();
  for (const auto* k : {"createdAt", "queuedAt", "startedAt", "finishedAt"}) EXPECT_TRUE(s.contains(k)) << k;

  const auto file = get("/bulk/v1/leads/export/" + id + "/file.json");
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(static_cast<std::int64_t>(file.body.size()), s["fileSize"].get<std::int64_t>());
  EXPECT_EQ(sha256_checksum(file.body), s["fileChecksum"]);
  EXPECT_TRUE(s["fileChecksum"].get<std::string>().starts_with("sha256:"));

  const auto rows = parse_csv(file.body);
  ASSERT_EQ(static_cast<std::int64_t>(rows.size()) - 1, s["numberOfRecords"].get<std::int64_t>());
  EXPECT_EQ(rows[0], (std::vector<std::string>{"id", "email", "firstName", "lastName", "company",
                                               "city", "leadScore", "createdAt", "updatedAt"}));
  // Every row equals the dataset; hostile values survive the round trip.
  const auto leads = control_get("/_sim/dataset/leads");
  std::set<std::string> companies;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& lead = leads[std::stoll(rows[r][0]) - 1];
    EXPECT_EQ(rows[r][2], lead["firstName"]);
    EXPECT_EQ(rows[r][4], lead["company"]);
    EXPECT_EQ(rows[r][5], lead["city"].is_null() ? "null" : lead["city"].get<std::string>());
    EXPECT_LT(rows[r][7], "2024-02-01");
    companies.insert(rows[r][4]);
  }
  EXPECT_TRUE(companies.contains("Acme, Inc."));
  EXPECT_TRUE(companies.contains("Line One\nLine Two Ltd"));
  EXPECT_TRUE(companies.contains("Carriage\rReturn Corp"));
  EXPECT_TRUE(companies.contains("\"Quoted\" Widgets"));
  EXPECT_TRUE(companies.contains("東京株式会社"));

  const auto part = get("/bulk/v1/leads/export/" + id + "/file.json", {{"Range", "bytes=10-19"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, file.body.substr(10, 10));
  EXPECT_EQ(httplib::detail::get_header_value(part.headers, "Content-Range", 0, ""),
            "bytes 10-19/" + std::to_string(file.body.size()));
  const auto probe = get("/bulk/v1/leads/export/" + id + "/file.json", {{"Range", "bytes=0-0"}});
  EXPECT_EQ(probe.status, 206);
  EXPECT_EQ(probe.body, file.body.substr(0, 1));

  const auto list = get("/bulk/v1/leads/export.json?status=Completed&status=Failed");
  ASSERT_EQ(list.json["result"].size(), 1u);
  EXPECT_EQ(list.json["result"][0]["exportId"], id);
  EXPECT_TRUE(get("/bulk/v1/activities/export.json?status=Completed").json["result"].empty());

  const auto exports = control_get("/_sim/exports");
  EXPECT_EQ(exports["export_bytes_today"], 0);  // completed yesterday (sim day)
  EXPECT_EQ(exports["export_bytes_served_today"].get<std::int64_t>(),
            static_cast<std::int64_t>(file.body.size()) + 11);

  EXPECT_EQ(error_code(get("/bulk/v1/leads/export/00000000-0000-4000-8000-000000000000/status.json")), "610");
}

TEST_F(marketo, an_activities_export_holds_the_filtered_types_with_json_attributes) {
  marketo_options o;
  o.export_seconds_per_mb = 0;
  start(o);
  const json body{{"format", "CSV"},
                  {"filter", {{"createdAt", {{"startAt", "2024-03-01T00:00:00Z"}, {"endAt", "2024-03-31T00:00:00Z"}}},
                              {"activityTypeIds", {1, 2}}}}};
  const auto id = create_and_enqueue("activities", body);
  const auto s = status("activities", id);
  ASSERT_EQ(s["status"], "Completed") << s.dump();
  const auto file = get("/bulk/v1/activities/export/" + id + "/file.json");
  const auto rows = parse_csv(file.body);
  ASSERT_GT(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"marketoGUID", "leadId", "activityDate", "activityTypeId",
                                               "campaignId", "primaryAttributeValueId",
                                               "primaryAttributeValue", "attributes"}));
  std::size_t expected = 0;
  for (const auto& a : control_get("/_sim/dataset/activities")) {
    const auto date = a["activityDate"].get<std::string>();
    if (date >= "2024-03-01" && date < "2024-03-31" && (a["activityTypeId"] == 1 || a["activityTypeId"] == 2))
      ++expected;
  }
  EXPECT_EQ(rows.size() - 1, expected);
  for (std::size_t r = 1; r < rows.size(); ++r) {
    EXPECT_TRUE(rows[r][3] == "1" || rows[r][3] == "2");
    const auto attrs = json::parse(rows[r][7], nullptr, false);
    EXPECT_TRUE(attrs.is_object()) << rows[r][7];
  }
}

TEST_F(marketo, enqueue_beyond_ten_jobs_gets_1029_too_many_jobs_in_queue) {
  marketo_options o;
  o.export_seconds_per_mb = 1e6;
  start(o);
  std::vector<std::string> ids;
  for (int i = 0; i < 11; ++i) {
    const auto c = post("/bulk/v1/leads/export/create.json",
                        leads_export("2024-01-01T00:00:00Z", "2024-01-10T00:00:00Z", "createdAt", {"id"}));
    ids.push_back(c.json["result"][0]["exportId"]);
  }
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(post("/bulk/v1/leads/export/" + ids[i] + "/enqueue.json").json["success"], true) << i;
  const auto full = post("/bulk/v1/leads/export/" + ids[10] + "/enqueue.json");
  EXPECT_EQ(error_code(full), "1029");
  EXPECT_EQ(full.json["errors"][0]["message"], "Too many jobs in queue");
  EXPECT_EQ(status("leads", ids[0])["status"], "Processing");
  EXPECT_EQ(status("leads", ids[1])["status"], "Processing");
  EXPECT_EQ(status("leads", ids[2])["status"], "Queued");
  const auto cancel = post("/bulk/v1/leads/export/" + ids[0] + "/cancel.json");
  EXPECT_EQ(cancel.json["result"][0]["status"], "Cancelled");
  EXPECT_EQ(status("leads", ids[2])["status"], "Processing");
  EXPECT_EQ(post("/bulk/v1/leads/export/" + ids[10] + "/enqueue.json").json["success"], true);
}

TEST_F(marketo, exports_beyond_the_daily_megabytes_get_1029_until_the_next_day) {
  marketo_options o;
  o.data.activities = 100000;
  o.export_daily_mb = 1;
  o.export_seconds_per_mb = 0;
  o.token_ttl_s = 10 * 86400;
  start(o);
  const json body{{"filter", {{"createdAt", {{"startAt", "2024-01-01T00:00:00Z"}, {"endAt", "2024-01-31T00:00:00Z"}}}}}};
  const auto id = create_and_enqueue("activities", body);
  const auto s = status("activities", id);
  ASSERT_EQ(s["status"], "Completed");
  EXPECT_GT(s["fileSize"].get<std::int64_t>(), 1 << 20);
  EXPECT_EQ(control_get("/_sim/exports")["export_bytes_today"], s["fileSize"]);
  const auto refused = post("/bulk/v1/activities/export/create.json", body);
  EXPECT_EQ(error_code(refused), "1029");
  EXPECT_EQ(refused.json["errors"][0]["message"], "Export daily quota exceeded");
  advance(86400);
  EXPECT_EQ(post("/bulk/v1/activities/export/create.json", body).json["success"], true);
}

TEST_F(marketo, a_filter_longer_than_31_days_is_refused) {
  start();
  EXPECT_EQ(error_code(post("/bulk/v1/leads/export/create.json",
                            leads_export("2024-01-01T00:00:00Z", "2024-02-01T00:00:01Z"))), "1003");
  EXPECT_EQ(post("/bulk/v1/leads/export/create.json",
                 leads_export("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")).json["success"], true);
  const json activities{{"filter", {{"createdAt", {{"startAt", "2024-01-01T00:00:00Z"}, {"endAt", "2024-03-01T00:00:00Z"}}}}}};
  EXPECT_EQ(error_code(post("/bulk/v1/activities/export/create.json", activities)), "1003");
  EXPECT_EQ(error_code(post("/bulk/v1/leads/export/create.json", json{{"fields", {"id"}}})), "1003");
}

TEST_F(marketo, updated_at_filter_finds_mutated_leads_or_is_1035_when_off) {
  marketo_options o;
  o.export_seconds_per_mb = 0;
  start(o);
  const auto now = sim().http().clock().now_unix_seconds();
  sim().mutate(7, 0);
  const auto id = create_and_enqueue(
      "leads", leads_export(format_rfc3339(now - 60), format_rfc3339(now + 60), "updatedAt", {"id", "updatedAt"}));
  const auto file = get("/bulk/v1/leads/export/" + id + "/file.json");
  EXPECT_EQ(parse_csv(file.body).size(), 8u) << file.body;

  marketo_options off;
  off.updated_at_filter = false;
  sim_.reset();
  token_.clear();
  start(off);
  const auto r = post("/bulk/v1/leads/export/create.json",
                      leads_export("2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", "updatedAt", {"id"}));
  EXPECT_EQ(error_code(r), "1035");
}

TEST_F(marketo, the_bounds_readings_decide_whether_records_on_a_filters_edges_are_in) {
  // Records on 1-hour marks: an export of [09:00, 12:00] holds 4 marks'
  // leads, 2 to 4 as the bounds are read.
  marketo_options o;
  o.data.leads = 24 * 366;  // one lead created every hour
  o.data.time_grid_s = 3600;
  o.export_seconds_per_mb = 0;
  start(o);
  const std::string from = "2024-03-01T09:00:00Z", to = "2024-03-01T12:00:00Z";
  std::map<std::string, std::size_t> rows;
  for (const auto* reading : {"start_inclusive_end_inclusive", "start_inclusive_end_exclusive",
                              "start_exclusive_end_inclusive", "start_exclusive_end_exclusive"}) {
    sim().http().set_reading("export_bounds", reading);
    const auto id = create_and_enqueue("leads", leads_export(from, to, "createdAt", {"id", "createdAt"}));
    ASSERT_EQ(status("leads", id)["status"], "Completed");
    const auto file = get("/bulk/v1/leads/export/" + id + "/file.json");
    rows[reading] = parse_csv(file.body).size() - 1;
  }
  EXPECT_EQ(rows["start_inclusive_end_inclusive"], 4u);
  EXPECT_EQ(rows["start_inclusive_end_exclusive"], 3u);
  EXPECT_EQ(rows["start_exclusive_end_inclusive"], 3u);
  EXPECT_EQ(rows["start_exclusive_end_exclusive"], 2u);

  // sinceDatetime on an activity's date: that activity first, or the next one.
  const auto first = sim().data().activity(0);
  const auto since = format_rfc3339(first.date);
  std::map<std::string, std::string> first_guid;
  for (const auto* reading : {"inclusive", "exclusive"}) {
    sim().http().set_reading("since_datetime", reading);
    const auto p = get("/rest/v1/activities/pagingtoken.json?sinceDatetime=" + since);
    const auto page = get("/rest/v1/activities.json?activityTypeIds=1,2,6,7,10,11,12,13&batchSize=1&nextPageToken=" +
                          p.json["nextPageToken"].get<std::string>());
    ASSERT_EQ(page.json["success"], true) << page.body;
    first_guid[reading] = page.json["result"][0]["activityDate"];
  }
  EXPECT_EQ(first_guid["inclusive"], since);
  EXPECT_GT(first_guid["exclusive"], since);
}

TEST_F(marketo, file_errors_answer_the_next_file_calls_with_limit_envelopes) {
  marketo_options o;
  o.export_seconds_per_mb = 0;
  start(o);
  const auto id = create_and_enqueue("leads", leads_export("2024-01-01T00:00:00Z", "2024-01-20T00:00:00Z"));
  ASSERT_EQ(status("leads", id)["status"], "Completed");
  ASSERT_EQ(to_reply(http_->Post("/_sim/export_faults", R"({"file_errors":["606","615"]})", "application/json")).status,
            200);
  const auto path = "/bulk/v1/leads/export/" + id + "/file.json";
  EXPECT_EQ(error_code(get(path)), "606");
  EXPECT_EQ(error_code(get(path)), "615");
  const auto file = get(path);
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body.rfind("id,", 0), 0u) << file.body.substr(0, 80);
  EXPECT_EQ(control_get("/_sim/exports")["file_errors_answered"], 2);
  EXPECT_EQ(to_reply(http_->Post("/_sim/export_faults", R"({"file_errors":["601"]})", "application/json")).status, 400);
}

TEST_F(marketo, a_failing_export_ends_failed_without_a_file) {
  marketo_options o;
  o.export_seconds_per_mb = 0;
  o.export_fail_rate = 1;
  start(o);
  const auto id = create_and_enqueue("leads", leads_export("2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z"));
  const auto s = status("leads", id);
  EXPECT_EQ(s["status"], "Failed");
  EXPECT_TRUE(s.contains("errorMsg"));
  EXPECT_EQ(get("/bulk/v1/leads/export/" + id + "/file.json").status, 404);
}

TEST_F(marketo, the_same_seed_gives_the_same_data_and_files) {
  auto checksum_of = [&](std::uint64_t seed) {
    marketo_options o;
    o.data.seed = seed;
    o.export_seconds_per_mb = 0;
    sim_.reset();
    token_.clear();
    start(o);
    const auto id = create_and_enqueue("leads", leads_export("2024-01-01T00:00:00Z", "2024-01-20T00:00:00Z"));
    return std::pair{status("leads", id)["fileChecksum"].get<std::string>(),
                     control_get("/_sim/dataset/activities?limit=100").dump()};
  };
  const auto a = checksum_of(7), b = checksum_of(7), c = checksum_of(8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.first, c.first);
  EXPECT_NE(a.second, c.second);
}

TEST(marketo_data, sha256_matches_known_vectors) {
  EXPECT_EQ(sha256_checksum(""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_checksum("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_checksum(std::string(1'000'000, 'a')),
            "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(marketo_data, a_million_leads_cost_no_memory_per_row) {
  marketo_data data({.seed = 1, .leads = 1'000'000, .activities = 2'000'000});
  EXPECT_EQ(data.lead(999'999).id, 1'000'000);
  EXPECT_EQ(data.activity_count(), 2'000'000);
  EXPECT_EQ(data.first_activity_at(data.base_time), 0);
  EXPECT_LE(data.activity_date(1'999'999), data.base_time + data.span_seconds);
}

} // namespace
} // namespace quarry::sim
