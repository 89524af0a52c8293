#pragma once

// `quarry discover`: the Singer catalog of an account's streams, as a tap's
// --discover prints it, with `selected` metadata from a job's selection.

#include "config/config.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace quarry::connectors {
struct stream_descriptor;
struct stream_selection;
}

namespace quarry::cli {

// {"streams": [catalog_entry of each stream, in the connector's order]};
// `selected` as `selection` selects streams and columns.
nlohmann::json singer_catalog(const std::vector<connectors::stream_descriptor>& streams,
                              const connectors::stream_selection& selection);

// Prints the catalog of `job`'s account with the job's selection, or of
// `account` with everything selected (at most one of them set; neither: the
// config's only job, else its only account) to stdout. Returns the exit
// status: 0 printed; 1 the API or Kafka refused (the message on stderr); 2
// no such job or account, or no way to pick one.
int run_discover(const config::quarry_config& config, const std::string& config_path,
                 const std::string& job, const std::string& account);

// Every source's declared settings (proto/setting_rule), as README's tables
// are generated from them: {"<source>": [{"name", "type" (integer, string,
// time_zone), "min"/"max" or "choices" where they apply, "default",
// "description"}]}, sources in the registry's order. Needs no config.
nlohmann::ordered_json settings_declarations(const std::vector<config::source_rules>& sources);

} // namespace quarry::cli
