// The Marketo connector against recorded answers (data/marketo/*.json, *.csv,
// literal payloads from the API docs), driven through the fake session
// (tests/support) answering call()/download() from them by "METHOD /path" and
// recording what the connector emits, checkpoints and declares.

#include "connectors/marketo/marketo_api.hpp"
#include "connectors/marketo/marketo_connector.hpp"
#include "connectors/marketo/marketo_streams.hpp"
#include "tests/support/fake_session.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace {

using namespace quarry;
using namespace quarry::connectors;
using nlohmann::json;

std::string data(const std::string& name) {
  std::ifstream in(std::string(MARKETO_TEST_DATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

using quarry::testing::canned_files;
using quarry::testing::fake_session;
using quarry::testing::offline_job;
using quarry::testing::request_key;

// Recorded answers (`server`: data/marketo by "METHOD /path", the token from
// token.json until a test says otherwise) and a session answered from them.
struct marketo_fake {
  canned_files server{MARKETO_TEST_DATA};
  fake_session s{offline_job("marketo", {{"client_id", "the-client-id"}, {"client_secret", "s3cr3t-value"}}), server};
  marketo_fake() { server.answer("GET /identity/oauth/token", {{200, "token.json"}}); }
};

const auto fixed_now = std::chrono::sys_days{std::chrono::year{2024} / 3 / 31};

struct harness {
  std::unique_ptr<connector> c;
  explicit harness(std::int64_t checkpoint_rows = 5000) {
    marketo_options o;
    o.now = [] { return std::chrono::system_clock::time_point{fixed_now}; };
    o.poll_interval = std::chrono::milliseconds{0};
    o.checkpoint_rows = checkpoint_rows;
    c = make_marketo_connector(std::move(o));
  }
};

const char* export_id = "ce45a7a1-f19d-4ce2-882c-a3c795940a7d";

std::string bulk(const std::string& entity, const std::string& step) {
  return std::string("/bulk/v1/") + entity + "/export/" + export_id + "/" + step + ".json";
}

void answer_export(canned_files& server, const std::string& entity, const std::string& completed,
                   const std::string& file) {
  server.answer("POST /bulk/v1/" + entity + "/export/create.json", {{200, "export_created.json"}});
  server.answer("POST " + bulk(entity, "enqueue"), {{200, "export_queued.json"}});
  server.answer("GET " + bulk(entity, "status"),
                {{200, "export_queued.json"}, {200, "export_processing.json"}, {200, completed}});
  server.answer("GET " + bulk(entity, "file"), {{200, file}});
}

task_spec leads_task(const json& windows, const json& bookmark = nullptr) {
  task_spec t;
  t.stream = "leads";
  t.bookmark = bookmark;
  t.params = {{"windows", windows},
              {"fields", {"id", "email", "firstName", "score", "updatedAt", "createdAt"}},
              {"properties", marketo::leads_stream(json::parse(data("leads_describe.json"))).schema["properties"]},
              {"filter", "updatedAt"}};
  return t;
}

const json one_window = json::array({json::array({"2024-03-01T00:00:00Z", "2024-03-31T00:00:00Z"})});

std::string header_of(const http::request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

// --- classification -------------------------------------------------------

TEST(marketo_classify, http_200_errors_map_to_the_taxonomy) {
  struct row {
    const char* file;
    error_kind kind;
    double retry_after;
  };
  const std::vector<row> table{
      {"error_601.json", error_kind::auth_expired, -1},
      {"error_602.json", error_kind::auth_expired, -1},
      {"error_606.json", error_kind::rate_limited, 20},
      {"error_615.json", error_kind::rate_limited, 1},
      {"error_607.json", error_kind::quota_exhausted, -1},
      {"error_611.json", error_kind::retriable, -1},
      {"error_1029_queue.json", error_kind::rate_limited, 300},
      {"error_1029_quota.json", error_kind::quota_exhausted, -1},
      {"error_1035.json", error_kind::fatal, -1},
      {"error_1003.json", error_kind::fatal, -1},
  };
  http::request req;
  req.url = "http://x/rest/v1/leads.json?access=secret";
  req.describe = "GET /rest/v1/leads.json";
  for (const auto& r : table) {
    SCOPED_TRACE(r.file);
    http::response res;
    res.status = 200;
    res.body = data(r.file);
    const auto e = marketo::classify(req, res);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, r.kind);
    EXPECT_EQ(e->retry_after_s, r.retry_after);
    const auto code = std::string(r.file).substr(6, std::string(r.file).find_first_of("_.", 6) - 6);
    EXPECT_NE(e->message.find(code), std::string::npos) << e->message;
    EXPECT_EQ(e->message.find("secret"), std::string::npos);
  }
  http::response ok;
  ok.body = data("usage.json");
  EXPECT_FALSE(marketo::classify(req, ok));
  http::response csv;
  csv.body = "id,email\n1,a\n";
  EXPECT_FALSE(marketo::classify(req, csv));
  http::response accepted;
  accepted.body = data("error_1035.json");
  EXPECT_FALSE(marketo::classify(req, accepted, {"1035"}));
}

// --- auth -----------------------------------------------------------------

TEST(marketo_auth, refreshes_the_token_on_602_and_sends_it_as_a_header) {
  auto [server, s] = marketo_fake();
  server.answer("GET /identity/oauth/token", {{200, "token.json"}, {200, "token_renewed.json"}});
  server.answer("GET /rest/v1/stats/usage.json", {{200, "error_602.json"}, {200, "usage.json"}});
  server.answer("GET /rest/v1/activities/types.json", {{200, "activity_types.json"}});
  s.job_.selection.streams = {"activity_types"};
  harness h;
  auto tasks = h.c->plan(s, {});
  ASSERT_TRUE(tasks) << tasks.error().describe();
  EXPECT_EQ(s.usage, 1120);
  EXPECT_EQ(s.requests_to("GET /identity/oauth/token").size(), 2u);
  const auto usage = s.requests_to("GET /rest/v1/stats/usage.json");
  ASSERT_EQ(usage.size(), 2u);
  EXPECT_EQ(header_of(*usage[0], "Authorization"), "Bearer cdf01657-110d-4155-99a7-f986b2ff13a0:int");
  EXPECT_EQ(header_of(*usage[1], "Authorization"), "Bearer 0ae1c3f2-0000-4e3f-9a1b-renewed000001:int");
  for (const auto& r : s.requests) {
    EXPECT_EQ(r.url.find("cdf01657"), std::string::npos) << "token in a URL";
    if (request_key(r) != "GET /identity/oauth/token") {
      EXPECT_EQ(r.url.find("s3cr3t"), std::string::npos);
    }
    EXPECT_EQ(r.describe.find("s3cr3t"), std::string::npos);
  }
  // The token is reused while it lives.
  auto again = h.c->plan(s, {});
  ASSERT_TRUE(again);
  EXPECT_EQ(s.requests_to("GET /identity/oauth/token").size(), 2u);
}

TEST(marketo_auth, bad_credentials_are_fatal_without_the_secret_in_the_text) {
  auto [server, s] = marketo_fake();
  server.answer("GET /identity/oauth/token", {{401, "identity_401.json"}});
  harness h;
  auto tasks = h.c->plan(s, {});
  ASSERT_FALSE(tasks);
  EXPECT_EQ(tasks.error().kind, error_kind::fatal);
  EXPECT_EQ(tasks.error().message.find("s3cr3t"), std::string::npos);
}

TEST(marketo_auth, a_second_602_in_a_row_is_returned) {
  auto [server, s] = marketo_fake();
  server.answer("GET /rest/v1/stats/usage.json", {{200, "error_602.json"}});
  harness h;
  auto tasks = h.c->plan(s, {});
  ASSERT_FALSE(tasks);
  EXPECT_EQ(tasks.error().kind, error_kind::auth_expired);
  EXPECT_EQ(s.requests_to("GET /rest/v1/stats/usage.json").size(), 2u);
}

// --- plan -----------------------------------------------------------------

TEST(marketo_plan, windows_of_at_most_31_days_and_groups_of_10_types) {
  auto [server, s] = marketo_fake();
  server.answer("GET /rest/v1/stats/usage.json", {{200, "usage.json"}});
  server.answer("GET /rest/v1/leads/describe.json", {{200, "leads_describe.json"}});
  server.answer("GET /rest/v1/activities/types.json", {{200, "activity_types.json"}});
  harness h;
  bookmark_map marks;
  marks[{"campaigns", ""}] = {{"updatedAt", "2024-02-01T00:00:00Z"}};
  auto tasks = h.c->plan(s, marks);
  ASSERT_TRUE(tasks) << tasks.error().describe();
  EXPECT_EQ(s.usage, 1120);
  std::map<std::string, task_spec> by;
  for (const auto& t : *tasks) by[t.stream] = t;
  ASSERT_TRUE(by.count("leads"));
  const auto& w = by["leads"].params["windows"];
  // 2024-01-01 .. 2024-03-31 in windows of 31 days less a second (each is
  // asked from a second before its start, and Marketo takes 31 days at most).
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0], json::array({"2024-01-01T00:00:00Z", "2024-01-31T23:59:59Z"}));
  EXPECT_EQ(w[1], json::array({"2024-01-31T23:59:59Z", "2024-03-02T23:59:58Z"}));
  EXPECT_EQ(w[2], json::array({"2024-03-02T23:59:58Z", "2024-03-31T00:00:00Z"}));
  const auto fields = by["leads"].params["fields"];
  EXPECT_NE(std::find(fields.begin(), fields.end(), "company"), fields.end());
  EXPECT_EQ(std::find(fields.begin(), fields.end(), "SoapOnly"), fields.end());
  // Three activity types: one export group, named after the lowest id.
  ASSERT_TRUE(by.count("activities_visit_webpage"));
  const auto& g = by["activities_visit_webpage"];
  EXPECT_EQ(g.emits, (std::vector<std::string>{"activities_fill_out_form", "activities_change_status_in_progression"}));
  EXPECT_EQ(g.params["activity_type_ids"], json::array({1, 2, 104}));
  EXPECT_EQ(g.params["windows"].size(), 3u);
  EXPECT_TRUE(by.count("activity_types") && by.count("campaigns") && by.count("lists") && by.count("programs"));
  EXPECT_EQ(by["campaigns"].bookmark["updatedAt"], "2024-02-01T00:00:00Z");
  // Declared: leads, activity_types, 3 activity streams, 3 REST streams.
  EXPECT_EQ(s.declared.size(), 8u);
  for (const auto& d : s.declared)
    if (d.name.rfind("activities_", 0) == 0) {
      EXPECT_EQ(d.primary_key, std::vector<std::string>{"marketoGUID"});
    }
}

TEST(marketo_plan, windows_start_at_the_bookmark_and_groups_resume_per_type) {
  auto [server, s] = marketo_fake();
  server.answer("GET /rest/v1/stats/usage.json", {{200, "usage.json"}});
  server.answer("GET /rest/v1/leads/describe.json", {{200, "leads_describe.json"}});
  server.answer("GET /rest/v1/activities/types.json", {{200, "activity_types.json"}});
  s.job_.selection.streams = {"leads", "activities_*"};
  harness h;
  bookmark_map marks;
  marks[{"leads", ""}] = {{"updatedAt", "2024-03-20T12:00:00Z"}, {"filter", "createdAt"}};
  marks[{"activities_visit_webpage", ""}] = {{"activityDate", "2024-03-10T00:00:00Z"},
                                             {"activity_type_ids", {1, 2, 104}}};
  auto tasks = h.c->plan(s, marks);
  ASSERT_TRUE(tasks);
  ASSERT_EQ(tasks->size(), 2u);
  const auto& leads = (*tasks)[0];
  EXPECT_EQ(leads.params["filter"], "createdAt");
  EXPECT_EQ(leads.params["windows"], json::array({json::array({"2024-03-20T12:00:00Z", "2024-03-31T00:00:00Z"})}));
  const auto& acts = (*tasks)[1];
  EXPECT_EQ(acts.params["from"], "2024-03-10T00:00:00Z");
  EXPECT_EQ(acts.params["windows"].size(), 1u);
}

TEST(marketo_plan, tap_marketo_state_per_activity_stream_is_resumed_from) {
  auto [server, s] = marketo_fake();
  server.answer("GET /rest/v1/stats/usage.json", {{200, "usage.json"}});
  server.answer("GET /rest/v1/leads/describe.json", {{200, "leads_describe.json"}});
  server.answer("GET /rest/v1/activities/types.json", {{200, "activity_types.json"}});
  s.job_.selection.streams = {"activities_*"};
  harness h;
  bookmark_map marks;
  // As tap-marketo writes them (and --state imports them): per stream, no type ids.
  const auto types = json::parse(data("activity_types.json"));
  for (const auto& t : types["result"])
    marks[{marketo::activity_stream_name(t), ""}] = {{"activityDate", "2024-03-15T00:00:00+00:00"},
                                                      {"export_id", "tap-export"}};
  marks[{"activities_visit_webpage", ""}]["activityDate"] = "2024-03-12T00:00:00+00:00";
  auto tasks = h.c->plan(s, marks);
  ASSERT_TRUE(tasks);
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ((*tasks)[0].params["from"], "2024-03-12T00:00:00Z") << (*tasks)[0].params.dump();  // the earliest of the group
  EXPECT_TRUE((*tasks)[0].bookmark.is_null()) << "tap-marketo's export is not reused";
}

// Only types.json knows an activity stream's columns: the plan checks them
// there, with no call of its own.
TEST(marketo_plan, an_activity_column_its_type_lacks_refuses_that_stream_alone) {
  auto [server, s] = marketo_fake();
  server.answer("GET /rest/v1/stats/usage.json", {{200, "usage.json"}});
  server.answer("GET /rest/v1/activities/types.json", {{200, "activity_types.json"}});
  s.job_.selection.streams = {"activities_*"};
  s.job_.selection.columns = {{"activities_fill_out_form", {"client_ip_address", "form_feilds"}}};
  harness h;
  bookmark_map marks;
  marks[{"activities_visit_webpage", ""}] = {{"activityDate", "2024-03-10T00:00:00Z"},
                                             {"activity_type_ids", {1, 2, 104}}};
  auto tasks = h.c->plan(s, marks);
  ASSERT_TRUE(tasks) << tasks.error().describe();
  EXPECT_EQ(s.requests.size(), 3u) << "token, usage, types: no call of its own";
  ASSERT_EQ(tasks->size(), 2u);
  const auto& refused = (*tasks)[0];
  EXPECT_EQ(refused.stream, "activities_fill_out_form");
  EXPECT_EQ(refused.params, (json{{"refused", "marketo: no column \"form_feilds\" in activities_fill_out_form "
                                              "(activity type 2's attributes and the fixed fields); "
                                              "did you mean \"form_fields\"?"}}));
  const auto st = h.c->run(refused, s);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, error_kind::fatal);
  EXPECT_EQ(s.requests.size(), 3u) << "a refused stream costs no call";
  // The others export without it; where it had got to rides in their bookmarks.
  const auto& group = (*tasks)[1];
  EXPECT_EQ(group.stream, "activities_visit_webpage");
  EXPECT_EQ(group.emits, std::vector<std::string>{"activities_change_status_in_progression"});
  EXPECT_EQ(group.params["activity_type_ids"], json::array({1, 104}));
  EXPECT_EQ(group.params["from"], "2024-03-10T00:00:00Z");
  EXPECT_EQ(group.params["held"], (json{{"2", "2024-03-10T00:00:00Z"}}));
  EXPECT_EQ(s.declared.size(), 3u);
  answer_export(server, "activities", "export_completed_empty.json", "activities_export.csv");
  ASSERT_TRUE(h.c->run(group, s));
  ASSERT_FALSE(s.checkpoints.empty());
  for (const auto& c : s.checkpoints) EXPECT_EQ(c["held"], group.params["held"]) << c.dump();
  const auto body = json::parse(s.requests_to("POST /bulk/v1/activities/export/create.json")[0]->body);
  EXPECT_EQ(body["filter"]["activityTypeIds"], json::array({1, 104}));
}

TEST(marketo_plan, a_refused_type_resumes_where_it_had_got_to_once_its_columns_are_fixed) {
  auto [server, s] = marketo_fake();
  server.answer("GET /rest/v1/stats/usage.json", {{200, "usage.json"}});
  server.answer("GET /rest/v1/activities/types.json", {{200, "activity_types.json"}});
  s.job_.selection.streams = {"activities_*"};
  harness h;
  bookmark_map marks;
  // As the run above leaves them: the group without type 2 went on, and holds type 2's place.
  marks[{"activities_visit_webpage", ""}] = {{"activityDate", "2024-03-20T00:00:00Z"},
                                             {"activity_type_ids", {1, 104}},
                                             {"held", {{"2", "2024-03-10T00:00:00Z"}}}};
  auto tasks = h.c->plan(s, marks);
  ASSERT_TRUE(tasks) << tasks.error().describe();
  ASSERT_EQ(tasks->size(), 1u);
  const auto& group = (*tasks)[0];
  EXPECT_EQ(group.params["activity_type_ids"], json::array({1, 2, 104}));
  EXPECT_EQ(group.params["from"], "2024-03-10T00:00:00Z") << "not the start date";
  EXPECT_FALSE(group.params.contains("held"));
  EXPECT_TRUE(group.bookmark.is_null()) << "another group's export is not ours";
  // Through REST, the group's bookmarks drop what it no longer holds.
  s.job_.settings = {{"activities_via", "rest"}};
  server.answer("GET /rest/v1/activities/pagingtoken.json", {{200, "pagingtoken.json"}});
  server.answer("GET /rest/v1/activities.json", {{200, "activities_page2.json"}});
  task_spec rest = group;
  rest.bookmark = marks[{"activities_visit_webpage", ""}];
  rest.params["activity_type_ids"] = {1, 104};
  ASSERT_TRUE(h.c->run(rest, s));
  ASSERT_FALSE(s.checkpoints.empty());
  EXPECT_FALSE(s.checkpoints.back().contains("held")) << s.checkpoints.back().dump();
}

// A glob's columns apply to every stream it matches, to each where it has
// them: a column one of them has is no error for the others; one that
// none has refuses each of them. A stream's own entry names its own columns.
TEST(marketo_plan, a_column_glob_is_checked_against_the_streams_it_matches) {
  const auto plan_with = [](std::vector<std::pair<std::string, std::vector<std::string>>> columns) {
    auto [server, s] = marketo_fake();
    server.answer("GET /rest/v1/stats/usage.json", {{200, "usage.json"}});
    server.answer("GET /rest/v1/activities/types.json", {{200, "activity_types.json"}});
    s.job_.selection.streams = {"activities_*"};
    s.job_.selection.columns = std::move(columns);
    harness h;
    auto tasks = h.c->plan(s, {});
    EXPECT_TRUE(tasks) << tasks.error().describe();
    std::map<std::string, std::string> refused;
    for (const auto& t : *tasks)
      if (t.params.contains("refused")) refused[t.stream] = t.params["refused"];
    return refused;
  };
  EXPECT_TRUE(plan_with({{"activities_*", {"leadId", "webpage_url", "form_fields", "new_status"}}}).empty());

  const auto none = plan_with({{"activities_*", {"webpage_url", "leadID"}}});
  ASSERT_EQ(none.size(), 3u);
  EXPECT_EQ(none.at("activities_visit_webpage"),
            "marketo: no column \"leadID\" in activities_visit_webpage (activity type 1's attributes and the "
            "fixed fields) nor in any other stream \"activities_*\" selects; did you mean \"leadId\"?");

  const auto own = plan_with({{"activities_fill_out_form", {"webpage_url"}}, {"activities_*", {"webpage_url"}}});
  ASSERT_EQ(own.size(), 1u);
  EXPECT_NE(own.at("activities_fill_out_form").find("no column \"webpage_url\" in activities_fill_out_form ("),
            std::string::npos);
}

TEST(marketo_rows, an_activity_whose_attributes_are_not_flat_goes_through_the_dom_path) {
  const auto types = json::parse(data("activity_types.json"));
  const json visit = types["result"][1];  // Visit Webpage
  marketo::activity_row_writer w({"marketoGUID", "leadId", "activityDate", "activityTypeId", "campaignId",
                                  "primaryAttributeValueId", "primaryAttributeValue", "attributes"});
  w.add_type(visit, "activities_visit_webpage");
  const std::string* stream = nullptr;
  std::string key, record;
  ASSERT_TRUE(w.write({"7", "3", "2024-03-01T00:00:00Z", "1", "null", "5", "localhost/a",
                       R"({"Webpage URL":"localhost/a","Query Parameters":["q=1","r=2"]})"},
                      stream, key, record));
  EXPECT_EQ(*stream, "activities_visit_webpage");
  EXPECT_EQ(json::parse(key), (json{{"marketoGUID", "7"}}));
  const auto r = json::parse(record);
  EXPECT_EQ(r["webpage_url"], "localhost/a");
  EXPECT_EQ(r["query_parameters"], (json{"q=1", "r=2"}));
  EXPECT_EQ(r["primary_attribute_name"], "webpage_id");  // as tap-marketo writes it
  EXPECT_EQ(r["leadId"], 3);
}

// --- REST streams ---------------------------------------------------------

TEST(marketo_rest, programs_page_until_the_no_assets_warning) {
  auto [server, s] = marketo_fake();
  server.answer("GET /rest/asset/v1/programs.json", {{200, "programs_page1.json"}, {200, "programs_end.json"}});
  harness h;
  task_spec t;
  t.stream = "programs";
  t.params = {{"start_date", "2015-01-01T00:00:00Z"}};
  auto st = h.c->run(t, s);
  ASSERT_TRUE(st) << st.error().describe();
  const auto reqs = s.requests_to("GET /rest/asset/v1/programs.json");
  ASSERT_EQ(reqs.size(), 2u);
  // From a second before the start: right whichever bound is inclusive.
  EXPECT_NE(reqs[0]->url.find("maxReturn=200&offset=0&earliestUpdatedAt=2014-12-31T23%3A59%3A59Z"
                              "&latestUpdatedAt=2024-03-31T00%3A00%3A00Z"),
            std::string::npos)
      << reqs[0]->url;
  EXPECT_NE(reqs[1]->url.find("offset=200"), std::string::npos);
  ASSERT_EQ(s.records_of("programs").size(), 1u);
  const auto program = s.records_of("programs")[0];
  EXPECT_EQ(program["id"], 1035);
  // "2015-11-18T15:25:35Z+0000" as RFC 3339.
  EXPECT_EQ(program["createdAt"], "2015-11-18T15:25:35Z");
  EXPECT_EQ(program["updatedAt"], "2015-11-18T15:25:46Z");
  ASSERT_FALSE(s.checkpoints.empty());
  // Everything stamped before the run's start is delivered.
  EXPECT_EQ(s.checkpoints.back(), (json{{"updatedAt", "2024-03-31T00:00:00Z"}, {"keys_at", json::array()}}));

  // A program a server answers again (the bookmark's second, read as
  // inclusive) is dropped; one stamped at the run's start waits for the next.
  auto [again_server, again] = marketo_fake();
  again_server.answer("GET /rest/asset/v1/programs.json", {{200, "programs_page1.json"}, {200, "programs_end.json"}});
  t.bookmark = {{"updatedAt", "2015-11-18T15:25:46Z"}, {"keys_at", {"1035"}}};
  ASSERT_TRUE(h.c->run(t, again));
  EXPECT_NE(again.requests_to("GET /rest/asset/v1/programs.json")[0]->url.find(
                "earliestUpdatedAt=2015-11-18T15%3A25%3A45Z"),
            std::string::npos);
  EXPECT_TRUE(again.records_of("programs").empty());
}

TEST(marketo_rest, campaigns_page_by_token_and_filter_by_updated_at) {
  auto [server, s] = marketo_fake();
  server.answer("GET /rest/v1/campaigns.json", {{200, "campaigns_page1.json"}, {200, "campaigns_page2.json"}});
  harness h;
  task_spec t;
  t.stream = "campaigns";
  t.bookmark = {{"updatedAt", "2024-01-01T00:00:00Z"}};
  auto st = h.c->run(t, s);
  ASSERT_TRUE(st) << st.error().describe();
  const auto reqs = s.requests_to("GET /rest/v1/campaigns.json");
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(reqs[1]->url.find("nextPageToken=NSPCTWP5XUVMWFLTHFFTQD"), std::string::npos);
  ASSERT_EQ(s.records_of("campaigns").size(), 1u);  // the 2016 one is older than the bookmark
  EXPECT_EQ(s.records_of("campaigns")[0]["id"], 1002);
  // One bookmark at the end of the scan: the newest record and its id.
  ASSERT_EQ(s.checkpoints.size(), 1u);
  EXPECT_EQ(s.checkpoints[0], (json{{"updatedAt", "2024-02-11T08:00:00Z"}, {"keys_at", {"1002"}}}));
}

TEST(marketo_rest, activities_page_on_while_more_result_even_after_a_short_page) {
  auto [server, s] = marketo_fake();
  s.job_.settings = {{"activities_via", "rest"}};
  server.answer("GET /rest/v1/activities/pagingtoken.json", {{200, "pagingtoken.json"}});
  server.answer("GET /rest/v1/activities.json", {{200, "activities_page1.json"}, {200, "activities_page2.json"}});
  harness h;
  const auto types = json::parse(data("activity_types.json"))["result"];
  task_spec t;
  t.stream = "activities_visit_webpage";
  t.params = {{"types", json::array({types[1]})}, {"activity_type_ids", {1}}, {"from", "2023-01-01T00:00:00Z"}};
  auto st = h.c->run(t, s);
  ASSERT_TRUE(st) << st.error().describe();
  const auto tok = s.requests_to("GET /rest/v1/activities/pagingtoken.json");
  ASSERT_EQ(tok.size(), 1u);
  EXPECT_NE(tok[0]->url.find("sinceDatetime=2022-12-31T23%3A59%3A59Z"), std::string::npos);
  const auto pages = s.requests_to("GET /rest/v1/activities.json");
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_NE(pages[0]->url.find("nextPageToken=GIYDAOBNGEYS2MBWKQYDAORQGA5DAMBOGAYDAKZQGAYDALBQ"), std::string::npos);
  EXPECT_NE(pages[1]->url.find("nextPageToken=WQV2VQVPPCKHC6AQYVK7JDSA3I3LCWXH3Y6IIZ7YSGQLXHCPVE5Q%3D%3D%3D%3D"),
            std::string::npos);
  const auto recs = s.records_of("activities_visit_webpage");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1]["marketoGUID"], "102988");
  EXPECT_EQ(recs[1]["webpage_url"], "/munchkintest2.html");
  EXPECT_EQ(recs[1]["client_ip_address"], "10.0.19.252");
  EXPECT_EQ(recs[1]["primary_attribute_name"], "webpage_id");
  EXPECT_EQ(recs[1]["primary_attribute_value"], "localhost/munchkintest2.html");
  // After the first page: its newest activity and the next page's token.
  EXPECT_EQ(s.checkpoints.front(), (json{{"activityDate", "2023-01-16T23:30:00Z"},
                                         {"keys_at", {"102987"}},
                                         {"activity_type_ids", {1}},
                                         {"next_page_token", "WQV2VQVPPCKHC6AQYVK7JDSA3I3LCWXH3Y6IIZ7YSGQLXHCPVE5Q===="}}));
  EXPECT_EQ(s.checkpoints.back(),
            (json{{"activityDate", "2023-01-16T23:32:19Z"}, {"keys_at", {"102988"}}, {"activity_type_ids", {1}}}));
}

// --- bulk export ----------------------------------------------------------

TEST(marketo_bulk, leads_export_lifecycle_and_csv_edge_cases) {
  auto [server, s] = marketo_fake();
  answer_export(server, "leads", "export_completed_leads.json", "leads_export.csv");
  harness h;
  auto st = h.c->run(leads_task(one_window), s);
  ASSERT_TRUE(st) << st.error().describe();
  // create -> enqueue -> status until Completed -> file
  const auto create = s.requests_to("POST /bulk/v1/leads/export/create.json");
  ASSERT_EQ(create.size(), 1u);
  const auto body = json::parse(create[0]->body);
  EXPECT_EQ(body["format"], "CSV");
  // [a - 1 s, b]: every row of [a, b) is in the file whichever bound is
  // inclusive; what lies outside [a, b) is not delivered.
  EXPECT_EQ(body["filter"]["updatedAt"]["startAt"], "2024-02-29T23:59:59Z");
  EXPECT_EQ(body["filter"]["updatedAt"]["endAt"], "2024-03-31T00:00:00Z");
  EXPECT_EQ(s.requests_to("POST " + bulk("leads", "enqueue")).size(), 1u);
  EXPECT_EQ(s.requests_to("GET " + bulk("leads", "status")).size(), 3u);
  EXPECT_EQ(s.requests_to("GET " + bulk("leads", "file")).size(), 1u);
  EXPECT_FALSE(s.requests_to("GET " + bulk("leads", "file"))[0]->range.has_value());

  const auto recs = s.records_of("leads");
  ASSERT_EQ(recs.size(), 6u);  // 7 rows, one malformed
  EXPECT_EQ(recs[0]["id"], 1);
  EXPECT_EQ(recs[0]["firstName"], "Smith, Jane");
  EXPECT_EQ(recs[0]["score"], 10);
  EXPECT_EQ(recs[1]["email"], nullptr);
  EXPECT_EQ(recs[1]["firstName"], "Line one\nline two");
  EXPECT_EQ(recs[1]["score"], nullptr);
  EXPECT_EQ(recs[2]["firstName"], "carriage\rreturn");
  EXPECT_EQ(recs[2]["score"], 7);  // integer field: fraction dropped
  EXPECT_EQ(recs[3]["firstName"], "Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac");
  EXPECT_EQ(recs[4]["id"], 6);
  EXPECT_EQ(recs[4]["firstName"], "say \"hi\"");
  EXPECT_EQ(recs[5]["id"], 7);  // no final newline
  EXPECT_EQ(recs[5]["updatedAt"], "2024-03-07T10:00:00Z");
  // The malformed row is a warning naming its line (row 5 starts on line 8).
  bool warned = false;
  for (const auto& w : s.warnings) warned = warned || w.find("line 8: quote in unquoted field") != std::string::npos;
  EXPECT_TRUE(warned) << (s.warnings.empty() ? "" : s.warnings[0]);
  // Bookmarks: the export id right after create, then the window end.
  ASSERT_GE(s.checkpoints.size(), 2u);
  EXPECT_EQ(s.checkpoints.front()["export"]["id"], export_id);
  EXPECT_EQ(s.checkpoints.back(),
            (json{{"updatedAt", "2024-03-31T00:00:00Z"}, {"keys_at", json::array()}, {"filter", "updatedAt"}}));
}

TEST(marketo_bulk, activities_export_carries_several_types_and_flattens_attributes) {
  auto [server, s] = marketo_fake();
  answer_export(server, "activities", "export_completed_activities.json", "activities_export.csv");
  harness h;
  const auto types = json::parse(data("activity_types.json"))["result"];
  task_spec t;
  t.stream = "activities_visit_webpage";
  t.emits = {"activities_fill_out_form", "activities_change_status_in_progression"};
  t.params = {{"types", json::array({types[1], types[0], types[2]})},
              {"activity_type_ids", {1, 2, 104}},
              {"from", "2022-02-01T00:00:00Z"},
              {"windows", json::array({json::array({"2022-02-01T00:00:00Z", "2022-03-01T00:00:00Z"})})}};
  auto st = h.c->run(t, s);
  ASSERT_TRUE(st) << st.error().describe();
  const auto body = json::parse(s.requests_to("POST /bulk/v1/activities/export/create.json")[0]->body);
  EXPECT_EQ(body["filter"]["activityTypeIds"], json::array({1, 2, 104}));
  EXPECT_EQ(body["filter"]["createdAt"]["startAt"], "2022-01-31T23:59:59Z");
  EXPECT_EQ(body["filter"]["createdAt"]["endAt"], "2022-03-01T00:00:00Z");

  const auto progression = s.records_of("activities_change_status_in_progression");
  ASSERT_EQ(progression.size(), 2u);
  EXPECT_EQ(progression[0]["marketoGUID"], "783957693");
  EXPECT_EQ(progression[0]["leadId"], 5414087);
  EXPECT_EQ(progression[0]["program_member_id"], 3240303);
  EXPECT_EQ(progression[0]["acquired_by"], true);
  EXPECT_EQ(progression[0]["new_status"], "On List");
  EXPECT_EQ(progression[0]["primary_attribute_name"], "program_id");
  EXPECT_EQ(progression[0]["primary_attribute_value"], "MembershipTest1");
  const auto visits = s.records_of("activities_visit_webpage");
  ASSERT_EQ(visits.size(), 1u);  // the row with a stray quote is skipped
  EXPECT_EQ(visits[0]["primary_attribute_value"], "localhost/a,b.html");
  EXPECT_EQ(visits[0]["campaignId"], nullptr);
  EXPECT_EQ(visits[0]["user_agent"], "Mozilla \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac\nline");
  const auto forms = s.records_of("activities_fill_out_form");
  ASSERT_EQ(forms.size(), 1u);
  EXPECT_EQ(forms[0]["primary_attribute_value"], "form\nwith newline");
  EXPECT_EQ(forms[0]["form_fields"], "a=1\r\nb=2");
  EXPECT_EQ(forms[0]["webpage_id"], 5);
  bool warned = false;
  for (const auto& w : s.warnings) warned = warned || w.find("line 5:") != std::string::npos;
  EXPECT_TRUE(warned);
  EXPECT_EQ(s.checkpoints.back(), (json{{"activityDate", "2022-03-01T00:00:00Z"},
                                        {"keys_at", json::array()},
                                        {"activity_type_ids", {1, 2, 104}}}));
}

TEST(marketo_bulk, interrupted_download_resumes_with_a_range_from_the_bookmark) {
  const auto file = data("leads_export.csv");
  // First attempt: the connection drops after 300 bytes; a checkpoint every row.
  auto [first_server, first] = marketo_fake();
  answer_export(first_server, "leads", "export_completed_leads.json", "leads_export.csv");
  first.fail_after_bytes = 300;
  harness h1(1);
  auto st = h1.c->run(leads_task(one_window), first);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, error_kind::retriable);
  ASSERT_FALSE(first.checkpoints.empty());
  const json resume = first.checkpoints.back();
  ASSERT_TRUE(resume.contains("export"));
  const auto offset = resume["export"]["offset"].get<std::int64_t>();
  EXPECT_GT(offset, 0);
  EXPECT_LE(offset, 300);
  // Only the records before the last checkpoint count (the rest was not committed).
  const auto committed = resume["export"]["rows"].get<std::size_t>();

  for (const bool server_ignores_range : {false, true}) {
    SCOPED_TRACE(server_ignores_range ? "server ignores Range" : "server honours Range");
    auto [second_server, second] = marketo_fake();
    answer_export(second_server, "leads", "export_completed_leads.json", "leads_export.csv");
    second.ignore_range = server_ignores_range;
    harness h2(1);
    auto again = h2.c->run(leads_task(one_window, resume), second);
    ASSERT_TRUE(again) << again.error().describe();
    EXPECT_TRUE(second.requests_to("POST /bulk/v1/leads/export/create.json").empty());  // reused
    const auto files = second.requests_to("GET " + bulk("leads", "file"));
    ASSERT_EQ(files.size(), 1u);
    ASSERT_TRUE(files[0]->range.has_value());
    EXPECT_EQ(files[0]->range->first, offset - 1);  // the row end before it, as a probe
    EXPECT_EQ(files[0]->range->second, -1);
    std::vector<json> all = first.records_of("leads");
    all.resize(committed);
    for (const auto& r : second.records_of("leads")) all.push_back(r);
    ASSERT_EQ(all.size(), 6u);
    for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i]["id"], std::vector<int>({1, 2, 3, 4, 6, 7})[i]);
    // The checksum covered the whole file across both attempts.
    EXPECT_EQ(second.checkpoints.back()["updatedAt"], "2024-03-31T00:00:00Z");
  }
  (void)file;
}

TEST(marketo_bulk, any_chunk_size_gives_the_same_records) {
  std::vector<json> expected;
  for (std::size_t chunk : {1, 2, 3, 5, 13, 64, 100000}) {
    SCOPED_TRACE(chunk);
    auto [server, s] = marketo_fake();
    s.chunk_size = chunk;
    answer_export(server, "leads", "export_completed_leads.json", "leads_export.csv");
    harness h;
    auto st = h.c->run(leads_task(one_window), s);
    ASSERT_TRUE(st) << st.error().describe();  // the checksum held too
    if (expected.empty()) expected = s.records_of("leads");
    EXPECT_EQ(s.records_of("leads"), expected);
  }
  EXPECT_EQ(expected.size(), 6u);
}

TEST(marketo_bulk, a_download_cut_at_any_byte_resumes_to_the_same_records) {
  const auto size = data("leads_export.csv").size();
  for (std::size_t cut = 1; cut < size; ++cut) {
    SCOPED_TRACE("cut after byte " + std::to_string(cut));
    auto [first_server, first] = marketo_fake();
    first.chunk_size = 4;
    answer_export(first_server, "leads", "export_completed_leads.json", "leads_export.csv");
    first.fail_after_bytes = static_cast<std::int64_t>(cut);
    harness h1(1);
    auto st = h1.c->run(leads_task(one_window), first);
    ASSERT_FALSE(st);
    const json resume = first.checkpoints.back();
    std::vector<json> all = first.records_of("leads");
    all.resize(resume["export"].value("rows", std::size_t{0}));
    auto [second_server, second] = marketo_fake();
    second.chunk_size = 3;
    answer_export(second_server, "leads", "export_completed_leads.json", "leads_export.csv");
    harness h2(1);
    auto again = h2.c->run(leads_task(one_window, resume), second);
    ASSERT_TRUE(again) << again.error().describe();
    for (const auto& r : second.records_of("leads")) all.push_back(r);
    std::vector<int> ids;
    for (const auto& r : all) ids.push_back(r["id"].get<int>());
    EXPECT_EQ(ids, (std::vector<int>{1, 2, 3, 4, 6, 7}));
  }
}

TEST(marketo_bulk, falls_back_to_created_at_on_1035) {
  auto [server, s] = marketo_fake();
  answer_export(server, "leads", "export_completed_leads.json", "leads_export.csv");
  server.answer("POST /bulk/v1/leads/export/create.json", {{200, "error_1035.json"}, {200, "export_created.json"}});
  harness h;
  auto st = h.c->run(leads_task(one_window), s);
  ASSERT_TRUE(st) << st.error().describe();
  const auto creates = s.requests_to("POST /bulk/v1/leads/export/create.json");
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_TRUE(json::parse(creates[0]->body)["filter"].contains("updatedAt"));
  const auto second = json::parse(creates[1]->body);
  EXPECT_FALSE(second["filter"].contains("updatedAt"));
  EXPECT_EQ(second["filter"]["createdAt"]["startAt"], "2024-02-29T23:59:59Z");
  EXPECT_EQ(s.checkpoints.back()["filter"], "createdAt");
  bool warned = false;
  for (const auto& w : s.warnings) warned = warned || w.find("1035") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(marketo_bulk, windows_by_created_at_place_rows_by_it_without_selecting_it) {
  auto [server, s] = marketo_fake();
  answer_export(server, "leads", "export_completed_leads.json", "leads_export.csv");
  harness h;
  const auto all = marketo::leads_stream(json::parse(data("leads_describe.json"))).schema["properties"];
  task_spec t = leads_task(json::array({json::array({"2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z"})}));
  t.params["filter"] = "createdAt";
  t.params["fields"] = {"id", "email", "updatedAt"};
  t.params["properties"] = {{"id", all["id"]}, {"email", all["email"]}, {"updatedAt", all["updatedAt"]}};
  auto st = h.c->run(t, s);
  ASSERT_TRUE(st) << st.error().describe();
  const auto body = json::parse(s.requests_to("POST /bulk/v1/leads/export/create.json")[0]->body);
  EXPECT_EQ(body["fields"], json::array({"id", "email", "updatedAt", "createdAt"}));
  EXPECT_EQ(body["filter"]["createdAt"]["startAt"], "2023-12-31T23:59:59Z");
  // Rows created 01-02 .. 01-04 are in [01-01, 01-05); the rest wait for
  // the window that holds them. Only the selected columns go out.
  const auto recs = s.records_of("leads");
  ASSERT_EQ(recs.size(), 3u);
  for (std::size_t i = 0; i < recs.size(); ++i) {
    EXPECT_EQ(recs[i]["id"], i + 1);
    std::set<std::string> columns;
    for (const auto& [k, v] : recs[i].items()) columns.insert(k);
    EXPECT_EQ(columns, (std::set<std::string>{"id", "email", "updatedAt"}));
  }
}

TEST(marketo_bulk, create_errors_end_the_task_with_the_right_kind) {
  struct row {
    const char* file;
    error_kind kind;
    double retry_after;
  };
  for (const auto& r : std::vector<row>{{"error_1029_queue.json", error_kind::rate_limited, 300},
                                        {"error_1029_quota.json", error_kind::quota_exhausted, -1},
                                        {"error_607.json", error_kind::quota_exhausted, -1},
                                        {"error_1003.json", error_kind::fatal, -1}}) {
    SCOPED_TRACE(r.file);
    auto [server, s] = marketo_fake();
    server.answer("POST /bulk/v1/leads/export/create.json", {{200, r.file}});
    harness h;
    auto st = h.c->run(leads_task(one_window), s);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().kind, r.kind);
    EXPECT_EQ(st.error().retry_after_s, r.retry_after);
  }
}

TEST(marketo_bulk, a_failed_export_is_forgotten_so_the_retry_creates_a_new_one) {
  auto [server, s] = marketo_fake();
  answer_export(server, "leads", "export_failed.json", "leads_export.csv");
  harness h;
  auto st = h.c->run(leads_task(one_window), s);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, error_kind::retriable);
  EXPECT_FALSE(s.checkpoints.back().contains("export"));
}

TEST(marketo_bulk, checksum_mismatch_restarts_the_window) {
  auto [server, s] = marketo_fake();
  answer_export(server, "leads", "export_completed_bad_checksum.json", "leads_export.csv");
  harness h;
  auto st = h.c->run(leads_task(one_window), s);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, error_kind::retriable);
  EXPECT_NE(st.error().message.find("checksum mismatch"), std::string::npos);
  EXPECT_FALSE(s.checkpoints.back().contains("export"));
}

TEST(marketo_bulk, a_file_gone_404_forgets_the_export) {
  auto [server, s] = marketo_fake();
  answer_export(server, "leads", "export_completed_leads.json", "leads_export.csv");
  server.answer("GET " + bulk("leads", "file"), {{404, "leads_export.csv"}});
  harness h;
  auto st = h.c->run(leads_task(one_window), s);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, error_kind::retriable);
  EXPECT_FALSE(s.checkpoints.back().contains("export"));
}

TEST(marketo_bulk, a_602_envelope_instead_of_the_file_re_authenticates) {
  auto [server, s] = marketo_fake();
  answer_export(server, "leads", "export_completed_leads.json", "leads_export.csv");
  server.answer("GET " + bulk("leads", "file"), {{200, "error_602.json"}, {200, "leads_export.csv"}});
  server.answer("GET /identity/oauth/token", {{200, "token.json"}, {200, "token_renewed.json"}});
  harness h;
  auto st = h.c->run(leads_task(one_window), s);
  ASSERT_TRUE(st) << st.error().describe();
  EXPECT_EQ(s.records_of("leads").size(), 6u);
  const auto files = s.requests_to("GET " + bulk("leads", "file"));
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(header_of(*files[1], "Authorization"), "Bearer 0ae1c3f2-0000-4e3f-9a1b-renewed000001:int");
}

TEST(marketo_plan, an_export_in_flight_keeps_its_window_when_now_moved) {
  auto [server, s] = marketo_fake();
  server.answer("GET /rest/v1/stats/usage.json", {{200, "usage.json"}});
  server.answer("GET /rest/v1/leads/describe.json", {{200, "leads_describe.json"}});
  server.answer("GET /rest/v1/activities/types.json", {{200, "activity_types.json"}});
  s.job_.selection.streams = {"leads"};
  harness h;
  bookmark_map marks;
  marks[{"leads", ""}] = {{"updatedAt", "2024-03-01T00:00:00Z"},
                          {"export", {{"id", export_id}}},
                          {"window", {"2024-03-01T00:00:00Z", "2024-03-20T00:00:00Z"}}};
  auto tasks = h.c->plan(s, marks);
  ASSERT_TRUE(tasks);
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ((*tasks)[0].params["windows"],
            json::array({json::array({"2024-03-01T00:00:00Z", "2024-03-20T00:00:00Z"}),
                         json::array({"2024-03-20T00:00:00Z", "2024-03-31T00:00:00Z"})}));
}

TEST(marketo_bulk, a_bookmarked_export_marketo_no_longer_knows_is_forgotten) {
  auto [server, s] = marketo_fake();
  server.answer("GET " + bulk("leads", "status"), {{200, "error_610.json"}});
  harness h;
  const json bookmark = {{"updatedAt", "2024-03-01T00:00:00Z"},
                         {"export", {{"id", export_id}, {"offset", 0}}},
                         {"window", one_window[0]}};
  (void)h.c->run(leads_task(one_window, bookmark), s);
  // The old job is dropped from the bookmark, then a new one is created.
  ASSERT_FALSE(s.checkpoints.empty());
  EXPECT_FALSE(s.checkpoints.front().contains("export"));
  EXPECT_EQ(s.requests_to("POST /bulk/v1/leads/export/create.json").size(), 1u);
}

TEST(marketo_bulk, the_next_window_is_queued_before_the_current_file_downloads) {
  auto [server, s] = marketo_fake();
  // Both windows' jobs answer with the same recorded id.
  server.answer("POST /bulk/v1/leads/export/create.json", {{200, "export_created.json"}, {200, "export_created.json"}});
  server.answer("POST " + bulk("leads", "enqueue"), {{200, "export_queued.json"}, {200, "export_queued.json"}});
  server.answer("GET " + bulk("leads", "status"),
           {{200, "export_completed_leads.json"}, {200, "export_completed_leads.json"}});
  server.answer("GET " + bulk("leads", "file"), {{200, "leads_export.csv"}, {200, "leads_export.csv"}});
  harness h;
  const json two = json::array({json::array({"2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"}),
                                json::array({"2024-03-01T00:00:00Z", "2024-03-31T00:00:00Z"})});
  auto st = h.c->run(leads_task(two), s);
  ASSERT_TRUE(st) << st.error().describe();
  std::vector<std::string> order;
  for (const auto& r : s.requests)
    if (r.describe.find("/bulk/") != std::string::npos) order.push_back(r.describe.substr(0, r.describe.find(' ', 5)));
  ASSERT_GE(order.size(), 8u);
  // create, enqueue, status (Completed), then the second window's create and
  // enqueue before the first file.
  EXPECT_NE(order[3].find("create"), std::string::npos) << order[3];
  EXPECT_NE(order[4].find("enqueue"), std::string::npos) << order[4];
  EXPECT_NE(order[5].find("file"), std::string::npos) << order[5];
  // Its id rode in the bookmark while the first file downloaded.
  bool carried = false;
  for (const auto& c : s.checkpoints)
    carried = carried || (c.contains("next") && c["next"]["window"] == two[1] && c["next"]["id"] == export_id);
  EXPECT_TRUE(carried);
  EXPECT_FALSE(s.checkpoints.back().contains("next"));
  EXPECT_EQ(s.checkpoints.back()["updatedAt"], "2024-03-31T00:00:00Z");
}

TEST(marketo_bulk, a_job_queued_ahead_for_a_window_no_longer_planned_is_cancelled) {
  auto [server, s] = marketo_fake();
  server.answer("POST " + bulk("leads", "cancel"), {{200, "export_queued.json"}});
  harness h;
  const json bookmark = {{"updatedAt", "2024-03-31T00:00:00Z"},
                         {"next", {{"window", {"2024-03-31T00:00:00Z", "2024-04-02T00:00:00Z"}}, {"id", export_id}}}};
  auto st = h.c->run(leads_task(one_window, bookmark), s);
  ASSERT_TRUE(st) << st.error().describe();
  EXPECT_EQ(s.requests_to("POST " + bulk("leads", "cancel")).size(), 1u);
}

TEST(marketo_bulk, an_empty_window_costs_no_file_call) {
  auto [server, s] = marketo_fake();
  server.answer("POST /bulk/v1/leads/export/create.json", {{200, "export_created.json"}});
  server.answer("POST " + bulk("leads", "enqueue"), {{200, "export_queued.json"}});
  server.answer("GET " + bulk("leads", "status"), {{200, "export_completed_empty.json"}});
  harness h;
  auto st = h.c->run(leads_task(one_window), s);
  ASSERT_TRUE(st) << st.error().describe();
  EXPECT_TRUE(s.requests_to("GET " + bulk("leads", "file")).empty());
  EXPECT_TRUE(s.records_of("leads").empty());
  EXPECT_EQ(s.checkpoints.back()["updatedAt"], "2024-03-31T00:00:00Z");
}

TEST(marketo_bulk, finished_windows_are_skipped) {
  auto [server, s] = marketo_fake();
  harness h;
  auto st = h.c->run(leads_task(one_window, {{"updatedAt", "2024-03-31T00:00:00Z"}}), s);
  ASSERT_TRUE(st);
  EXPECT_TRUE(s.requests.empty());
}

TEST(marketo_registry, describes_credentials_and_quota) {
  harness h;
  EXPECT_EQ(h.c->source(), "marketo");
  const auto creds = h.c->credentials();
  ASSERT_EQ(creds.size(), 2u);
  EXPECT_FALSE(creds[0].secret);
  EXPECT_TRUE(creds[1].secret);
  const auto q = h.c->default_quota();
  EXPECT_EQ(q.daily_calls, 40000);
  EXPECT_EQ(q.time_zone, "America/Chicago");
  EXPECT_EQ(q.windows, (std::vector<std::pair<int, int>>{{100, 20}}));
  EXPECT_EQ(q.concurrency, 10);
  EXPECT_EQ(q.daily_bytes, 500ll << 20);
}

} // namespace
