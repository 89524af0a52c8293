#include "kafka/embedded_cluster.hpp"

#include "kafka/log_bridge.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace quarry::kafka {

result<std::unique_ptr<embedded_cluster>> embedded_cluster::start(int brokers) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);  // it has no bootstrap servers
  route_logs(conf);
  // The cluster needs an owning client handle; it is otherwise unused.
  rd_kafka_t* owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (owner == nullptr) {
    rd_kafka_conf_destroy(conf);
    return make_error(error_kind::fatal, std::string{"embedded kafka: "} + errstr);
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(owner, brokers);
  if (cluster == nullptr) {
    rd_kafka_destroy(owner);
    return make_error(error_kind::fatal, "embedded kafka: cannot start the mock cluster");
  }
  return std::unique_ptr<embedded_cluster>(new embedded_cluster(owner, cluster));
}

embedded_cluster::embedded_cluster(rd_kafka_s* owner, rd_kafka_mock_cluster_s* cluster)
    : owner_(owner), cluster_(cluster), bootstrap_(rd_kafka_mock_cluster_bootstraps(cluster)) {}

embedded_cluster::~embedded_cluster() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(owner_);
}

} // namespace quarry::kafka
