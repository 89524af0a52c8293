#pragma once

// RFC 3339 timestamps as the simulators print and parse them. Always UTC:
// printing uses the "Z" suffix; parsing accepts "Z" or a numeric offset,
// optional fractional seconds, and a bare date ("2024-01-01" = midnight UTC).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quarry::sim {

// "2024-03-05T07:08:09Z"
std::string format_rfc3339(std::int64_t unix_seconds);

// An HTTP Date header: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::int64_t unix_seconds);

// "2024-03-05T07:08:09.123Z" (milliseconds, for logs of when things happened)
std::string format_rfc3339_ms(std::chrono::system_clock::time_point at);

// "2024-03-05": the UTC day of `at`.
std::string format_day(std::chrono::system_clock::time_point at);

// Microseconds since the Unix epoch, or nullopt when `text` is not RFC 3339.
std::optional<std::int64_t> parse_rfc3339_us(std::string_view text);

} // namespace quarry::sim
