#include "connectors/core/rate_limit.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace quarry::http {
namespace {

template <class Number>
std::optional<Number> number(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  Number n{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n < 0) return std::nullopt;
  return n;
}

} // namespace

std::optional<double> reset_in_seconds(std::string_view value, std::chrono::system_clock::time_point now) {
  const auto n = number<double>(value);
  if (!n || !std::isfinite(*n)) return std::nullopt;
  if (*n <= 1e9) return *n;
  const double now_s = std::chrono::duration<double>(now.time_since_epoch()).count();
  return std::max(0.0, *n - now_s);
}

std::optional<rate_limit_report> read_rate_limit(const response& r, std::chrono::system_clock::time_point now) {
  const auto remaining = r.header("x-ratelimit-remaining");
  const auto reset = r.header("x-ratelimit-reset");
  if (!remaining || !reset) return std::nullopt;
  const auto left = number<std::int64_t>(*remaining);
  const auto in = reset_in_seconds(*reset, now);
  if (!left || !in) return std::nullopt;
  return rate_limit_report{*left, *in};
}

} // namespace quarry::http
