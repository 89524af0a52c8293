#pragma once

// Reads a topic from the beginning to its current end, as a read_committed
// consumer: what quarry's state store does at startup and what tests use to
// check what a downstream consumer would see. Blocking; never on a CAF
// cooperative scheduler thread.

#include "kafka/settings.hpp"
#include "proto/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace quarry::kafka {

struct consumed_message {
  std::string topic;
  int partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::optional<std::string> value;  // empty for a tombstone
  std::vector<std::pair<std::string, std::string>> headers;
  std::int64_t timestamp_ms = -1;  // the record's timestamp (CreateTime unless the topic says LogAppendTime)
};

enum class isolation { read_committed, read_uncommitted };

// Calls `on_message` for every message up to the end offset of every partition
// as of the call (the last stable offset for read_committed). A topic that
// does not exist reads as empty.
status read_to_end(const client_settings& settings, const std::string& topic,
                   const std::function<void(consumed_message&&)>& on_message,
                   isolation level = isolation::read_committed,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60));

} // namespace quarry::kafka
