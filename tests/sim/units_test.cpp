// The simulator framework's pure parts: timestamps, page tokens, window
// arithmetic of call_ledger, and the --window flag syntax.

#include "sim/call_ledger.hpp"
#include "sim/commands.hpp"
#include "sim/page_cursor.hpp"
#include "sim/timestamps.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace quarry::sim {
namespace {

using namespace std::chrono_literals;

TEST(timestamps, format_round_trips_through_parse) {
  EXPECT_EQ(format_rfc3339(1704067200), "2024-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1767225599), "2025-12-31T23:59:59Z");
  EXPECT_EQ(parse_rfc3339_us("2024-01-01T00:00:00Z"), 1704067200'000000);
  const auto t = std::chrono::system_clock::time_point{1704067200'123456us};
  EXPECT_EQ(format_rfc3339_ms(t), "2024-01-01T00:00:00.123Z");
  EXPECT_EQ(format_day(t), "2024-01-01");
}

TEST(timestamps, parse_accepts_rfc3339_forms) {
  const struct {
    const char* text;
    std::optional<std::int64_t> us;
  } cases[] = {
      {"2024-01-01T00:00:00Z", 1704067200'000000},
      {"2024-01-01T00:00:00.5Z", 1704067200'500000},
      {"2024-01-01T00:00:00.123456789Z", 1704067200'123456},
      {"2024-01-01T02:00:00+02:00", 1704067200'000000},
      {"2023-12-31T19:00:00-05:00", 1704067200'000000},
      {"2024-01-01", 1704067200'000000},
      {"2024-02-30T00:00:00Z", std::nullopt},
      {"2024-01-01T00:00:00", std::nullopt},
      {"2024-01-01T25:00:00Z", std::nullopt},
      {"yesterday", std::nullopt},
      {"", std::nullopt},
      {"2024-01-01T00:00:00Zjunk", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_rfc3339_us(c.text), c.us) << c.text;
}

TEST(page_cursor, tokens_round_trip_and_reject_foreign_text) {
  const page_cursor cursor{1704067200, "acc-00042"};
  const auto token = encode_page_token(cursor);
  EXPECT_EQ(token.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  const auto back = decode_page_token(token);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->key, cursor.key);
  EXPECT_EQ(back->id, cursor.id);
  for (const char* bad : {"", "!!!", "bm9wZQ", "fDE"})  // "", bad chars, "nope", "|1"
    EXPECT_FALSE(decode_page_token(bad)) << bad;
}

struct ledger_fixture : ::testing::Test {
  sim_clock clock;
  const std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();

  call_ledger::admission call(call_ledger& ledger, std::chrono::milliseconds at) {
    auto a = ledger.begin({"/v1/x", "/v1/x", t0 + at, ""});
    ledger.end(a, 0);
    return a;
  }
};

TEST_F(ledger_fixture, window_limit_slides_and_counts_rejected_calls_as_seen) {
  call_limits limits;
  limits.windows = {{3, 2.0}};
  call_ledger ledger(limits, clock);
  EXPECT_TRUE(call(ledger, 0ms).admitted());
  EXPECT_TRUE(call(ledger, 500ms).admitted());
  EXPECT_TRUE(call(ledger, 1000ms).admitted());
  const auto rejected = call(ledger, 1500ms);  // 4 in (-0.5 s, 1.5 s]
  EXPECT_EQ(rejected.rejected, limit_kind::window);
  EXPECT_NEAR(rejected.retry_after_s, 0.5, 1e-6);  // the call at 0 leaves at 2 s
  EXPECT_TRUE(call(ledger, 2000ms).admitted());    // the call at 0 left exactly now
  EXPECT_EQ(call(ledger, 2100ms).rejected, limit_kind::window);
  EXPECT_TRUE(call(ledger, 2600ms).admitted());

  const auto stats = ledger.snapshot();
  EXPECT_EQ(stats.calls_total, 7);
  ASSERT_EQ(stats.windows.size(), 1u);
  EXPECT_EQ(stats.windows[0].max_seen, 5);  // 0.5, 1.0, 1.5, 2.0, 2.1 all in (0.1, 2.1]
  ASSERT_EQ(stats.violations.size(), 2u);
  EXPECT_EQ(stats.violations[0].kind, limit_kind::window);
}

TEST_F(ledger_fixture, rejected_calls_use_no_quota) {
  call_limits limits;
  limits.daily = 2;
  call_ledger ledger(limits, clock);
  EXPECT_TRUE(call(ledger, 0ms).admitted());
  EXPECT_TRUE(call(ledger, 1ms).admitted());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call(ledger, 2ms).rejected, limit_kind::daily);
  clock.advance(std::chrono::hours(24));
  EXPECT_TRUE(call(ledger, 3ms).admitted());
  EXPECT_TRUE(call(ledger, 4ms).admitted());
  EXPECT_FALSE(call(ledger, 5ms).admitted());
  const auto stats = ledger.snapshot();
  EXPECT_EQ(stats.calls_by_day.size(), 2u);
  EXPECT_EQ(stats.violations.size(), 4u);
}

TEST_F(ledger_fixture, reset_keeps_calls_in_flight) {
  call_limits limits;
  limits.concurrency = 1;
  call_ledger ledger(limits, clock);
  const auto first = ledger.begin({"/v1/x", "/v1/x", t0, ""});
  ledger.reset();
  EXPECT_EQ(ledger.snapshot().max_in_flight, 1);
  const auto second = ledger.begin({"/v1/x", "/v1/x", t0, ""});
  EXPECT_EQ(second.rejected, limit_kind::concurrency);
  ledger.end(second, 10);
  ledger.end(first, 5);
  EXPECT_TRUE(call(ledger, 1ms).admitted());
  EXPECT_EQ(ledger.snapshot().bytes_served, 15);
}

TEST(call_ledger, refuses_impossible_limits) {
  sim_clock clock;
  EXPECT_THROW(call_ledger(call_limits{.daily = {}, .windows = {{0, 1}}, .concurrency = {}}, clock),
               std::invalid_argument);
  EXPECT_THROW(call_ledger(call_limits{.daily = {}, .windows = {{1, 0}}, .concurrency = {}}, clock),
               std::invalid_argument);
  EXPECT_THROW(call_ledger(call_limits{.daily = {}, .windows = {}, .concurrency = 0}, clock),
               std::invalid_argument);
}

TEST(parse_window_limit, reads_calls_slash_seconds) {
  const struct {
    const char* text;
    bool ok;
    std::int64_t calls;
    double seconds;
  } cases[] = {
      {"100/20", true, 100, 20},  {"3/0.5", true, 3, 0.5}, {"100", false, 0, 0},
      {"0/20", false, 0, 0},      {"10/0", false, 0, 0},   {"a/b", false, 0, 0},
      {"10/20s", false, 0, 0},    {"/20", false, 0, 0},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_window_limit(c.text);
    ASSERT_EQ(parsed.ok(), c.ok) << c.text;
    if (!c.ok) continue;
    EXPECT_EQ(parsed->calls, c.calls) << c.text;
    EXPECT_EQ(parsed->seconds, c.seconds) << c.text;
  }
}

} // namespace
} // namespace quarry::sim
