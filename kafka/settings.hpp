#pragma once

// How to reach a Kafka cluster. Built from the config's "kafka" section by
// the CLI; kafka/ itself knows nothing of the config file.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace quarry::kafka {

struct client_settings {
  std::string bootstrap_servers;
  // librdkafka properties passed through verbatim (security.protocol, sasl.*,
  // ssl.*, ...). Values may be secrets: never log them.
  std::vector<std::pair<std::string, std::string>> properties;
  std::string compression = "lz4";
  // Topics created on demand get these.
  int topic_partitions = 1;
  int replication_factor = -1;  // -1: the broker's default
  // The cluster creates topics on first use and has no admin API (the
  // embedded mock cluster): ensure_topic does nothing.
  bool auto_create_topics = false;
};

// How a topic created on demand is configured.
struct topic_spec {
  bool compacted = false;  // cleanup.policy=compact (state, schemas, quota)
  // retention.ms; with `compacted`, cleanup.policy=compact,delete.
  std::optional<std::int64_t> retention_ms;
};

} // namespace quarry::kafka
