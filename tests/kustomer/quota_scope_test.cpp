// The quota ledger's pieces Kustomer needs, as a specification (injected
// clocks, nothing sleeps): a scoped window (search 100/min) that binds only
// its scope's calls on top of the general windows, and the server's own
// report of the room left (x-ratelimit-remaining/-reset) keeping the grants
// in step with a budget other apps share. Also the header parser and the
// 429 reading of x-ratelimit-reset.

#include "actors/quota_ledger.hpp"
#include "connectors/core/rate_limit.hpp"
#include "connectors/core/snake_case.hpp"
#include "sim/kustomer.hpp"

#include <gtest/gtest.h>

namespace quarry::quota {
namespace {

using namespace std::chrono_literals;

struct clock_pair {
  instant now{wall_time{} + 24h * 20000, mono_time{} + 1000h};
  void advance(std::chrono::milliseconds d) {
    now.wall += d;
    now.mono += d;
  }
};

policy search_policy() {
  policy p;
  p.windows = {{10, 60s}, {3, 60s, "search"}};
  p.window_skew = 0ms;  // exact arithmetic below
  return p;
}

// Polls as the quota actor does when its store answers at once (the window
// reservation is stored before the first grant).
decision settle(ledger& l, instant now) {
  decision all;
  for (;;) {
    auto d = l.poll(now);
    all.grants.insert(all.grants.end(), d.grants.begin(), d.grants.end());
    all.wake_at = d.wake_at;
    if (!d.persist) return all;
    l.on_persisted(*d.persist);
  }
}

// Queues `n` waiters of `scope` on one key and returns how many one poll
// grants; the calls come back at once (ok, no report).
std::size_t grant(ledger& l, const std::string& key, const std::string& scope, int n, instant now) {
  for (int i = 0; i < n; ++i) l.enqueue(key, "w", now, false, scope);
  const auto d = settle(l, now);
  for (const auto& g : d.grants) l.release(g.permit, outcome{call_result::ok}, now);
  return d.grants.size();
}

TEST(QuotaScope, AScopedWindowBindsOnlyItsScopeAndCountsAgainstTheGeneralOnes) {
  clock_pair c;
  ledger l(search_policy(), std::nullopt, c.now);
  EXPECT_EQ(grant(l, "ku/customers", "search", 5, c.now), 3u);  // search 3/min
  // The search waiters still queued do not hold up general calls ...
  EXPECT_EQ(grant(l, "ku/users", "", 10, c.now), 7u);  // ... which share the 10 with the searches
  const auto d = settle(l, c.now);
  EXPECT_TRUE(d.grants.empty());
  ASSERT_TRUE(d.wake_at.has_value());
  EXPECT_EQ(*d.wake_at, c.now.mono + 60s);
  c.advance(60s);
  const auto later = settle(l, c.now);  // (the window reservation is renewed)
  EXPECT_EQ(later.grants.size(), 5u);  // 2 searches (3 a minute) + 3 general
}

TEST(QuotaScope, TheServersReportedRoomCapsGrantsUntilItsReset) {
  clock_pair c;
  ledger l(search_policy(), std::nullopt, c.now);
  l.enqueue("ku/customers", "w", c.now, false, "search");
  const auto first = settle(l, c.now).grants.at(0);
  // Other apps have spent most of the org's searches: 1 left for 20 s.
  outcome ok{call_result::ok};
  ok.room = server_room{1, 20'000ms};
  ASSERT_TRUE(l.release(first.permit, ok, c.now));
  EXPECT_EQ(grant(l, "ku/customers", "search", 3, c.now), 1u);
  EXPECT_EQ(l.poll(c.now).wake_at, c.now.mono + 20s);
  EXPECT_EQ(grant(l, "ku/users", "", 2, c.now), 2u) << "a search room does not bind general calls";
  c.advance(20s);
  // After the reset one probe goes; its answer reports the room anew.
  const auto probe = l.poll(c.now);
  ASSERT_EQ(probe.grants.size(), 1u);
  EXPECT_FALSE(l.poll(c.now).wake_at.has_value()) << "waits for the probe's answer, not a timer";
  ok.room = server_room{5, 60'000ms};
  l.release(probe.grants[0].permit, ok, c.now);
  const auto after = l.poll(c.now);
  EXPECT_TRUE(after.grants.empty());
  EXPECT_EQ(after.wake_at, c.now.mono + 40s) << "then the scoped window (3 a minute) is the bound again";
}

TEST(QuotaScope, CallsInFlightCountAgainstTheReportedRoom) {
  clock_pair c;
  policy p;
  p.windows = {{100, 60s}};
  ledger l(p, std::nullopt, c.now);
  for (int i = 0; i < 4; ++i) l.enqueue("ku/users", "w", c.now);
  const auto d = settle(l, c.now);
  ASSERT_EQ(d.grants.size(), 4u);
  outcome ok{call_result::ok};
  ok.room = server_room{5, 60'000ms};
  l.release(d.grants[0].permit, ok, c.now);  // 3 others are still out
  EXPECT_EQ(grant(l, "ku/users", "", 5, c.now), 2u);
}

TEST(QuotaScope, AScopedThrottleWithItsRoomWaitsOnlyThatScope) {
  clock_pair c;
  ledger l(search_policy(), std::nullopt, c.now);
  l.enqueue("ku/customers", "w", c.now, false, "search");
  const auto permit = settle(l, c.now).grants.at(0).permit;
  outcome refused{call_result::throttled};
  refused.room = server_room{0, 5'000ms};
  l.release(permit, refused, c.now);
  EXPECT_EQ(grant(l, "ku/customers", "search", 1, c.now), 0u);
  EXPECT_EQ(grant(l, "ku/users", "", 1, c.now), 1u) << "no global cooldown";
  c.advance(5s);
  EXPECT_EQ(l.poll(c.now).grants.size(), 1u);
}

TEST(QuotaScope, AnUnscopedThrottleStillCoolsEveryCall) {
  clock_pair c;
  ledger l(search_policy(), std::nullopt, c.now);
  l.enqueue("ku/users", "w", c.now);
  const auto permit = settle(l, c.now).grants.at(0).permit;
  l.release(permit, outcome{call_result::throttled, 2'000ms}, c.now);
  EXPECT_EQ(grant(l, "ku/customers", "search", 1, c.now), 0u);
  c.advance(2s);
  EXPECT_EQ(l.poll(c.now).grants.size(), 1u);
}

} // namespace
} // namespace quarry::quota

namespace quarry::http {
namespace {

TEST(RateLimitHeaders, ReadsRemainingAndAResetAsUnixSecondsOrADelay) {
  const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}};
  response r;
  r.headers = {{"x-ratelimit-limit", "100"}, {"x-ratelimit-remaining", "7"}, {"x-ratelimit-reset", "1800000042"}};
  const auto room = read_rate_limit(r, now);
  ASSERT_TRUE(room.has_value());
  EXPECT_EQ(room->remaining, 7);
  EXPECT_DOUBLE_EQ(room->reset_in_s, 42);
  EXPECT_EQ(reset_in_seconds("30", now), 30);
  EXPECT_EQ(reset_in_seconds("1799999990", now), 0) << "a reset in the past is now";
  EXPECT_FALSE(reset_in_seconds("soon", now).has_value());
  EXPECT_FALSE(reset_in_seconds("-5", now).has_value());
  r.headers = {{"x-ratelimit-remaining", "7"}};
  EXPECT_FALSE(read_rate_limit(r, now).has_value());
}

// A 429 without Retry-After but with Kustomer's x-ratelimit-reset is
// rate_limited with the wait until that reset.
TEST(RateLimitHeaders, A429NamesItsWaitFromXRatelimitReset) {
  sim::kustomer_options o;
  o.data.counts = {5, 0, 0, 0, 0, 1, 1, 1, 1};
  o.org_per_minute = 2;
  sim::kustomer_simulator s(o);
  s.start();
  client c;
  request req;
  req.url = s.base_url() + "/v1/teams";
  req.headers = {{"Authorization", "Bearer kustomer-key"}};
  ASSERT_TRUE(c.send(req).ok());
  const auto second = c.send(req);
  ASSERT_TRUE(second.ok());
  const auto room = read_rate_limit(*second, std::chrono::system_clock::now());
  ASSERT_TRUE(room.has_value());
  EXPECT_EQ(room->remaining, 0);
  const auto refused = c.send(req);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, error_kind::rate_limited);
  EXPECT_GT(refused.error().retry_after_s, 55);
  EXPECT_LE(refused.error().retry_after_s, 61);
}

} // namespace
} // namespace quarry::http

namespace quarry::connectors {
namespace {

TEST(SnakeCase, SpellsKeysAsTapKustomersConvert) {
  const std::pair<const char*, const char*> cases[] = {
      {"createdAt", "created_at"},       {"displayName", "display_name"}, {"HTTPStatus", "http_status"},
      {"userID", "user_id"},             {"sla2Breach", "sla2_breach"},   {"already_snake", "already_snake"},
      {"conversationCounts", "conversation_counts"}, {"A", "a"},          {"", ""},
      {"getHTTPResponseCode", "get_http_response_code"}, {"aBcDe", "a_bc_de"}, {"ABc", "a_bc"},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(snake_case(in), out) << in;
  const auto converted = snake_case_keys(nlohmann::json::parse(
      R"({"emails":[{"emailType":"home"}],"customFields":{"orderTotal":1},"tags":["keepMe"]})"));
  EXPECT_EQ(converted, nlohmann::json::parse(
                           R"({"emails":[{"email_type":"home"}],"custom_fields":{"order_total":1},"tags":["keepMe"]})"));
}

} // namespace
} // namespace quarry::connectors
