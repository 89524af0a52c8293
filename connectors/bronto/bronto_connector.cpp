#include "connectors/bronto/bronto_connector.hpp"

namespace quarry::connectors {

std::unique_ptr<connector> make_bronto_connector() { return nullptr; }

} // namespace quarry::connectors
