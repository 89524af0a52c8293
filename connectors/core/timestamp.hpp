#pragma once

// Times as REST APIs print them, for comparing replication keys and reading
// a server's clock. Pure functions, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quarry::connectors {

// RFC 3339 / ISO 8601 date-time ("2024-05-01T10:00:00Z", "...00.123Z",
// "...+02:00", "...-0800") or a bare date ("2024-05-01" = midnight UTC) to
// milliseconds since the epoch (fractions past milliseconds are dropped);
// nullopt when `text` is none of these.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);

// "2024-05-01T10:00:00.123Z".
std::string format_rfc3339_ms(std::int64_t unix_ms);

// An HTTP Date header (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT")
// to seconds since the epoch; nullopt for any other form.
std::optional<std::int64_t> parse_http_date(std::string_view text);

} // namespace quarry::connectors
