// Listrak's zone-less .NET dates: read in the account's time zone with their
// fraction, and request dates written as wall time in it, across DST.

#include "connectors/listrak/listrak_dates.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace quarry::connectors::listrak {
namespace {

std::optional<std::string> read(const std::string& text, const std::string& zone) {
  const auto t = read_date(text, zone);
  if (!t) return std::nullopt;
  return format_rfc3339(*t);
}

TEST(listrak_dates, server_dates_are_read_in_the_account_time_zone_with_their_fraction) {
  struct row {
    const char* text;
    const char* zone;
    std::optional<std::string> rfc3339;
  };
  const row rows[] = {
      {"2026-11-14T15:05:37.042", "UTC", "2026-11-14T15:05:37.042Z"},
      {"2026-11-14T15:05:37", "UTC", "2026-11-14T15:05:37Z"},
      {"2026-11-14T15:05:37.19", "Etc/GMT+5", "2026-11-14T20:05:37.19Z"},
      {"2026-11-14T15:05:37.93", "America/New_York", "2026-11-14T20:05:37.93Z"},  // EST
      {"2026-07-14T15:05:37", "America/New_York", "2026-07-14T19:05:37Z"},        // EDT
      {"2026-11-14T15:05:37.1234567", "UTC", "2026-11-14T15:05:37.1234567Z"},     // .NET's 7 digits
      {"2026-11-14T15:05:37Z", "America/New_York", "2026-11-14T15:05:37Z"},       // a zone is read as it says
      {"2026-11-14T15:05:37-05:00", "UTC", "2026-11-14T20:05:37Z"},
      {"3/5/2024 7:08:09 AM", "America/New_York", "2024-03-05T12:08:09Z"},        // DateTime.ToString()
      {"3/5/2024 12:08:09 AM", "UTC", "2024-03-05T00:08:09Z"},
      {"12/31/2024 12:08:09 PM", "UTC", "2024-12-31T12:08:09Z"},
      {"12/31/2024 11:59:59 PM", "Etc/GMT+5", "2025-01-01T04:59:59Z"},
      {"0001-01-01T00:00:00", "UTC", std::nullopt},  // DateTime.MinValue: unset
      {"", "UTC", std::nullopt},
      {"yesterday", "UTC", std::nullopt},
      {"13/5/2024 7:08:09 AM", "UTC", std::nullopt},
      {"3/5/2024 13:08:09 PM", "UTC", std::nullopt},
      {"2026-11-14T15:05:37", "Mars/Olympus_Mons", std::nullopt},
  };
  for (const auto& r : rows) EXPECT_EQ(read(r.text, r.zone), r.rfc3339) << r.text << " in " << r.zone;
  EXPECT_TRUE(unset_date("0001-01-01T00:00:00"));
  EXPECT_FALSE(unset_date("2026-11-14T15:05:37"));
}

TEST(listrak_dates, request_dates_are_wall_time_in_the_zone_in_whole_seconds) {
  struct row {
    const char* instant;
    const char* zone;
    const char* wall;
  };
  const row rows[] = {
      {"2026-11-14T20:05:37.93Z", "UTC", "2026-11-14T20:05:37"},
      {"2026-11-14T20:05:37.93Z", "Etc/GMT+5", "2026-11-14T15:05:37"},
      {"2026-11-14T20:05:37Z", "America/New_York", "2026-11-14T15:05:37"},
      {"2026-07-14T19:05:37Z", "America/New_York", "2026-07-14T15:05:37"},
      // Spring forward (2026-03-08 02:00 EST -> 03:00 EDT): both sides exact.
      {"2026-03-08T06:59:59Z", "America/New_York", "2026-03-08T01:59:59"},
      {"2026-03-08T07:00:00Z", "America/New_York", "2026-03-08T03:00:00"},
      // Fall back (2026-11-01 02:00 EDT -> 01:00 EST): the first pass of
      // 01:xx is exact; the second has no wall time of its own and gets the
      // first pass's, an hour earlier (a range bound only moves back).
      {"2026-11-01T05:30:00Z", "America/New_York", "2026-11-01T01:30:00"},
      {"2026-11-01T06:30:00Z", "America/New_York", "2026-11-01T01:30:00"},
      {"2026-11-01T07:00:00Z", "America/New_York", "2026-11-01T02:00:00"},
  };
  for (const auto& r : rows) {
    const auto t = parse_instant(r.instant);
    ASSERT_TRUE(t) << r.instant;
    EXPECT_EQ(wall_time(*t, r.zone), r.wall) << r.instant << " in " << r.zone;
  }
  // Every five minutes of a year in New York reads back at or before itself, and
  // never more than the fall-back hour earlier.
  const auto from = parse_instant("2026-01-01T00:00:00Z")->seconds();
  for (std::int64_t s = from; s < from + 366 * 86'400; s += 300) {
    const instant t{s * 1'000'000'000, 0};
    const auto back = parse_local_instant(wall_time(t, "America/New_York"), "America/New_York");
    ASSERT_TRUE(back) << format_rfc3339(t);
    ASSERT_LE(back->seconds(), s) << format_rfc3339(t);
    ASSERT_GE(back->seconds(), s - 3600) << format_rfc3339(t);
  }
}

} // namespace
} // namespace quarry::connectors::listrak
