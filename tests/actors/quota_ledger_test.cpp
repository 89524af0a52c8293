// The quota ledger as a specification: daily budgets with DST-correct resets,
// sliding windows and concurrency, fair turns across streams, durable
// reservations that hold the ceiling across a crash, leases, throttling,
// reconciliation and byte budgets. Every instant is injected; nothing sleeps
// and no real clock is read.

#include "actors/quota_ledger.hpp"
#include "actors/usage_store.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace quarry::quota {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

wall_time utc(int y, unsigned m, unsigned d, std::chrono::seconds time_of_day = 0s) {
  return date::sys_days{date::year{y} / date::month{m} / date::day{d}} + time_of_day;
}

std::string iso(wall_time t) {
  return date::format("%FT%TZ", date::floor<std::chrono::seconds>(t));
}

// Wall and steady clocks moving together, as the quota actor would read them.
struct test_clock {
  instant start;
  instant now;
  explicit test_clock(wall_time wall = utc(2026, 6, 1, 12h))
      : start{wall, mono_time{} + 1000h}, now{start} {}
  void advance(std::chrono::nanoseconds d) {
    now.wall += d;
    now.mono += d;
  }
  void set(std::chrono::nanoseconds since_start) {
    now = start;
    advance(since_start);
  }
  // The steady clock keeps running; only the wall moves to `wall`.
  void set_wall(wall_time wall) {
    advance(wall - now.wall);
  }
  milliseconds since_start(mono_time t) const {
    return std::chrono::duration_cast<milliseconds>(t - start.mono);
  }
};

policy daily(std::int64_t calls, std::int64_t block = 0) {
  policy p;
  p.daily_calls = calls;
  p.reservation_block = block;
  return p;
}

// Polls as the quota actor does when its store answers at once: every
// requested reservation is stored and acknowledged, then it polls again.
decision settle(ledger& l, instant now) {
  decision all;
  for (;;) {
    auto d = l.poll(now);
    all.grants.insert(all.grants.end(), d.grants.begin(), d.grants.end());
    all.denials.insert(all.denials.end(), d.denials.begin(), d.denials.end());
    all.expired += d.expired;
    all.wake_at = d.wake_at;
    if (!d.persist)
      return all;
    all.persist = d.persist;
    l.on_persisted(*d.persist);
  }
}

// settle(), then every grant comes back ok at once: a call that leaves its
// windows a length (plus skew) from now.
decision grant_and_return(ledger& l, instant now) {
  auto d = settle(l, now);
  for (const auto& g : d.grants)
    EXPECT_TRUE(l.release(g.permit, {call_result::ok}, now));
  return d;
}

// --- daily budget ---------------------------------------------------------------

TEST(QuotaLedgerDaily, GrantsExactlyTheBudgetAndDeniesTheRestUntilTheReset) {
  test_clock c;  // 2026-06-01 12:00 UTC
  ledger l(daily(1000), std::nullopt, c.now);
  for (int i = 0; i < 3000; ++i)
    l.enqueue("stream" + std::to_string(i % 7), "worker" + std::to_string(i % 16), c.now);

  const auto d = settle(l, c.now);
  EXPECT_EQ(d.grants.size(), 1000u);
  ASSERT_EQ(d.denials.size(), 2000u);
  for (const auto& no : d.denials)
    ASSERT_EQ(iso(no.reset_at), "2026-06-02T00:00:00Z");
  EXPECT_FALSE(d.wake_at);  // nobody left waiting

  auto s = l.snapshot(c.now);
  EXPECT_EQ(s.calls_today, 1000);
  EXPECT_EQ(s.daily_remaining, 0);
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.in_flight, 1000u);  // no concurrency cap: nobody released yet

  // Later the same day: still denied.
  c.set_wall(utc(2026, 6, 1, 23h + 59min + 59s));
  l.enqueue("late", "w", c.now);
  EXPECT_EQ(settle(l, c.now).denials.size(), 1u);

  // At the reset the day starts over.
  c.set_wall(utc(2026, 6, 2));
  for (int i = 0; i < 5; ++i)
    l.enqueue("next-day", "w", c.now);
  EXPECT_EQ(settle(l, c.now).grants.size(), 5u);
  s = l.snapshot(c.now);
  EXPECT_EQ(s.day, "2026-06-02");
  EXPECT_EQ(s.calls_today, 5);
  EXPECT_EQ(iso(s.next_reset), "2026-06-03T00:00:00Z");
}

TEST(QuotaLedgerDaily, QueuedWaitersAreServedAgainAfterTheReset) {
  // A waiter queued behind a window (not denied) before midnight, granted
  // after it, is charged to the new day.
  test_clock c(utc(2026, 6, 1, 23h + 59min + 59s));
  policy p = daily(1);
  p.windows = {{1, 10s}};
  p.window_skew = 0ms;
  ledger l(p, std::nullopt, c.now);
  l.enqueue("s", "w", c.now);
  EXPECT_EQ(grant_and_return(l, c.now).grants.size(), 1u);
  l.enqueue("s", "w", c.now);
  auto d = l.poll(c.now);
  EXPECT_EQ(d.denials.size(), 1u);  // the day's single call is spent
  c.advance(10s);                   // now 2026-06-02 00:00:09
  const auto w = l.enqueue("s", "w", c.now);
  d = settle(l, c.now);
  ASSERT_EQ(d.grants.size(), 1u);
  EXPECT_EQ(d.grants[0].waiter, w);
  EXPECT_EQ(l.snapshot(c.now).calls_today, 1);
}

// --- windows and concurrency -------------------------------------------------------

TEST(QuotaLedgerWindows, SixteenHoldersNeverExceedTheWindowOrConcurrency) {
  test_clock c;
  policy p;
  p.windows = {{100, 20s}};
  p.concurrency = 10;
  ledger l(p, std::nullopt, c.now);

  struct holder {
    std::optional<waiter_id> waiting;
    std::optional<permit_id> held;
    mono_time release_at;
  };
  std::vector<holder> holders(16);
  std::map<waiter_id, std::size_t> asked_by;
  std::vector<mono_time> granted_at;
  std::vector<mono_time> returned_at;
  std::size_t in_flight = 0;
  std::size_t max_in_flight = 0;
  std::optional<mono_time> promised_wake;

  const auto end = c.now.mono + 120s;
  for (; c.now.mono < end; c.advance(50ms)) {
    bool released = false;
    for (std::size_t h = 0; h < holders.size(); ++h) {
      auto& who = holders[h];
      if (who.held && who.release_at <= c.now.mono) {
        EXPECT_TRUE(l.release(*who.held, {call_result::ok}, c.now));
        returned_at.push_back(c.now.mono);
        who.held.reset();
        --in_flight;
        released = true;
      }
      if (!who.held && !who.waiting) {
        who.waiting = l.enqueue("stream" + std::to_string(h % 3), "w" + std::to_string(h), c.now);
        asked_by[*who.waiting] = h;
      }
    }
    const auto d = settle(l, c.now);
    // wake_at is exact: with nothing released since, no grant comes before it
    // and one does come at it.
    if (promised_wake && !released) {
      if (c.now.mono < *promised_wake)
        EXPECT_TRUE(d.grants.empty()) << "granted before the promised wake";
      else
        EXPECT_FALSE(d.grants.empty()) << "nothing granted at the promised wake";
    }
    for (const auto& g : d.grants) {
      auto& who = holders[asked_by.at(g.waiter)];
      who.waiting.reset();
      who.held = g.permit;
      who.release_at = c.now.mono + milliseconds{700 * (1 + asked_by.at(g.waiter) % 4)};
      granted_at.push_back(c.now.mono);
      ++in_flight;
    }
    max_in_flight = std::max(max_in_flight, in_flight);
    ASSERT_LE(in_flight, 10u);
    ASSERT_EQ(l.snapshot(c.now).in_flight, in_flight);
    ASSERT_TRUE(d.wake_at || d.grants.size() > 0 || l.snapshot(c.now).queued == 0);
    promised_wake = d.wake_at;
  }

  // A server counting calls when they arrive (at the grant, at the earliest)
  // or when they are answered (at the release, at the latest): no 20 s
  // interval holds more than 100 of either. Under the completion reading a
  // call in flight counts too: arrivals before an interval's end whose
  // answers come after its start.
  const auto busiest = [](const std::vector<mono_time>& at) {
    std::size_t most = 0;
    for (std::size_t first = 0, last = 0; last < at.size(); ++last) {
      while (at[first] <= at[last] - 20s)
        ++first;
      most = std::max(most, last - first + 1);
    }
    return most;
  };
  EXPECT_LE(busiest(granted_at), 100u);
  EXPECT_LE(busiest(returned_at), 100u);
  std::size_t busiest_completion = 0;  // calls with [grant, return + 20 s) covering a moment
  for (const auto t : granted_at) {
    std::size_t covering = 0;
    for (std::size_t i = 0; i < granted_at.size(); ++i)
      if (granted_at[i] <= t && (i >= returned_at.size() || t < returned_at[i] + 20s)) ++covering;
    busiest_completion = std::max(busiest_completion, covering);
  }
  EXPECT_LE(busiest_completion, 100u);
  EXPECT_GE(busiest(granted_at), 95u);  // the window is used nearly to its limit
  EXPECT_EQ(max_in_flight, 10u);
  // 100 per (20 s + 0.7..2.8 s in flight): the limits bind, nothing stalls.
  EXPECT_GE(granted_at.size(), 500u);
  EXPECT_LE(granted_at.size(), 600u);
}

struct wake_case {
  const char* name;
  policy limits;
  std::vector<milliseconds> grants_at;  // one waiter each, granted at once
  bool release_each;                    // released ok right after the grant
  std::optional<milliseconds> throttle_retry;  // the last one is released throttled
  milliseconds expected_wake;
};

// No skew: the arithmetic below is exact (QuotaLedgerWindows.AReturnedCall...
// shows the skew).
policy with_windows(std::vector<window_limit> w) {
  policy p;
  p.windows = std::move(w);
  p.window_skew = 0ms;
  return p;
}

policy with_concurrency(int n, std::chrono::seconds lease) {
  policy p;
  p.concurrency = n;
  p.lease = lease;
  return p;
}

TEST(QuotaLedgerWindows, WakeAtIsTheEarliestMomentAGrantIsPossible) {
  const std::vector<wake_case> cases{
      {"the oldest call leaves a 3 per 10 s window", with_windows({{3, 10s}}),
       {0ms, 1s, 2s}, true, std::nullopt, 10s},
      {"two windows, the longer binds", with_windows({{2, 1s}, {3, 10s}}),
       {0ms, 2s, 4s}, true, std::nullopt, 10s},
      {"two windows, the shorter binds", with_windows({{2, 1s}, {10, 60s}}),
       {0ms, 500ms}, true, std::nullopt, 1s},
      {"concurrency waits for the first lease to run out", with_concurrency(2, 30s),
       {0ms, 5s}, false, std::nullopt, 30s},
      {"a cooldown from Retry-After", policy{}, {0ms}, true, 2500ms, 2500ms},
      {"a cooldown outlasting a window", with_windows({{1, 1s}}), {0ms}, true, 3s, 3s},
      {"a window outlasting a cooldown", with_windows({{1, 10s}}), {0ms}, true, 3s, 10s},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    test_clock c;
    ledger l(tc.limits, std::nullopt, c.now);
    for (std::size_t i = 0; i < tc.grants_at.size(); ++i) {
      c.set(tc.grants_at[i]);
      l.enqueue("s", "w", c.now);
      const auto d = settle(l, c.now);
      ASSERT_EQ(d.grants.size(), 1u);
      const bool last = i + 1 == tc.grants_at.size();
      if (last && tc.throttle_retry)
        l.release(d.grants[0].permit, {call_result::throttled, tc.throttle_retry}, c.now);
      else if (tc.release_each)
        l.release(d.grants[0].permit, {call_result::ok}, c.now);
    }
    l.enqueue("s", "w", c.now);
    auto d = l.poll(c.now);
    EXPECT_TRUE(d.grants.empty());
    ASSERT_TRUE(d.wake_at);
    EXPECT_EQ(c.since_start(*d.wake_at), tc.expected_wake);

    c.set(tc.expected_wake - 1ms);
    EXPECT_TRUE(l.poll(c.now).grants.empty());
    c.set(tc.expected_wake);
    EXPECT_EQ(l.poll(c.now).grants.size(), 1u);
  }
}

TEST(QuotaLedgerWindows, SnapshotShowsWindowUse) {
  test_clock c;
  ledger l(with_windows({{100, 20s}, {5, 1s}}), std::nullopt, c.now);
  for (int i = 0; i < 7; ++i)
    l.enqueue("s", "w", c.now);
  EXPECT_EQ(grant_and_return(l, c.now).grants.size(), 5u);
  auto s = l.snapshot(c.now);
  ASSERT_EQ(s.windows.size(), 2u);
  EXPECT_EQ(s.windows[0].used, 5);
  EXPECT_EQ(s.windows[1].used, 5);
  EXPECT_EQ(s.queued, 2u);
  c.advance(1s);
  s = l.snapshot(c.now);
  EXPECT_EQ(s.windows[0].used, 5);
  EXPECT_EQ(s.windows[1].used, 0);
}

TEST(QuotaLedgerWindows, ACallHoldsItsPlaceFromGrantUntilALengthAndSkewAfterItsAnswer) {
  // Whether the server counts a call on arrival or on its answer, both lie
  // between our grant and our release.
  test_clock c;
  policy p;
  p.windows = {{2, 1s}};
  p.window_skew = 20ms;
  p.lease = 30s;
  ledger l(p, std::nullopt, c.now);
  l.enqueue("s", "w", c.now);
  l.enqueue("s", "w", c.now);
  const auto first = settle(l, c.now);
  ASSERT_EQ(first.grants.size(), 2u);
  l.enqueue("s", "w", c.now);
  c.set(1500ms);  // both still in flight, a window length after their grant
  auto d = l.poll(c.now);
  EXPECT_TRUE(d.grants.empty()) << "calls in flight hold their places";
  ASSERT_TRUE(d.wake_at);
  EXPECT_EQ(c.since_start(*d.wake_at), 30s) << "failing a release, the first lease";
  EXPECT_TRUE(l.release(first.grants[0].permit, {call_result::ok}, c.now));
  d = l.poll(c.now);
  EXPECT_TRUE(d.grants.empty());
  ASSERT_TRUE(d.wake_at);
  EXPECT_EQ(c.since_start(*d.wake_at), 2520ms);  // answered at 1.5 s, + 1 s + 20 ms
  c.set(2519ms);
  EXPECT_TRUE(l.poll(c.now).grants.empty());
  c.set(2520ms);
  EXPECT_EQ(l.poll(c.now).grants.size(), 1u);
  EXPECT_EQ(l.snapshot(c.now).windows.at(0).used, 2);  // one in flight, one on its way out
}

TEST(QuotaLedgerWindows, WindowsAreReservedBeforeSpendingAndRenewedAtHalfTheHorizon) {
  test_clock c;
  policy p = with_windows({{100, 20s}});
  p.window_horizon = 60s;
  ledger l(p, std::nullopt, c.now);
  l.enqueue("s", "w", c.now);
  auto d = l.poll(c.now);
  EXPECT_TRUE(d.grants.empty()) << "no call before its window is reserved";
  ASSERT_TRUE(d.persist);
  ASSERT_TRUE(d.persist->windows_until);
  EXPECT_EQ(*d.persist->windows_until, c.now.wall + 60s);
  const auto stored = *d.persist;
  l.on_persisted(stored);
  EXPECT_EQ(grant_and_return(l, c.now).grants.size(), 1u);

  c.set(29s);  // more than half the horizon left: no store
  l.enqueue("s", "w", c.now);
  d = l.poll(c.now);
  EXPECT_EQ(d.grants.size(), 1u);
  EXPECT_FALSE(d.persist);
  c.set(31s);  // less than half: renewed, and calls go on meanwhile
  l.enqueue("s", "w", c.now);
  d = l.poll(c.now);
  EXPECT_EQ(d.grants.size(), 1u);
  ASSERT_TRUE(d.persist);
  EXPECT_EQ(*d.persist->windows_until, c.now.wall + 60s);
  c.set(60s);  // the store never answered: the reservation ran out
  l.enqueue("s", "w", c.now);
  d = l.poll(c.now);
  EXPECT_TRUE(d.grants.empty());
  EXPECT_FALSE(d.wake_at) << "only the store's answer unblocks";
  l.on_persist_failed();
  d = settle(l, c.now);
  EXPECT_EQ(d.grants.size(), 1u);
}

TEST(QuotaLedgerWindows, ARestartTakesEveryWindowAsFullUntilTheDeadProcessesCallsLeft) {
  struct restart_case {
    const char* name;
    std::chrono::seconds until_from_now;  // the stored windows_until, from the restart
    milliseconds first_call;              // from the restart
  };
  // windows {4 per 1 s, 100 per 20 s}, skew 20 ms, lease 300 s
  const std::vector<restart_case> cases{
      {"killed mid-run: its reservation runs ahead", 40s, 20020ms},
      {"stopped a minute ago", -60s - 60s, 20020ms},
      {"its last reservation ran out 319 s ago (a lease and 19 s)", -319s, 1020ms},
      {"stopped long ago", -3600s, 0ms},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    test_clock c;
    policy p;
    p.windows = {{4, 1s}, {100, 20s}};
    p.window_skew = 20ms;
    p.lease = 300s;
    persisted_usage stored{"2026-05-31", 7, 0, c.now.wall + tc.until_from_now};
    ledger l(p, stored, c.now);
    const auto s = l.snapshot(c.now);
    ASSERT_EQ(s.windows.size(), 2u);
    l.enqueue("s", "w", c.now);
    if (tc.first_call == 0ms) {
      EXPECT_EQ(settle(l, c.now).grants.size(), 1u);
      continue;
    }
    EXPECT_EQ(s.windows[1].used, 100);  // the longer window outlasts the shorter
    auto d = settle(l, c.now);
    EXPECT_TRUE(d.grants.empty());
    ASSERT_TRUE(d.wake_at);
    EXPECT_EQ(c.since_start(*d.wake_at), tc.first_call);
    c.set(tc.first_call);
    EXPECT_EQ(settle(l, c.now).grants.size(), 1u);
  }
}

TEST(QuotaLedgerWindows, ACleanStopHandsTheNextProcessExactlyTheCallsStillInItsWindows) {
  test_clock c;
  policy p = with_windows({{10, 20s}});
  p.window_skew = 20ms;
  ledger first(p, std::nullopt, c.now);
  for (int i = 0; i < 3; ++i) first.enqueue("s", "w", c.now);
  ASSERT_EQ(grant_and_return(first, c.now).grants.size(), 3u);  // leave at 20.02 s
  c.set(5s);
  first.enqueue("s", "w", c.now);
  first.enqueue("s", "w", c.now);
  const auto d = settle(first, c.now);
  ASSERT_EQ(d.grants.size(), 2u);
  ASSERT_TRUE(first.release(d.grants[0].permit, {call_result::ok}, c.now));  // leaves at 25.02 s
  c.set(6s);  // the other is still in flight: taken as answered now, leaves at 26.02 s

  // Through the stored form, as the next process reads it.
  const auto stored = actors::decode_usage(actors::encode_usage(first.close(c.now)));
  ASSERT_TRUE(stored);
  ASSERT_TRUE(stored->windows_until);
  EXPECT_EQ(*stored->windows_until, c.now.wall) << "no grant after the stop";
  ASSERT_EQ(stored->windows.size(), 1u);
  EXPECT_EQ(stored->windows[0].released.size(), 5u);
  first.enqueue("s", "w", c.now);
  const auto after = first.poll(c.now);
  EXPECT_TRUE(after.grants.empty()) << "a closed ledger grants nothing";
  EXPECT_FALSE(after.persist) << "close() made the last store";

  c.set(7s);
  ledger next(p, stored, c.now);
  for (int i = 0; i < 10; ++i) next.enqueue("s", "w", c.now);
  auto granted = settle(next, c.now);
  EXPECT_EQ(granted.grants.size(), 5u) << "10 per window, 5 still in it";
  ASSERT_TRUE(granted.wake_at);
  EXPECT_EQ(c.since_start(*granted.wake_at), 20020ms) << "when the first three leave";
  c.set(20020ms);
  EXPECT_EQ(settle(next, c.now).grants.size(), 3u);
  c.set(25020ms);
  EXPECT_EQ(settle(next, c.now).grants.size(), 1u);
  c.set(26020ms);
  EXPECT_EQ(settle(next, c.now).grants.size(), 1u);

  // A window the stop did not keep long enough is taken as full, as after a crash.
  c.set(7s);
  policy longer = p;
  longer.windows = {{10, 40s}};
  ledger other(longer, stored, c.now);
  other.enqueue("s", "w", c.now);
  granted = settle(other, c.now);
  EXPECT_TRUE(granted.grants.empty());
  ASSERT_TRUE(granted.wake_at);
  EXPECT_EQ(c.since_start(*granted.wake_at), 46020ms) << "the stop at 6 s plus 40 s and the skew";
}

TEST(QuotaLedgerWindows, ACrashLeavesItsCallsAndTheGrantsItWasAllowedInTheWindow) {
  test_clock c;
  policy p = with_windows({{100, 20s}});  // block: 5 s of 100 per 20 s = 25
  ledger dead(p, std::nullopt, c.now);
  for (int i = 0; i < 10; ++i) dead.enqueue("s", "w", c.now);
  auto d = grant_and_return(dead, c.now);
  ASSERT_EQ(d.grants.size(), 10u);
  ASSERT_TRUE(d.persist);
  EXPECT_EQ(d.persist->windows_ahead, 25) << "reserved before spending";
  c.set(1s);
  for (int i = 0; i < 5; ++i) dead.enqueue("s", "w", c.now);
  d = dead.poll(c.now);  // 15 of 25 spent: half a block left, asks for the next
  ASSERT_EQ(d.grants.size(), 5u);
  ASSERT_TRUE(d.persist);
  const auto last = *d.persist;
  ASSERT_EQ(last.windows.size(), 1u);
  EXPECT_EQ(last.windows[0].released.size(), 10u);
  EXPECT_EQ(last.windows_ahead, 10 + 25 + 5) << "the block's rest, the next block and the 5 in flight";
  dead.on_persisted(last);
  // kill -9 here: 15 calls made, the store allows 10 released + 40 ahead.

  c.set(2s);
  const auto stored = actors::decode_usage(actors::encode_usage(last));
  ASSERT_TRUE(stored);
  ledger next(p, stored, c.now);
  for (int i = 0; i < 100; ++i) next.enqueue("s", "w", c.now);
  d = settle(next, c.now);
  EXPECT_EQ(d.grants.size(), 50u) << "100 - 10 released - 40 ahead";
  ASSERT_TRUE(d.wake_at);
  EXPECT_EQ(c.since_start(*d.wake_at), 20s) << "when the 10 released at 0 s leave";
}

TEST(QuotaLedgerWindows, ACleanStopStoresTheCallsSpentNotTheReservationAhead) {
  test_clock c;
  policy p = daily(1000, 50);
  ledger first(p, std::nullopt, c.now);
  for (int i = 0; i < 3; ++i) first.enqueue("s", "w", c.now);
  const auto d = grant_and_return(first, c.now);
  ASSERT_EQ(d.grants.size(), 3u);
  ASSERT_TRUE(d.persist);
  EXPECT_EQ(d.persist->calls, 50) << "reserved ahead while running";
  const auto stored = first.close(c.now);
  EXPECT_EQ(stored.calls, 3);
  EXPECT_FALSE(stored.windows_until) << "no window, nothing to hand over";
}

TEST(QuotaStoredForm, AWrongTypeIsNoRecord) {
  EXPECT_FALSE(actors::decode_usage(R"({"day": "2026-06-01", "calls": "many"})"));
  EXPECT_FALSE(actors::decode_usage(R"({"day": "2026-06-01", "windows": [{"scope": ""}]})"));
  EXPECT_FALSE(actors::decode_usage("not json"));
  const auto ok = actors::decode_usage(R"({"day": "2026-06-01", "calls": 7})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->calls, 7);
}

// --- fairness -------------------------------------------------------------------------

TEST(QuotaLedgerFairness, ASmallStreamIsNotStarvedByABigOne) {
  test_clock c;
  ledger l(with_windows({{10, 1s}}), std::nullopt, c.now);
  std::map<waiter_id, char> key_of;
  for (int i = 0; i < 1000; ++i)
    key_of[l.enqueue("A", "wa", c.now)] = 'A';
  for (int i = 0; i < 10; ++i)
    key_of[l.enqueue("B", "wb", c.now)] = 'B';

  std::string order;
  std::vector<waiter_id> a_order;
  for (int window = 0; window < 4; ++window) {
    c.set(std::chrono::seconds{window});
    const auto d = grant_and_return(l, c.now);
    EXPECT_EQ(d.grants.size(), 10u);
    if (window == 0) {
      const auto wake = l.poll(c.now).wake_at;  // after the calls came back
      ASSERT_TRUE(wake);
      EXPECT_EQ(c.since_start(*wake), 1s);
    }
    for (const auto& g : d.grants) {
      order += key_of.at(g.waiter);
      if (key_of.at(g.waiter) == 'A')
        a_order.push_back(g.waiter);
    }
  }
  // B's ten are served in the first two windows, taking turns with A.
  EXPECT_EQ(order.substr(0, 20), "ABABABABABABABABABAB");
  EXPECT_EQ(order.substr(20), std::string(20, 'A'));
  EXPECT_TRUE(std::is_sorted(a_order.begin(), a_order.end()));  // FIFO within a key
}

TEST(QuotaLedgerFairness, TurnsRotateAcrossKeysAndLateKeysJoinAtTheBack) {
  struct fair_case {
    const char* name;
    std::vector<std::string> arrivals;  // one waiter per entry, in order
    std::string expected;               // keys in grant order
  };
  const std::vector<fair_case> cases{
      {"one key is FIFO", {"A", "A", "A"}, "AAA"},
      {"three keys rotate", {"A", "A", "A", "B", "B", "C"}, "ABCABA"},
      {"a key arriving later waits its turn", {"A", "B", "A", "B", "A", "C"}, "ABCABA"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    test_clock c;
    ledger l(with_windows({{1, 1s}}), std::nullopt, c.now);
    std::map<waiter_id, std::string> key_of;
    for (const auto& key : tc.arrivals)
      key_of[l.enqueue(key, "w", c.now)] = key;
    std::string order;
    for (std::size_t i = 0; i < tc.arrivals.size(); ++i) {
      c.set(std::chrono::seconds{i});
      for (const auto& g : grant_and_return(l, c.now).grants)
        order += key_of.at(g.waiter);
    }
    EXPECT_EQ(order, tc.expected);
  }
}

// --- reservations and durability ---------------------------------------------------------

TEST(QuotaLedgerReservations, GrantsStopAtTheReservationUntilItIsStored) {
  test_clock c;
  ledger l(daily(35, 10), std::nullopt, c.now);
  for (int i = 0; i < 50; ++i)
    l.enqueue("s", "w", c.now);

  struct step {
    std::size_t grants;
    std::optional<std::int64_t> persist;  // the reservation asked for
    std::size_t denials;
  };
  // Each step is a poll; after each the store acknowledges what was asked.
  const std::vector<step> steps{
      {0, 10, 0}, {10, 20, 0}, {10, 30, 0}, {10, 35, 0}, {5, std::nullopt, 15}};
  for (std::size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE("poll " + std::to_string(i));
    auto d = l.poll(c.now);
    EXPECT_EQ(d.grants.size(), steps[i].grants);
    EXPECT_EQ(d.denials.size(), steps[i].denials);
    ASSERT_EQ(d.persist.has_value(), steps[i].persist.has_value());
    if (!d.persist)
      continue;
    EXPECT_EQ(d.persist->calls, *steps[i].persist);
    EXPECT_EQ(d.persist->day, "2026-06-01");
    // Without the ack nothing more is granted, nothing asked twice, no timer.
    const auto again = l.poll(c.now);
    EXPECT_TRUE(again.grants.empty());
    EXPECT_FALSE(again.persist);
    EXPECT_FALSE(again.wake_at);
    l.on_persisted(*d.persist);
  }
  EXPECT_EQ(l.snapshot(c.now).calls_today, 35);
}

TEST(QuotaLedgerReservations, AsksForTheNextBlockAtHalfABlockSoTrafficDoesNotStall) {
  test_clock c;
  ledger l(daily(1000, 10), std::nullopt, c.now);
  l.enqueue("s", "w", c.now);
  auto first = l.poll(c.now);
  ASSERT_TRUE(first.persist);
  l.on_persisted(*first.persist);  // reserved 10
  ASSERT_EQ(l.poll(c.now).grants.size(), 1u);

  std::vector<std::int64_t> asked;
  for (int call = 2; call <= 30; ++call) {
    l.enqueue("s", "w", c.now);
    const auto d = l.poll(c.now);
    ASSERT_EQ(d.grants.size(), 1u) << "call " << call << " stalled";
    if (d.persist) {
      asked.push_back(d.persist->calls);
      l.on_persisted(*d.persist);
    }
  }
  // Asked when 5 were left of 10, 20, 30: calls 5, 15, 25.
  EXPECT_EQ(asked, (std::vector<std::int64_t>{20, 30, 40}));
}

TEST(QuotaLedgerReservations, AFailedStoreIsAskedForAgain) {
  test_clock c;
  ledger l(daily(100, 10), std::nullopt, c.now);
  l.enqueue("s", "w", c.now);
  auto d = l.poll(c.now);
  ASSERT_TRUE(d.persist);
  EXPECT_FALSE(l.poll(c.now).persist);
  l.on_persist_failed();
  d = l.poll(c.now);
  ASSERT_TRUE(d.persist);
  EXPECT_EQ(d.persist->calls, 10);
}

TEST(QuotaLedgerReservations, NeverSpendsPastTheCeilingAcrossCrashes) {
  struct crash {
    int at_request;  // the n-th persist request of an incarnation
    bool stored;     // the store wrote it before the process died (no ack)
  };
  struct crash_case {
    const char* name;
    std::vector<crash> crashes;
  };
  const std::vector<crash_case> cases{
      {"no crash", {}},
      {"killed before the first store", {{1, false}}},
      {"killed between store and ack", {{1, true}}},
      {"killed after several blocks", {{4, false}}},
      {"killed twice", {{3, true}, {2, false}}},
      {"killed at the last block", {{10, true}}},
  };
  constexpr std::int64_t ceiling = 100;
  constexpr std::int64_t block = 10;
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    test_clock c;
    std::optional<persisted_usage> stored;  // what the compacted topic holds
    std::int64_t granted = 0;
    std::size_t crashes = 0;
    for (bool alive = false; !alive;) {
      ledger l(daily(ceiling, block), stored, c.now);
      if (stored) {
        EXPECT_EQ(l.snapshot(c.now).calls_today, stored->calls);  // conservative restart
      }
      for (int i = 0; i < 200; ++i)
        l.enqueue("s", "w", c.now);
      alive = true;
      int requests = 0;
      for (;;) {
        const auto d = l.poll(c.now);
        granted += static_cast<std::int64_t>(d.grants.size());
        ASSERT_LE(granted, ceiling);
        if (!d.persist)
          break;
        ASSERT_LE(d.persist->calls, ceiling);
        ++requests;
        if (crashes < tc.crashes.size() && tc.crashes[crashes].at_request == requests) {
          if (tc.crashes[crashes].stored)
            stored = d.persist;
          ++crashes;
          alive = false;  // kill -9: everything in memory is gone
          break;
        }
        stored = d.persist;
        l.on_persisted(*d.persist);
      }
      c.advance(1s);
    }
    EXPECT_EQ(crashes, tc.crashes.size());
    EXPECT_LE(granted, ceiling);
    // A crash forgoes at most the unspent part of the reservation.
    EXPECT_GE(granted, ceiling - static_cast<std::int64_t>(tc.crashes.size()) * (block + block / 2));
  }
}

TEST(QuotaLedgerReservations, RestoresTodaysUsageAndIgnoresAnOlderDay) {
  struct restore_case {
    const char* name;
    std::optional<persisted_usage> restored;
    std::int64_t calls_today;
    std::int64_t bytes_today;
    std::string day;
  };
  const std::vector<restore_case> cases{
      {"nothing stored", std::nullopt, 0, 0, "2026-06-01"},
      {"today's reservation", persisted_usage{"2026-06-01", 420, 7}, 420, 7, "2026-06-01"},
      {"yesterday's usage", persisted_usage{"2026-05-31", 999, 7}, 0, 0, "2026-06-01"},
      {"a later day (the wall clock stepped back)", persisted_usage{"2026-06-02", 30, 0}, 30, 0,
       "2026-06-02"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    test_clock c;
    ledger l(daily(1000), tc.restored, c.now);
    const auto s = l.snapshot(c.now);
    EXPECT_EQ(s.calls_today, tc.calls_today);
    EXPECT_EQ(s.reserved, tc.calls_today);
    EXPECT_EQ(s.bytes_today, tc.bytes_today);
    EXPECT_EQ(s.day, tc.day);
  }

  test_clock c;
  ledger spent(daily(1000), persisted_usage{"2026-06-01", 1000, 0}, c.now);
  spent.enqueue("s", "w", c.now);
  const auto d = spent.poll(c.now);
  EXPECT_EQ(d.denials.size(), 1u);
  EXPECT_FALSE(d.persist);

  EXPECT_THROW(ledger(daily(1000), persisted_usage{"2026-6-1", 1, 0}, c.now),
               std::invalid_argument);
  EXPECT_THROW(ledger(daily(1000), persisted_usage{"2026-02-30", 1, 0}, c.now),
               std::invalid_argument);
}

TEST(QuotaLedgerReservations, AnAckForAnotherDayDoesNotCount) {
  test_clock c(utc(2026, 6, 1, 23h + 59min));
  ledger l(daily(100, 10), std::nullopt, c.now);
  l.enqueue("s", "w", c.now);
  const auto d = l.poll(c.now);
  ASSERT_TRUE(d.persist);
  c.set_wall(utc(2026, 6, 2));
  EXPECT_EQ(l.snapshot(c.now).day, "2026-06-02");
  l.on_persisted(*d.persist);  // yesterday's
  EXPECT_EQ(l.snapshot(c.now).reserved, 0);
  const auto today = l.poll(c.now);
  ASSERT_TRUE(today.persist);
  EXPECT_EQ(today.persist->day, "2026-06-02");
}

TEST(QuotaLedgerReservations, AutomaticBlockFollowsTheDailyBudget) {
  struct block_case {
    std::int64_t daily;
    std::int64_t first_reservation;
  };
  for (const auto& tc : std::vector<block_case>{{50, 1}, {1000, 10}, {40000, 50}, {5, 1}}) {
    SCOPED_TRACE(tc.daily);
    test_clock c;
    ledger l(daily(tc.daily), std::nullopt, c.now);
    l.enqueue("s", "w", c.now);
    const auto d = l.poll(c.now);
    ASSERT_TRUE(d.persist);
    EXPECT_EQ(d.persist->calls, tc.first_reservation);
  }
}

// --- leases and dead workers ------------------------------------------------------------

TEST(QuotaLedgerLeases, AnExpiredLeaseFreesItsConcurrencySlot) {
  test_clock c;
  ledger l(with_concurrency(1, 30s), std::nullopt, c.now);
  l.enqueue("s", "dead", c.now);
  const auto first = l.poll(c.now);
  ASSERT_EQ(first.grants.size(), 1u);
  EXPECT_EQ(c.since_start(first.grants[0].lease_expiry), 30s);

  const auto second = l.enqueue("s", "alive", c.now);
  c.set(29999ms);
  auto d = l.poll(c.now);
  EXPECT_TRUE(d.grants.empty());
  EXPECT_EQ(d.expired, 0u);
  ASSERT_TRUE(d.wake_at);
  EXPECT_EQ(c.since_start(*d.wake_at), 30s);

  c.set(30s);
  d = l.poll(c.now);
  EXPECT_EQ(d.expired, 1u);
  ASSERT_EQ(d.grants.size(), 1u);
  EXPECT_EQ(d.grants[0].waiter, second);
  // The dead worker's late release is harmless.
  EXPECT_FALSE(l.release(first.grants[0].permit, {call_result::ok}, c.now));
  EXPECT_EQ(l.snapshot(c.now).in_flight, 1u);
}

TEST(QuotaLedgerLeases, RenewKeepsALongDownloadAlive) {
  test_clock c;
  ledger l(with_concurrency(1, 30s), std::nullopt, c.now);
  l.enqueue("s", "w", c.now);
  const auto permit = l.poll(c.now).grants.at(0).permit;
  l.enqueue("s", "w2", c.now);

  c.set(20s);
  const auto renewed = l.renew(permit, c.now);
  ASSERT_TRUE(renewed);
  EXPECT_EQ(c.since_start(*renewed), 50s);

  c.set(30s);
  auto d = l.poll(c.now);
  EXPECT_TRUE(d.grants.empty());
  ASSERT_TRUE(d.wake_at);
  EXPECT_EQ(c.since_start(*d.wake_at), 50s);

  c.set(50s);
  EXPECT_FALSE(l.renew(permit, c.now));  // too late: the lease has passed
  EXPECT_EQ(l.expire(c.now), 1u);
  EXPECT_FALSE(l.renew(permit, c.now));
  EXPECT_EQ(l.poll(c.now).grants.size(), 1u);
}

TEST(QuotaLedgerLeases, ReclaimHolderFreesADeadWorkersPermitsAndWaiters) {
  test_clock c;
  ledger l(with_concurrency(3, 300s), std::nullopt, c.now);
  l.enqueue("s1", "dead", c.now);
  l.enqueue("s2", "dead", c.now);
  l.enqueue("s1", "alive", c.now);
  ASSERT_EQ(l.poll(c.now).grants.size(), 3u);
  for (int i = 0; i < 3; ++i)
    l.enqueue("s1", "dead", c.now);
  const auto alive = l.enqueue("s2", "alive", c.now);
  EXPECT_TRUE(l.poll(c.now).grants.empty());

  const auto r = l.reclaim_holder("dead", c.now);
  EXPECT_EQ(r.permits, 2u);
  EXPECT_EQ(r.waiters, 3u);
  auto s = l.snapshot(c.now);
  EXPECT_EQ(s.in_flight, 1u);
  EXPECT_EQ(s.queued, 1u);

  const auto d = l.poll(c.now);
  ASSERT_EQ(d.grants.size(), 1u);
  EXPECT_EQ(d.grants[0].waiter, alive);
  EXPECT_EQ(l.reclaim_holder("nobody", c.now).permits, 0u);
}

TEST(QuotaLedgerLeases, CancelDropsAQueuedWaiter) {
  test_clock c;
  ledger l(with_windows({{1, 1s}}), std::nullopt, c.now);
  const auto a = l.enqueue("s", "w", c.now);
  const auto b = l.enqueue("s", "w", c.now);
  const auto k = l.enqueue("s", "w", c.now);
  EXPECT_EQ(grant_and_return(l, c.now).grants.at(0).waiter, a);
  EXPECT_TRUE(l.cancel(b));
  EXPECT_FALSE(l.cancel(b));
  EXPECT_FALSE(l.cancel(a));  // already granted
  c.advance(1s);
  EXPECT_EQ(l.poll(c.now).grants.at(0).waiter, k);
}

// --- what the server says ---------------------------------------------------------------------

TEST(QuotaLedgerThrottling, CooldownFollowsRetryAfterOrBacksOffExponentially) {
  struct step {
    outcome said;
    std::optional<milliseconds> cooldown;  // expected, from the release
  };
  const auto throttled = [](std::optional<milliseconds> retry = std::nullopt) {
    return outcome{call_result::throttled, retry};
  };
  const std::vector<step> steps{
      {throttled(), 1s},       {throttled(), 2s},  {throttled(), 4s},
      {{call_result::failed}, std::nullopt},       // a failure does not end the run
      {throttled(), 8s},       {throttled(), 16s}, {throttled(), 32s},
      {throttled(), 60s},      {throttled(), 60s}, // capped
      {{call_result::ok}, std::nullopt},           // ok ends the run
      {throttled(), 1s},       {throttled(5s), 5s}, // the server's word wins
      {throttled(), 4s},
  };
  test_clock c;
  ledger l(policy{}, std::nullopt, c.now);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    l.enqueue("s", "w", c.now);
    const auto d = l.poll(c.now);
    ASSERT_EQ(d.grants.size(), 1u);
    EXPECT_TRUE(l.release(d.grants[0].permit, steps[i].said, c.now));
    const auto s = l.snapshot(c.now);
    if (!steps[i].cooldown) {
      EXPECT_FALSE(s.cooling_until);
      continue;
    }
    ASSERT_TRUE(s.cooling_until);
    EXPECT_EQ(std::chrono::duration_cast<milliseconds>(*s.cooling_until - c.now.mono),
              *steps[i].cooldown);
    // Nobody is granted during the cooldown; the wake is its end.
    l.enqueue("s", "w", c.now);
    const auto waiting = l.poll(c.now);
    EXPECT_TRUE(waiting.grants.empty());
    ASSERT_TRUE(waiting.wake_at);
    EXPECT_EQ(*waiting.wake_at, *s.cooling_until);
    c.advance(*steps[i].cooldown);
    ASSERT_EQ(l.poll(c.now).grants.size(), 1u);  // the waiter, after the cooldown
    // (that permit is held; the next step takes a fresh one)
  }
}

TEST(QuotaLedgerThrottling, QuotaExhaustedDeniesUntilTheReset) {
  test_clock c;  // 2026-06-01 12:00 UTC
  ledger l(daily(1000), std::nullopt, c.now);
  l.enqueue("s", "w", c.now);
  auto d = settle(l, c.now);
  ASSERT_EQ(d.grants.size(), 1u);
  for (int i = 0; i < 5; ++i)
    l.enqueue("s", "w", c.now);

  EXPECT_TRUE(l.release(d.grants[0].permit, {call_result::quota_exhausted}, c.now));
  d = l.poll(c.now);
  EXPECT_TRUE(d.grants.empty());
  ASSERT_EQ(d.denials.size(), 5u);
  EXPECT_EQ(iso(d.denials[0].reset_at), "2026-06-02T00:00:00Z");
  EXPECT_NE(d.denials[0].reason.find("exhausted"), std::string::npos);
  ASSERT_TRUE(d.persist);  // a restart must remember the day is gone
  EXPECT_EQ(d.persist->calls, 1000);
  l.on_persisted(*d.persist);
  EXPECT_EQ(l.snapshot(c.now).daily_remaining, 0);

  c.set_wall(utc(2026, 6, 1, 20h));
  l.enqueue("s", "w", c.now);
  EXPECT_EQ(l.poll(c.now).denials.size(), 1u);

  c.set_wall(utc(2026, 6, 2));
  l.enqueue("s", "w", c.now);
  EXPECT_EQ(settle(l, c.now).grants.size(), 1u);
}

TEST(QuotaLedgerThrottling, ALateExhaustedAnswerDoesNotSpendTheNewDay) {
  test_clock c(utc(2026, 6, 1, 23h + 59min + 59s));
  ledger l(daily(1000), std::nullopt, c.now);
  l.enqueue("s", "w", c.now);
  const auto permit = settle(l, c.now).grants.at(0).permit;
  c.advance(2s);  // past midnight
  EXPECT_TRUE(l.release(permit, {call_result::quota_exhausted}, c.now));
  l.enqueue("s", "w", c.now);
  EXPECT_EQ(settle(l, c.now).grants.size(), 1u);
}

TEST(QuotaLedgerUsage, ReconcileRaisesUsageToTheServersCount) {
  test_clock c;
  ledger l(daily(1000, 50), std::nullopt, c.now);
  for (int i = 0; i < 10; ++i)
    l.enqueue("s", "w", c.now);
  EXPECT_EQ(settle(l, c.now).grants.size(), 10u);

  l.reconcile(900, c.now);  // other apps used the account too
  auto s = l.snapshot(c.now);
  EXPECT_EQ(s.calls_today, 900);
  EXPECT_EQ(s.daily_remaining, 100);
  l.reconcile(5, c.now);  // the server lags: ours stays
  EXPECT_EQ(l.snapshot(c.now).calls_today, 900);

  for (int i = 0; i < 300; ++i)
    l.enqueue("s", "w", c.now);
  const auto d = settle(l, c.now);
  EXPECT_EQ(d.grants.size(), 100u);
  EXPECT_EQ(d.denials.size(), 200u);
  EXPECT_EQ(l.snapshot(c.now).calls_today, 1000);
}

TEST(QuotaLedgerUsage, ByteBudgetDeniesOnlyByteGatedWaiters) {
  test_clock c;
  policy p;
  p.daily_bytes = 500'000'000;  // Marketo bulk export
  ledger l(p, std::nullopt, c.now);
  EXPECT_EQ(l.bytes_remaining(), 500'000'000);

  l.charge_bytes(499'000'000, c.now);
  EXPECT_EQ(l.bytes_remaining(), 1'000'000);
  l.enqueue("leads", "w", c.now, /*needs_bytes=*/true);
  auto d = l.poll(c.now);
  EXPECT_EQ(d.grants.size(), 1u);
  ASSERT_TRUE(d.persist);  // bytes are stored with the usage
  EXPECT_EQ(d.persist->bytes, 499'000'000);
  l.on_persisted(*d.persist);

  l.charge_bytes(2'000'000, c.now);
  EXPECT_EQ(l.bytes_remaining(), 0);
  const auto gated = l.enqueue("leads", "w", c.now, true);
  const auto plain = l.enqueue("campaigns", "w", c.now);
  d = l.poll(c.now);
  ASSERT_EQ(d.denials.size(), 1u);
  EXPECT_EQ(d.denials[0].waiter, gated);
  EXPECT_NE(d.denials[0].reason.find("byte"), std::string::npos);
  EXPECT_EQ(iso(d.denials[0].reset_at), "2026-06-02T00:00:00Z");
  ASSERT_EQ(d.grants.size(), 1u);
  EXPECT_EQ(d.grants[0].waiter, plain);
  ASSERT_TRUE(d.persist);
  EXPECT_EQ(d.persist->bytes, 501'000'000);

  c.set_wall(utc(2026, 6, 2, 1h));
  EXPECT_EQ(l.snapshot(c.now).bytes_today, 0);
  EXPECT_EQ(l.bytes_remaining(), 500'000'000);
  l.enqueue("leads", "w", c.now, true);
  EXPECT_EQ(l.poll(c.now).grants.size(), 1u);
}

// --- time zones ---------------------------------------------------------------------------------

TEST(QuotaLedgerTimeZone, NextResetIsLocalMidnightPlusOffsetAcrossDst) {
  struct zone_case {
    const char* name;
    const char* zone;
    std::chrono::minutes offset;
    wall_time now;
    const char* day;
    const char* next_reset;
  };
  const std::vector<zone_case> cases{
      {"UTC", "UTC", 0min, utc(2026, 6, 1, 12h), "2026-06-01", "2026-06-02T00:00:00Z"},
      {"Chicago, the day before spring forward", "America/Chicago", 0min, utc(2026, 3, 7, 12h),
       "2026-03-07", "2026-03-08T06:00:00Z"},
      {"Chicago, spring-forward day is 23 h", "America/Chicago", 0min, utc(2026, 3, 8, 7h),
       "2026-03-08", "2026-03-09T05:00:00Z"},
      {"Chicago, the day before fall back", "America/Chicago", 0min, utc(2026, 10, 31, 12h),
       "2026-10-31", "2026-11-01T05:00:00Z"},
      {"Chicago, one second before the fall-back day", "America/Chicago", 0min,
       utc(2026, 11, 1, 4h + 59min + 59s), "2026-10-31", "2026-11-01T05:00:00Z"},
      {"Chicago, fall-back day is 25 h (first 01:30)", "America/Chicago", 0min,
       utc(2026, 11, 1, 6h + 30min), "2026-11-01", "2026-11-02T06:00:00Z"},
      {"Chicago, fall-back day is 25 h (second 01:30)", "America/Chicago", 0min,
       utc(2026, 11, 1, 7h + 30min), "2026-11-01", "2026-11-02T06:00:00Z"},
      {"Chicago 02:30 reset falls in the gap: at the transition", "America/Chicago", 150min,
       utc(2026, 3, 8, 7h + 30min), "2026-03-07", "2026-03-08T08:00:00Z"},
      {"Chicago 02:30 reset, just after the gap", "America/Chicago", 150min, utc(2026, 3, 8, 8h),
       "2026-03-08", "2026-03-09T07:30:00Z"},
      {"Chicago 01:30 reset in the repeated hour: the first one", "America/Chicago", 90min,
       utc(2026, 11, 1, 6h), "2026-10-31", "2026-11-01T06:30:00Z"},
      {"Chicago 01:30 reset, in the second 01:00-01:30", "America/Chicago", 90min,
       utc(2026, 11, 1, 7h + 15min), "2026-11-01", "2026-11-02T07:30:00Z"},
      {"Santiago, midnight falls in the gap: the day starts at 01:00", "America/Santiago", 0min,
       utc(2026, 9, 6, 3h + 30min), "2026-09-05", "2026-09-06T04:00:00Z"},
      {"Santiago, the short day after the gap", "America/Santiago", 0min, utc(2026, 9, 6, 4h),
       "2026-09-06", "2026-09-07T03:00:00Z"},
      {"Santiago, the repeated 23:00 hour stays in the old day", "America/Santiago", 0min,
       utc(2026, 4, 5, 3h + 30min), "2026-04-04", "2026-04-05T04:00:00Z"},
      {"fixed CST (Marketo's 12:00 AM CST)", "Etc/GMT+6", 0min, utc(2026, 7, 1, 5h + 59min),
       "2026-06-30", "2026-07-01T06:00:00Z"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    policy p = daily(1000);
    p.time_zone = tc.zone;
    p.reset_offset = tc.offset;
    ASSERT_EQ(validate(p), std::nullopt);
    test_clock c(tc.now);
    ledger l(p, std::nullopt, c.now);
    const auto s = l.snapshot(c.now);
    EXPECT_EQ(s.day, tc.day);
    EXPECT_EQ(iso(s.next_reset), tc.next_reset);
  }
}

TEST(QuotaLedgerTimeZone, ChicagoBudgetRollsOverAtLocalMidnightAcrossSpringForward) {
  policy p = daily(2, 2);
  p.time_zone = "America/Chicago";
  test_clock c(utc(2026, 3, 7, 20h));  // 14:00 CST
  ledger l(p, std::nullopt, c.now);
  for (int i = 0; i < 3; ++i)
    l.enqueue("s", "w", c.now);
  auto d = settle(l, c.now);
  EXPECT_EQ(d.grants.size(), 2u);
  ASSERT_EQ(d.denials.size(), 1u);
  EXPECT_EQ(iso(d.denials[0].reset_at), "2026-03-08T06:00:00Z");  // 00:00 CST

  c.set_wall(utc(2026, 3, 8, 5h + 59min + 59s));
  l.enqueue("s", "w", c.now);
  EXPECT_EQ(settle(l, c.now).denials.size(), 1u);

  c.set_wall(utc(2026, 3, 8, 6h));
  for (int i = 0; i < 3; ++i)
    l.enqueue("s", "w", c.now);
  d = settle(l, c.now);
  EXPECT_EQ(d.grants.size(), 2u);
  ASSERT_EQ(d.denials.size(), 1u);
  EXPECT_EQ(iso(d.denials[0].reset_at), "2026-03-09T05:00:00Z");  // 00:00 CDT

  // A wall clock stepping back across the reset does not undo the rollover.
  c.set_wall(utc(2026, 3, 8, 5h));
  EXPECT_EQ(l.snapshot(c.now).day, "2026-03-08");
  EXPECT_EQ(l.snapshot(c.now).calls_today, 2);
}

// --- validation ------------------------------------------------------------------------------

TEST(QuotaLedgerPolicy, ValidateNamesTheBadField) {
  struct policy_case {
    const char* name;
    policy p;
    std::optional<std::string> field;  // expected prefix of the message
  };
  const auto with = [](auto change) {
    policy p;
    change(p);
    return p;
  };
  const std::vector<policy_case> cases{
      {"defaults", policy{}, std::nullopt},
      {"Marketo", with([](policy& p) {
         p.daily_calls = 50000;
         p.time_zone = "America/Chicago";
         p.windows = {{100, 20s}};
         p.concurrency = 10;
         p.daily_bytes = 500'000'000;
       }),
       std::nullopt},
      {"unknown zone", with([](policy& p) { p.time_zone = "Mars/Olympus_Mons"; }), "time_zone"},
      {"empty zone", with([](policy& p) { p.time_zone = ""; }), "time_zone"},
      {"zero-call window", with([](policy& p) { p.windows = {{0, 20s}}; }), "windows[0].calls"},
      {"zero-length window", with([](policy& p) { p.windows = {{100, 20s}, {5, 0s}}; }),
       "windows[1].length"},
      {"zero concurrency", with([](policy& p) { p.concurrency = 0; }), "concurrency"},
      {"zero daily calls", with([](policy& p) { p.daily_calls = 0; }), "daily_calls"},
      {"negative daily bytes", with([](policy& p) { p.daily_bytes = -1; }), "daily_bytes"},
      {"zero lease", with([](policy& p) { p.lease = 0s; }), "lease"},
      {"negative block", with([](policy& p) { p.reservation_block = -1; }), "reservation_block"},
      {"offset of a full day", with([](policy& p) { p.reset_offset = 24h; }), "reset_offset"},
      {"negative offset", with([](policy& p) { p.reset_offset = -1min; }), "reset_offset"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    const auto problem = validate(tc.p);
    if (!tc.field) {
      EXPECT_EQ(problem, std::nullopt);
      continue;
    }
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->rfind(*tc.field + ":", 0), 0u) << *problem;
    test_clock c;
    EXPECT_THROW(ledger(tc.p, std::nullopt, c.now), std::invalid_argument);
  }
}

} // namespace
} // namespace quarry::quota
