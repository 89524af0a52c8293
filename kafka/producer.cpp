#include "kafka/producer.hpp"

#include "kafka/log_bridge.hpp"
#include "telemetry/metrics.hpp"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace quarry::kafka {

struct producer::state {
  std::atomic<std::uint64_t> produced{0};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};
  std::mutex error_mutex;
  std::optional<std::string> delivery_error;
  std::set<std::string> known_topics;
  // A handle per topic produced to, so that produce() neither looks the
  // topic up by name (under librdkafka's handle lock) nor copies its name.
  // Owned by the producer's thread; released before the handle.
  std::map<std::string, rd_kafka_topic_t*, std::less<>> topic_handles;
  prometheus::Counter& delivered_metric =
      telemetry::metrics().kafka_messages.Add({{"outcome", "delivered"}});
  prometheus::Counter& failed_metric =
      telemetry::metrics().kafka_messages.Add({{"outcome", "failed"}});
  prometheus::Histogram& latency_metric =
      telemetry::metrics().kafka_delivery_latency.Add({}, telemetry::latency_buckets());
};

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Property names whose values may be secret: librdkafka's error text for them
// would echo the value, so it is never shown.
bool sensitive(std::string_view name) {
  for (std::string_view word : {"password", "secret", "jaas", "pem", "oauthbearer"})
    if (name.find(word) != std::string_view::npos) return true;
  return false;
}

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* st = static_cast<producer::state*>(opaque);
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    st->delivered.fetch_add(1, std::memory_order_relaxed);
    st->delivered_metric.Increment();
    if (auto us = rd_kafka_message_latency(msg); us >= 0)
      st->latency_metric.Observe(static_cast<double>(us) / 1e6);
    return;
  }
  st->failed.fetch_add(1, std::memory_order_relaxed);
  st->failed_metric.Increment();
  std::lock_guard guard{st->error_mutex};
  if (!st->delivery_error)
    st->delivery_error = std::string{"delivery to "} + rd_kafka_topic_name(msg->rkt) +
                         " failed: " + rd_kafka_err2str(msg->err);
}

void on_error(rd_kafka_t* rk, int err, const char* reason, void*) {
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_fatal_error(rk, buf, sizeof buf);
    spdlog::error("kafka fatal error: {}", buf);
  } else if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || code == RD_KAFKA_RESP_ERR__TRANSPORT) {
    spdlog::debug("kafka: {}", reason);  // transient; librdkafka reconnects
  } else {
    spdlog::warn("kafka: {}", reason);
  }
}

// Turns an rd_kafka_error_t into a quarry error and frees it.
error take(rd_kafka_error_t* err, std::string_view what) {
  const bool fatal = rd_kafka_error_is_fatal(err);
  const bool retriable = rd_kafka_error_is_retriable(err);
  std::string message{what};
  message += ": ";
  message += rd_kafka_error_string(err);
  rd_kafka_error_destroy(err);
  return make_error(fatal ? error_kind::fatal : retriable ? error_kind::retriable : error_kind::fatal,
                    std::move(message));
}

int remaining_ms(steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// A transactional call, made again on a retriable error until `deadline`
// (librdkafka allows that); `call` takes the milliseconds left.
template <class Call>
status until_done(steady_clock::time_point deadline, std::string_view what, Call call) {
  for (;;) {
    rd_kafka_error_t* err = call(remaining_ms(deadline));
    if (err == nullptr) return {};
    auto e = take(err, what);
    if (e.kind != error_kind::retriable || steady_clock::now() >= deadline) return e;
    spdlog::debug("{}; retrying", e.message);
  }
}

} // namespace

result<std::unique_ptr<producer>> producer::create(const client_settings& settings,
                                                   const std::string& transactional_id) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  auto set = [&](const std::string& name, const std::string& value) -> status {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) ==
        RD_KAFKA_CONF_OK)
      return {};
    return make_error(error_kind::fatal,
                      "kafka property " + name + ": " +
                          (sensitive(name) ? std::string{"invalid value"} : std::string{errstr}));
  };
  std::vector<std::pair<std::string, std::string>> props = settings.properties;
  props.emplace_back("bootstrap.servers", settings.bootstrap_servers);
  props.emplace_back("enable.idempotence", "true");
  props.emplace_back("acks", "all");
  props.emplace_back("compression.type", settings.compression);
  auto user_set = [&](std::string_view property) {
    for (const auto& [name, value] : settings.properties)
      if (name == property) return true;
    return false;
  };
  if (!user_set("linger.ms")) props.emplace_back("linger.ms", "20");
  // A key lands on the partition Java clients (and Kafka Streams) choose for
  // it: murmur2 of the key bytes; librdkafka's own default hashes with CRC32.
  if (!user_set("partitioner")) props.emplace_back("partitioner", "murmur2_random");
  if (!transactional_id.empty()) props.emplace_back("transactional.id", transactional_id);
  for (const auto& [name, value] : props) {
    if (auto st = set(name, value); !st) {
      rd_kafka_conf_destroy(conf);
      return std::move(st).error();
    }
  }
  auto st = std::make_unique<state>();
  rd_kafka_conf_set_opaque(conf, st.get());
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_error_cb(conf, on_error);
  route_logs(conf);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return make_error(error_kind::fatal, std::string{"cannot create kafka producer: "} + errstr);
  }
  return std::unique_ptr<producer>(
      new producer(rk, std::move(st), !transactional_id.empty(), settings));
}

producer::producer(rd_kafka_s* handle, std::unique_ptr<state> st, bool transactional,
                   client_settings settings)
    : rk_(handle), state_(std::move(st)), transactional_(transactional),
      settings_(std::move(settings)) {}

producer::~producer() {
  if (!transactional_) rd_kafka_flush(rk_, 10'000);
  for (const auto& [name, rkt] : state_->topic_handles) rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk_);
}

status producer::produce(std::string_view topic, std::string_view key,
                         std::optional<std::string_view> value, std::span<const header> headers,
                         milliseconds queue_timeout) {
  auto handle = state_->topic_handles.find(topic);
  if (handle == state_->topic_handles.end()) {
    std::string name{topic};
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, name.c_str(), nullptr);
    if (rkt == nullptr)
      return make_error(error_kind::fatal, "cannot produce to " + name + ": " +
                                               rd_kafka_err2str(rd_kafka_last_error()));
    handle = state_->topic_handles.emplace(std::move(name), rkt).first;
  }
  const auto deadline = steady_clock::now() + queue_timeout;
  for (;;) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& h : headers)
        rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()),
                            h.value.data(), static_cast<ssize_t>(h.value.size()));
    }
    const void* payload = value ? value->data() : nullptr;
    const size_t payload_size = value ? value->size() : 0;
    const auto err = rd_kafka_producev(
        rk_, RD_KAFKA_V_RKT(handle->second), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<void*>(payload), payload_size), RD_KAFKA_V_HEADERS(hdrs),
        RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {  // the headers now belong to the message
      state_->produced.fetch_add(1, std::memory_order_relaxed);
      rd_kafka_poll(rk_, 0);
      return {};
    }
    if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // Back-pressure: serve delivery reports until the queue has room.
      if (steady_clock::now() >= deadline)
        return make_error(error_kind::retriable,
                          "kafka producer queue still full after waiting for " + handle->first);
      rd_kafka_poll(rk_, 10);
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char buf[512];
      rd_kafka_fatal_error(rk_, buf, sizeof buf);
      return make_error(error_kind::fatal, std::string{"kafka producer failed: "} + buf);
    }
    return make_error(error_kind::fatal,
                      "cannot produce to " + handle->first + ": " + rd_kafka_err2str(err));
  }
}

status producer::flush(milliseconds timeout) {
  const auto err = rd_kafka_flush(rk_, static_cast<int>(timeout.count()));
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT)
    return make_error(error_kind::retriable,
                      std::to_string(rd_kafka_outq_len(rk_)) +
                          " kafka messages still undelivered after flush timeout");
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return make_error(error_kind::fatal, std::string{"kafka flush: "} + rd_kafka_err2str(err));
  return {};
}

void producer::poll() { rd_kafka_poll(rk_, 0); }

status producer::init_transactions(milliseconds timeout) {
  return until_done(steady_clock::now() + timeout, "kafka init_transactions",
                    [&](int ms) { return rd_kafka_init_transactions(rk_, ms); });
}

status producer::begin_transaction() {
  if (rd_kafka_error_t* err = rd_kafka_begin_transaction(rk_)) {
    auto e = take(err, "kafka begin_transaction");
    e.kind = error_kind::fatal;  // only fails on misuse or a fatal producer state
    return e;
  }
  return {};
}

status producer::commit_transaction(milliseconds timeout) {
  static auto& committed = telemetry::metrics().kafka_transactions.Add({{"outcome", "committed"}});
  static auto& aborted = telemetry::metrics().kafka_transactions.Add({{"outcome", "aborted"}});
  static auto& failed = telemetry::metrics().kafka_transactions.Add({{"outcome", "failed"}});
  const auto deadline = steady_clock::now() + timeout;
  for (;;) {
    rd_kafka_error_t* err = rd_kafka_commit_transaction(rk_, remaining_ms(deadline));
    if (err == nullptr) {
      committed.Increment();
      return {};
    }
    if (rd_kafka_error_txn_requires_abort(err)) {
      auto cause = take(err, "kafka commit_transaction");
      if (auto st = abort_transaction(timeout); !st) {
        failed.Increment();
        return std::move(st).error();
      }
      aborted.Increment();
      cause.kind = error_kind::retriable;
      cause.message += " (transaction aborted; produce its records again)";
      return cause;
    }
    auto e = take(err, "kafka commit_transaction");
    if (e.kind == error_kind::retriable && steady_clock::now() < deadline) {
      spdlog::debug("{}; retrying", e.message);
      continue;
    }
    failed.Increment();
    return e;
  }
}

status producer::abort_transaction(milliseconds timeout) {
  return until_done(steady_clock::now() + timeout, "kafka abort_transaction",
                    [&](int ms) { return rd_kafka_abort_transaction(rk_, ms); });
}

status producer::ensure_topic(const std::string& topic, topic_spec spec) {
  if (settings_.auto_create_topics || state_->known_topics.count(topic) != 0) return {};
  char errstr[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), settings_.topic_partitions,
                                                  settings_.replication_factor, errstr,
                                                  sizeof errstr);
  if (nt == nullptr)
    return make_error(error_kind::fatal, "cannot describe topic " + topic + ": " + errstr);
  if (spec.compacted)
    rd_kafka_NewTopic_set_config(nt, "cleanup.policy", spec.retention_ms ? "compact,delete" : "compact");
  if (spec.retention_ms)
    rd_kafka_NewTopic_set_config(nt, "retention.ms", std::to_string(*spec.retention_ms).c_str());
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk_, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, 30'000, errstr, sizeof errstr);
  rd_kafka_CreateTopics(rk_, &nt, 1, options, queue);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 35'000);
  status outcome;
  if (ev == nullptr) {
    outcome = make_error(error_kind::retriable, "timed out creating topic " + topic);
  } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    outcome = make_error(error_kind::retriable, "cannot create topic " + topic + ": " +
                                                    rd_kafka_event_error_string(ev));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      const auto err = rd_kafka_topic_result_error(results[i]);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        const char* why = rd_kafka_topic_result_error_string(results[i]);
        outcome = make_error(error_kind::fatal, "cannot create topic " + topic + ": " +
                                                    (why ? why : rd_kafka_err2str(err)));
      }
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy(nt);
  if (outcome) {
    state_->known_topics.insert(topic);
    // librdkafka learns of a topic it has not seen at its next metadata scan
    // (up to a second later); asking now lets the first record go at once.
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk_, 0, rkt, &md, 5'000) == RD_KAFKA_RESP_ERR_NO_ERROR)
      rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
  }
  return outcome;
}

delivery_stats producer::stats() const {
  return {state_->produced.load(), state_->delivered.load(), state_->failed.load()};
}

std::optional<std::string> producer::take_delivery_error() {
  std::lock_guard guard{state_->error_mutex};
  return std::exchange(state_->delivery_error, std::nullopt);
}

} // namespace quarry::kafka
