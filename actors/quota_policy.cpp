#include "actors/quota_policy.hpp"

namespace quarry::quota {

policy policy_of(const connectors::quota_defaults& d, const config::quota_config& q) {
  policy p;
  if (q.daily_calls)
    p.daily_calls = *q.daily_calls;
  else if (d.daily_calls > 0)
    p.daily_calls = d.daily_calls;
  p.time_zone = q.time_zone.value_or(d.time_zone);
  p.reset_offset = std::chrono::minutes(q.daily_reset_minute.value_or(d.reset_minutes));
  // Windows are the server's own: a call holds its place from its grant until
  // a window's length (plus the ledger's window_skew) after its answer, which
  // covers the server counting it on arrival or on completion.
  if (!q.windows.empty()) {
    for (const auto& w : q.windows)
      p.windows.push_back({static_cast<int>(w.calls), std::chrono::seconds(w.seconds)});
  } else {
    for (const auto& [calls, seconds] : d.windows)
      p.windows.push_back({calls, std::chrono::seconds(seconds)});
  }
  for (const auto& [scope, window] : d.scoped_windows)
    p.windows.push_back({window.first, std::chrono::seconds(window.second), scope});
  if (q.concurrency)
    p.concurrency = *q.concurrency;
  else if (d.concurrency > 0)
    p.concurrency = d.concurrency;
  if (q.daily_bytes)
    p.daily_bytes = *q.daily_bytes;
  else if (d.daily_bytes > 0)
    p.daily_bytes = d.daily_bytes;
  return p;
}

} // namespace quarry::quota
