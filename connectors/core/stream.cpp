#include "connectors/core/stream.hpp"

#include <algorithm>

#include <fnmatch.h>

namespace quarry::connectors {

bool stream_selection::selected(const std::string& stream) const {
  for (const auto& pattern : excluded)
    if (fnmatch(pattern.c_str(), stream.c_str(), 0) == 0) return false;
  if (streams.empty()) return true;
  for (const auto& pattern : streams)
    if (fnmatch(pattern.c_str(), stream.c_str(), 0) == 0) return true;
  return false;
}

bool stream_selection::selected(const stream_descriptor& stream) const {
  if (stream.selected_by_default) return selected(stream.name);
  for (const auto& pattern : excluded)
    if (fnmatch(pattern.c_str(), stream.name.c_str(), 0) == 0) return false;
  return std::find(streams.begin(), streams.end(), stream.name) != streams.end();
}

const std::vector<std::string>* stream_selection::columns_of(const std::string& stream) const {
  for (const auto& [name, cols] : columns)
    if (name == stream) return &cols;
  for (const auto& [pattern, cols] : columns)
    if (fnmatch(pattern.c_str(), stream.c_str(), 0) == 0) return &cols;
  return nullptr;
}

nlohmann::json catalog_entry(const stream_descriptor& stream, bool selected,
                             const std::vector<std::string>* columns) {
  nlohmann::json metadata = nlohmann::json::array();
  nlohmann::json top = {{"breadcrumb", nlohmann::json::array()},
                        {"metadata",
                         {{"selected", selected},
                          {"selected-by-default", stream.selected_by_default},
                          {"table-key-properties", stream.primary_key},
                          {"forced-replication-method",
                           stream.replication == replication_method::full_table
                               ? "FULL_TABLE"
                               : "INCREMENTAL"}}}};
  if (!stream.replication_key.empty())
    top["metadata"]["valid-replication-keys"] = {stream.replication_key};
  metadata.push_back(std::move(top));
  if (stream.schema.contains("properties")) {
    for (const auto& [field, _] : stream.schema["properties"].items()) {
      const bool key = std::find(stream.primary_key.begin(), stream.primary_key.end(), field) !=
                           stream.primary_key.end() ||
                       field == stream.replication_key;
      bool field_selected = selected;
      if (columns) field_selected = selected && std::find(columns->begin(), columns->end(), field) != columns->end();
      metadata.push_back({{"breadcrumb", {"properties", field}},
                          {"metadata",
                           {{"inclusion", key ? "automatic" : "available"},
                            {"selected", key ? selected : field_selected}}}});
    }
  }
  return {{"tap_stream_id", stream.name},
          {"stream", stream.name},
          {"key_properties", stream.primary_key},
          {"schema", stream.schema},
          {"metadata", std::move(metadata)}};
}

} // namespace quarry::connectors
