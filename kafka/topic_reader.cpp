#include "kafka/topic_reader.hpp"

#include "kafka/log_bridge.hpp"

#include <librdkafka/rdkafka.h>

#include <memory>
#include <set>

namespace quarry::kafka {
namespace {

using std::chrono::steady_clock;

struct consumer_handle {
  rd_kafka_t* rk = nullptr;
  ~consumer_handle() {
    if (rk != nullptr) {
      rd_kafka_consumer_close(rk);
      rd_kafka_destroy(rk);
    }
  }
};

} // namespace

status read_to_end(const client_settings& settings, const std::string& topic,
                   const std::function<void(consumed_message&&)>& on_message, isolation level,
                   std::chrono::milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::vector<std::pair<std::string, std::string>> props = settings.properties;
  props.emplace_back("bootstrap.servers", settings.bootstrap_servers);
  props.emplace_back("group.id", "quarry-reader");  // never joined: partitions are assigned
  props.emplace_back("enable.auto.commit", "false");
  props.emplace_back("enable.partition.eof", "true");
  props.emplace_back("auto.offset.reset", "earliest");
  props.emplace_back("isolation.level",
                     level == isolation::read_committed ? "read_committed" : "read_uncommitted");
  for (const auto& [name, value] : props) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return make_error(error_kind::fatal, "kafka consumer property " + name + " rejected");
    }
  }
  route_logs(conf);
  consumer_handle consumer;
  consumer.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (consumer.rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return make_error(error_kind::fatal, std::string{"cannot create kafka consumer: "} + errstr);
  }
  rd_kafka_t* rk = consumer.rk;

  // Which partitions hold anything?
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (;;) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - steady_clock::now()).count());
    err = rd_kafka_metadata(rk, 0, rkt, &md, std::max(left, 1));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1 ||
        md->topics[0].err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE || left <= 0)
      break;
    rd_kafka_metadata_destroy(md);  // the topic is being created: ask again
    md = nullptr;
  }
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return make_error(error_kind::retriable,
                      "cannot read metadata of " + topic + ": " + rd_kafka_err2str(err));
  std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> md_guard(
      md, rd_kafka_metadata_destroy);
  if (md->topic_cnt != 1 || md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    return {};
  if (md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return make_error(error_kind::retriable,
                      "metadata of " + topic + ": " + rd_kafka_err2str(md->topics[0].err));

  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(8);
  std::set<int> open;
  for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
    const int p = md->topics[0].partitions[i].id;
    int64_t low = 0, high = 0;
    err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 10'000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_topic_partition_list_destroy(assignment);
      return make_error(error_kind::retriable, "cannot read offsets of " + topic + "[" +
                                                   std::to_string(p) + "]: " +
                                                   rd_kafka_err2str(err));
    }
    if (high <= low) continue;
    rd_kafka_topic_partition_list_add(assignment, topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
    open.insert(p);
  }
  if (!open.empty()) rd_kafka_assign(rk, assignment);
  rd_kafka_topic_partition_list_destroy(assignment);

  while (!open.empty()) {
    if (steady_clock::now() >= deadline)
      return make_error(error_kind::retriable, "timed out reading " + topic + " to its end");
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk, 200);
    if (msg == nullptr) continue;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> guard(
        msg, rd_kafka_message_destroy);
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      open.erase(msg->partition);
      continue;
    }
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (rd_kafka_fatal_error(rk, nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return make_error(error_kind::fatal, "reading " + topic + ": " + rd_kafka_message_errstr(msg));
      continue;  // transient; librdkafka retries
    }
    consumed_message out;
    out.topic = topic;
    out.partition = msg->partition;
    out.offset = msg->offset;
    out.timestamp_ms = rd_kafka_message_timestamp(msg, nullptr);
    if (msg->key) out.key.assign(static_cast<const char*>(msg->key), msg->key_len);
    if (msg->payload) out.value.emplace(static_cast<const char*>(msg->payload), msg->len);
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(msg, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* value;
      size_t size;
      for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) ==
                         RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i)
        out.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
    }
    on_message(std::move(out));
  }
  return {};
}

} // namespace quarry::kafka
