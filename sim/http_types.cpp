#include "sim/http_types.hpp"

#include <algorithm>
#include <cctype>

namespace quarry::sim {

std::optional<std::string> request::query_param(std::string_view name) const {
  const auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> request::header(std::string_view name) const {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto it = headers.find(lower);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

const std::string& request::path_param(std::string_view name) const {
  static const std::string none;
  const auto it = path_params.find(name);
  return it == path_params.end() ? none : it->second;
}

} // namespace quarry::sim
