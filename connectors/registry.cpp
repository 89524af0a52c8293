#include "connectors/registry.hpp"

#include "connectors/noop/noop_connector.hpp"
#include "connectors/synthetic/synthetic_connector.hpp"

namespace quarry::connectors {

std::vector<std::string> sources() { return {"synthetic", "noop"}; }

std::unique_ptr<connector> make_connector(std::string_view source) {
  if (source == "synthetic") return make_synthetic_connector();
  if (source == "noop") return make_noop_connector();
  return nullptr;
}

} // namespace quarry::connectors
