#include "connectors/core/schema.hpp"

namespace quarry::connectors::schema {

using nlohmann::json;

json nullable(std::string_view type) { return {{"type", {type, "null"}}}; }

json date_time() { return {{"type", {"string", "null"}}, {"format", "date-time"}}; }

json date() { return {{"type", {"string", "null"}}, {"format", "date"}}; }

json object(json properties) { return {{"type", "object"}, {"properties", std::move(properties)}}; }

json object(std::vector<std::pair<const char*, json>> properties) {
  json props = json::object();
  for (auto& [name, property] : properties) props[name] = std::move(property);
  return object(std::move(props));
}

} // namespace quarry::connectors::schema
