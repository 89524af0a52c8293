#include "config/source_rules.hpp"

namespace quarry::config {

std::vector<source_rules> default_source_rules() {
  constexpr bool required = true;
  constexpr bool is_secret = true;
  constexpr bool plain = false;
  constexpr bool rotates = true;
  return {
      {"synthetic", {{"api_key", required, is_secret}}},
      {"marketo",
       {{"client_id", required, plain}, {"client_secret", required, is_secret}}},
      {"bronto", {{"api_token", required, is_secret}}},
      {"listrak",
       {{"username", required, plain}, {"password", required, is_secret}}},
      {"kustomer", {{"api_key", required, is_secret}}},
      {"constant_contact",
       {{"client_id", required, plain},
        {"client_secret", required, is_secret},
        {"refresh_token", required, is_secret, rotates}}},
  };
}

const source_rules* find_source(const std::vector<source_rules>& rules,
                                std::string_view name) {
  for (const auto& r : rules)
    if (r.name == name) return &r;
  return nullptr;
}

} // namespace quarry::config
