#include "connectors/listrak/listrak_connector.hpp"

namespace quarry::connectors {

std::unique_ptr<connector> make_listrak_connector() { return nullptr; }

} // namespace quarry::connectors
