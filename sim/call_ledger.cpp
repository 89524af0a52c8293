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

template <class Scoped>
std::vector<Scoped> scoped(const call_limits& limits) {
  std::vector<Scoped> out;
  for (const auto& w : limits.windows) out.push_back({w, ""});
  for (const auto& [path, w] : limits.path_windows) out.push_back({w, path});
  return out;
}

template <class Scoped>
std::vector<window_stats> empty_windows(const std::vector<Scoped>& windows) {
  std::vector<window_stats> out;
  for (const auto& w : windows) out.push_back({w.limit.calls, w.limit.seconds, 0, w.path_template});
  return out;
}

} // namespace

call_ledger::call_ledger(call_limits limits, const sim_clock& clock)
    : limits_(std::move(limits)), windows_(scoped<scoped_window>(limits_)), clock_(clock),
      seen_logs_(windows_.size()), admitted_logs_(windows_.size()),
      seen_open_(windows_.size(), 0), admitted_open_(windows_.size(), 0) {
  for (const auto& [w, path] : windows_)
    if (w.calls < 1 || !(w.seconds > 0))
      throw std::invalid_argument("a window limit needs calls >= 1 and seconds > 0");
  if (limits_.daily && *limits_.daily < 0)
    throw std::invalid_argument("the daily limit cannot be negative");
  if (limits_.concurrency && *limits_.concurrency < 1)
    throw std::invalid_argument("the concurrency limit must be at least 1");
  stats_.windows = empty_windows(windows_);
}

// The room after the calls admitted up to `now` (and, under the completion
// reading, those in progress); a call exactly W seconds ago has left the window.
window_room call_ledger::room_of(std::size_t i, steady_time now) const {
  const auto& w = windows_[i].limit;
  const auto& log = admitted_logs_[i];
  const auto from = now - as_duration(w.seconds);
  const auto first = std::upper_bound(log.begin(), log.end(), from);
  const std::int64_t used = (log.end() - first) + admitted_open_[i];
  window_room out{w.calls, std::max<std::int64_t>(0, w.calls - used), 0};
  if (first != log.end())
    out.reset_s = std::chrono::duration<double>(*first + as_duration(w.seconds) - now).count();
  else if (admitted_open_[i] > 0)
    out.reset_s = w.seconds;  // a call in progress leaves a window length after it ends
  return out;
}

void call_ledger::prune(std::size_t i, steady_time now) {
  const auto horizon = now - as_duration(windows_[i].limit.seconds);
  for (auto* log : {&seen_logs_[i], &admitted_logs_[i]})
    while (!log->empty() && log->front() <= horizon) log->pop_front();
}

call_ledger::admission call_ledger::begin(const call_start& call) {
  const auto sim_now = clock_.now();
  const auto day_clock = sim_now + std::chrono::seconds{limits_.day_offset_s};
  const std::int64_t sim_day =
      std::chrono::floor<std::chrono::days>(day_clock.time_since_epoch()).count();

  std::lock_guard lock(mu_);
  steady_time now = call.at ? *call.at : std::chrono::steady_clock::now();
  // Keep the logs sorted even if a caller-supplied time runs backwards.
  now = std::max(now, last_seen_);
  last_seen_ = now;

  // Observe: every call counts.
  ++stats_.calls_total;
  ++stats_.calls_by_day[format_day(day_clock)];
  ++stats_.calls_by_path[std::string(call.path_template)];
  if (!call.operation.empty()) ++stats_.calls_by_operation[std::string(call.operation)];
  ++in_flight_;
  stats_.max_in_flight = std::max(stats_.max_in_flight, in_flight_);
  admission out;
  out.counted_at_completion = call.counted_at_completion;
  for (std::size_t i = 0; i < windows_.size(); ++i) {
    if (!windows_[i].applies_to(call.path_template)) continue;
    out.windows.push_back(i);
    prune(i, now);
    if (call.counted_at_completion)
      ++seen_open_[i];
    else
      seen_logs_[i].push_back(now);
    stats_.windows[i].max_seen = std::max(
        stats_.windows[i].max_seen, static_cast<std::int64_t>(seen_logs_[i].size()) + seen_open_[i]);
  }

  // Decide, against admitted calls only.
  if (limits_.daily && admitted_by_day_[sim_day] >= *limits_.daily) {
    out.rejected = limit_kind::daily;
  }
  for (const auto i : out.windows) {
    if (out.rejected) break;
    const auto room = room_of(i, now);
    if (room.remaining == 0) {
      out.rejected = limit_kind::window;
      out.retry_after_s = room.reset_s;  // when the oldest admitted call leaves
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
    for (const auto i : out.windows) {
      if (call.counted_at_completion)
        ++admitted_open_[i];
      else
        admitted_logs_[i].push_back(now);
    }
    ++in_flight_admitted_;
  }
  for (const auto i : out.windows) out.rooms.push_back(room_of(i, now));
  return out;
}

void call_ledger::end(const admission& admission, std::int64_t bytes_served,
                      std::optional<steady_time> at) {
  std::lock_guard lock(mu_);
  --in_flight_;
  if (admission.admitted()) --in_flight_admitted_;
  stats_.bytes_served += bytes_served;
  if (!admission.counted_at_completion) return;
  // The call enters its windows now, and stays a window's length.
  steady_time now = at ? *at : std::chrono::steady_clock::now();
  now = std::max(now, last_seen_);
  last_seen_ = now;
  for (const auto i : admission.windows) {
    prune(i, now);
    --seen_open_[i];
    seen_logs_[i].push_back(now);
    if (admission.admitted()) {
      --admitted_open_[i];
      admitted_logs_[i].push_back(now);
    }
  }
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
  stats_.windows = empty_windows(windows_);
  stats_.max_in_flight = in_flight_;
  admitted_by_day_.clear();
  for (auto& log : seen_logs_) log.clear();
  for (auto& log : admitted_logs_) log.clear();
}

} // namespace quarry::sim
