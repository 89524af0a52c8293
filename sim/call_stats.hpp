#pragma once

// What a simulator enforces (limits) and what it saw (call_stats). Both are
// plain data; call_ledger fills call_stats, GET /_sim/stats prints it with
// to_json.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quarry::sim {

enum class limit_kind { daily, window, concurrency };

// "daily" | "window" | "concurrency"
std::string_view to_string(limit_kind kind) noexcept;

// At most `calls` calls in any sliding window of `seconds` seconds.
struct window_limit {
  std::int64_t calls = 0;
  double seconds = 0;
};

// Room left in one window that applies to a call, as the call leaves it
// (APIs that report their limits in headers: x-ratelimit-remaining).
struct window_room {
  std::int64_t limit = 0;
  std::int64_t remaining = 0;  // calls the window still admits now
  double reset_s = 0;          // seconds until its oldest admitted call leaves it
};

// Every limit is off unless set.
struct call_limits {
  std::optional<std::int64_t> daily;        // calls per day of the sim clock
  std::vector<window_limit> windows;
  std::optional<std::int64_t> concurrency;  // calls in flight at once
  // Days (the daily limit, calls_by_day) start at 00:00 UTC plus this many
  // seconds: Marketo's at 00:00 CST is -21600.
  std::int64_t day_offset_s = 0;
  // Windows that count only the calls to one path template, on top of
  // `windows` (Kustomer's search limit): (path template, limit).
  std::vector<std::pair<std::string, window_limit>> path_windows{};
};

struct violation {
  limit_kind kind = limit_kind::daily;
  std::string at;    // sim-clock time of the call, RFC 3339 with milliseconds
  std::string path;  // the request path as sent (no query string)
};

struct window_stats {
  std::int64_t calls = 0;   // the configured limit
  double seconds = 0;       // the configured window
  std::int64_t max_seen = 0;  // most calls the server saw in any such window
  std::string path_template;  // "" = every call
};

struct call_stats {
  std::int64_t calls_total = 0;
  std::map<std::string, std::int64_t> calls_by_day;   // "YYYY-MM-DD" (sim clock, day_offset_s)
  std::map<std::string, std::int64_t> calls_by_path;  // by path template
  // SOAP APIs post every operation to one path: by operation name.
  std::map<std::string, std::int64_t> calls_by_operation;
  std::int64_t max_in_flight = 0;
  std::vector<window_stats> windows;
  std::int64_t bytes_served = 0;
  std::vector<violation> violations;
  std::int64_t faults_injected = 0;
};

// The JSON document of GET /_sim/stats.
std::string to_json(const call_stats& stats);

} // namespace quarry::sim
