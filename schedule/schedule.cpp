#include "schedule/schedule.hpp"

#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>

namespace quarry::scheduling {
namespace {

using namespace std::chrono_literals;
using std::chrono::days;
using std::chrono::seconds;

// Anchors without a date are taken on this day.
constexpr std::chrono::year_month_day undated_anchor_day{std::chrono::year{2000},
                                                         std::chrono::January, std::chrono::day{1}};

// How far next_after() looks for a cron match. A parsed expression matches
// a day at least every 28 years (the calendar's cycle).
constexpr days cron_horizon{366 * 30};

error invalid(std::string message) { return make_error(error_kind::fatal, std::move(message)); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// `text` in double quotes for an error message: at most 32 characters,
// anything unprintable shown as '?'.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text.substr(0, 32)) out += (c >= ' ' && c < '\x7f') ? c : '?';
  if (text.size() > 32) out += "...";
  return out + "\"";
}

// Exactly text.size() decimal digits (at most 9); nullopt otherwise.
std::optional<int> number(std::string_view text) {
  if (text.empty() || text.size() > 9 || !std::all_of(text.begin(), text.end(), is_digit))
    return std::nullopt;
  int value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  return value;
}

date::local_days local_day(std::chrono::year_month_day day) {
  return date::local_days{date::days{std::chrono::sys_days{day}.time_since_epoch().count()}};
}

std::chrono::year_month_day calendar_day(date::local_days day) {
  return std::chrono::year_month_day{std::chrono::sys_days{days{day.time_since_epoch().count()}}};
}

// The instant a local time names in `tz`: a time in a DST gap is the first
// instant after the gap, a repeated time its first occurrence.
instant to_instant(const date::time_zone& tz, date::local_seconds t) {
  const date::local_info info = tz.get_info(t);
  if (info.result == date::local_info::nonexistent) return info.first.end;
  return date::sys_seconds{t.time_since_epoch() - info.first.offset};
}

// 0..99 as two digits.
std::string two_digits(long value) {
  return {static_cast<char>('0' + value / 10 % 10), static_cast<char>('0' + value % 10)};
}

// "15m", "6h", "1d": the largest unit that divides the interval.
std::string interval_text(seconds every) {
  const long n = static_cast<long>(every.count());
  if (n % 86400 == 0) return std::to_string(n / 86400) + "d";
  if (n % 3600 == 0) return std::to_string(n / 3600) + "h";
  if (n % 60 == 0) return std::to_string(n / 60) + "m";
  return std::to_string(n) + "s";
}

// "02:30", "02:30:15", "2026-01-01T02:30".
std::string anchor_text(const local_anchor& anchor) {
  const long s = static_cast<long>(anchor.time_of_day.count());
  std::string out;
  if (anchor.date) {
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT", static_cast<int>(anchor.date->year()),
                  static_cast<unsigned>(anchor.date->month()),
                  static_cast<unsigned>(anchor.date->day()));
    out = text;
  }
  // Appended piece by piece: `":" + std::string` trips GCC 12's false
  // -Wrestrict at -O3 (GCC bug 105329), which breaks the Release build.
  out += two_digits(s / 3600);
  out += ':';
  out += two_digits(s / 60 % 60);
  if (s % 60 != 0) {
    out += ':';
    out += two_digits(s % 60);
  }
  return out;
}

// ---- cron fields ---------------------------------------------------------

constexpr std::array<std::string_view, 12> month_names = {
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> weekday_names = {"SUN", "MON", "TUE", "WED",
                                                           "THU", "FRI", "SAT"};

struct cron_field {
  int number;  // 1-based position
  std::string_view name;
  int min;
  int max;
  const std::string_view* names = nullptr;  // names[i] is the value min_named + i
  int name_count = 0;
  int min_named = 0;

  std::string label() const {
    return "field " + std::to_string(number) + " (" + std::string(name) + ") ";
  }
};

constexpr cron_field cron_fields[] = {
    {1, "minute", 0, 59},
    {2, "hour", 0, 23},
    {3, "day-of-month", 1, 31},
    {4, "month", 1, 12, month_names.data(), 12, 1},
    {5, "day-of-week", 0, 7, weekday_names.data(), 7, 0},
};

result<int> cron_value(const cron_field& field, std::string_view text) {
  if (auto n = number(text)) {
    if (*n < field.min || *n > field.max)
      return invalid(field.label() + "value " + std::to_string(*n) + " is out of range " +
                     std::to_string(field.min) + "-" + std::to_string(field.max));
    return *n;
  }
  for (int i = 0; i < field.name_count; ++i) {
    const auto name = field.names[i];
    const bool same = text.size() == name.size() &&
                      std::equal(text.begin(), text.end(), name.begin(), [](char a, char b) {
                        return (a >= 'a' && a <= 'z' ? a - 'a' + 'A' : a) == b;
                      });
    if (same) return field.min_named + i;
  }
  if (field.name_count == 0)
    return invalid(field.label() + "value " + quoted(text) + " is not a number");
  return invalid(field.label() + "value " + quoted(text) + " is neither a number nor a name (" +
                 std::string(field.names[0]) + "-" + std::string(field.names[field.name_count - 1]) +
                 ")");
}

// Sets the bits one list item ("*", "5", "1-5", "*/15", "10-50/20") names.
status cron_item(const cron_field& field, std::string_view item, std::bitset<64>& bits) {
  if (item.empty()) return invalid(field.label() + "has an empty list item");
  const auto slash = item.find('/');
  const std::string_view base = item.substr(0, slash);
  int step = 1;
  if (slash != std::string_view::npos) {
    const std::string_view step_text = item.substr(slash + 1);
    const auto n = number(step_text);
    if (!n) return invalid(field.label() + "step " + quoted(step_text) + " is not a number");
    if (*n < 1) return invalid(field.label() + "step 0 must be at least 1");
    step = *n;
  }
  int low = field.min;
  int high = field.max;
  if (base.empty()) return invalid(field.label() + "has a step without a range; write */n or a-b/n");
  if (base != "*") {
    const auto dash = base.find('-');
    auto first = cron_value(field, base.substr(0, dash));
    if (!first) return std::move(first).error();
    low = high = *first;
    if (dash != std::string_view::npos) {
      auto last = cron_value(field, base.substr(dash + 1));
      if (!last) return std::move(last).error();
      high = *last;
      if (low > high)
        return invalid(field.label() + "range " + quoted(base) +
                       " is reversed; write the smaller value first");
    } else if (slash != std::string_view::npos) {
      return invalid(field.label() + "step " + quoted(item) +
                     " needs a range or *; write a-b/n or */n");
    }
  }
  for (int v = low; v <= high; v += step) bits.set(static_cast<std::size_t>(v));
  return {};
}

result<std::bitset<64>> cron_list(const cron_field& field, std::string_view text) {
  std::bitset<64> bits;
  for (std::size_t start = 0;;) {
    const auto comma = text.find(',', start);
    if (auto ok = cron_item(field, text.substr(start, comma - start), bits); !ok)
      return std::move(ok).error();
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return bits;
}

int days_in_month_at_most(unsigned month) {
  if (month == 2) return 29;
  return (month == 4 || month == 6 || month == 9 || month == 11) ? 30 : 31;
}

template <std::size_t N>
std::bitset<N> narrow(const std::bitset<64>& bits) {
  std::bitset<N> out;
  for (std::size_t i = 0; i < N; ++i) out[i] = bits[i];
  return out;
}

} // namespace

// ---- zone ------------------------------------------------------------------

result<zone> zone::locate(std::string_view name) {
  try {
    (void)date::get_tzdb();
  } catch (const std::exception& e) {
    return invalid(std::string("the tz database cannot be read: ") + e.what());
  }
  try {
    return zone(date::locate_zone(name), std::string(name));
  } catch (const std::exception&) {
    return invalid("unknown time zone " + quoted(name) +
                   R"(; expected an IANA name like "Europe/Berlin" or "UTC")");
  }
}

std::vector<std::string_view> zone_names() {
  std::vector<std::string_view> names;
  try {
    const auto& db = date::get_tzdb();
    for (const auto& z : db.zones) names.push_back(z.name());
  } catch (const std::exception&) {
    return {};
  }
  std::sort(names.begin(), names.end());
  return names;
}

// ---- text formats ----------------------------------------------------------

result<seconds> parse_interval(std::string_view text) {
  const auto expected = [] {
    return invalid("expected a whole number and a unit (s, m, h or d), like 90s, 15m, 6h or 1d");
  };
  if (text.size() < 2) return expected();
  const auto n = number(text.substr(0, text.size() - 1));
  if (!n) return expected();
  seconds unit;
  switch (text.back()) {
    case 's': unit = 1s; break;
    case 'm': unit = 1min; break;
    case 'h': unit = 1h; break;
    case 'd': unit = days{1}; break;
    default: return expected();
  }
  if (*n < 1) return invalid("must be at least 1s");
  if (*n > max_interval / unit) return invalid("must be at most " + interval_text(max_interval));
  return *n * unit;
}

result<local_anchor> parse_anchor(std::string_view text) {
  constexpr std::string_view expected =
      R"(expected a local time "HH:MM[:SS]" or "YYYY-MM-DDTHH:MM[:SS]")";
  local_anchor anchor;
  std::string_view clock = text;
  if (text.size() >= 11 && text[10] == 'T') {
    if (text.back() == 'Z' || text.find('+', 10) != std::string_view::npos ||
        text.find('-', 10) != std::string_view::npos)
      return invalid(std::string(expected) + "; the anchor is local to time_zone, so give no offset");
    const auto y = number(text.substr(0, 4));
    const auto m = number(text.substr(5, 2));
    const auto d = number(text.substr(8, 2));
    if (!y || !m || !d || text[4] != '-' || text[7] != '-') return invalid(std::string(expected));
    const std::chrono::year_month_day day{std::chrono::year{*y},
                                          std::chrono::month{static_cast<unsigned>(*m)},
                                          std::chrono::day{static_cast<unsigned>(*d)}};
    if (!day.ok()) return invalid("the date must be a real calendar date");
    anchor.date = day;
    clock = text.substr(11);
  }
  if (clock.size() != 5 && clock.size() != 8) return invalid(std::string(expected));
  const auto h = number(clock.substr(0, 2));
  const auto m = number(clock.substr(3, 2));
  const auto s = clock.size() == 8 ? number(clock.substr(6, 2)) : std::optional<int>(0);
  if (!h || !m || !s || clock[2] != ':' || (clock.size() == 8 && clock[5] != ':'))
    return invalid(std::string(expected));
  if (*h > 23 || *m > 59 || *s > 59)
    return invalid("the time must be between 00:00 and 23:59:59");
  anchor.time_of_day = std::chrono::hours{*h} + std::chrono::minutes{*m} + seconds{*s};
  return anchor;
}

// ---- cron_expression -------------------------------------------------------

result<cron_expression> cron_expression::parse(std::string_view text) {
  std::vector<std::string_view> fields;
  for (std::size_t at = 0; at < text.size();) {
    const auto start = text.find_first_not_of(" \t", at);
    if (start == std::string_view::npos) break;
    const auto end = std::min(text.find_first_of(" \t", start), text.size());
    fields.push_back(text.substr(start, end - start));
    at = end;
  }
  if (fields.size() != 5)
    return invalid("expected 5 fields (minute hour day-of-month month day-of-week), got " +
                   std::to_string(fields.size()));

  std::bitset<64> bits[5];
  for (std::size_t i = 0; i < 5; ++i) {
    auto parsed = cron_list(cron_fields[i], fields[i]);
    if (!parsed) return std::move(parsed).error();
    bits[i] = *parsed;
  }
  if (bits[4][7]) bits[4].set(0);  // 7 is Sunday too

  cron_expression cron;
  cron.minutes_ = narrow<60>(bits[0]);
  cron.hours_ = narrow<24>(bits[1]);
  cron.days_ = narrow<32>(bits[2]);
  cron.months_ = narrow<13>(bits[3]);
  cron.weekdays_ = narrow<7>(bits[4]);
  cron.days_restricted_ = fields[2].front() != '*';
  cron.weekdays_restricted_ = fields[4].front() != '*';

  // Days of the month alone decide: at least one must occur in a month named.
  if (cron.days_restricted_ && !cron.weekdays_restricted_) {
    bool meets = false;
    for (unsigned m = 1; m <= 12 && !meets; ++m)
      for (int d = 1; d <= days_in_month_at_most(m) && !meets; ++d)
        meets = cron.months_[m] && cron.days_[static_cast<std::size_t>(d)];
    if (!meets)
      return invalid("field 3 (day-of-month) and field 4 (month) never meet: none of those days "
                     "occurs in those months, so the expression would never fire");
  }

  for (auto field : fields) {
    if (!cron.text_.empty()) cron.text_ += ' ';
    cron.text_ += field;
  }
  return cron;
}

bool cron_expression::matches_date(std::chrono::year_month_day day) const {
  if (!months_[static_cast<unsigned>(day.month())]) return false;
  const bool by_day = days_[static_cast<unsigned>(day.day())];
  const bool by_weekday =
      weekdays_[std::chrono::weekday{std::chrono::sys_days{day}}.c_encoding()];
  if (days_restricted_ && weekdays_restricted_) return by_day || by_weekday;
  return by_day && by_weekday;
}

// ---- schedule --------------------------------------------------------------

result<schedule> schedule::every(seconds interval, local_anchor anchor, zone where) {
  if (interval < 1s || interval > max_interval)
    return invalid("the interval must be between 1s and " + interval_text(max_interval));
  if (!anchor.date && days{1} % interval != seconds{0})
    return invalid(
        "an anchor without a date needs an interval that divides 24h (like 15m, 6h or 1d); "
        "give a date, e.g. 2026-01-01T02:30");
  const auto day = local_day(anchor.date.value_or(undated_anchor_day));
  const instant first = to_instant(where.tz(), day + anchor.time_of_day);
  return schedule(interval_rule{interval, anchor, first}, std::move(where));
}

schedule schedule::cron(cron_expression expression, zone where) {
  return schedule(std::move(expression), std::move(where));
}

instant schedule::next_after(instant t) const {
  if (const auto* rule = std::get_if<interval_rule>(&rule_)) return next_interval(*rule, t);
  return next_cron(std::get<cron_expression>(rule_), t);
}

instant schedule::next_interval(const interval_rule& rule, instant t) const {
  if (rule.every % days{1} != seconds{0}) {
    if (t < rule.first) return rule.first;
    return rule.first + ((t - rule.first) / rule.every + 1) * rule.every;
  }
  // Whole days: count local calendar days from the anchor's date.
  const auto step = std::chrono::duration_cast<days>(rule.every).count();
  const auto first_day = local_day(rule.anchor.date.value_or(undated_anchor_day));
  const auto fire = [&](long long k) {
    return to_instant(zone_.tz(), first_day + date::days{k * step} + rule.anchor.time_of_day);
  };
  const auto today = date::floor<date::days>(zone_.tz().to_local(t));
  const long long elapsed = (today - first_day).count();
  // One interval early: near a DST change the fire time of today's date may
  // still be ahead of t.
  long long k = elapsed <= 0 ? 0 : std::max(0LL, elapsed / step - 1);
  while (fire(k) <= t) ++k;
  return fire(k);
}

instant schedule::next_cron(const cron_expression& cron, instant t) const {
  const date::time_zone& tz = zone_.tz();
  const auto start = date::floor<std::chrono::minutes>(tz.to_local(t));
  const auto first_day = date::floor<date::days>(start);
  for (auto day = first_day; day < first_day + cron_horizon;) {
    const auto ymd = calendar_day(day);
    if (!cron.matches_date(ymd)) {
      day += date::days{1};
      continue;
    }
    for (int h = 0; h < 24; ++h) {
      if (!cron.has_hour(h)) continue;
      for (int m = 0; m < 60; ++m) {
        if (!cron.has_minute(m)) continue;
        const date::local_seconds local = day + std::chrono::hours{h} + std::chrono::minutes{m};
        if (local < start) continue;  // its instant is at or before t
        // A repeated local time maps to its first occurrence, which may be
        // past already; local times map to instants in order, so go on.
        if (const instant when = to_instant(tz, local); when > t) return when;
      }
    }
    day += date::days{1};
  }
  throw std::logic_error("cron " + cron.text() + " found no fire time within 30 years");
}

std::string schedule::describe() const {
  if (const auto* rule = std::get_if<interval_rule>(&rule_))
    return "every " + interval_text(rule->every) + " from " + anchor_text(rule->anchor) + " " +
           zone_.name();
  return "cron " + std::get<cron_expression>(rule_).text() + " " + zone_.name();
}

} // namespace quarry::scheduling
