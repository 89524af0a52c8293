#pragma once

// The quota ledger: one source account's API-call budget, as plain,
// deterministic, single-threaded C++ (no actors, no I/O, no clocks).
//
// Ownership and threads. The quota actor of an account owns exactly one ledger
// and is the only caller; nothing in here locks. Every call that depends on
// time takes an `instant` from the caller, so tests inject clocks and the
// actor passes `now()`. The ledger never reads a clock itself.
//
// Limits, all of which must hold for a grant (DESIGN.md "Quota model"):
//   - daily calls, reset at local midnight + reset_offset in an IANA zone
//     (date/tz, so DST days are 23 or 25 hours long);
//   - any number of sliding windows (e.g. 100 calls per 20 s), see "Windows";
//   - a concurrency cap (calls in flight);
//   - daily bytes, for permits that ask for them (Marketo bulk export);
//   - a cooldown after the server said "slow down";
//   - the room the server reported (x-ratelimit-remaining R until the reset
//     T): no more than R grants of that scope before T, calls still in
//     flight counted against R (other apps share the server's budget).
//     Reports arriving before T tighten the room (the smaller R, the later
//     T: answers come back out of order); after T one call goes through as
//     a probe and its answer's report replaces the room.
// Daily calls and windows are charged when a permit is granted, so a worker
// that dies never holds rate (reference/runtime.md §3). A concurrency slot is
// held until release() or until its lease runs out (Doorman-style leases).
//
// Windows. A server may count a call when it arrives or when it is answered
// (vendors do not say), and both happen between our grant and our release.
// So a call holds its place in each window from its grant until
// `window_skew` after a window's length past its release (or its reclaim):
//
//   grant ----------- release ------------------ release + length + skew
//     |<- in flight ->|<------- released, still in the window ------->|
//
// which contains the server's [arrival, arrival + length) and
// [answer, answer + length) under either reading. The cost is the latency of
// one call per window slot, not a fixed pad.
//
// Permit lifecycle (one waiter, one permit):
//
//    enqueue()             poll(): every limit allows
//   ----------> [queued] ------------------------------> [granted] <--+
//                |   |    (the reservation too, see       |   |      | renew()
//                |   |     "Durability")                  |   +------+
//      cancel(), |   | poll(): the day's calls (or, for   |
//      reclaim_  |   |   a byte-gated waiter, bytes) spent | release(); lease passed
//      holder()  |   v                                    |   (expire(), poll());
//                |  [denied] -- answered with reset_at    |   reclaim_holder()
//                v                                        v
//              (gone)                  [returned, its call still in each window]
//                                                  |
//                                                  | length + window_skew later
//                                                  v
//                                                (gone)
//
// After close() nothing is granted: queued waiters are never answered, and
// calls in flight are stored as if returned at close().
//
// Durability and the ceiling (never spend past daily_calls, even across a
// kill -9). The ledger grants only while calls < reserved, where `reserved` is
// a count the owner has durably stored for today. When half a block or less
// is left and someone wants calls, poll() asks for more through
// decision::persist (calls = reserved + block, never above daily_calls); the
// grants go on up to the old reservation and stop there until the owner has
// stored the new one and called on_persisted(). A restarted process restores
// the last stored value and takes it as already spent, so a crash forgoes at
// most one and a half blocks but never over-spends. One request is
// outstanding at a time; each persist also carries the day's bytes, and a
// quota_exhausted answer is stored as calls = daily_calls.
//
//   reservation:  [stored r] --poll(): room <= block/2--> [pending r+b]
//                      ^                                        |
//                      +---------- on_persisted(r+b) -----------+
//                                  (on_persist_failed(): ask again)
//
// Windows are reserved the same way, by time: a persist also carries
// `windows_until`, and the ledger grants calls of a policy with windows only
// before the stored windows_until. While calls are wanted it asks for
// now + window_horizon once half the horizon is gone. A restarted process (or
// a coordinator taking over) cannot know which calls the dead one made, so it
// takes every window as full until min(start, windows_until + lease) + the
// window's length + skew: every call granted before windows_until was
// released (or its lease ran out) by then, and left the window a length later.
// The calls themselves are reserved too, by count: every store carries, per
// window, when each call still in it was released, and `windows_ahead`, the
// calls in flight plus the grants allowed before the next store (a window
// block: five seconds of the busiest window's rate, at least 2; asked for
// again at half a block, as the daily block is). A restarted process starts
// each window with those released calls plus windows_ahead calls released
// at min(start, windows_until + lease), so after a crash it waits only for
// what the dead process may really have spent. A clean stop (close()) stores
// windows_until = now and windows_ahead = 0, calls in flight taken as
// released then: the next run waits only if the two runs together would
// exceed a limit. A window the store does not cover (a new or longer window
// in the config) is taken as full until that moment + its length + skew.
//
//   store at t:  released calls per window (exact)  +  ahead (in flight at
//                t, and grants allowed after t, before the next store)
//   restart:     each window = released calls, leaving length + skew after
//                their release  +  ahead calls released at
//                min(start, windows_until + lease)
//
// Day numbering. A wall instant belongs to the local date D whose reset
// (D 00:00 + reset_offset, local) is at or before it and whose next reset is
// after it. A reset that falls into a DST gap happens at the transition; one
// that falls into a repeated hour happens at its first occurrence. The day
// only moves forward: a wall clock that steps back does not undo a rollover.

#include "proto/ids.hpp"

#include <date/date.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace date {
class time_zone;
}

namespace quarry::quota {

using waiter_id = std::uint64_t;
using quarry::permit_id;
using wall_time = std::chrono::system_clock::time_point;
using mono_time = std::chrono::steady_clock::time_point;

// A window binds every call, or only the calls of one scope (a class of calls
// the API limits separately, e.g. Kustomer's "search": 100/min inside the
// org's budget). A scoped call must fit its scope's windows and the general
// ones.
struct window_limit {
  int calls = 0;
  std::chrono::seconds length{0};
  std::string scope{};  // "" = every call
};

// One account's limits, from the source's documented limits and the job's
// config. Check it with validate() before building a ledger.
struct policy {
  std::optional<std::int64_t> daily_calls;  // e.g. 40000; nullopt = unlimited
  std::string time_zone = "UTC";            // IANA name; the day resets at local
  std::chrono::minutes reset_offset{0};     //   midnight + reset_offset, in [0, 24h)
  std::vector<window_limit> windows;        // any number, all must hold
  std::optional<int> concurrency;           // calls in flight
  std::optional<std::int64_t> daily_bytes;  // e.g. Marketo bulk export 500 MB/day
  std::chrono::seconds lease{300};          // a permit not released by then is reclaimed
  std::int64_t reservation_block = 0;       // 0 = auto: max(1, min(50, daily_calls/100))
  // A call stays in a window this long past length after its release: the
  // clock rates and scheduling between the server's count and ours.
  std::chrono::milliseconds window_skew{20};
  std::chrono::seconds window_horizon{60};  // how far ahead windows are reserved
};

// A moment as two clocks see it: `wall` decides the day, `mono` decides
// windows, cooldowns and leases (immune to wall-clock steps).
struct instant {
  wall_time wall;
  mono_time mono;
};

// What the owner stores durably (compacted topic, key = account). `day` is
// "YYYY-MM-DD" in the policy's day numbering; `calls` is the reservation: the
// number a restarted process must assume already spent today;
// `windows_until`: calls still in a window were granted before it (see
// "Windows are reserved"; unset: no call was ever granted under a window).
// `windows` and `windows_ahead`: the calls in each window, see "Windows are
// reserved".
struct persisted_usage {
  // The calls in one window when the store was asked for: each call of
  // `scope` released within `span` (the window's length + skew) before then.
  struct window_calls {
    std::string scope;
    std::chrono::milliseconds span{0};
    std::vector<wall_time> released;
    bool operator==(const window_calls&) const = default;
  };
  std::string day;
  std::int64_t calls = 0;
  std::int64_t bytes = 0;
  std::optional<wall_time> windows_until{};
  std::vector<window_calls> windows{};
  std::int64_t windows_ahead = 0;  // calls in flight or allowed after the store
  bool operator==(const persisted_usage&) const = default;
};

struct grant {
  waiter_id waiter = 0;
  permit_id permit = 0;
  mono_time lease_expiry;
};

// The waiter cannot be granted before reset_at: the day's calls (or, for a
// byte-gated waiter, the day's bytes) are spent. The task ends resumably.
struct denial {
  waiter_id waiter = 0;
  std::string reason;
  wall_time reset_at;
};

// What one poll() decided. The owner answers grants and denials, stores
// `persist` (then calls on_persisted) and sets one timer for `wake_at`.
struct decision {
  std::vector<grant> grants;
  std::vector<denial> denials;
  // Earliest moment a still-queued waiter could be granted without any other
  // event (a call leaving a window, a cooldown ending, a lease running out).
  // Unset when nothing is queued or only a persistence ack can unblock it.
  // When concurrency blocks, this is the first lease to run out: a release()
  // comes sooner as a rule, and the owner polls after it anyway.
  std::optional<mono_time> wake_at;
  // Usage to store durably (a new reservation, or new bytes); emitted once,
  // see on_persisted() and on_persist_failed().
  std::optional<persisted_usage> persist;
  std::size_t expired = 0;  // permits whose lease ran out, reclaimed by this poll
};

// What the server said about the call a permit covered.
enum class call_result {
  ok,               // done; ends a run of throttles
  failed,           // the call was made and counted; nothing else changes
  throttled,        // "slow down" (HTTP 429, Marketo 606/615): cooldown
  quota_exhausted,  // "the day's quota is gone" (Marketo 607): day spent
};

// The server's own account of a window, from an answer's headers.
struct server_room {
  std::int64_t remaining = 0;          // calls it will still take
  std::chrono::milliseconds reset_in{0};  // until its window resets
};

struct outcome {
  call_result result = call_result::ok;
  // For throttled: the server's Retry-After. Without it the cooldown is an
  // exponential backoff: 1 s, doubling per consecutive throttle, at most 60 s.
  std::optional<std::chrono::milliseconds> retry_after{};
  // What the answer said of the room left for calls of the permit's scope.
  std::optional<server_room> room{};
};

struct reclaimed {
  std::size_t permits = 0;
  std::size_t waiters = 0;
};

struct window_usage {
  window_limit limit;
  int used = 0;  // calls holding a place in the window now (in flight or not yet left)
};

struct snapshot {
  std::string day;
  std::int64_t calls_today = 0;                 // granted by us, or the server's count if higher
  std::optional<std::int64_t> daily_limit;      // unset: unlimited
  std::optional<std::int64_t> daily_remaining;  // 0 once the server said the day is gone
  std::int64_t reserved = 0;                    // acknowledged reservation (see header comment)
  std::optional<wall_time> windows_until;       // acknowledged window reservation
  std::int64_t bytes_today = 0;
  std::optional<std::int64_t> bytes_remaining;
  std::size_t in_flight = 0;
  std::size_t queued = 0;
  wall_time next_reset;
  std::optional<mono_time> cooling_until;  // set while a throttle cooldown lasts
  std::vector<window_usage> windows;
};

// Names the first bad field ("time_zone: unknown IANA zone 'Mars/Base'"), or
// nullopt when the policy is usable.
std::optional<std::string> validate(const policy& p);

class ledger {
public:
  // Throws std::invalid_argument if validate(p) fails or `restored.day` is not
  // a YYYY-MM-DD date (startup edge). A restored usage for today starts the day
  // at its calls and bytes; one for an older day is ignored; one for a later
  // day (the wall clock stepped back) is kept and that day taken as current.
  // Its windows_until, of any day, fills every window as "Windows are
  // reserved" says, or its window calls, when a clean stop stored them.
  ledger(policy p, std::optional<persisted_usage> restored, instant now);

  // Queues a waiter for one call permit. `fairness_key` (job/stream) decides
  // the round-robin turn, `holder` (worker identity) whom reclaim_holder()
  // frees. A byte-gated waiter is also denied once the day's bytes are spent.
  // The waiter is answered by a later poll().
  // `scope` names the windows (besides the general ones) the call must fit.
  waiter_id enqueue(std::string fairness_key, std::string holder, instant now,
                    bool needs_bytes = false, std::string scope = {});

  // Rolls the day over if due, reclaims expired leases, grants as many queued
  // waiters as the limits allow (round-robin across fairness keys, FIFO within
  // one), denies those that cannot be granted before the next reset, and
  // reports when to poll again. Call it after any event that may free room.
  decision poll(instant now);

  // Gives a permit back: frees its concurrency slot and applies what the server
  // said. An unknown or already reclaimed permit changes nothing (returns false).
  // quota_exhausted for a permit granted before the last reset is ignored: it
  // speaks of a day that is over.
  bool release(permit_id permit, outcome what, instant now);

  // Extends a live lease to now + policy.lease (long downloads). nullopt if the
  // permit is unknown or its lease has already passed.
  std::optional<mono_time> renew(permit_id permit, instant now);

  // Reclaims permits whose lease is at or before now; returns how many.
  std::size_t expire(instant now);

  // Frees every permit and queued waiter of a dead worker.
  // Its calls leave the windows as if they came back now.
  reclaimed reclaim_holder(const std::string& holder, instant now);

  // Drops a queued waiter; false if it is not queued (already answered).
  bool cancel(waiter_id waiter);

  // Adds bytes used today (after the fact: bytes cannot be reserved). Stored
  // with the next persist.
  void charge_bytes(std::int64_t bytes, instant now);
  std::optional<std::int64_t> bytes_remaining() const;

  // The vendor's count of today's calls for the whole account (other apps
  // too): today's usage becomes the larger of ours and theirs.
  void reconcile(std::int64_t server_calls_today, instant now);

  // The owner stored `stored`; grants may go up to its calls. An ack for
  // another day is ignored. The owner should poll() afterwards.
  void on_persisted(const persisted_usage& stored);
  // The store failed: the next poll() asks again.
  void on_persist_failed();

  // A clean stop: grants end for good and queued waiters stay unanswered.
  // Returns what to store: the day's calls as spent (no reservation ahead),
  // windows_until = now, the calls still in each window (calls in flight
  // taken as released now) and windows_ahead = 0.
  persisted_usage close(instant now);

  // Rolls the day over if due (hence not const).
  quota::snapshot snapshot(instant now);

  const policy& limits() const { return policy_; }

private:
  struct waiter {
    std::string key;
    std::string holder;
    bool needs_bytes = false;
    std::string scope;
  };
  struct permit {
    std::string holder;
    mono_time lease_expiry;
    date::local_days day;  // the day it was granted (and charged) on
    std::string scope;
  };
  // The server's last report for a scope: `left` grants until `until`.
  struct reported_room {
    std::int64_t left = 0;
    mono_time until;
  };

  date::local_days day_of(wall_time t) const;
  wall_time reset_of(date::local_days day) const;
  void advance_day(instant now);
  bool day_spent() const;
  bool bytes_spent() const;
  bool can_grant(instant now) const;
  int window_used(std::size_t window) const;  // after evict_windows()
  void leave_windows(const std::string& scope, mono_time released);
  bool scope_allows(const std::string& scope, instant now) const;
  std::optional<mono_time> scope_free_at(const std::string& scope, instant now) const;
  std::optional<mono_time> blocked_until(instant now) const;
  std::optional<waiter_id> next_in_turn(instant now);
  void deny_hopeless(decision& out);
  void forget_empty_queues();
  void evict_windows(mono_time now);
  void request_persist(decision& out, bool had_demand, instant now);
  std::vector<persisted_usage::window_calls> window_calls(instant now) const;

  policy policy_;
  const date::time_zone* zone_ = nullptr;
  std::int64_t block_ = 1;

  date::local_days day_;   // current day label
  wall_time next_reset_;   // reset_of(day_ + 1)
  std::int64_t calls_ = 0;     // spent today (ours, or the server's if higher)
  std::int64_t reserved_ = 0;  // acknowledged durable reservation for day_
  std::int64_t bytes_ = 0;
  std::int64_t bytes_stored_ = 0;  // bytes in the last acknowledged persist
  bool exhausted_ = false;         // the server said the day's quota is gone
  std::optional<persisted_usage> pending_;  // asked for, not yet acknowledged

  // Per window: when each released call leaves it (sorted); calls in flight
  // are the permits binding the window.
  std::vector<std::deque<mono_time>> window_log_;
  std::optional<wall_time> windows_until_;  // acknowledged window reservation
  bool closed_ = false;                     // close() was called: no more grants
  std::int64_t window_block_ = 2;
  std::int64_t window_grants_ = 0;   // grants of this ledger under windows
  std::int64_t window_allowed_ = 0;  // acknowledged: grants may go up to this
  std::int64_t window_allowed_pending_ = 0;  // what pending_ asks for
  mono_time cooling_until_{};
  int consecutive_throttles_ = 0;
  std::map<std::string, reported_room> rooms_;  // by scope ("" binds every call)

  waiter_id next_waiter_ = 1;
  permit_id next_permit_ = 1;
  std::map<waiter_id, waiter> waiters_;  // queued, by arrival
  // Per fairness key, waiter ids in arrival order. Cancelled or denied ids
  // stay until they reach the front (checked against waiters_).
  std::map<std::string, std::deque<waiter_id>> queues_;
  std::deque<std::string> turn_;  // keys with a queue; front is served next
  std::map<permit_id, permit> permits_;
};

} // namespace quarry::quota
