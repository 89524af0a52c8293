#include "proto/names.hpp"

#include <algorithm>
#include <numeric>

namespace quarry {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic-programming table: i-2, i-1 and i.
  std::vector<std::size_t> two_back(b.size() + 1), prev(b.size() + 1),
      cur(b.size() + 1);
  std::iota(prev.begin(), prev.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], two_back[j - 2] + 1);
    }
    std::swap(two_back, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string_view> closest_name(
    std::string_view given, const std::vector<std::string_view>& candidates,
    std::size_t max_distance) {
  std::optional<std::string_view> best;
  std::size_t best_distance = max_distance + 1;
  for (auto candidate : candidates) {
    const auto d = edit_distance(given, candidate);
    if (d < best_distance && d < std::min(given.size(), candidate.size())) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

} // namespace quarry
