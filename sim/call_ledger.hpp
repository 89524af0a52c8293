#pragma once

// The accounting and limit decisions of one simulator, independent of HTTP.
// server calls begin() when an API call starts and end() when its response is
// ready; everything in between counts as in flight.
//
// Where a call enters a window is a reading (vendors do not say; the server
// declares it as `window_counting` for every simulator with windows):
//  - arrival (default): a call is in a window from begin() for its length;
//  - completion: a call is in a window from begin() (in flight) until its
//    length after end(). This is the strictest plausible server: one that logs
//    calls when they finish and counts the calls in progress too. A client
//    correct under it is correct under a server that ignores calls in
//    progress as well.
//
// Contract:
//  - Every call counts (total, per sim-clock UTC day, per path template,
//    in flight, window logs), admitted or rejected: the server saw it.
//  - The admission decision is made atomically in begin(), under one mutex,
//    checking the limits in the order daily, window, concurrency; the first
//    one broken rejects the call and is recorded as a violation.
//  - Limits are enforced against *admitted* calls: a rejected call does not
//    use up quota, a window slot or a concurrency slot, so a client that waits
//    out Retry-After gets through. The observed figures (max_seen,
//    max_in_flight, calls_by_day) include rejected calls, so they exceed a
//    limit exactly when a violation was recorded.
//  - reset() clears counters and logs but not the calls now in flight.
//
// Thread-safe.

#include "sim/call_stats.hpp"
#include "sim/sim_clock.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::sim {

class call_ledger {
 public:
  using steady_time = std::chrono::steady_clock::time_point;

  call_ledger(call_limits limits, const sim_clock& clock);

  struct call_start {
    std::string_view path_template;
    std::string_view path;
    // When the call started; read under the lock when not given. Tests pass
    // it to examine window arithmetic without waiting.
    std::optional<steady_time> at;
    std::string_view operation;  // SOAP operation, counted in calls_by_operation ("" = none)
    bool counted_at_completion = false;  // the window_counting reading is "completion"
  };

  struct admission {
    std::optional<limit_kind> rejected;  // nullopt: admitted
    double retry_after_s = -1;           // for window rejections, else -1
    std::vector<window_room> rooms;      // the windows that apply to the call
    std::vector<std::size_t> windows{};  // their indices, for end()
    bool counted_at_completion = false;
    bool admitted() const { return !rejected; }
  };

  admission begin(const call_start& call);
  // Once per begin(), with that begin()'s admission and the body size sent.
  // `at` as in call_start.
  void end(const admission& admission, std::int64_t bytes_served,
           std::optional<steady_time> at = std::nullopt);
  void count_fault();

  call_stats snapshot() const;
  void reset();

  const call_limits& limits() const { return limits_; }

 private:
  window_room room_of(std::size_t window, steady_time now) const;

  struct scoped_window {
    window_limit limit;
    std::string path_template;  // "" = every call
    bool applies_to(std::string_view path) const {
      return path_template.empty() || path_template == path;
    }
  };

  const call_limits limits_;
  const std::vector<scoped_window> windows_;  // limits_.windows, then path_windows
  const sim_clock& clock_;

  mutable std::mutex mu_;
  call_stats stats_;                                // guarded by mu_
  std::map<std::int64_t, std::int64_t> admitted_by_day_;  // sim day number -> calls
  // Per window: the calls it applies to, pruned to its length (their
  // arrivals, or under the completion reading their ends).
  std::vector<std::deque<steady_time>> seen_logs_;
  std::vector<std::deque<steady_time>> admitted_logs_;
  // Per window, completion reading only: calls in progress.
  std::vector<std::int64_t> seen_open_;
  std::vector<std::int64_t> admitted_open_;
  void prune(std::size_t window, steady_time now);
  steady_time last_seen_{};
  std::int64_t in_flight_ = 0;
  std::int64_t in_flight_admitted_ = 0;
};

} // namespace quarry::sim
