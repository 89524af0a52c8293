#pragma once

// The explicit list of connectors quarry ships (registry.cpp names each one;
// no static-initialiser magic).

#include "connectors/core/connector.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::connectors {

// Every source name, in a stable order.
std::vector<std::string> sources();

// nullptr for an unknown source.
std::unique_ptr<connector> make_connector(std::string_view source);

} // namespace quarry::connectors
