#pragma once

// Internal to quarry_config: the schema walk behind parse(). Not for use
// outside config/.

#include "config/config.hpp"

#include <vector>

namespace quarry::config {

// Checks `document` against the config schema and resolves its secrets
// (unless `secrets` is shape_only), appending every problem found to `issues`. The returned config is
// meaningful only when no issue was appended.
quarry_config validate_document(const nlohmann::json& document,
                                const std::vector<source_rules>& sources,
                                secret_resolution secrets,
                                std::vector<config_issue>& issues);

} // namespace quarry::config
