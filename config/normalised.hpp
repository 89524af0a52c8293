#pragma once

// A quarry_config written back as a config file: every default filled in,
// accounts sorted by name, jobs in file order, each secret as its reference
// ({"env": NAME} or {"file": PATH}), never its value. The text parses again
// to an equal config (same secret references), so `quarry config check`
// prints what a command will run with.
// Pure function of the config; reads nothing.

#include "config/config.hpp"

#include <nlohmann/json.hpp>

namespace quarry::config {

// Sections in the file's order (kafka, telemetry, engine, serve, worker,
// accounts, jobs); optional fields that are unset are left out.
nlohmann::ordered_json normalised_json(const quarry_config& config);

} // namespace quarry::config
