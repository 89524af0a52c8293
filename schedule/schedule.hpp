#pragma once

// When a job runs by itself: an interval with an anchor, or a cron
// expression, evaluated in an IANA time zone. Plain, deterministic C++: no
// clock is read here; next_after() answers from the instant it is given.
//
// Interval ("every 6h from 02:30 Europe/Berlin"): the fire times are
// anchor + k * interval for k >= 0 (a dated anchor is also the first run).
//   - An interval of whole days (a multiple of 24h, "1d" or "24h") counts
//     local calendar days: 02:30 every day stays 02:30 across DST changes.
//   - Any other interval counts absolute time from the anchor's instant, so
//     "every 6h from 02:30" fires at 03:30 local in summer.
//   - An anchor without a date ("02:30") is that time on 2000-01-01 and is
//     allowed only with intervals that divide 24h (15m, 6h, 1d); longer or
//     odd intervals need a date ("2026-01-01T02:30").
// Cron: the five classic fields (minute hour day-of-month month
// day-of-week) with *, lists, ranges, steps, JAN-DEC, SUN-SAT and 7 =
// Sunday. When both day fields are restricted (neither starts with "*") a
// day matching either fires; otherwise a day must match both.
// For both kinds, a local time that does not exist (spring forward) fires at
// the first instant after the gap, and a local time that happens twice (fall
// back) fires once, at its first occurrence.
//
// Every parse function answers an error whose message says what was
// expected and never names the field it came from: the caller knows it
// (config reports it by JSON pointer).
//
// Values are immutable and safe to share between threads. Time zones come
// from the operating system's tz database (date/tz with USE_OS_TZDB) and
// live as long as the process.

#include "proto/error.hpp"

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace date {
class time_zone;
}

namespace quarry::scheduling {

using instant = std::chrono::system_clock::time_point;

// A zone of the tz database, e.g. "Europe/Berlin" or "UTC".
class zone {
 public:
  // Fails when the database has no zone (or link) by that name.
  static result<zone> locate(std::string_view name);

  const std::string& name() const noexcept { return name_; }
  const date::time_zone& tz() const noexcept { return *tz_; }

 private:
  zone(const date::time_zone* tz, std::string name) : tz_(tz), name_(std::move(name)) {}

  const date::time_zone* tz_;
  std::string name_;
};

// The names of every zone in the tz database, sorted; for "did you
// mean" suggestions.
std::vector<std::string_view> zone_names();

// "90s", "15m", "6h", "1d": a whole number >= 1 and one unit; at most 366d.
result<std::chrono::seconds> parse_interval(std::string_view text);

// The longest interval parse_interval accepts.
inline constexpr std::chrono::seconds max_interval = std::chrono::days{366};

// A wall-clock time in a schedule's zone, with or without a date.
struct local_anchor {
  std::optional<std::chrono::year_month_day> date;  // nullopt: the time alone
  std::chrono::seconds time_of_day{0};              // 00:00:00 .. 23:59:59
};

// "HH:MM", "HH:MM:SS", "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS"; a
// local time, so no "Z" and no offset.
result<local_anchor> parse_anchor(std::string_view text);

// A parsed five-field cron expression.
class cron_expression {
 public:
  // Errors name the field by number and name and the offending part:
  // "field 2 (hour) value 24 is out of range 0-23".
  static result<cron_expression> parse(std::string_view text);

  // The expression with its fields separated by one space.
  const std::string& text() const noexcept { return text_; }

  bool has_minute(int minute) const { return minutes_.test(static_cast<std::size_t>(minute)); }
  bool has_hour(int hour) const { return hours_.test(static_cast<std::size_t>(hour)); }
  // Month, day of month and day of week together, with the classic rule
  // for two restricted day fields.
  bool matches_date(std::chrono::year_month_day day) const;

 private:
  cron_expression() = default;

  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;      // 1..31
  std::bitset<13> months_;    // 1..12
  std::bitset<7> weekdays_;   // 0 = Sunday .. 6
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
  std::string text_;
};

class schedule {
 public:
  // Fails when the interval is not in 1s..max_interval, or the anchor has no
  // date and the interval does not divide 24h.
  static result<schedule> every(std::chrono::seconds interval, local_anchor anchor, zone where);
  static schedule cron(cron_expression expression, zone where);

  // The first fire time strictly after `t` (whole seconds).
  instant next_after(instant t) const;

  // "every 1h from 02:30 Europe/Berlin", "cron 0 2 * * * America/New_York".
  std::string describe() const;

  const zone& time_zone() const noexcept { return zone_; }

 private:
  struct interval_rule {
    std::chrono::seconds every;
    local_anchor anchor;
    instant first;  // the anchor as an instant
  };

  schedule(std::variant<interval_rule, cron_expression> rule, zone where)
      : rule_(std::move(rule)), zone_(std::move(where)) {}

  instant next_interval(const interval_rule& rule, instant t) const;
  instant next_cron(const cron_expression& cron, instant t) const;

  std::variant<interval_rule, cron_expression> rule_;
  zone zone_;
};

} // namespace quarry::scheduling
