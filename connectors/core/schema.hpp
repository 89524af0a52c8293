#pragma once

// JSON Schema pieces every connector's stream table is written with: a
// column that may be null, a date-time or date string, an object of named
// properties. Pure functions.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quarry::connectors::schema {

// {"type": [type, "null"]}
nlohmann::json nullable(std::string_view type);
// A nullable string with "format": "date-time" (RFC 3339, quarry's rule) or "date".
nlohmann::json date_time();
nlohmann::json date();
// {"type": "object", "properties": properties}
nlohmann::json object(nlohmann::json properties);
nlohmann::json object(std::vector<std::pair<const char*, nlohmann::json>> properties);

} // namespace quarry::connectors::schema
