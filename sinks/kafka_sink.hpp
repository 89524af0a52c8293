#pragma once

// The Kafka output: each worker owns a transactional producer
// (transactional.id = "<id_prefix>-<worker>"), so a restarted process fences
// the zombie producers of a killed one and aborts their open transactions.
// Records, their schemas and the bookmarks of a checkpoint commit in one
// transaction: read_committed consumers see all of them or none.

#include "kafka/settings.hpp"
#include "sinks/record_sink.hpp"

namespace quarry::sinks {

std::unique_ptr<sink_factory> make_kafka_sink_factory(kafka::client_settings settings,
                                                      std::string transactional_id_prefix);

} // namespace quarry::sinks
