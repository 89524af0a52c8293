#include "config/value_formats.hpp"

#include <date/tz.h>

#include <algorithm>
#include <numeric>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace quarry::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

error invalid(std::string message) {
  return make_error(error_kind::fatal, std::move(message));
}

// Parses exactly `text.size()` decimal digits; nullopt if any is not one.
std::optional<int> digits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

template <class Pred>
bool all_of(std::string_view text, Pred pred) {
  return std::all_of(text.begin(), text.end(), pred);
}

} // namespace

status check_host_port(std::string_view text, bool allow_any_port) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos)
      return invalid("expected host:port; the IPv6 host has no closing ]");
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':')
      return invalid("expected host:port, e.g. [::1]:9092");
    port = rest.substr(1);
    if (host.empty() ||
        !all_of(host, [](char c) { return is_hex(c) || c == ':' || c == '.'; }))
      return invalid("expected host:port; the bracketed host is not an IPv6 address");
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return invalid("expected host:port; the :port is missing");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return invalid("expected host:port; IPv6 hosts must be bracketed, e.g. [::1]:9092");
    if (host.empty()) return invalid("expected host:port; the host is empty");
    if (!all_of(host, [](char c) {
          return is_alpha(c) || is_digit(c) || c == '.' || c == '-' || c == '_';
        }))
      return invalid("expected host:port; the host may hold only [A-Za-z0-9._-]");
  }
  const auto number = port.size() <= 5 ? digits(port) : std::nullopt;
  const int lowest = allow_any_port ? 0 : 1;
  if (!number || *number < lowest || *number > 65535)
    return invalid(allow_any_port ? "port must be between 0 (any free port) and 65535"
                                  : "port must be between 1 and 65535");
  return {};
}

bool is_loopback_listen(std::string_view listen) {
  if (!check_host_port(listen, true)) return false;
  const bool bracketed = listen.front() == '[';
  const std::string host(bracketed ? listen.substr(1, listen.find(']') - 1)
                                   : listen.substr(0, listen.rfind(':')));
  std::string lower = host;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  if (!bracketed && lower == "localhost") return true;
  in_addr v4{};
  if (!bracketed && ::inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (bracketed && ::inet_pton(AF_INET6, host.c_str(), &v6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  return false;
}

result<timestamp> parse_utc_timestamp(std::string_view text) {
  using namespace std::chrono;
  const auto bad_shape = [] {
    return invalid("expected an RFC 3339 UTC timestamp like 2024-01-01T00:00:00Z");
  };
  // YYYY-MM-DDTHH:MM:SS is 19 characters.
  if (text.size() < 20) return bad_shape();
  const auto year = digits(text.substr(0, 4));
  const auto month = digits(text.substr(5, 2));
  const auto day = digits(text.substr(8, 2));
  const auto hour = digits(text.substr(11, 2));
  const auto minute = digits(text.substr(14, 2));
  const auto second = digits(text.substr(17, 2));
  if (!year || !month || !day || !hour || !minute || !second ||
      text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
      text[13] != ':' || text[16] != ':')
    return bad_shape();

  std::string_view rest = text.substr(19);
  milliseconds fraction{0};
  if (rest.front() == '.') {
    std::size_t n = 1;
    while (n < rest.size() && is_digit(rest[n])) ++n;
    if (n == 1) return bad_shape();
    // Milliseconds from the first three fraction digits; the rest is dropped.
    int ms = 0;
    for (std::size_t i = 1; i <= 3; ++i)
      ms = ms * 10 + (i < n ? rest[i] - '0' : 0);
    fraction = milliseconds{ms};
    rest = rest.substr(n);
  }
  if (rest != "Z" && rest != "z" && rest != "+00:00") {
    const bool offset_shape = rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') &&
                              digits(rest.substr(1, 2)) && rest[3] == ':' &&
                              digits(rest.substr(4, 2));
    if (offset_shape) return invalid("must be in UTC: end it in Z or +00:00");
    return bad_shape();
  }

  const year_month_day date{std::chrono::year{*year},
                            std::chrono::month{static_cast<unsigned>(*month)},
                            std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return invalid("must be a real calendar date");
  if (*hour > 23 || *minute > 59 || *second > 59)
    return invalid("must have a time of day from 00:00:00 to 23:59:59");
  return timestamp{sys_days{date} + hours{*hour} + minutes{*minute} +
                   seconds{*second} + fraction};
}

result<int> parse_clock_time(std::string_view text) {
  const auto hour = text.size() == 5 ? digits(text.substr(0, 2)) : std::nullopt;
  const auto minute = text.size() == 5 ? digits(text.substr(3, 2)) : std::nullopt;
  if (!hour || !minute || text[2] != ':' || *hour > 23 || *minute > 59)
    return invalid("expected a time of day HH:MM, from 00:00 to 23:59");
  return *hour * 60 + *minute;
}

bool is_time_zone_name(std::string_view text) {
  if (text == "UTC") return true;
  const std::string_view whole = text;
  bool first = true;
  for (;;) {
    const auto slash = text.find('/');
    const auto segment = text.substr(0, slash);
    if (segment.empty()) return false;
    const bool ok = all_of(segment, [first](char c) {
      return is_alpha(c) || (!first && is_digit(c)) || c == '_' || c == '+' ||
             c == '-';
    });
    if (!ok) return false;
    if (slash == std::string_view::npos) break;
    text = text.substr(slash + 1);
    first = false;
  }
  try {
    return date::locate_zone(whole) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

bool is_plain_name(std::string_view text) {
  return !text.empty() && all_of(text, [](char c) {
    return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
  });
}

status check_topic_prefix(std::string_view text) {
  const bool charset_ok = !text.empty() && all_of(text, [](char c) {
    return is_alpha(c) || is_digit(c) || c == '.' || c == '_' || c == '-';
  });
  if (!charset_ok) return invalid("must match [A-Za-z0-9._-]+");
  if (text.front() == '_')
    return invalid("must not start with \"_\" (Kafka reserves it for internal topics)");
  return {};
}

} // namespace quarry::config
