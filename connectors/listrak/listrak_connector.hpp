#pragma once

#include "connectors/core/connector.hpp"

#include <memory>

namespace quarry::connectors {

std::unique_ptr<connector> make_listrak_connector();

} // namespace quarry::connectors
