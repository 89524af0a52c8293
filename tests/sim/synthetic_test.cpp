// The synthetic simulator's API over real HTTP: auth, keyset and page-number
// paging, filters, determinism, mutation, datasets.

#include "tests/sim/synthetic_fixture.hpp"

#include <algorithm>
#include <set>

namespace quarry::sim {
namespace {

using testing::reply;
using testing::synthetic_fixture;
using nlohmann::json;

using synthetic_api = synthetic_fixture;

bool sorted_by(const std::vector<json>& records, const char* time_field) {
  return std::is_sorted(records.begin(), records.end(), [&](const json& a, const json& b) {
    return std::pair{a[time_field].get<std::string>(), a["id"].get<std::string>()} <
           std::pair{b[time_field].get<std::string>(), b["id"].get<std::string>()};
  });
}

TEST_F(synthetic_api, rejects_calls_without_the_api_key) {
  start();
  auto c = client();
  for (const char* key : {"", "wrong-key"}) {
    c.set_api_key(key);
    for (const char* path : {"/v1/accounts", "/v1/accounts/acc-00001/events", "/v1/users"}) {
      const reply r = c.get(path);
      EXPECT_EQ(r.status, 401) << path;
      EXPECT_EQ(r.json, json({{"error", "invalid_token"}})) << path;
    }
  }
  c.set_api_key("synthetic-key");
  EXPECT_EQ(c.get("/v1/accounts").status, 200);
  EXPECT_EQ(sim().http().stats().calls_total, 7);  // rejected calls are calls too
}

TEST_F(synthetic_api, pages_every_account_once_in_order) {
  start();
  const auto walk = follow("/v1/accounts?limit=7");
  EXPECT_EQ(walk.pages, 8);  // 50 accounts: 7 pages of 7 and one of 1
  ASSERT_EQ(walk.records.size(), 50u);
  EXPECT_TRUE(sorted_by(walk.records, "updated_at"));
  std::set<std::string> ids;
  for (const auto& r : walk.records) ids.insert(r["id"].get<std::string>());
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(json(walk.records), dataset(synthetic_dataset::accounts));

  const auto& first = walk.records.front();
  EXPECT_TRUE(first["id"].get<std::string>().starts_with("acc-"));
  EXPECT_EQ(first["name"], "Account " + std::to_string(std::stoi(first["id"].get<std::string>().substr(4))));
  EXPECT_TRUE(first["tier"].is_string());
  EXPECT_GE(first["updated_at"].get<std::string>(), "2024-01-01T00:00:00Z");
  EXPECT_LT(walk.records.back()["updated_at"].get<std::string>(), "2026-01-01T00:00:00Z");
}

TEST_F(synthetic_api, last_page_has_a_null_token_even_when_full) {
  start();
  const reply r = client().get("/v1/accounts?limit=50");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json["data"].size(), 50u);
  EXPECT_TRUE(r.json["next_page_token"].is_null());
}

TEST_F(synthetic_api, page_tokens_are_stable_and_resumable) {
  start();
  auto c = client();
  const reply first = c.get("/v1/accounts?limit=10");
  const auto token = first.json["next_page_token"].get<std::string>();
  const reply again = c.get("/v1/accounts?limit=10");
  EXPECT_EQ(again.json["next_page_token"], token);
  const reply a = c.get("/v1/accounts?limit=10&page_token=" + token);
  const reply b = c.get("/v1/accounts?limit=10&page_token=" + token);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.json["data"][0], dataset(synthetic_dataset::accounts)[10]);
}

TEST_F(synthetic_api, updated_since_is_an_exclusive_lower_bound) {
  start();
  const auto all = dataset(synthetic_dataset::accounts);
  const std::string pivot = all[19]["updated_at"];
  const auto expected = std::count_if(all.begin(), all.end(), [&](const json& a) {
    return a["updated_at"].get<std::string>() > pivot;
  });
  const std::string offset_form = pivot.substr(0, 19) + "+00:00";
  for (const auto& since : {pivot, offset_form}) {
    const auto walk = follow("/v1/accounts?limit=9&updated_since=" + since);
    EXPECT_EQ(static_cast<long>(walk.records.size()), expected) << since;
    for (const auto& r : walk.records) EXPECT_GT(r["updated_at"].get<std::string>(), pivot);
  }
  EXPECT_EQ(follow("/v1/accounts?updated_since=2024-01-01T00:00:00Z").records.size(), 50u);
  EXPECT_EQ(follow("/v1/accounts?updated_since=2026-01-01T00:00:00Z").records.size(), 0u);
}

TEST_F(synthetic_api, pages_events_of_each_account) {
  start();
  std::vector<json> all;
  for (int n = 1; n <= 50; ++n) {
    char id[16];
    std::snprintf(id, sizeof id, "acc-%05d", n);
    const auto walk = follow(std::string("/v1/accounts/") + id + "/events?limit=3");
    EXPECT_EQ(walk.records.size(), 20u) << id;
    EXPECT_EQ(walk.pages, 7) << id;
    EXPECT_TRUE(sorted_by(walk.records, "occurred_at")) << id;
    for (const auto& e : walk.records) EXPECT_EQ(e["account_id"], id);
    all.insert(all.end(), walk.records.begin(), walk.records.end());
  }
  EXPECT_EQ(json(all), dataset(synthetic_dataset::events));
  const auto& e = all.front();
  EXPECT_EQ(e["id"], "evt-00001-" + e["id"].get<std::string>().substr(10));
  EXPECT_TRUE(e["type"].is_string());
  EXPECT_TRUE(e["value"].is_number_integer());
}

TEST_F(synthetic_api, events_since_filters) {
  start();
  const auto walk = follow("/v1/accounts/acc-00007/events");
  ASSERT_EQ(walk.records.size(), 20u);
  const std::string pivot = walk.records[4]["occurred_at"];
  const auto later = follow("/v1/accounts/acc-00007/events?limit=4&since=" + pivot);
  for (const auto& e : later.records) EXPECT_GT(e["occurred_at"].get<std::string>(), pivot);
  const auto expected = std::count_if(walk.records.begin(), walk.records.end(), [&](const json& e) {
    return e["occurred_at"].get<std::string>() > pivot;
  });
  EXPECT_EQ(static_cast<long>(later.records.size()), expected);
}

TEST_F(synthetic_api, unknown_account_is_404) {
  start();
  auto c = client();
  for (const char* id : {"acc-00051", "acc-00000", "acc-1", "nope"}) {
    const reply r = c.get(std::string("/v1/accounts/") + id + "/events");
    EXPECT_EQ(r.status, 404) << id;
    EXPECT_EQ(r.json, json({{"error", "not_found"}})) << id;
  }
}

TEST_F(synthetic_api, pages_users_by_number) {
  start();
  auto c = client();
  std::vector<json> users;
  for (int page = 1; page <= 4; ++page) {
    const reply r = c.get("/v1/users?page=" + std::to_string(page) + "&per_page=30");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json["total"], 100);
    EXPECT_EQ(r.json["data"].size(), page < 4 ? 30u : 10u);
    for (const auto& u : r.json["data"]) users.push_back(u);
  }
  const reply past = c.get("/v1/users?page=5&per_page=30");
  EXPECT_EQ(past.json["data"], json::array());
  EXPECT_EQ(past.json["total"], 100);
  EXPECT_EQ(json(users), dataset(synthetic_dataset::users));
  EXPECT_EQ(users[0]["id"], "usr-0001");
  EXPECT_EQ(users[0]["email"], "user1@example.com");
  EXPECT_TRUE(users[0]["role"].is_string());
  EXPECT_EQ(c.get("/v1/users").json["data"].size(), 100u);  // per_page defaults to 100
}

TEST_F(synthetic_api, page_sizes_default_to_100_and_cap_at_500) {
  synthetic_options options;
  options.accounts = 600;
  options.events_per_account = 0;
  options.users = 600;
  start(options);
  auto c = client();
  EXPECT_EQ(c.get("/v1/accounts").json["data"].size(), 100u);
  EXPECT_EQ(c.get("/v1/accounts?limit=1000").json["data"].size(), 500u);
  EXPECT_EQ(c.get("/v1/users?per_page=1000").json["data"].size(), 500u);
  EXPECT_EQ(c.get("/v1/accounts/acc-00600/events").json["data"], json::array());
}

TEST_F(synthetic_api, bad_parameters_are_400) {
  start();
  auto c = client();
  const struct {
    const char* path;
    const char* error;
  } cases[] = {
      {"/v1/accounts?limit=0", "invalid_parameter"},
      {"/v1/accounts?limit=ten", "invalid_parameter"},
      {"/v1/accounts?updated_since=yesterday", "invalid_parameter"},
      {"/v1/accounts?page_token=%21%21", "invalid_page_token"},
      {"/v1/accounts?page_token=bm9wZQ", "invalid_page_token"},
      {"/v1/accounts/acc-00001/events?since=2024-13-01T00:00:00Z", "invalid_parameter"},
      {"/v1/users?page=0", "invalid_parameter"},
      {"/v1/users?per_page=-3", "invalid_parameter"},
  };
  for (const auto& t : cases) {
    const reply r = c.get(t.path);
    EXPECT_EQ(r.status, 400) << t.path;
    EXPECT_EQ(r.json["error"], t.error) << t.path;
  }
  // An account token does not page events.
  const auto token = c.get("/v1/accounts?limit=1").json["next_page_token"].get<std::string>();
  EXPECT_EQ(c.get("/v1/accounts/acc-00001/events?page_token=" + token).status, 400);
}

TEST(synthetic_determinism, same_seed_same_data_other_seed_other_data) {
  synthetic_options a, b, c;
  a.seed = b.seed = 17;
  c.seed = 18;
  synthetic_simulator sa(a), sb(b), sc(c);
  for (const auto which :
       {synthetic_dataset::accounts, synthetic_dataset::events, synthetic_dataset::users}) {
    EXPECT_EQ(sa.dataset_json(which), sb.dataset_json(which));
    EXPECT_NE(sa.dataset_json(which), sc.dataset_json(which));
  }
  EXPECT_EQ(sa.mutate(5, 5).touched_accounts, sb.mutate(5, 5).touched_accounts);
  EXPECT_EQ(sa.dataset_json(synthetic_dataset::events), sb.dataset_json(synthetic_dataset::events));
}

TEST(synthetic_determinism, more_accounts_extend_fewer) {
  synthetic_options small, large;
  small.accounts = 10;
  large.accounts = 20;
  synthetic_simulator s(small), l(large);
  const auto sa = json::parse(s.dataset_json(synthetic_dataset::events));
  const auto la = json::parse(l.dataset_json(synthetic_dataset::events));
  ASSERT_EQ(sa.size(), 200u);
  for (std::size_t i = 0; i < sa.size(); ++i) EXPECT_EQ(sa[i], la[i]);
}

TEST_F(synthetic_api, mutate_touches_accounts_and_adds_events_at_sim_now) {
  start();
  auto c = client();
  ASSERT_EQ(c.post("/_sim/clock", R"({"now":"2027-03-01T12:00:00Z"})").status, 200);
  const reply m = c.post("/_sim/mutate", R"({"touch_accounts":3,"add_events":4})");
  ASSERT_EQ(m.status, 200) << m.body;
  // The 3 touched accounts, and every account that gained one of the 4 events.
  const auto n_touched = m.json["touched_accounts"].size();
  ASSERT_GE(n_touched, 3u);
  ASSERT_LE(n_touched, 7u);
  ASSERT_EQ(m.json["added_events"].size(), 4u);
  for (const auto& id : m.json["added_events"]) {
    const std::string account = "acc-" + id.get<std::string>().substr(4, 5);
    EXPECT_NE(std::find(m.json["touched_accounts"].begin(), m.json["touched_accounts"].end(), account),
              m.json["touched_accounts"].end())
        << "an account that gains an event changes: " << account;
  }

  const auto touched = follow("/v1/accounts?updated_since=2026-01-01T00:00:00Z");
  ASSERT_EQ(touched.records.size(), n_touched);
  for (std::size_t i = 0; i < n_touched; ++i) {
    EXPECT_EQ(touched.records[i]["id"], m.json["touched_accounts"][i]);
    EXPECT_EQ(touched.records[i]["updated_at"], "2027-03-01T12:00:00Z");
  }
  EXPECT_EQ(follow("/v1/accounts").records.size(), 50u);

  std::set<std::string> added;
  for (const auto& id : m.json["added_events"]) {
    const std::string event_id = id;
    const std::string account = "acc-" + event_id.substr(4, 5);
    const auto walk = follow("/v1/accounts/" + account + "/events?since=2026-06-01T00:00:00Z");
    for (const auto& e : walk.records) {
      EXPECT_EQ(e["occurred_at"], "2027-03-01T12:00:00Z");
      added.insert(e["id"].get<std::string>());
    }
  }
  EXPECT_EQ(added.size(), 4u);
  for (const auto& id : m.json["added_events"]) EXPECT_TRUE(added.count(id.get<std::string>()));
  EXPECT_EQ(dataset(synthetic_dataset::events).size(), 1004u);

  EXPECT_EQ(c.post("/_sim/mutate", R"({"touch_accounts":-1})").status, 400);
  EXPECT_EQ(c.post("/_sim/mutate", "[]").status, 400);
}

TEST_F(synthetic_api, dataset_endpoints_match_cpp_and_are_not_api_calls) {
  start();
  auto c = client();
  const auto before = sim().http().stats().calls_total;
  for (const auto& [name, which] : {std::pair{"accounts", synthetic_dataset::accounts},
                                    std::pair{"events", synthetic_dataset::events},
                                    std::pair{"users", synthetic_dataset::users}}) {
    const reply r = c.get(std::string("/_sim/dataset/") + name);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, sim().dataset_json(which));
  }
  EXPECT_EQ(c.get("/_sim/dataset/widgets").status, 404);
  EXPECT_EQ(sim().http().stats().calls_total, before);
}

TEST_F(synthetic_api, scales_to_fifty_thousand_accounts) {
  synthetic_options options;
  options.accounts = 50'000;
  start(options);
  auto c = client();
  const reply first = c.get("/v1/accounts?limit=500");
  EXPECT_EQ(first.json["data"].size(), 500u);
  const reply last = c.get("/v1/accounts/acc-50000/events?limit=500");
  EXPECT_EQ(last.json["data"].size(), 20u);
  EXPECT_EQ(c.get("/v1/accounts?updated_since=2025-12-31T00:00:00Z&limit=500").status, 200);
}

} // namespace
} // namespace quarry::sim
