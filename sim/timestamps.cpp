#include "sim/timestamps.hpp"

#include <ctime>

#include <cstdio>

namespace quarry::sim {

namespace {

using namespace std::chrono;

struct civil {
  int year;
  unsigned month, day, hour, minute, second;
};

civil split(sys_seconds at) {
  const auto day = floor<days>(at);
  const year_month_day ymd{day};
  const hh_mm_ss hms{at - day};
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()), static_cast<unsigned>(hms.hours().count()),
          static_cast<unsigned>(hms.minutes().count()),
          static_cast<unsigned>(hms.seconds().count())};
}

// Reads exactly `width` decimal digits at `pos`.
bool digits(std::string_view text, std::size_t& pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += width;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

} // namespace

std::string format_rfc3339(std::int64_t unix_seconds) {
  const civil c = split(sys_seconds{seconds{unix_seconds}});
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02uZ", c.year, c.month,
                c.day, c.hour, c.minute, c.second);
  return buf;
}

std::string http_date(std::int64_t unix_seconds) {
  const std::time_t t = unix_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string format_rfc3339_ms(system_clock::time_point at) {
  const auto ms = floor<milliseconds>(at);
  const auto s = floor<seconds>(ms);
  const civil c = split(s);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%03dZ", c.year,
                c.month, c.day, c.hour, c.minute, c.second,
                static_cast<int>((ms - s).count()));
  return buf;
}

std::string format_day(system_clock::time_point at) {
  const civil c = split(floor<seconds>(at));
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
  return buf;
}

std::optional<std::int64_t> parse_rfc3339_us(std::string_view text) {
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!digits(text, pos, 4, y) || !expect(text, pos, '-') || !digits(text, pos, 2, mo) ||
      !expect(text, pos, '-') || !digits(text, pos, 2, d))
    return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t us = duration_cast<microseconds>(sys_days{ymd}.time_since_epoch()).count();
  if (pos == text.size()) return us;  // a bare date

  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' '))
    return std::nullopt;
  ++pos;
  if (!digits(text, pos, 2, h) || !expect(text, pos, ':') || !digits(text, pos, 2, mi) ||
      !expect(text, pos, ':') || !digits(text, pos, 2, s))
    return std::nullopt;
  if (h > 23 || mi > 59 || s > 60) return std::nullopt;
  us += ((h * 60 + mi) * 60 + s) * std::int64_t{1'000'000};

  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::int64_t fraction = 0, scale = 1'000'000;
    const std::size_t first = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (scale > 1) {
        scale /= 10;
        fraction += (text[pos] - '0') * scale;
      }
      ++pos;
    }
    if (pos == first) return std::nullopt;
    us += fraction;
  }

  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '+' ? 1 : -1;
    ++pos;
    int oh = 0, om = 0;
    if (!digits(text, pos, 2, oh) || !expect(text, pos, ':') || !digits(text, pos, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    us -= sign * (oh * 60 + om) * std::int64_t{60'000'000};
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  return us;
}

} // namespace quarry::sim
