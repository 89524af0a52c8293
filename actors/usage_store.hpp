#pragma once

// Where quota usage is kept between runs: the compacted <prefix>._quota topic
// (key = account) when the output is Kafka, or a JSON file per account in a
// state directory otherwise.

#include "actors/quota_actor.hpp"
#include "kafka/settings.hpp"

#include <memory>
#include <string>

namespace quarry::actors {

std::shared_ptr<usage_store> make_kafka_usage_store(kafka::client_settings settings,
                                                    std::string prefix);
std::shared_ptr<usage_store> make_file_usage_store(std::string directory);

} // namespace quarry::actors
