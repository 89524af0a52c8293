#pragma once

// The Kafka output: each worker owns a transactional producer
// (transactional.id = "<id_prefix>-<worker>"), so a restarted process fences
// the zombie producers of a killed one and aborts their open transactions.
// Records, their schemas and the bookmarks of a checkpoint commit in one
// transaction: read_committed consumers see all of them or none. One
// transaction may hold the work of several tasks (the worker's group commit).

#include "kafka/settings.hpp"
#include "sinks/record_sink.hpp"
#include "sinks/schema_registry.hpp"

#include <cstdint>
#include <optional>

namespace quarry::sinks {

// How records are written to their topics (the config's /kafka options).
struct kafka_output {
  enum class format { json, connect_json, confluent_json_schema };
  format value_format = format::json;
  bool logical_timestamps = true;  // connect_json: date-times as Connect Timestamps
  bool nested_json = false;        // connect_json: top-level objects and arrays as JSON text
  // Record topics of streams with a primary key are created compacted.
  bool compact_record_topics = false;
  std::optional<std::int64_t> record_retention_ms;
  // confluent_json_schema: the registry, shared by every worker's sink.
  std::shared_ptr<schema_registry> registry;
};

std::unique_ptr<sink_factory> make_kafka_sink_factory(kafka::client_settings settings,
                                                      std::string transactional_id_prefix,
                                                      kafka_output output = {});

} // namespace quarry::sinks
