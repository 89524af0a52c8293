// connectors/core's shared mechanisms: full-precision instants, the boundary
// helper under both readings of a since-bound, paginators and their repeat
// detection, and the token holder.

#include "connectors/core/boundary.hpp"
#include "connectors/core/paginator.hpp"
#include "connectors/core/stream.hpp"
#include "connectors/core/timestamp.hpp"
#include "connectors/core/token_holder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <vector>

namespace quarry::connectors {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// --- instants --------------------------------------------------------------------

TEST(stream_selection_test, column_globs_apply_to_every_stream_they_match_and_names_win) {
  connectors::stream_selection sel;
  sel.columns = {{"activities_*", {"leadId", "activityDate"}},
                 {"activities_click_link", {"leadId", "primaryAttributeValue"}}};
  ASSERT_NE(sel.columns_of("activities_open_email"), nullptr);
  EXPECT_EQ(*sel.columns_of("activities_open_email"), (std::vector<std::string>{"leadId", "activityDate"}));
  ASSERT_NE(sel.columns_of("activities_click_link"), nullptr);
  EXPECT_EQ(sel.columns_of("activities_click_link")->back(), "primaryAttributeValue");
  EXPECT_EQ(sel.columns_of("leads"), nullptr);
}

TEST(stream_selection_test, a_stream_not_selected_by_default_is_read_only_when_named_exactly) {
  connectors::stream_descriptor costly;
  costly.name = "contact_activity_summaries";
  costly.selected_by_default = false;
  connectors::stream_descriptor cheap;
  cheap.name = "contacts";
  connectors::stream_selection every;  // no streams listed: every stream
  EXPECT_TRUE(every.selected(cheap));
  EXPECT_FALSE(every.selected(costly));
  connectors::stream_selection glob;
  glob.streams = {"contact*"};
  EXPECT_TRUE(glob.selected(cheap));
  EXPECT_FALSE(glob.selected(costly)) << "a glob does not opt in";
  connectors::stream_selection named;
  named.streams = {"contact_activity_summaries"};
  EXPECT_TRUE(named.selected(costly));
  EXPECT_FALSE(named.selected(cheap));
  named.excluded = {"contact_activity_*"};
  EXPECT_FALSE(named.selected(costly)) << "an exclusion still wins";
  EXPECT_EQ(connectors::catalog_entry(costly, false, nullptr)["metadata"][0]["metadata"]["selected-by-default"], false);
}

TEST(instant_test, keeps_the_written_precision_through_parse_and_format) {
  struct row {
    const char* in;
    const char* out;
  } rows[] = {
      {"2026-11-14T15:05:37Z", "2026-11-14T15:05:37Z"},
      {"2026-11-14T15:05:37.042Z", "2026-11-14T15:05:37.042Z"},
      {"2026-11-14T15:05:37.19Z", "2026-11-14T15:05:37.19Z"},
      {"2026-11-14T15:05:37.1234567Z", "2026-11-14T15:05:37.1234567Z"},  // .NET ticks
      {"2026-11-14T16:05:37.5+01:00", "2026-11-14T15:05:37.5Z"},
      {"2026-11-14T10:05:37-0500", "2026-11-14T15:05:37Z"},
      {"2026-10-03T12:57:33Z+0000", "2026-10-03T12:57:33Z"},  // Marketo's programs
      {"1975-11-01", "1975-11-01T00:00:00Z"},
      {"1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.5Z"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.in);
    const auto t = parse_instant(r.in);
    ASSERT_TRUE(t);
    EXPECT_EQ(format_rfc3339(*t), r.out);
  }
}

TEST(instant_test, two_instants_within_one_second_stay_two) {
  const auto a = parse_instant("2026-11-14T15:05:37.19Z");
  const auto b = parse_instant("2026-11-14T15:05:37.93Z");
  ASSERT_TRUE(a && b);
  EXPECT_LT(*a, *b);
  EXPECT_EQ(a->seconds(), b->seconds());
  EXPECT_EQ(b->ms() - a->ms(), 740);
}

TEST(instant_test, refuses_what_is_not_a_zoned_date_time) {
  for (const char* bad : {"", "2026-11-14T15:05:37", "2026-11-14T15:05:37.042", "2026-02-30T00:00:00Z",
                          "2026-11-14T25:00:00Z", "2026-11-14T15:05:37.Z", "2026-11-14T15:05:37Z+0100",
                          "yesterday", "2026-11-14T15:05:37+1"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(parse_instant(bad));
  }
}

TEST(instant_test, reads_zone_less_times_in_the_accounts_zone) {
  // Winter: UTC-05:00; summer: UTC-04:00.
  auto t = parse_local_instant("2026-01-15T10:00:00.042", "America/New_York");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-01-15T15:00:00.042Z");
  t = parse_local_instant("2026-07-15T10:00:00", "America/New_York");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-07-15T14:00:00Z");
  // The spring-forward gap moves forward; the fall-back hour is the earlier.
  t = parse_local_instant("2026-03-08T02:30:00", "America/New_York");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-03-08T07:30:00Z");
  t = parse_local_instant("2026-11-01T01:30:00", "America/New_York");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-11-01T05:30:00Z");
  // UTC by default; a text with a zone is read as it says.
  t = parse_local_instant("2026-01-15T10:00:00", "UTC");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-01-15T10:00:00Z");
  t = parse_local_instant("2026-01-15T10:00:00Z", "America/New_York");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-01-15T10:00:00Z");
  EXPECT_FALSE(parse_local_instant("2026-01-15T10:00:00", "Mars/Olympus_Mons"));
  EXPECT_TRUE(known_time_zone("America/New_York"));
  EXPECT_TRUE(known_time_zone("UTC"));
  EXPECT_FALSE(known_time_zone("EST5EDT-ish"));
}

// --- the boundary helper ----------------------------------------------------------

// A server holding (time, key) records, answering "since" reads under one
// reading of its bound, sorted by (time, key), a page at a time.
struct since_server {
  std::vector<std::pair<instant, std::string>> rows;
  bool inclusive = true;
  std::vector<std::pair<instant, std::string>> read(const instant& since) const {
    std::vector<std::pair<instant, std::string>> out;
    for (const auto& r : rows)
      if (inclusive ? r.first >= since : r.first > since) out.push_back(r);
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return std::tie(a.first.unix_ns, a.second) < std::tie(b.first.unix_ns, b.second); });
    return out;
  }
};

// One run: reads from the bookmark, stops (a crash) after `stop_after`
// records, returns the delivered keys and the committed bookmark.
std::pair<std::vector<std::string>, json> run_once(const since_server& server, const json& bookmark,
                                                   bool exclusive_api, std::size_t stop_after) {
  auto b = boundary::resume(bookmark, "updated_at", "2026-01-01T00:00:00Z");
  EXPECT_TRUE(b.ok());
  const auto since = exclusive_api ? b->query_after(1ms) : b->since();
  std::vector<std::string> out;
  for (const auto& [t, key] : server.read(since)) {
    if (out.size() == stop_after) break;
    if (b->admit(t, key)) out.push_back(key);
  }
  return {out, b->bookmark()};
}

TEST(boundary_test, a_burst_cut_by_a_crash_is_delivered_once_under_both_readings) {
  since_server server;
  const auto t0 = *parse_instant("2026-05-01T10:00:00.000Z");
  const auto burst = *parse_instant("2026-05-01T10:00:01.500Z");
  server.rows.push_back({t0, "a"});
  for (int i = 0; i < 50; ++i) server.rows.push_back({burst, "k" + std::to_string(100 + i)});
  server.rows.push_back({*parse_instant("2026-05-01T10:00:02Z"), "z"});
  for (const bool inclusive : {true, false}) {
    for (const bool exclusive_api : {false, true}) {
      SCOPED_TRACE(std::string(inclusive ? "inclusive" : "exclusive") + " server, " +
                   (exclusive_api ? "after-style" : "gte-style") + " query");
      server.inclusive = inclusive;
      // The gte-style query under an exclusive server is not a plausible
      // API (">=" that means ">"), but an after-style one must survive both.
      if (!exclusive_api && !inclusive) continue;
      std::multiset<std::string> delivered;
      auto [first, bookmark] = run_once(server, json(), exclusive_api, 20);  // crash inside the burst
      delivered.insert(first.begin(), first.end());
      EXPECT_EQ(bookmark["updated_at"], "2026-05-01T10:00:01.500Z");
      EXPECT_EQ(bookmark["keys_at"].size(), 19u);
      auto [second, final_bookmark] = run_once(server, bookmark, exclusive_api, 1000);
      delivered.insert(second.begin(), second.end());
      EXPECT_EQ(delivered.size(), server.rows.size());
      for (const auto& [t, key] : server.rows) EXPECT_EQ(delivered.count(key), 1u) << key;
      EXPECT_EQ(final_bookmark["updated_at"], "2026-05-01T10:00:02Z");
      EXPECT_EQ(final_bookmark["keys_at"], json::array({"z"}));
      // A third run delivers nothing.
      auto [third, unchanged] = run_once(server, final_bookmark, exclusive_api, 1000);
      EXPECT_TRUE(third.empty());
      EXPECT_EQ(unchanged, final_bookmark);
    }
  }
}

TEST(boundary_test, starts_inclusively_at_the_start_date_and_refuses_unreadable_bookmarks) {
  auto b = boundary::resume(json(), "updated_at", "2026-01-01T00:00:00Z");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->admit(*parse_instant("2026-01-01T00:00:00Z"), "x"));
  EXPECT_FALSE(b->admit(*parse_instant("2025-12-31T23:59:59.999Z"), "y"));
  auto bad = boundary::resume(json{{"updated_at", "yesterday"}}, "updated_at", "2026-01-01T00:00:00Z");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("updated_at"), std::string::npos);
  // A bookmark from before keys_at: resumes at its instant, re-delivering it.
  auto old = boundary::resume(json{{"updated_at", "2026-03-01T00:00:00Z"}}, "updated_at", "");
  ASSERT_TRUE(old.ok());
  EXPECT_TRUE(old->admit(*parse_instant("2026-03-01T00:00:00Z"), "x"));
}

TEST(boundary_test, passed_values_move_the_bookmark_without_keys) {
  auto b = boundary::resume(json(), "t", "2026-01-01T00:00:00Z");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->admit(*parse_instant("2026-01-02T00:00:00Z"), "a"));
  b->pass(*parse_instant("2026-01-03T00:00:00Z"));
  EXPECT_EQ(b->bookmark(), (json{{"t", "2026-01-03T00:00:00Z"}, {"keys_at", json::array()}}));
}

// --- paginators -------------------------------------------------------------------

TEST(paginator_test, page_numbers_stop_at_a_short_page_or_the_last) {
  auto p = paginator::page_number("GET /v1/users", 100);
  EXPECT_EQ(p.page(), 1);
  auto more = p.next_page(100, "a..b");
  ASSERT_TRUE(more.ok() && *more);
  EXPECT_EQ(p.page(), 2);
  more = p.next_page(40, "c..d");
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  auto q = paginator::page_number("GET /v1/users");
  more = q.next_page(3, "", true);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

TEST(paginator_test, a_server_that_ignores_the_page_number_is_an_error_not_a_loop) {
  auto p = paginator::offset("GET /rest/asset/v1/programs.json", 200);
  ASSERT_TRUE(*p.next_page(200, "1..200"));
  EXPECT_EQ(p.page(), 200);
  auto more = p.next_page(200, "1..200");
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error().kind, error_kind::bad_payload);
  EXPECT_NE(more.error().message.find("programs.json"), std::string::npos) << more.error().message;
  EXPECT_NE(more.error().message.find("same page"), std::string::npos) << more.error().message;
}

TEST(paginator_test, tokens_and_links_stop_when_absent_and_fail_when_repeated) {
  auto p = paginator::token("GET /rest/v1/campaigns.json");
  EXPECT_EQ(p.cursor(), "");
  ASSERT_TRUE(*p.next_cursor("T1"));
  EXPECT_EQ(p.cursor(), "T1");
  ASSERT_TRUE(*p.next_cursor("T2"));
  auto repeated = p.next_cursor("T1");
  ASSERT_FALSE(repeated.ok());
  EXPECT_NE(repeated.error().message.find("page token"), std::string::npos);
  EXPECT_EQ(repeated.error().message.find("T1"), std::string::npos) << "a token is not quoted";

  auto l = paginator::next_link("GET /v3/contacts", "/v3/contacts?limit=500");
  auto same = l.next_cursor("/v3/contacts?limit=500");
  ASSERT_FALSE(same.ok());
  auto m = paginator::next_link("GET /v3/contacts", "/v3/contacts?limit=500");
  auto done = m.next_cursor("");
  ASSERT_TRUE(done.ok());
  EXPECT_FALSE(*done);
}

// --- the token holder -------------------------------------------------------------

TEST(token_holder_test, fetches_once_until_the_margin_and_after_invalidation) {
  auto now = std::chrono::steady_clock::time_point{};
  token_holder tokens(60s, [&] { return now; });
  int n = 0;
  const token_holder::fetch_fn fetch = [&]() -> result<fetched_token> {
    return fetched_token{"t" + std::to_string(++n), 3600s};
  };
  EXPECT_EQ(*tokens.token(fetch), "t1");
  now += 3500s;
  EXPECT_EQ(*tokens.token(fetch), "t1");
  now += 41s;  // 59 s left: inside the margin
  EXPECT_EQ(*tokens.token(fetch), "t2");
  tokens.invalidate("t1");  // stale: t2 is kept
  EXPECT_EQ(*tokens.token(fetch), "t2");
  tokens.invalidate("t2");
  EXPECT_EQ(*tokens.token(fetch), "t3");
  EXPECT_EQ(tokens.fetches(), 3);
}

TEST(token_holder_test, a_short_lived_token_is_renewed_at_three_quarters_of_its_life) {
  auto now = std::chrono::steady_clock::time_point{};
  token_holder tokens(60s, [&] { return now; });
  int n = 0;
  const token_holder::fetch_fn fetch = [&]() -> result<fetched_token> {
    return fetched_token{"s" + std::to_string(++n), 40s};
  };
  EXPECT_EQ(*tokens.token(fetch), "s1");
  now += 29s;
  EXPECT_EQ(*tokens.token(fetch), "s1");
  now += 2s;
  EXPECT_EQ(*tokens.token(fetch), "s2");
  const token_holder::fetch_fn failing = []() -> result<fetched_token> {
    return make_error(error_kind::fatal, "identity refused the client");
  };
  tokens.invalidate("s2");
  auto refused = tokens.token(failing);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "identity refused the client");
}

} // namespace
} // namespace quarry::connectors
