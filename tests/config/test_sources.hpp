#pragma once

// The source rules the config tests validate against: the shape of what the
// CLI builds from the connector registry (cli/main.cpp source_rules()), with
// a few settings of each kind, so these tests need no connector.

#include "config/source_rules.hpp"

#include <vector>

namespace quarry::config {

inline std::vector<source_rules> test_source_rules() {
  constexpr bool required = true;
  constexpr bool is_secret = true;
  constexpr bool plain = false;
  constexpr bool rotates = true;
  return {
      {"synthetic", {{"api_key", required, is_secret}}, {}, {}, {}},
      {"marketo",
       {{"client_id", required, plain}, {"client_secret", required, is_secret}},
       {integer_setting("export_days", 1, 31, 31, "days per export window"),
        choice_setting("activities_via", {"bulk", "rest"}, "bulk", "how activities are read")},
       {{"leads", {"id", "updatedAt"}, false},
        {"programs", {"id", "name", "updatedAt"}, true},
        {"campaigns", {"id", "name", "updatedAt"}, true}},
       {"activities_*"}},
      {"bronto", {{"api_token", required, is_secret}}, {time_zone_setting("time_zone", "UTC", "zone")}, {}, {}},
      {"listrak", {{"username", required, plain}, {"password", required, is_secret}}, {}, {}, {}},
      {"kustomer", {{"api_key", required, is_secret}}, {}, {}, {}},
      {"constant_contact",
       {{"client_id", required, plain},
        {"client_secret", required, is_secret},
        {"refresh_token", required, is_secret, rotates}},
       {}, {}, {}},
  };
}

} // namespace quarry::config
