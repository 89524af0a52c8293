#include "connectors/listrak/listrak_dates.hpp"

#include <charconv>
#include <cstdint>

namespace quarry::connectors::listrak {
namespace {

// "YYYY-MM-DDTHH:MM:SS" of `seconds` since the epoch read as UTC.
std::string utc_wall(std::int64_t seconds) {
  auto text = format_utc_seconds(std::chrono::system_clock::time_point{std::chrono::seconds{seconds}});
  text.pop_back();  // the "Z"
  return text;
}

bool read_int(std::string_view text, int& out) {
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && p == text.data() + text.size() && !text.empty();
}

// "3/5/2024 7:08:09 AM" -> "2024-03-05T07:08:09"; nullopt for anything else.
std::optional<std::string> dotnet_text(std::string_view text) {
  const auto s1 = text.find('/'), s2 = text.find('/', s1 + 1), sp = text.find(' ');
  if (s1 == std::string_view::npos || s2 == std::string_view::npos || sp == std::string_view::npos || sp < s2)
    return std::nullopt;
  int month = 0, day = 0, year = 0;
  if (!read_int(text.substr(0, s1), month) || !read_int(text.substr(s1 + 1, s2 - s1 - 1), day) ||
      !read_int(text.substr(s2 + 1, sp - s2 - 1), year))
    return std::nullopt;
  auto rest = text.substr(sp + 1);
  const auto c1 = rest.find(':'), c2 = rest.find(':', c1 + 1);
  if (c1 == std::string_view::npos || c2 == std::string_view::npos) return std::nullopt;
  const auto sp2 = rest.find(' ', c2);
  int hour = 0, minute = 0, second = 0;
  if (!read_int(rest.substr(0, c1), hour) || !read_int(rest.substr(c1 + 1, c2 - c1 - 1), minute) ||
      !read_int(rest.substr(c2 + 1, sp2 == std::string_view::npos ? std::string_view::npos : sp2 - c2 - 1), second))
    return std::nullopt;
  if (sp2 != std::string_view::npos) {
    const auto half = rest.substr(sp2 + 1);
    if (hour < 1 || hour > 12) return std::nullopt;
    if (half == "AM")
      hour = hour == 12 ? 0 : hour;
    else if (half == "PM")
      hour = hour == 12 ? 12 : hour + 12;
    else
      return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1 || year > 9999 || hour > 23 || minute > 59 ||
      second > 60)
    return std::nullopt;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, minute, second);
  return std::string{buf};
}

} // namespace

bool unset_date(std::string_view text) { return text.starts_with("0001-01-01"); }

std::optional<instant> read_date(std::string_view text, std::string_view time_zone) {
  if (text.empty() || unset_date(text)) return std::nullopt;
  if (text.find('/') != std::string_view::npos) {
    const auto iso = dotnet_text(text);
    if (!iso) return std::nullopt;
    return parse_local_instant(*iso, time_zone);
  }
  return parse_local_instant(text, time_zone);
}

std::string wall_time(const instant& t, std::string_view time_zone) {
  const auto target = t.seconds();
  // Walk the wall time towards the one that reads back as `target`: the
  // zone's offset at the guess corrects it (twice at most, three around a
  // transition). Remember the latest wall time that reads as earlier.
  std::int64_t guess = target;
  std::optional<std::pair<std::int64_t, std::string>> best;
  for (int i = 0; i < 6; ++i) {
    auto wall = utc_wall(guess);
    const auto back = parse_local_instant(wall, time_zone);
    if (!back) break;
    const auto read = back->seconds();
    if (read == target) return wall;
    if (read < target && (!best || read > best->first)) best.emplace(read, std::move(wall));
    guess += target - read;
  }
  if (best) return best->second;
  // Not reached for any zone of the tz database; the UTC wall time is the
  // answer for an unknown zone.
  return utc_wall(target);
}

} // namespace quarry::connectors::listrak
