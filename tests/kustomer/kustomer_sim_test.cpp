// The Kustomer simulator over real HTTP on loopback: auth, search paging and
// filters, the search window, each reading of what the docs leave open
// (id_filter, time_precision, tie_order, search_total, search_depth), the
// list endpoints, the two rate windows with their x-ratelimit headers, and
// the records as the connector should emit them. Also call_ledger's
// path-scoped windows, which the search limit uses.

#include "sim/call_ledger.hpp"
#include "sim/kustomer.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace quarry::sim {
namespace {

using nlohmann::json;

struct reply {
  int status = -1;
  json body;
  httplib::Headers headers;
};

class kustomer_sim : public ::testing::Test {
 protected:
  void start(kustomer_options options) {
    sim_ = std::make_unique<kustomer_simulator>(std::move(options));
    sim_->start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", sim_->port());
  }
  void SetUp() override {
    kustomer_options options;
    options.data.counts = {120, 30, 30, 10, 10, 7, 3, 150, 4};
    options.data.same_updated_at = 40;
    start(std::move(options));
  }

  reply to_reply(const httplib::Result& r) {
    reply out;
    if (!r) return out;
    out.status = r->status;
    out.body = json::parse(r->body, nullptr, false);
    out.headers = r->headers;
    return out;
  }
  reply search(const json& body, int page, int size, std::string key = "kustomer-key") {
    const auto path = "/v1/customers/search?page=" + std::to_string(page) + "&pageSize=" + std::to_string(size);
    return to_reply(client_->Post(path, {{"Authorization", "Bearer " + key}}, body.dump(), "application/json"));
  }
  reply get(const std::string& path) {
    return to_reply(client_->Get(path, {{"Authorization", "Bearer kustomer-key"}}));
  }
  json stats() { return json::parse(client_->Get("/_sim/stats")->body); }

  static json since(const std::string& context, const std::string& op, const std::string& at) {
    return {{"queryContext", context},
            {"and", json::array({{{context + "_updated_at", {{op, at}}}}})},
            {"sort", json::array({{{context + "_updated_at", "asc"}}})}};
  }

  std::unique_ptr<kustomer_simulator> sim_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(kustomer_sim, refuses_a_missing_or_wrong_api_key_with_401_errors) {
  const auto r = search(since("customer", "gte", "2020-01-01T00:00:00.000Z"), 1, 10, "wrong");
  ASSERT_EQ(r.status, 401);
  EXPECT_EQ(r.body["errors"][0]["code"], "unauthorized");
  EXPECT_EQ(to_reply(client_->Get("/v1/users")).status, 401);
}

TEST_F(kustomer_sim, search_pages_every_customer_once_in_updated_at_then_id_order) {
  std::vector<std::pair<std::string, std::string>> seen;  // (updatedAt, id)
  for (int page = 1;; ++page) {
    const auto r = search(since("customer", "gte", "2020-01-01T00:00:00.000Z"), page, 25);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["meta"]["total"], 120);
    EXPECT_EQ(r.body["meta"]["totalPages"], 5);
    for (const auto& rec : r.body["data"]) {
      EXPECT_EQ(rec["type"], "customer");
      EXPECT_EQ(rec["id"].get<std::string>().size(), 24u);
      seen.emplace_back(rec["attributes"]["updatedAt"], rec["id"]);
    }
    if (r.body["links"]["next"].is_null()) break;
    EXPECT_EQ(r.body["links"]["next"], "/v1/customers/search?page=" + std::to_string(page + 1) + "&pageSize=25");
  }
  ASSERT_EQ(seen.size(), 120u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  std::set<std::string> ids;
  for (const auto& s : seen) ids.insert(s.second);
  EXPECT_EQ(ids.size(), 120u);
  // 40 share one updatedAt, with milliseconds on the wire.
  std::map<std::string, int> per_time;
  for (const auto& s : seen) ++per_time[s.first];
  EXPECT_EQ(std::max_element(per_time.begin(), per_time.end(), [](auto& a, auto& b) { return a.second < b.second; })->second, 40);
}

TEST_F(kustomer_sim, filters_on_updated_at_bounds_and_on_id_for_the_tie_break) {
  const auto all = search(since("customer", "gte", "2020-01-01T00:00:00.000Z"), 1, 500).body["data"];
  std::map<std::string, int> per_time;
  for (const auto& rec : all) ++per_time[rec["attributes"]["updatedAt"]];
  const auto tie = std::max_element(per_time.begin(), per_time.end(),
                                    [](auto& a, auto& b) { return a.second < b.second; })->first;
  // gt skips the whole tie group, gte includes it.
  const auto gt = search(since("customer", "gt", tie), 1, 500).body;
  const auto gte = search(since("customer", "gte", tie), 1, 500).body;
  EXPECT_EQ(gte["meta"]["total"].get<int>() - gt["meta"]["total"].get<int>(), 40);
  // The rest of the tie group after its 10th id.
  json rest = since("customer", "gte", tie);
  rest["and"].push_back({{"customer_updated_at", {{"lte", tie}}}});
  const auto group = search(rest, 1, 500).body["data"];
  ASSERT_EQ(group.size(), 40u);
  rest["and"].push_back({{"customer_id", {{"gt", group[9]["id"]}}}});
  const auto after = search(rest, 1, 500).body;
  EXPECT_EQ(after["meta"]["total"], 30);
  EXPECT_EQ(after["data"][0]["id"], group[10]["id"]);
}

// The readings of what Kustomer's docs leave open, each against the default.

TEST_F(kustomer_sim, id_filter_reading_honours_refuses_or_ignores_the_undocumented_id_condition) {
  json body = since("customer", "gte", "2020-01-01T00:00:00.000Z");
  const auto all = search(body, 1, 500).body["data"];
  const auto after = all[60]["id"].get<std::string>();
  body["and"].push_back({{"customer_id", {{"gt", after}}}});
  const auto above = std::count_if(all.begin(), all.end(), [&](const json& r) { return r["id"].get<std::string>() > after; });
  EXPECT_EQ(search(body, 1, 500).body["meta"]["total"], above);
  ASSERT_TRUE(sim_->http().set_reading("id_filter", "refused"));
  const auto refused = search(body, 1, 500);
  ASSERT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body["errors"][0]["title"], "Unsupported filter");
  EXPECT_EQ(refused.body["errors"][0]["source"]["pointer"], "/and/1");
  ASSERT_TRUE(sim_->http().set_reading("id_filter", "ignored"));
  EXPECT_EQ(search(body, 1, 500).body["meta"]["total"], 120);
}

TEST_F(kustomer_sim, time_precision_reading_compares_microseconds_the_wire_does_not_show) {
  const auto all = search(since("customer", "gte", "2020-01-01T00:00:00.000Z"), 1, 500).body["data"];
  std::map<std::string, int> per_time;
  for (const auto& rec : all) ++per_time[rec["attributes"]["updatedAt"]];
  const auto tie = std::max_element(per_time.begin(), per_time.end(),
                                    [](auto& a, auto& b) { return a.second < b.second; })->first;
  json exact = since("customer", "gte", tie);
  exact["and"][0]["customer_updated_at"]["lte"] = tie;
  EXPECT_EQ(search(exact, 1, 500).body["meta"]["total"], 40);
  ASSERT_TRUE(sim_->http().set_reading("time_precision", "us"));
  EXPECT_LT(search(exact, 1, 500).body["meta"]["total"].get<int>(), 5) << "lte t misses t.000001 and later";
  json millisecond = since("customer", "gte", tie);
  millisecond["and"][0]["customer_updated_at"]["lt"] = tie.substr(0, 20) + std::to_string(std::stoi(tie.substr(20, 3)) + 1) + "Z";
  EXPECT_EQ(search(millisecond, 1, 500).body["meta"]["total"], 40);
}

TEST_F(kustomer_sim, tie_order_reading_puts_records_sharing_updated_at_out_of_id_order) {
  auto ids_in_order = [&] {
    std::vector<std::pair<std::string, std::string>> seen;
    const auto page = search(since("customer", "gte", "2020-01-01T00:00:00.000Z"), 1, 500);
    for (const auto& rec : page.body["data"])
      seen.emplace_back(rec["attributes"]["updatedAt"], rec["id"]);
    return std::is_sorted(seen.begin(), seen.end());
  };
  EXPECT_TRUE(ids_in_order());
  ASSERT_TRUE(sim_->http().set_reading("tie_order", "unordered"));
  EXPECT_FALSE(ids_in_order());
}

TEST_F(kustomer_sim, created_at_conditions_filter_and_the_search_depth_reads_as_hits_or_pages) {
  const auto all = search(since("customer", "gte", "2020-01-01T00:00:00.000Z"), 1, 500).body["data"];
  std::vector<std::string> created;
  for (const auto& rec : all) created.push_back(rec["attributes"]["createdAt"]);
  std::sort(created.begin(), created.end());
  json body = since("customer", "gte", "2020-01-01T00:00:00.000Z");
  body["and"].push_back({{"customer_created_at", {{"lt", created[60]}}}});
  const auto before = search(body, 1, 500).body;
  EXPECT_EQ(before["meta"]["total"], 60);
  for (const auto& rec : before["data"]) EXPECT_LT(rec["attributes"]["createdAt"].get<std::string>(), created[60]);
  ASSERT_TRUE(sim_->http().set_reading("search_total", "capped"));
  EXPECT_EQ(search(since("customer", "gte", "2020-01-01T00:00:00.000Z"), 1, 10).body["meta"]["total"], 120)
      << "under the window, capped or not";
  const auto deep = since("customer", "gte", "2020-01-01T00:00:00.000Z");
  EXPECT_EQ(search(deep, 101, 1).status, 200) << "10,000 results deep";
  ASSERT_TRUE(sim_->http().set_reading("search_depth", "pages"));
  EXPECT_EQ(search(deep, 101, 1).status, 400) << "100 pages of any size";
}

TEST_F(kustomer_sim, refuses_unknown_contexts_fields_operators_and_descending_sorts) {
  EXPECT_EQ(search(since("company", "gte", "2020-01-01T00:00:00Z"), 1, 10).status, 400);
  EXPECT_EQ(search(since("user", "gte", "2020-01-01T00:00:00Z"), 1, 10).status, 400);
  EXPECT_EQ(search(since("customer", "eq", "2020-01-01T00:00:00Z"), 1, 10).status, 400);
  EXPECT_EQ(search(since("customer", "gte", "yesterday"), 1, 10).status, 400);
  auto desc = since("customer", "gte", "2020-01-01T00:00:00Z");
  desc["sort"][0]["customer_updated_at"] = "desc";
  const auto r = search(desc, 1, 10);
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.body["errors"][0]["code"], "bad_request");
  EXPECT_EQ(search(since("customer", "gte", "2020-01-01T00:00:00Z"), 1, 501).body["meta"]["pageSize"], 500);
}

TEST_F(kustomer_sim, lists_page_by_page_and_size_with_their_own_caps) {
  std::set<std::string> ids;
  for (int page = 1;; ++page) {
    const auto r = get("/v1/tags?page=" + std::to_string(page) + "&pageSize=100");
    ASSERT_EQ(r.status, 200);
    for (const auto& rec : r.body["data"]) ids.insert(rec["id"].get<std::string>());
    if (r.body["links"]["next"].is_null()) break;
  }
  EXPECT_EQ(ids.size(), 150u);
  const auto capped = get("/v1/tags?pageSize=500");  // served at the endpoint's largest page
  ASSERT_EQ(capped.status, 200);
  EXPECT_EQ(capped.body["meta"]["pageSize"], 100);
  EXPECT_EQ(capped.body["data"].size(), 100u);
  EXPECT_EQ(capped.body["links"]["next"], "/v1/tags?page=2&pageSize=100");
  EXPECT_EQ(get("/v1/users?pageSize=500").body["meta"]["pageSize"], 500);
  EXPECT_EQ(get("/v1/tags/?page=2").status, 200) << "a trailing slash, as tap-kustomer sends";
  EXPECT_EQ(get("/v1/users/current").body["data"]["type"], "user");
}

TEST_F(kustomer_sim, datasets_are_records_as_stitch_columns) {
  const auto customers = json::parse(client_->Get("/_sim/dataset/customers")->body);
  ASSERT_EQ(customers.size(), 120u);
  const auto& c = customers[0];
  EXPECT_TRUE(c.contains("updated_at"));
  EXPECT_TRUE(c.contains("conversation_counts"));
  EXPECT_TRUE(c["emails"][0].contains("verified"));
  EXPECT_EQ(c["org"]["type"], "org");
  EXPECT_FALSE(c.contains("attributes"));
  EXPECT_FALSE(c.contains("relationships"));
  EXPECT_FALSE(c.contains("messages"));  // a relationship with links only
  const auto kobjects = json::parse(client_->Get("/_sim/dataset/kobjects")->body);
  EXPECT_TRUE(kobjects[0]["data"].contains("order_total"));
  EXPECT_EQ(kobjects[0]["klass"]["id"], "order");
  EXPECT_EQ(client_->Get("/_sim/dataset/companies")->status, 404);
}

TEST_F(kustomer_sim, mutate_moves_records_to_now_and_adds_new_ones) {
  const auto r = client_->Post("/_sim/mutate", R"({"touch":5,"add":2})", "application/json");
  ASSERT_EQ(r->status, 200);
  const auto recent = search(since("note", "gte", "2026-01-01T00:00:00.000Z"), 1, 100).body;
  EXPECT_EQ(recent["meta"]["total"], 7);
  EXPECT_EQ(json::parse(client_->Get("/_sim/dataset/notes")->body).size(), 12u);
}

class kustomer_sim_limits : public kustomer_sim {
 protected:
  void SetUp() override {
    kustomer_options options;
    options.data.counts = {30, 5, 5, 5, 5, 5, 5, 5, 5};
    options.org_per_minute = 8;
    options.search_per_minute = 3;
    options.max_search_hits = 20;
    start(std::move(options));
  }
};

TEST_F(kustomer_sim_limits, search_has_its_own_window_inside_the_org_budget_with_headers) {
  const auto body = since("customer", "gte", "2020-01-01T00:00:00.000Z");
  for (int i = 0; i < 3; ++i) {
    const auto r = search(body, 1, 10);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.find("x-ratelimit-limit")->second, "3");
    EXPECT_EQ(r.headers.find("x-ratelimit-remaining")->second, std::to_string(2 - i));
    const auto reset = std::stoll(r.headers.find("x-ratelimit-reset")->second);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_GE(reset, now + 58);
    EXPECT_LE(reset, now + 61);
  }
  const auto refused = search(body, 1, 10);
  ASSERT_EQ(refused.status, 429);
  EXPECT_EQ(refused.body["errors"][0]["code"], "rate_limited");
  EXPECT_EQ(refused.headers.find("x-ratelimit-remaining")->second, "0");
  // Lists still pass: 3 searches admitted count against the org's 8.
  for (int i = 0; i < 5; ++i) {
    const auto r = get("/v1/teams");
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.headers.find("x-ratelimit-limit")->second, "8");
  }
  EXPECT_EQ(get("/v1/teams").status, 429);
  const auto s = stats();
  ASSERT_EQ(s["violations"].size(), 2u);
  EXPECT_EQ(s["windows"][1]["path"], "/v1/customers/search");
  EXPECT_EQ(s["windows"][1]["max_seen"], 4);
  EXPECT_EQ(s["windows"][0]["max_seen"], 10);
}

TEST_F(kustomer_sim_limits, search_window_caps_how_deep_one_search_pages) {
  const auto body = since("customer", "gte", "2020-01-01T00:00:00.000Z");
  const auto second = search(body, 2, 10);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.body["meta"]["total"], 30);
  EXPECT_TRUE(second.body["links"]["next"].is_null());
  const auto third = search(body, 3, 10);
  ASSERT_EQ(third.status, 400);
  EXPECT_EQ(third.body["errors"][0]["code"], "invalid_request");
  ASSERT_TRUE(sim_->http().set_reading("search_total", "capped"));
  EXPECT_EQ(search(body, 1, 10).body["meta"]["total"], 20) << "meta.total capped at the window";
}

TEST(call_ledger_scoped_window, applies_only_to_its_path_and_reports_room) {
  sim_clock clock;
  call_limits limits;
  limits.windows = {{5, 10}};
  limits.path_windows = {{"/search", {2, 10}}};
  call_ledger ledger(limits, clock);
  const auto t0 = std::chrono::steady_clock::now();
  auto call = [&](std::string_view path, double at_s) {
    auto a = ledger.begin({path, path, t0 + std::chrono::milliseconds(static_cast<int>(at_s * 1000)), ""});
    ledger.end(a, 0);
    return a;
  };
  EXPECT_TRUE(call("/search", 0).admitted());
  const auto second = call("/search", 1);
  ASSERT_TRUE(second.admitted());
  ASSERT_EQ(second.rooms.size(), 2u);
  EXPECT_EQ(second.rooms[0].remaining, 3);
  EXPECT_EQ(second.rooms[1].remaining, 0);
  EXPECT_NEAR(second.rooms[1].reset_s, 9.0, 1e-6);
  const auto third = call("/search", 2);
  EXPECT_EQ(third.rejected, limit_kind::window);
  EXPECT_NEAR(third.retry_after_s, 8.0, 1e-6);
  EXPECT_TRUE(call("/list", 2).admitted());
  EXPECT_EQ(call("/list", 3).rooms.size(), 1u);
  EXPECT_TRUE(call("/list", 4).admitted());
  EXPECT_EQ(call("/list", 5).rejected, limit_kind::window);  // 2 searches + 3 lists
  EXPECT_TRUE(call("/search", 10.5).admitted());            // the first search left
}

} // namespace
} // namespace quarry::sim
