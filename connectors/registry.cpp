#include "connectors/registry.hpp"

#include "connectors/synthetic/synthetic_connector.hpp"

namespace quarry::connectors {

std::vector<std::string> sources() { return {"synthetic"}; }

std::unique_ptr<connector> make_connector(std::string_view source) {
  if (source == "synthetic") return make_synthetic_connector();
  return nullptr;
}

} // namespace quarry::connectors
