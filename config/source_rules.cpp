#include "config/source_rules.hpp"

namespace quarry::config {

const source_rules* find_source(const std::vector<source_rules>& rules,
                                std::string_view name) {
  for (const auto& r : rules)
    if (r.name == name) return &r;
  return nullptr;
}

} // namespace quarry::config
