#include "connectors/registry.hpp"

#include "connectors/sources.hpp"  // written by CMake from connectors/sources.cmake

namespace quarry::connectors {

// The one list is connectors/sources.cmake: a new source is one line there
// (and its folders); source_entries is its table, in that order.

std::vector<std::string> sources() {
  std::vector<std::string> out;
  for (const auto& e : source_entries) out.emplace_back(e.name);
  return out;
}

std::vector<std::string> vendor_sources() {
  std::vector<std::string> out;
  for (const auto& e : source_entries)
    if (e.vendor) out.emplace_back(e.name);
  return out;
}

std::unique_ptr<connector> make_connector(std::string_view source) {
  for (const auto& e : source_entries)
    if (source == e.name) return e.make();
  return nullptr;
}

} // namespace quarry::connectors
