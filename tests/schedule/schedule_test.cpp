// Specification of schedules: cron and interval text formats (good and bad
// input with the messages users read), and next_after() across month ends,
// leap days and DST changes in Europe/Berlin and America/New_York.
//
// Expected instants are written in UTC with the local time they stand for.
// Berlin 2026: 02:00 CET -> 03:00 CEST on 29 March (01:00Z), 03:00 CEST ->
// 02:00 CET on 25 October (01:00Z). New York 2026: 02:00 EST -> 03:00 EDT on
// 8 March (07:00Z), 02:00 EDT -> 01:00 EST on 1 November (06:00Z).

#include "schedule/schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::scheduling {
namespace {

using namespace std::chrono_literals;

instant utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return std::chrono::sys_days{std::chrono::year{y} / mo / d} + std::chrono::hours{h} +
         std::chrono::minutes{mi} + std::chrono::seconds{s};
}

zone zone_of(std::string_view name) {
  auto z = zone::locate(name);
  EXPECT_TRUE(z.ok()) << name;
  return std::move(z).value();
}

schedule cron(std::string_view text, std::string_view tz = "UTC") {
  auto c = cron_expression::parse(text);
  EXPECT_TRUE(c.ok()) << text << ": " << (c.ok() ? "" : c.error().message);
  return schedule::cron(std::move(c).value(), zone_of(tz));
}

schedule every(std::string_view interval, std::string_view anchor, std::string_view tz = "UTC") {
  auto i = parse_interval(interval);
  auto a = parse_anchor(anchor);
  EXPECT_TRUE(i.ok() && a.ok()) << interval << " " << anchor;
  auto s = schedule::every(*i, *a, zone_of(tz));
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return std::move(s).value();
}

// "2026-03-29T01:00:00Z": instants are compared as text, so that a failure
// prints readable times.
std::string iso(instant t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  std::string out = text;
  if (hms.subseconds().count() != 0) out += "+" + std::to_string(hms.subseconds().count()) + "ns";
  return out + "Z";
}

std::string iso(const std::vector<instant>& ts) {
  std::string out;
  for (const auto t : ts) out += (out.empty() ? "" : ", ") + iso(t);
  return out;
}

#define EXPECT_AT(actual, expected) EXPECT_EQ(iso(actual), iso(expected))

// The next `n` fire times after `t`.
std::vector<instant> fires(const schedule& s, instant t, std::size_t n) {
  std::vector<instant> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(t = s.next_after(t));
  return out;
}

// ---- cron text -------------------------------------------------------------

struct good_cron {
  std::string_view text;
  std::string_view normalized;
};

TEST(cron_parse, accepts_the_classic_syntax) {
  const good_cron cases[] = {
      {"* * * * *", "* * * * *"},
      {"  0   2 *  *\t*  ", "0 2 * * *"},
      {"*/15 9-17 * * MON-FRI", "*/15 9-17 * * MON-FRI"},
      {"0,30 8-18/2 1,15 jan-mar,DEC sun", "0,30 8-18/2 1,15 jan-mar,DEC sun"},
      {"0 0 29 2 *", "0 0 29 2 *"},
      {"59 23 31 12 7", "59 23 31 12 7"},
      {"0 0 * * 5-7", "0 0 * * 5-7"},
  };
  for (const auto& c : cases) {
    const auto parsed = cron_expression::parse(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error().message;
    EXPECT_EQ(parsed->text(), c.normalized);
  }
}

struct bad_cron {
  std::string_view text;
  std::string_view message;
};

TEST(cron_parse, rejects_with_the_field_and_what_was_expected) {
  const bad_cron cases[] = {
      {"", "expected 5 fields (minute hour day-of-month month day-of-week), got 0"},
      {"* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"},
      {"0 0 * * * 2026", "expected 5 fields (minute hour day-of-month month day-of-week), got 6"},
      {"0 24 * * *", "field 2 (hour) value 24 is out of range 0-23"},
      {"60 * * * *", "field 1 (minute) value 60 is out of range 0-59"},
      {"0 0 0 * *", "field 3 (day-of-month) value 0 is out of range 1-31"},
      {"0 0 * 13 *", "field 4 (month) value 13 is out of range 1-12"},
      {"0 0 * * 8", "field 5 (day-of-week) value 8 is out of range 0-7"},
      {"0 0 * JANU *", R"(field 4 (month) value "JANU" is neither a number nor a name (JAN-DEC))"},
      {"0 0 * * Mo", R"(field 5 (day-of-week) value "Mo" is neither a number nor a name (SUN-SAT))"},
      {"x * * * *", R"(field 1 (minute) value "x" is not a number)"},
      {"0 MON * * *", R"(field 2 (hour) value "MON" is not a number)"},
      {"*/0 * * * *", "field 1 (minute) step 0 must be at least 1"},
      {"*/x * * * *", R"(field 1 (minute) step "x" is not a number)"},
      {"5/10 * * * *", R"(field 1 (minute) step "5/10" needs a range or *; write a-b/n or */n)"},
      {"/5 * * * *", "field 1 (minute) has a step without a range; write */n or a-b/n"},
      {"0 5-2 * * *", R"(field 2 (hour) range "5-2" is reversed; write the smaller value first)"},
      {"0,,5 * * * *", "field 1 (minute) has an empty list item"},
      {"0 0 1, * *", "field 3 (day-of-month) has an empty list item"},
      {"0 0 30 2 *", "field 3 (day-of-month) and field 4 (month) never meet: none of those days "
                     "occurs in those months, so the expression would never fire"},
      {"0 0 31 4,6,9,11 *", "field 3 (day-of-month) and field 4 (month) never meet"},
  };
  for (const auto& c : cases) {
    const auto parsed = cron_expression::parse(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.error().message.substr(0, c.message.size()), c.message) << c.text;
  }
}

// ---- cron fire times -------------------------------------------------------

TEST(cron_next, steps_ranges_and_weekday_names) {
  // Friday 17:50 -> Monday 09:00.
  EXPECT_AT(fires(cron("*/15 9-17 * * MON-FRI"), utc(2026, 1, 2, 17, 50), 3),
            (std::vector{utc(2026, 1, 5, 9, 0), utc(2026, 1, 5, 9, 15), utc(2026, 1, 5, 9, 30)}));
  EXPECT_AT(fires(cron("10-50/20 8-18/5 * * *"), utc(2026, 1, 1), 4),
            (std::vector{utc(2026, 1, 1, 8, 10), utc(2026, 1, 1, 8, 30), utc(2026, 1, 1, 8, 50),
                         utc(2026, 1, 1, 13, 10)}));
}

TEST(cron_next, is_strictly_after_t) {
  const auto s = cron("0 2 * * *");
  EXPECT_AT(s.next_after(utc(2026, 1, 1, 2, 0)), utc(2026, 1, 2, 2, 0));
  EXPECT_AT(s.next_after(utc(2026, 1, 1, 1, 59, 59)), utc(2026, 1, 1, 2, 0));
  EXPECT_AT(s.next_after(utc(2026, 1, 1, 2, 0) - 1ns), utc(2026, 1, 1, 2, 0));
}

TEST(cron_next, seven_and_zero_and_sun_are_sunday) {
  const auto from = utc(2026, 1, 1);  // a Thursday
  const auto sunday = utc(2026, 1, 4);
  EXPECT_AT(cron("0 0 * * 7").next_after(from), sunday);
  EXPECT_AT(cron("0 0 * * 0").next_after(from), sunday);
  EXPECT_AT(cron("0 0 * * SUN").next_after(from), sunday);
  // 5-7: Friday, Saturday, Sunday.
  EXPECT_AT(fires(cron("0 0 * * 5-7"), from, 4),
            (std::vector{utc(2026, 1, 2), utc(2026, 1, 3), utc(2026, 1, 4), utc(2026, 1, 9)}));
}

TEST(cron_next, restricted_day_fields_match_either) {
  // The 13th or any Friday.
  EXPECT_AT(fires(cron("0 0 13 * FRI"), utc(2026, 1, 1), 4),
            (std::vector{utc(2026, 1, 2), utc(2026, 1, 9), utc(2026, 1, 13), utc(2026, 1, 16)}));
}

TEST(cron_next, a_star_day_field_makes_both_required) {
  // Days 1, 11, 21, 31 that are Mondays: the first is 11 May 2026.
  EXPECT_AT(cron("0 0 */10 * MON").next_after(utc(2026, 1, 1)), utc(2026, 5, 11));
}

TEST(cron_next, month_ends_skip_short_months) {
  const auto s = cron("0 0 31 * *");
  EXPECT_AT(fires(s, utc(2026, 1, 31), 3),
            (std::vector{utc(2026, 3, 31), utc(2026, 5, 31), utc(2026, 7, 31)}));
  EXPECT_AT(cron("30 23 28-31 2 *").next_after(utc(2026, 2, 28, 23, 30)), utc(2027, 2, 28, 23, 30));
  // Across a year end.
  EXPECT_AT(cron("0 0 1 * *").next_after(utc(2026, 12, 15)), utc(2027, 1, 1));
}

TEST(cron_next, leap_days) {
  const auto s = cron("0 12 29 2 *");
  EXPECT_AT(s.next_after(utc(2026, 1, 1)), utc(2028, 2, 29, 12));
  EXPECT_AT(s.next_after(utc(2028, 2, 29, 12)), utc(2032, 2, 29, 12));
  // 2100 is not a leap year.
  EXPECT_AT(s.next_after(utc(2096, 3, 1)), utc(2104, 2, 29, 12));
}

TEST(cron_next, berlin_spring_gap_fires_at_the_first_instant_after_it) {
  const auto daily = cron("30 2 * * *", "Europe/Berlin");
  // 28 Mar 02:30 CET, 29 Mar 02:30 does not exist -> 03:00 CEST, 30 Mar 02:30 CEST.
  EXPECT_AT(fires(daily, utc(2026, 3, 28), 3),
            (std::vector{utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)}));
  // Every half hour: 01:30 CET, then 02:00 and 02:30 (both in the gap) fire
  // once at 03:00 CEST, then 03:30 CEST.
  EXPECT_AT(fires(cron("*/30 * * * *", "Europe/Berlin"), utc(2026, 3, 29, 0, 15), 3),
            (std::vector{utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30)}));
}

TEST(cron_next, berlin_fall_back_fires_a_repeated_time_once) {
  const auto daily = cron("30 2 * * *", "Europe/Berlin");
  // 25 Oct 02:30 happens at 00:30Z (CEST) and 01:30Z (CET): only the first.
  EXPECT_AT(fires(daily, utc(2026, 10, 24, 12), 2),
            (std::vector{utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)}));
  // Half-hourly: 02:00 and 02:30 CEST, then nothing in the repeated hour,
  // then 03:00 CET.
  EXPECT_AT(fires(cron("0,30 * * * *", "Europe/Berlin"), utc(2026, 10, 24, 23, 45), 3),
            (std::vector{utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 0)}));
}

TEST(cron_next, new_york_gap_and_overlap) {
  // 8 Mar 02:30 does not exist -> 03:00 EDT (07:00Z); 9 Mar 02:30 EDT.
  EXPECT_AT(fires(cron("30 2 * * *", "America/New_York"), utc(2026, 3, 7, 8), 2),
            (std::vector{utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 30)}));
  const auto s = cron("30 1 * * *", "America/New_York");
  // 1 Nov 01:30 EDT (05:30Z), not again at 01:30 EST (06:30Z).
  EXPECT_AT(fires(s, utc(2026, 11, 1, 4), 2),
            (std::vector{utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)}));
  // Asked during the repeated hour (01:10 EST), after the first 01:30.
  EXPECT_AT(s.next_after(utc(2026, 11, 1, 6, 10)), utc(2026, 11, 2, 6, 30));
}

// ---- interval text ---------------------------------------------------------

TEST(interval_parse, units) {
  EXPECT_EQ(*parse_interval("90s"), 90s);
  EXPECT_EQ(*parse_interval("15m"), 15min);
  EXPECT_EQ(*parse_interval("6h"), 6h);
  EXPECT_EQ(*parse_interval("1d"), 24h);
  EXPECT_EQ(*parse_interval("366d"), std::chrono::days{366});
}

TEST(interval_parse, rejects) {
  const std::string_view shape =
      "expected a whole number and a unit (s, m, h or d), like 90s, 15m, 6h or 1d";
  for (std::string_view text : {"", "15", "m", "1.5h", "1w", "-1h", "1 h", "h1"}) {
    const auto r = parse_interval(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().message, shape) << text;
  }
  EXPECT_EQ(parse_interval("0m").error().message, "must be at least 1s");
  EXPECT_EQ(parse_interval("367d").error().message, "must be at most 366d");
  EXPECT_EQ(parse_interval("9000h").error().message, "must be at most 366d");
}

TEST(anchor_parse, times_and_dates) {
  const auto t = parse_anchor("02:30");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->date.has_value());
  EXPECT_EQ(t->time_of_day, 2h + 30min);
  const auto d = parse_anchor("2026-01-01T02:30:15");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->date, std::chrono::year{2026} / 1 / 1);
  EXPECT_EQ(d->time_of_day, 2h + 30min + 15s);
  EXPECT_EQ(parse_anchor("23:59:59")->time_of_day, 23h + 59min + 59s);
}

TEST(anchor_parse, rejects) {
  const std::string_view shape = R"(expected a local time "HH:MM[:SS]" or "YYYY-MM-DDTHH:MM[:SS]")";
  for (std::string_view text : {"2:30", "02:30pm", "0230", "", "2026-01-01 02:30", "2026/01/01T02:30"})
    EXPECT_EQ(parse_anchor(text).error().message, shape) << text;
  EXPECT_EQ(parse_anchor("24:00").error().message, "the time must be between 00:00 and 23:59:59");
  EXPECT_EQ(parse_anchor("2026-02-30T02:30").error().message, "the date must be a real calendar date");
  EXPECT_EQ(parse_anchor("2026-01-01T02:30:00Z").error().message,
            std::string(shape) + "; the anchor is local to time_zone, so give no offset");
  EXPECT_EQ(parse_anchor("2026-01-01T02:30:00-05:00").error().message,
            std::string(shape) + "; the anchor is local to time_zone, so give no offset");
}

TEST(zone_locate, knows_the_database) {
  EXPECT_EQ(zone_of("Europe/Berlin").name(), "Europe/Berlin");
  const auto bad = zone::locate("Europe/Berln");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            R"(unknown time zone "Europe/Berln"; expected an IANA name like "Europe/Berlin" or "UTC")");
  const auto names = zone_names();
  EXPECT_TRUE(std::binary_search(names.begin(), names.end(), "America/New_York"));
  EXPECT_FALSE(std::binary_search(names.begin(), names.end(), "Europe/Berln"));
}

TEST(interval_schedule, undated_anchor_needs_an_interval_dividing_a_day) {
  for (std::string_view interval : {"7h", "2d", "36h", "90001s"}) {
    const auto s = schedule::every(*parse_interval(interval), *parse_anchor("02:30"), zone_of("UTC"));
    ASSERT_FALSE(s.ok()) << interval;
    EXPECT_EQ(s.error().message,
              "an anchor without a date needs an interval that divides 24h (like 15m, 6h or 1d); "
              "give a date, e.g. 2026-01-01T02:30");
  }
  EXPECT_TRUE(schedule::every(*parse_interval("2d"), *parse_anchor("2026-01-01T02:30"),
                              zone_of("UTC"))
                  .ok());
}

// ---- interval fire times ---------------------------------------------------

TEST(interval_next, sub_day_counts_from_the_anchor) {
  const auto s = every("15m", "00:05");
  EXPECT_AT(s.next_after(utc(2026, 1, 1, 10, 7, 12)), utc(2026, 1, 1, 10, 20));
  EXPECT_AT(s.next_after(utc(2026, 1, 1, 10, 20)), utc(2026, 1, 1, 10, 35));
  EXPECT_AT(s.next_after(utc(2026, 1, 1, 10, 19, 59) + 999ms), utc(2026, 1, 1, 10, 20));
  // A dated anchor is the first run; nothing fires before it.
  const auto dated = every("90m", "2026-01-01T00:00");
  EXPECT_AT(dated.next_after(utc(2025, 6, 1)), utc(2026, 1, 1));
  EXPECT_AT(fires(dated, utc(2026, 1, 1, 2), 2),
            (std::vector{utc(2026, 1, 1, 3), utc(2026, 1, 1, 4, 30)}));
}

TEST(interval_next, sub_day_is_absolute_time_across_dst) {
  // "every 6h from 02:30" Berlin: 02:30 CET = 01:30Z; in summer that is 03:30 CEST.
  const auto s = every("6h", "02:30", "Europe/Berlin");
  EXPECT_AT(s.next_after(utc(2026, 1, 10)), utc(2026, 1, 10, 1, 30));
  EXPECT_AT(s.next_after(utc(2026, 7, 1)), utc(2026, 7, 1, 1, 30));
  // Hourly through the spring gap: an hour apart in absolute time.
  const auto hourly = every("1h", "02:30", "Europe/Berlin");
  EXPECT_AT(fires(hourly, utc(2026, 3, 29, 0), 3),
            (std::vector{utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2, 30)}));
}

TEST(interval_next, whole_days_keep_the_local_time_in_berlin) {
  const auto s = every("1d", "02:30", "Europe/Berlin");
  // Spring: 02:30 CET, the gap (-> 03:00 CEST), 02:30 CEST.
  EXPECT_AT(fires(s, utc(2026, 3, 28), 3),
            (std::vector{utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)}));
  // Fall: the first 02:30 only, then 02:30 CET.
  EXPECT_AT(fires(s, utc(2026, 10, 24, 12), 2),
            (std::vector{utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)}));
  // 24h is a whole day too.
  EXPECT_AT(fires(every("24h", "02:30", "Europe/Berlin"), utc(2026, 3, 28), 3), fires(s, utc(2026, 3, 28), 3));
}

TEST(interval_next, whole_days_keep_the_local_time_in_new_york) {
  const auto s = every("1d", "02:30", "America/New_York");
  EXPECT_AT(fires(s, utc(2026, 3, 7, 8), 2),
            (std::vector{utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 30)}));
  const auto one_thirty = every("1d", "01:30", "America/New_York");
  EXPECT_AT(fires(one_thirty, utc(2026, 11, 1, 4), 2),
            (std::vector{utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)}));
  EXPECT_AT(one_thirty.next_after(utc(2026, 11, 1, 6, 10)), utc(2026, 11, 2, 6, 30));
}

TEST(interval_next, every_other_day_from_a_dated_anchor) {
  const auto s = every("2d", "2026-03-27T02:30", "Europe/Berlin");
  EXPECT_AT(s.next_after(utc(2026, 1, 1)), utc(2026, 3, 27, 1, 30));
  EXPECT_AT(fires(s, utc(2026, 3, 27, 1, 30), 2),
            (std::vector{utc(2026, 3, 29, 1, 0), utc(2026, 3, 31, 0, 30)}));
}

TEST(schedule_describe, says_what_and_where) {
  EXPECT_EQ(every("1h", "02:30", "Europe/Berlin").describe(), "every 1h from 02:30 Europe/Berlin");
  EXPECT_EQ(every("90m", "2026-01-01T00:00:30").describe(), "every 90m from 2026-01-01T00:00:30 UTC");
  EXPECT_EQ(every("24h", "00:00").describe(), "every 1d from 00:00 UTC");
  EXPECT_EQ(every("100s", "00:00").describe(), "every 100s from 00:00 UTC");
  EXPECT_EQ(cron(" 0  2 * * * ", "America/New_York").describe(), "cron 0 2 * * * America/New_York");
}

} // namespace
} // namespace quarry::scheduling
