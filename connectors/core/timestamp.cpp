#include "connectors/core/timestamp.hpp"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace quarry::connectors {
namespace {

bool digits(std::string_view text, std::size_t at, std::size_t n, int& out) {
  if (at + n > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

std::optional<std::int64_t> days_from_civil(int y, int m, int d) {
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

} // namespace

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text) {
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!digits(text, 0, 4, y) || text.size() < 10 || text[4] != '-' || !digits(text, 5, 2, mo) ||
      text[7] != '-' || !digits(text, 8, 2, d))
    return std::nullopt;
  const auto days = days_from_civil(y, mo, d);
  if (!days) return std::nullopt;
  if (text.size() == 10) return *days * 86'400'000;
  if ((text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(text, 11, 2, h) ||
      text.size() < 19 || text[13] != ':' || !digits(text, 14, 2, mi) || text[16] != ':' ||
      !digits(text, 17, 2, s) || h > 23 || mi > 59 || s > 60)
    return std::nullopt;
  std::int64_t ms = *days * 86'400'000 + (h * 3600 + mi * 60 + s) * std::int64_t{1000};
  std::size_t i = 19;
  if (i < text.size() && text[i] == '.') {
    int scale = 100, frac = 0;
    std::size_t n = 0;
    while (++i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (scale > 0) frac += (text[i] - '0') * scale;
      scale /= 10;
      ++n;
    }
    if (n == 0) return std::nullopt;
    ms += frac;
  }
  if (i == text.size()) return std::nullopt;  // no zone
  if ((text[i] == 'Z' || text[i] == 'z') && i + 1 == text.size()) return ms;
  if (text[i] != '+' && text[i] != '-') return std::nullopt;
  const int sign = text[i] == '+' ? 1 : -1;
  int oh = 0, om = 0;
  if (!digits(text, i + 1, 2, oh)) return std::nullopt;
  std::size_t j = i + 3;
  if (j < text.size() && text[j] == ':') ++j;
  if (!digits(text, j, 2, om) || j + 2 != text.size()) return std::nullopt;
  return ms - sign * (oh * 3600 + om * 60) * std::int64_t{1000};
}

std::string format_rfc3339_ms(std::int64_t unix_ms) {
  const auto days = std::chrono::floor<std::chrono::days>(std::chrono::sys_time<std::chrono::milliseconds>{
      std::chrono::milliseconds{unix_ms}});
  const std::chrono::year_month_day ymd{days};
  const auto rest = unix_ms - days.time_since_epoch().count() * 86'400'000;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(rest / 3'600'000), static_cast<long long>(rest / 60'000 % 60),
                static_cast<long long>(rest / 1000 % 60), static_cast<long long>(rest % 1000));
  return buf;
}

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
