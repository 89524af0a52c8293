#pragma once

// Names close to a misspelt one, for "did you mean X?" in config errors and
// in connectors' errors about columns only the API knows.

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace quarry {

// Optimal-string-alignment distance: insertions, deletions, substitutions
// and swaps of adjacent characters each cost 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `given` (the first one on a tie), for "did you
// mean X?": only if within `max_distance` edits, and fewer edits than the
// shorter of the two has characters ("zz" suggests nothing for "c").
std::optional<std::string_view> closest_name(
    std::string_view given, const std::vector<std::string_view>& candidates,
    std::size_t max_distance = 2);

} // namespace quarry
