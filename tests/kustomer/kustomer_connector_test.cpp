// The Kustomer connector against the simulator over real HTTP, through the
// fake session (tests/support) recording what it emits and checkpoints: tie
// groups under every reading of what Kustomer's docs leave open, resuming from
// every bookmark a run wrote (as a crash right after it would), bookmark
// sizes, the region's host and settings refused when out of range.

#include "connectors/registry.hpp"
#include "sim/kustomer.hpp"
#include "tests/support/fake_session.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <set>

namespace quarry::connectors {
namespace {

using nlohmann::json;

using quarry::testing::fake_session;
using quarry::testing::over_http;

job_context job_for(const sim::kustomer_simulator& s, json settings = json::object()) {
  job_context job;
  job.source = "kustomer";
  job.endpoint = s.base_url();
  job.start_date = "2020-01-01T00:00:00Z";
  job.credentials = {{"api_key", s.options().api_key}};
  job.settings = std::move(settings);
  return job;
}

task_spec customers_task(json bookmark = nullptr) {
  task_spec t;
  t.stream = "customers";
  t.bookmark = std::move(bookmark);
  return t;
}

json dataset(const sim::kustomer_simulator& s, const std::string& stream) {
  return json::parse(s.dataset_json(*sim::kind_of_plural(stream)));
}

// Every record of `all` exactly once in `emitted`, nothing else.
void expect_exactly_once(const std::vector<json>& emitted, const json& all, const std::string& what) {
  std::map<std::string, int> times;
  for (const auto& r : emitted) ++times[r["id"].get<std::string>()];
  std::size_t missing = 0, repeated = 0;
  for (const auto& r : all) {
    const auto it = times.find(r["id"].get<std::string>());
    if (it == times.end()) ++missing;
    else if (it->second > 1) ++repeated;
  }
  EXPECT_EQ(missing, 0u) << what << ": records never emitted";
  EXPECT_EQ(repeated, 0u) << what << ": records emitted more than once";
  EXPECT_EQ(emitted.size(), all.size()) << what;
}

// A customers dataset with a tie group of `tied` among `total`.
sim::kustomer_options tie_org(int total, int tied) {
  sim::kustomer_options o;
  o.data.counts = {total, 0, 0, 0, 0, 1, 0, 0, 0};
  o.data.same_updated_at = tied;
  o.org_per_minute = o.search_per_minute = 1'000'000;  // these tests count records, not calls
  return o;
}

struct reading_case {
  std::vector<std::pair<std::string, std::string>> readings;
  std::string name() const {
    std::string out;
    for (const auto& [k, v] : readings) out += k + "=" + v + " ";
    return out;
  }
};

std::vector<reading_case> every_reading() {
  std::vector<reading_case> out;
  for (const auto* id_filter : {"honoured", "refused", "ignored"})
    for (const auto* precision : {"ms", "us"})
      for (const auto* order : {"id", "unordered"})
        for (const auto* total : {"exact", "capped"})
          for (const auto* depth : {"hits", "pages"})
            out.push_back({{{"id_filter", id_filter}, {"time_precision", precision}, {"tie_order", order},
                            {"search_total", total}, {"search_depth", depth}}});
  return out;
}

// The largest keys_at of any bookmark.
std::size_t largest_keys_at(const std::vector<json>& bookmarks) {
  std::size_t out = 0;
  for (const auto& b : bookmarks) out = std::max(out, b.value("keys_at", json::array()).size());
  return out;
}

// A tie group of 300 in pages of 50, with a search window of 120 records
// (or 3 pages): read whole, once, under every reading, with bookmarks that
// never hold more ids than a page.
TEST(kustomer_connector, a_tie_group_deeper_than_the_search_window_is_read_once_under_every_reading) {
  auto o = tie_org(400, 300);
  o.max_search_hits = 120;
  o.max_search_pages = 3;
  sim::kustomer_simulator s(o);
  s.start();
  const auto all = dataset(s, "customers");
  const auto connector = make_connector("kustomer");
  for (const auto& c : every_reading()) {
    for (const auto& [k, v] : c.readings) ASSERT_TRUE(s.http().set_reading(k, v)) << k << "=" << v;
    fake_session session(job_for(s, {{"page_size", 50}, {"search_depth", 120}}), over_http());
    const auto st = connector->run(customers_task(), session);
    ASSERT_TRUE(st.ok()) << c.name() << st.error().describe();
    expect_exactly_once(session.records_of("customers"), all, c.name());
    EXPECT_LT(largest_keys_at(session.checkpoints), 50u) << c.name();
    EXPECT_EQ(session.checkpoints.back(), (json{{"updated_at", all.back()["updated_at"]},
                                              {"keys_at", json::array({all.back()["id"]})}}))
        << c.name();
    const bool by_id = c.readings[0].second == "honoured" && c.readings[1].second == "ms" &&
                       c.readings[2].second == "id" && c.readings[3].second == "exact";
    EXPECT_EQ(session.warnings.empty(), by_id) << c.name() << ": the id filter is given up exactly when it cannot serve";
  }
}

// A crash right after any checkpoint: the next run, from that bookmark,
// emits exactly what the first had not yet committed.
TEST(kustomer_connector, a_run_resumed_from_any_of_its_bookmarks_emits_the_rest_exactly_once) {
  auto o = tie_org(400, 300);
  o.max_search_hits = 120;
  sim::kustomer_simulator s(o);
  s.start();
  const auto all = dataset(s, "customers");
  const auto connector = make_connector("kustomer");
  for (const auto* id_filter : {"honoured", "refused", "ignored"}) {
    ASSERT_TRUE(s.http().set_reading("id_filter", id_filter));
    const json settings = {{"page_size", 50}, {"search_depth", 120}};
    fake_session first(job_for(s, settings), over_http());
    ASSERT_TRUE(connector->run(customers_task(), first).ok());
    std::set<std::string> tie_kinds;
    for (std::size_t k = 0; k < first.checkpoints.size(); ++k) {
      const auto& bookmark = first.checkpoints[k];
      if (bookmark.contains("tie")) tie_kinds.insert(bookmark["tie"].contains("page") ? "page" : "id");
      fake_session rest(job_for(s, settings), over_http());
      const auto st = connector->run(customers_task(bookmark), rest);
      ASSERT_TRUE(st.ok()) << id_filter << " from " << bookmark.dump() << ": " << st.error().describe();
      std::vector<json> both = first.records_of("customers");
      both.resize(first.emitted_at[k]);
      for (const auto& r : rest.records_of("customers")) both.push_back(r);
      expect_exactly_once(both, all, std::string(id_filter) + " from bookmark " + bookmark.dump());
    }
    EXPECT_EQ(tie_kinds, (std::set<std::string>{std::string_view(id_filter) == "honoured" ? "id" : "page"}))
        << id_filter << ": bookmarks inside the tie group";
  }
}

// 500 records touched in one millisecond after a first run: the next run
// reads each once more, whatever the server does with the id filter.
TEST(kustomer_connector, records_changed_in_one_millisecond_arrive_once_on_the_next_run) {
  sim::kustomer_simulator s(tie_org(700, 0));
  s.start();
  const auto connector = make_connector("kustomer");
  for (const auto* id_filter : {"honoured", "refused", "ignored"}) {
    ASSERT_TRUE(s.http().set_reading("id_filter", id_filter));
    ASSERT_TRUE(s.http().set_reading("time_precision", "us"));
    fake_session first(job_for(s, {{"page_size", 100}}), over_http());
    ASSERT_TRUE(connector->run(customers_task(), first).ok());
    s.mutate(500, 0);
    const auto all = dataset(s, "customers");
    const auto now = all.back()["updated_at"];
    json touched = json::array();
    for (const auto& r : all)
      if (r["updated_at"] == now) touched.push_back(r);
    ASSERT_EQ(touched.size(), 500u);
    fake_session second(job_for(s, {{"page_size", 100}}), over_http());
    const auto st = connector->run(customers_task(first.checkpoints.back()), second);
    ASSERT_TRUE(st.ok()) << id_filter << ": " << st.error().describe();
    expect_exactly_once(second.records_of("customers"), touched, id_filter);
  }
}

// 300 records sharing updatedAt AND createdAt, with a window of 100: only
// the id filter can read them; without it the task fails naming the group
// rather than skip a record.
TEST(kustomer_connector, a_tie_group_that_no_documented_condition_can_split_fails_naming_it) {
  auto o = tie_org(350, 300);
  o.data.same_created_at = true;
  o.max_search_hits = 100;
  sim::kustomer_simulator s(o);
  s.start();
  const auto connector = make_connector("kustomer");
  const json settings = {{"page_size", 50}, {"search_depth", 100}};
  fake_session by_id(job_for(s, settings), over_http());
  ASSERT_TRUE(connector->run(customers_task(), by_id).ok());
  expect_exactly_once(by_id.records_of("customers"), dataset(s, "customers"), "by id");
  ASSERT_TRUE(s.http().set_reading("id_filter", "refused"));
  fake_session by_page(job_for(s, settings), over_http());
  const auto st = connector->run(customers_task(), by_page);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, error_kind::fatal);
  EXPECT_NE(st.error().message.find("share updatedAt"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("createdAt"), std::string::npos) << st.error().message;
}

TEST(kustomer_connector, refuses_an_unknown_region_and_a_page_size_out_of_range) {
  sim::kustomer_options o;
  o.data.counts = {5, 0, 0, 0, 0, 1, 0, 0, 0};
  sim::kustomer_simulator s(o);
  s.start();
  const auto connector = make_connector("kustomer");
  auto job = job_for(s, {{"region", "mars"}});
  job.endpoint.clear();
  fake_session no_host(job, over_http());
  const auto region = connector->run(customers_task(), no_host);
  ASSERT_FALSE(region.ok());
  EXPECT_NE(region.error().message.find("settings.region"), std::string::npos);
  fake_session too_big(job_for(s, {{"page_size", 501}}), over_http());
  const auto size = connector->run(customers_task(), too_big);
  ASSERT_FALSE(size.ok());
  EXPECT_EQ(size.error().kind, error_kind::fatal);
  EXPECT_EQ(too_big.requests.size(), 0u);
  fake_session shallow(job_for(s, {{"page_size", 100}, {"search_depth", 50}}), over_http());
  const auto depth = connector->run(customers_task(), shallow);
  ASSERT_FALSE(depth.ok());
  EXPECT_NE(depth.error().message.find("settings.search_depth"), std::string::npos);
  EXPECT_EQ(shallow.requests.size(), 0u);
}

} // namespace
} // namespace quarry::connectors
