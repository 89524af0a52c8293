#pragma once

// What the config validator knows about each source: its name, the
// credential fields an account of that source takes (proto/setting_rule.hpp) and the settings it
// reads. Connectors own the truth; this description lets quarry_config check
// accounts without linking connectors/: the CLI builds the list from the
// connector registry.

#include "proto/setting_rule.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace quarry::config {

// A stream a source offers, known without calling its API.
struct stream_rule {
  std::string name;
  std::vector<std::string> columns;
  bool columns_known = true;  // false: only the API knows them (checked at plan)
};

struct source_rules {
  std::string name;  // the value of /accounts/<n>/source
  std::vector<credential_rule> credentials;
  std::vector<setting_rule> settings;  // every setting the source reads
  // What /jobs/<i>/streams may name: these streams, and any name matching a
  // glob of `stream_families` (streams only the API names). Both empty: the
  // selection is not checked.
  std::vector<stream_rule> streams;
  std::vector<std::string> stream_families;
};

// The rules named `name`, or nullptr.
const source_rules* find_source(const std::vector<source_rules>& rules,
                                std::string_view name);

} // namespace quarry::config
