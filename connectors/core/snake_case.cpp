#include "connectors/core/snake_case.hpp"

#include <cctype>

namespace quarry::connectors {
namespace {

bool upper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool lower(char c) { return std::islower(static_cast<unsigned char>(c)) != 0; }
bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

} // namespace

std::string snake_case(std::string_view name) {
  // Pass 1: an underscore before every capital that starts a word (a capital
  // followed by a lower-case letter), unless it is the first character.
  std::string first;
  first.reserve(name.size() + 8);
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (i > 0 && upper(name[i]) && i + 1 < name.size() && lower(name[i + 1])) first += '_';
    first += name[i];
  }
  // Pass 2: an underscore between a lower-case letter or digit and a capital.
  std::string out;
  out.reserve(first.size() + 8);
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (i > 0 && upper(first[i]) && (lower(first[i - 1]) || digit(first[i - 1]))) out += '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(first[i])));
  }
  return out;
}

nlohmann::json snake_case_keys(const nlohmann::json& value) {
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) out.push_back(snake_case_keys(item));
    return out;
  }
  if (!value.is_object()) return value;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, item] : value.items()) out[snake_case(key)] = snake_case_keys(item);
  return out;
}

} // namespace quarry::connectors
