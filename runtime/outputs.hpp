#pragma once

// Which output a run writes to and where its state comes from, chosen once
// from the config and the command line: Kafka (records, bookmarks and quota
// usage in topics), Singer (stdout, a state file) or JSON lines (files).

#include "config/config.hpp"
#include "kafka/settings.hpp"
#include "runtime/engine.hpp"
#include "sinks/kafka_sink.hpp"
#include "sinks/record_sink.hpp"
#include "sinks/state_store.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace quarry::actors {
class usage_store;
}

namespace quarry::runtime {

kafka::client_settings kafka_settings_of(const config::kafka_config& k);
sinks::kafka_output kafka_output_of(const config::kafka_config& k);

// The sinks of every worker of this process. With Kafka, transactional ids
// start with <topic prefix>-<instance>, plus the jobs' names outside serve
// (serve and its worker processes share one set of names, so any of them
// can fence another's producer).
std::shared_ptr<sinks::sink_factory> make_sink_factory(const config::quarry_config& config,
                                                      const engine_options& options,
                                                      const kafka::client_settings& kafka,
                                                      const std::vector<std::string>& job_names);

// Reads a job's committed bookmarks: the state topic, the Singer state file,
// or the JSON-lines state file beside the output.
using state_loader = std::function<result<sinks::job_state>(const std::string& prefix, const std::string& job)>;
state_loader make_state_loader(const engine_options& options, const kafka::client_settings& kafka);

// Where quota usage is stored: <prefix>._quota with Kafka, else a file per
// account in the state directory.
std::shared_ptr<actors::usage_store> make_usage_store(const config::quarry_config& config,
                                                     const engine_options& options,
                                                     const kafka::client_settings& kafka);

} // namespace quarry::runtime
