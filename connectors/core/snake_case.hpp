#pragma once

// camelCase keys to snake_case, as the Singer taps (and so Stitch's columns)
// spell them: tap-kustomer's convert() is two regex passes,
//   (.)([A-Z][a-z]+)  -> \1_\2      "displayName" -> "display_Name"
//   ([a-z0-9])([A-Z]) -> \1_\2      "userID"      -> "user_ID"
// then lower-case. Written here as one scan with the same results, e.g.
// "createdAt" -> "created_at", "HTTPStatus" -> "http_status",
// "sla2Breach" -> "sla2_breach", "already_snake" unchanged. Pure, thread-safe.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace quarry::connectors {

std::string snake_case(std::string_view name);

// A copy of `value` with every object key, at any depth (inside arrays too),
// passed through snake_case. Values are untouched.
nlohmann::json snake_case_keys(const nlohmann::json& value);

} // namespace quarry::connectors
