#include "connectors/core/timestamp.hpp"

#include <date/tz.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace quarry::connectors {
namespace {

constexpr std::int64_t ns_per_s = 1'000'000'000;

bool digits(std::string_view text, std::size_t at, std::size_t n, int& out) {
  if (at + n > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::optional<std::int64_t> days_from_civil(int y, int m, int d) {
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

// A date-time's parts: the wall time in ns since the epoch as if it were
// UTC, its fraction digits, and its zone offset when it has one.
struct wall_time {
  std::int64_t ns = 0;
  int digits = 0;
  bool zoned = false;
  std::int64_t offset_s = 0;
};

std::optional<wall_time> parse_wall(std::string_view text) {
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (text.size() < 10 || !digits(text, 0, 4, y) || text[4] != '-' || !digits(text, 5, 2, mo) || text[7] != '-' ||
      !digits(text, 8, 2, d))
    return std::nullopt;
  // Nanoseconds since the epoch fit an int64 from 1678 to 2261 only (a
  // "never" date such as 9999-12-31 is not an instant here).
  if (y < 1678 || y > 2261) return std::nullopt;
  const auto days = days_from_civil(y, mo, d);
  if (!days) return std::nullopt;
  wall_time w;
  w.ns = *days * 86'400 * ns_per_s;
  if (text.size() == 10) {  // a bare date: midnight UTC
    w.zoned = true;
    return w;
  }
  if ((text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(text, 11, 2, h) || text.size() < 19 ||
      text[13] != ':' || !digits(text, 14, 2, mi) || text[16] != ':' || !digits(text, 17, 2, s) || h > 23 ||
      mi > 59 || s > 60)
    return std::nullopt;
  w.ns += (h * 3600 + mi * 60 + s) * ns_per_s;
  std::size_t i = 19;
  if (i < text.size() && text[i] == '.') {
    std::int64_t scale = ns_per_s / 10, frac = 0;
    int n = 0;
    while (++i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      frac += (text[i] - '0') * scale;  // digits past nanoseconds add 0
      scale /= 10;
      ++n;
    }
    if (n == 0) return std::nullopt;
    w.ns += frac;
    w.digits = n > 9 ? 9 : n;
  }
  if (i == text.size()) return w;  // no zone
  w.zoned = true;
  if (text[i] == 'Z' || text[i] == 'z') {
    ++i;
    if (i == text.size()) return w;
    // Marketo writes "2026-10-03T12:57:33Z+0000": a Z and then the same
    // zone as an offset. Only a zero offset may follow a Z.
    if (text.substr(i) == "+0000" || text.substr(i) == "+00:00" || text.substr(i) == "-0000" ||
        text.substr(i) == "-00:00")
      return w;
    return std::nullopt;
  }
  if (text[i] != '+' && text[i] != '-') return std::nullopt;
  const int sign = text[i] == '+' ? 1 : -1;
  int oh = 0, om = 0;
  if (!digits(text, i + 1, 2, oh) || oh > 23) return std::nullopt;
  std::size_t j = i + 3;
  if (j == text.size()) {  // "+02"
    w.offset_s = sign * oh * 3600;
    return w;
  }
  if (text[j] == ':') ++j;
  if (!digits(text, j, 2, om) || om > 59 || j + 2 != text.size()) return std::nullopt;
  w.offset_s = sign * (oh * 3600 + om * 60);
  return w;
}

} // namespace

std::int64_t instant::ms() const { return floor_div(unix_ns, 1'000'000); }
std::int64_t instant::seconds() const { return floor_div(unix_ns, ns_per_s); }

std::optional<instant> parse_instant(std::string_view text) {
  const auto w = parse_wall(text);
  if (!w || !w->zoned) return std::nullopt;
  return instant{w->ns - w->offset_s * ns_per_s, w->digits};
}

std::optional<instant> parse_local_instant(std::string_view text, std::string_view time_zone) {
  const auto w = parse_wall(text);
  if (!w) return std::nullopt;
  if (w->zoned) return instant{w->ns - w->offset_s * ns_per_s, w->digits};
  if (time_zone.empty() || time_zone == "UTC" || time_zone == "Etc/UTC") return instant{w->ns, w->digits};
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(time_zone);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const auto whole_s = floor_div(w->ns, ns_per_s);
  const auto frac_ns = w->ns - whole_s * ns_per_s;
  const date::local_seconds local{std::chrono::seconds{whole_s}};
  const auto info = zone->get_info(local);
  // Unique: its offset. Ambiguous (fall back): `first` is the earlier
  // instant. Nonexistent (spring forward): `first` is the offset before the
  // gap, which moves the wall time forward by the gap.
  const std::int64_t utc_s = whole_s - info.first.offset.count();
  return instant{utc_s * ns_per_s + frac_ns, w->digits};
}

bool known_time_zone(std::string_view time_zone) {
  if (time_zone == "UTC") return true;
  try {
    return date::locate_zone(time_zone) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

std::string format_utc_seconds(std::chrono::system_clock::time_point t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
  return format_rfc3339(instant{seconds * ns_per_s, 0}, 0);
}

std::string format_utc_ms(std::chrono::system_clock::time_point t) {
  return format_rfc3339_ms(std::chrono::floor<std::chrono::milliseconds>(t).time_since_epoch().count());
}

std::string format_rfc3339(const instant& t, int digits) {
  if (digits < 0) digits = 0;
  if (digits > 9) digits = 9;
  const auto s = floor_div(t.unix_ns, ns_per_s);
  const auto frac = t.unix_ns - s * ns_per_s;
  const auto days = floor_div(s, 86'400);
  const auto rest = s - days * 86'400;
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                        static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                        static_cast<long long>(rest % 60));
  if (digits > 0) {
    char f[16];
    std::snprintf(f, sizeof f, "%09lld", static_cast<long long>(frac));
    buf[n++] = '.';
    std::memcpy(buf + n, f, static_cast<std::size_t>(digits));
    n += digits;
  }
  buf[n++] = 'Z';
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string format_rfc3339(const instant& t) { return format_rfc3339(t, t.digits); }

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text) {
  const auto t = parse_instant(text);
  if (!t) return std::nullopt;
  return t->ms();
}

std::string format_rfc3339_ms(std::int64_t unix_ms) { return format_rfc3339(instant::from_ms(unix_ms)); }

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  static constexpr const char* months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  if (text.size() != 29 || text[3] != ',' || text.substr(26) != "GMT") return std::nullopt;
  int d, y, h, mi, s;
  if (!digits(text, 5, 2, d) || !digits(text, 12, 4, y) || !digits(text, 17, 2, h) ||
      !digits(text, 20, 2, mi) || !digits(text, 23, 2, s))
    return std::nullopt;
  const auto* m = std::strstr(months, std::string(text.substr(8, 3)).c_str());
  if (m == nullptr || (m - months) % 3 != 0) return std::nullopt;
  const auto days = days_from_civil(y, static_cast<int>((m - months) / 3) + 1, d);
  if (!days) return std::nullopt;
  return *days * 86'400 + h * 3600 + mi * 60 + s;
}

} // namespace quarry::connectors
