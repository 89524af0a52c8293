#pragma once

// Where quota usage is kept between runs: the compacted <prefix>._quota topic
// (key = account) when the output is Kafka, or a JSON file per account in a
// state directory otherwise.

#include "actors/quota_actor.hpp"
#include "kafka/settings.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace quarry::actors {

// The stored form of an account's usage (JSON; see usage_store.cpp), also
// what the quota actor hands its writer. decode_usage: nullopt unless whole.
std::string encode_usage(const quota::persisted_usage& usage);
std::optional<quota::persisted_usage> decode_usage(std::string_view text);

std::shared_ptr<usage_store> make_kafka_usage_store(kafka::client_settings settings,
                                                    std::string prefix);
std::shared_ptr<usage_store> make_file_usage_store(std::string directory);

} // namespace quarry::actors
