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
// The SaaS sources among them: each has a simulator (`quarry sim`), a README
// section and an end-to-end test target (tests/connectors/source_registry_test).
std::vector<std::string> vendor_sources();

// nullptr for an unknown source.
std::unique_ptr<connector> make_connector(std::string_view source);

} // namespace quarry::connectors
