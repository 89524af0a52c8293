#pragma once

// librdkafka's in-process mock cluster, for the demo and for trying quarry
// with nothing installed. It lives inside this process and dies with it.
//
// Limits (librdkafka 2.0.2; see docs/kafka.md): it writes no transaction
// markers, so a read_committed consumer also sees aborted records; partition
// logs keep at most 100,000 message sets or 5 MiB, dropping the oldest; no
// compaction, no durability. Never use it to claim exactly-once delivery.

#include "proto/error.hpp"

#include <memory>
#include <string>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace quarry::kafka {

class embedded_cluster {
 public:
  static result<std::unique_ptr<embedded_cluster>> start(int brokers = 1);
  ~embedded_cluster();
  embedded_cluster(const embedded_cluster&) = delete;
  embedded_cluster& operator=(const embedded_cluster&) = delete;

  // "127.0.0.1:port,..." for clients in this process.
  const std::string& bootstrap_servers() const { return bootstrap_; }

 private:
  embedded_cluster(rd_kafka_s* owner, rd_kafka_mock_cluster_s* cluster);
  rd_kafka_s* owner_;
  rd_kafka_mock_cluster_s* cluster_;
  std::string bootstrap_;
};

} // namespace quarry::kafka
