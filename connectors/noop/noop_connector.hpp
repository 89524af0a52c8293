#pragma once

// The noop source: plans `settings.tasks` tasks (default 1000) of one stream
// that each emit `settings.records_per_task` records (default 0) and make no
// API call. It measures the engine itself (coordinator, workers, outputs)
// with no API in the way; bench/ uses it.

#include "connectors/core/connector.hpp"

#include <memory>

namespace quarry::connectors {

std::unique_ptr<connector> make_noop_connector();

} // namespace quarry::connectors
