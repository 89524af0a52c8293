#include "sim/call_ledger.hpp"

#include "sim/timestamps.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace quarry::sim {

namespace {

std::chrono::nanoseconds as_duration(double seconds) {
  return std::chrono::nanoseconds{static_cast<std::int64_t>(std::llround(seconds * 1e9))};
}

std::chrono::nanoseconds longest(const std::vector<window_limit>& windows) {
  std::chrono::nanoseconds out{0};
  for (const auto& w : windows) out = std::max(out, as_duration(w.seconds));
  return out;
}

std::vector<window_stats> empty_windows(const std::vector<window_limit>& windows) {
  std::vector<window_stats> out;
  for (const auto& w : windows) out.push_back({w.calls, w.seconds, 0});
  return out;
}

} // namespace

call_ledger::call_ledger(call_limits limits, const sim_clock& clock)
    : limits_(std::move(limits)), clock_(clock), longest_window_(longest(limits_.windows)) {
  for (const auto& w : limits_.windows)
    if (w.calls < 1 || !(w.seconds > 0))
      throw std::invalid_argument("a window limit needs calls >= 1 and seconds > 0");
  if (limits_.daily && *limits_.daily < 0)
    throw std::invalid_argument("the daily limit cannot be negative");
  if (limits_.concurrency && *limits_.concurrency < 1)
    throw std::invalid_argument("the concurrency limit must be at least 1");
  stats_.windows = empty_windows(limits_.windows);
}

// Calls in the log at or after `from`, i.e. in the window (from - epsilon, now].
std::int64_t call_ledger::count_since(const std::deque<steady_time>& log,
                                      steady_time from) const {
  // A call exactly W seconds ago has left the window.
  const auto first = std::upper_bound(log.begin(), log.end(), from);
  return log.end() - first;
}

call_ledger::admission call_ledger::begin(const call_start& call) {
  const auto sim_now = clock_.now();
  const auto day_clock = sim_now + std::chrono::seconds{limits_.day_offset_s};
  const std::int64_t sim_day =
      std::chrono::floor<std::chrono::days>(day_clock.time_since_epoch()).count();

  std::lock_guard lock(mu_);
  steady_time now = call.at ? *call.at : std::chrono::steady_clock::now();
  // Keep the logs sorted even if a caller-supplied time runs backwards.
  if (!seen_log_.empty() && now < seen_log_.back()) now = seen_log_.back();

  // Observe: every call counts.
  ++stats_.calls_total;
  ++stats_.calls_by_day[format_day(day_clock)];
  ++stats_.calls_by_path[std::string(call.path_template)];
  if (!call.operation.empty()) ++stats_.calls_by_operation[std::string(call.operation)];
  ++in_flight_;
  stats_.max_in_flight = std::max(stats_.max_in_flight, in_flight_);
  if (!limits_.windows.empty()) {
    while (!seen_log_.empty() && seen_log_.front() <= now - longest_window_)
      seen_log_.pop_front();
    while (!admitted_log_.empty() && admitted_log_.front() <= now - longest_window_)
      admitted_log_.pop_front();
    seen_log_.push_back(now);
    for (std::size_t i = 0; i < limits_.windows.size(); ++i) {
      const auto seen = count_since(seen_log_, now - as_duration(limits_.windows[i].seconds));
      stats_.windows[i].max_seen = std::max(stats_.windows[i].max_seen, seen);
    }
  }

  // Decide, against admitted calls only.
  admission out;
  if (limits_.daily && admitted_by_day_[sim_day] >= *limits_.daily) {
    out.rejected = limit_kind::daily;
  }
  for (std::size_t i = 0; !out.rejected && i < limits_.windows.size(); ++i) {
    const auto& w = limits_.windows[i];
    const auto from = now - as_duration(w.seconds);
    if (count_since(admitted_log_, from) >= w.calls) {
      out.rejected = limit_kind::window;
      // The oldest admitted call in this window leaves it at oldest + W.
      const auto oldest = *std::upper_bound(admitted_log_.begin(), admitted_log_.end(), from);
      out.retry_after_s =
          std::chrono::duration<double>(oldest + as_duration(w.seconds) - now).count();
    }
  }
  if (!out.rejected && limits_.concurrency && in_flight_admitted_ >= *limits_.concurrency) {
    out.rejected = limit_kind::concurrency;
  }

  if (out.rejected) {
    stats_.violations.push_back(
        {*out.rejected, format_rfc3339_ms(sim_now), std::string(call.path)});
  } else {
    ++admitted_by_day_[sim_day];
    if (!limits_.windows.empty()) admitted_log_.push_back(now);
    ++in_flight_admitted_;
  }
  return out;
}

void call_ledger::end(const admission& admission, std::int64_t bytes_served) {
  std::lock_guard lock(mu_);
  --in_flight_;
  if (admission.admitted()) --in_flight_admitted_;
  stats_.bytes_served += bytes_served;
}

void call_ledger::count_fault() {
  std::lock_guard lock(mu_);
  ++stats_.faults_injected;
}

call_stats call_ledger::snapshot() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void call_ledger::reset() {
  std::lock_guard lock(mu_);
  stats_ = call_stats{};
  stats_.windows = empty_windows(limits_.windows);
  stats_.max_in_flight = in_flight_;
  admitted_by_day_.clear();
  seen_log_.clear();
  admitted_log_.clear();
}

} // namespace quarry::sim
