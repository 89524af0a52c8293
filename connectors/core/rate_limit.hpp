#pragma once

// A server's own account of its rate window, from the de-facto headers
// x-ratelimit-remaining and x-ratelimit-reset (Kustomer, GitHub and many
// others). The quota ledger keeps its windows in step with it: no more than
// `remaining` calls before the reset (other apps share the server's budget).
// Pure functions, thread-safe.

#include "connectors/core/http_client.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace quarry::http {

struct rate_limit_report {
  std::int64_t remaining = 0;
  double reset_in_s = 0;  // seconds from now until the window resets, >= 0
};

// x-ratelimit-reset as seconds from `now`: a number above 10^9 is a Unix
// time in seconds (Kustomer, GitHub), a smaller one already a delay. nullopt
// when it is not a non-negative number.
std::optional<double> reset_in_seconds(std::string_view value, std::chrono::system_clock::time_point now);

// Both headers, readable; nullopt otherwise.
std::optional<rate_limit_report> read_rate_limit(const response& r, std::chrono::system_clock::time_point now);

} // namespace quarry::http
