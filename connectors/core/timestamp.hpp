#pragma once

// Times as APIs print them, for comparing replication keys, writing
// date-time columns and reading a server's clock. Pure functions,
// thread-safe.
//
// Rule (issue 13, "full precision, one format"): a timestamp keeps the
// precision its source wrote, fractions of a second included, through
// parsing, bookmarks, keys and output, and every date-time quarry writes is
// RFC 3339 with an offset ("Z"). Two events 0.74 s apart are two instants,
// never one second.

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quarry::connectors {

// An instant with the precision its source wrote it in: nanoseconds since
// the Unix epoch (years 1678..2261) and how many fraction digits the text
// had, so that formatting gives back what the API said (no invented ".000",
// no dropped ".042"). Ordered and compared by the instant alone.
struct instant {
  std::int64_t unix_ns = 0;
  int digits = 0;  // fraction digits as written, 0..9

  static instant from_ms(std::int64_t unix_ms) { return {unix_ms * 1'000'000, 3}; }
  // Milliseconds since the epoch, rounded towards the past.
  std::int64_t ms() const;
  // Seconds since the epoch, rounded towards the past.
  std::int64_t seconds() const;

  friend std::strong_ordering operator<=>(const instant& a, const instant& b) { return a.unix_ns <=> b.unix_ns; }
  friend bool operator==(const instant& a, const instant& b) { return a.unix_ns == b.unix_ns; }
};

// RFC 3339 / ISO 8601 date-time with a zone ("2024-05-01T10:00:00Z",
// "...00.1234567Z", "...+02:00", "...-0800", "...Z+0000" as Marketo writes
// it) or a bare date ("2024-05-01" = midnight UTC); nullopt for anything
// else, a date-time without a zone included.
std::optional<instant> parse_instant(std::string_view text);

// As parse_instant, but a date-time WITHOUT a zone ("2024-05-01T10:00:00",
// .NET's DateTime) is read as wall time in `time_zone` (an IANA name, e.g.
// "America/New_York"; "UTC" is the default reading). A text with a zone is
// read as it says. nullopt when the text is unreadable or the zone unknown.
// A wall time that does not exist (spring forward) is moved forward by the
// gap; an ambiguous one (fall back) is read as its earlier instant.
std::optional<instant> parse_local_instant(std::string_view text, std::string_view time_zone);

// True when `time_zone` names a zone of the tz database (or is "UTC").
bool known_time_zone(std::string_view time_zone);

// "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.042Z": RFC 3339 in UTC with
// exactly t.digits fraction digits.
std::string format_rfc3339(const instant& t);
// The same with `digits` fraction digits (0..9).
std::string format_rfc3339(const instant& t, int digits);
// A clock's time to the second: "2024-05-01T10:00:00Z" (start dates, resets,
// schedules).
std::string format_utc_seconds(std::chrono::system_clock::time_point t);
// A clock's time to the millisecond: "2024-05-01T10:00:00.123Z" (log lines,
// when a bookmark was stored).
std::string format_utc_ms(std::chrono::system_clock::time_point t);

// parse_instant, truncated to milliseconds (towards the past).
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);

// "2024-05-01T10:00:00.123Z".
std::string format_rfc3339_ms(std::int64_t unix_ms);

// An HTTP Date header (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT")
// to seconds since the epoch; nullopt for any other form.
std::optional<std::int64_t> parse_http_date(std::string_view text);

} // namespace quarry::connectors
