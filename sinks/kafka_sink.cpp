#include "sinks/kafka_sink.hpp"

#include "connectors/core/timestamp.hpp"
#include "kafka/producer.hpp"
#include "proto/record.hpp"
#include "sinks/connect_json.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace quarry::sinks {
namespace {

class kafka_sink final : public record_sink {
 public:
  kafka_sink(kafka::client_settings settings, std::string transactional_id, kafka_output output)
      : settings_(std::move(settings)), transactional_id_(std::move(transactional_id)),
        output_(std::move(output)) {}

  status open() override {
    producer_.reset();
    in_transaction_ = false;
    auto p = kafka::producer::create(settings_, transactional_id_);
    if (!p) return std::move(p).error();
    if (auto st = (*p)->init_transactions(); !st) return st;
    producer_ = std::move(p).value();
    return {};
  }

  status write(const record_origin& origin, const stream_info& stream, std::string_view key,
               std::optional<std::string_view> value) override {
    if (auto st = begin(); !st) return st;
    const std::string& topic = topic_of(origin, stream.name);
    if (auto st = producer_->ensure_topic(topic, record_topic_spec(stream)); !st) return st;
    // Two headers, each an allocation in librdkafka: what a record cannot
    // be told apart by otherwise (proto/record.hpp says where the rest is).
    const kafka::header sent[] = {{contract::header_run, origin.run},
                                  {contract::header_schema, stream.fingerprint}};
    if (output_.value_format == kafka_output::format::json)
      return producer_->produce(topic, key, value, sent);
    if (output_.value_format == kafka_output::format::confluent_json_schema) {
      auto ids = schema_ids_of(stream, topic);
      if (!ids) return std::move(ids).error();
      key_buffer_.clear();
      confluent_frame(ids->key, key, key_buffer_);
      if (!value) return producer_->produce(topic, key_buffer_, std::nullopt, sent);
      value_buffer_.clear();
      confluent_frame(ids->value, *value, value_buffer_);
      return producer_->produce(topic, key_buffer_, value_buffer_, sent);
    }
    auto writer = envelope_of(origin, stream, topic);
    if (!writer) return std::move(writer).error();
    key_buffer_.clear();
    if (auto st = (*writer)->key(key, key_buffer_); !st) return st;
    if (!value) return producer_->produce(topic, key_buffer_, std::nullopt, sent);
    value_buffer_.clear();
    if (auto st = (*writer)->value(*value, value_buffer_); !st) return st;
    return producer_->produce(topic, key_buffer_, value_buffer_, sent);
  }

  status publish_schema(const record_origin& origin, std::string_view stream,
                        std::string_view schema, std::string_view fingerprint,
                        const std::vector<std::string>&) override {
    if (auto st = begin(); !st) return st;
    const auto topic = contract::schemas_topic(origin.prefix);
    if (auto st = producer_->ensure_topic(topic, {.compacted = true, .retention_ms = std::nullopt}); !st) return st;
    const std::string key = origin.source + "." + std::string{stream};
    const kafka::header headers[] = {{contract::header_schema, fingerprint}};
    return producer_->produce(topic, key, schema, headers);
  }

  // The state changes of every task in the commit go to their jobs' state
  // topics in the open transaction, then it commits: one commit per batch.
  status commit(const std::vector<task_states>& tasks) override {
    std::string at;
    for (const auto& task : tasks) {
      if (task.updates.empty()) continue;
      const record_origin& origin = *task.origin;
      if (auto st = begin(); !st) return st;
      const auto topic = contract::state_topic(origin.prefix);
      if (auto st = producer_->ensure_topic(topic, {.compacted = true, .retention_ms = std::nullopt}); !st) return st;
      if (at.empty()) at = connectors::format_utc_ms(std::chrono::system_clock::now());
      for (const auto& s : task.updates) {
        status st;
        // A bookmark, pending child or snapshot: {"<what>": value, "run", "at"}
        // under its key; a finished child deletes its pending record.
        const auto stored = [&](const char* what, const std::string& key) {
          const nlohmann::json value = {{what, nlohmann::json::parse(s.value)}, {"run", origin.run}, {"at", at}};
          return producer_->produce(topic, key, value.dump());
        };
        switch (s.what) {
          case state_update::kind::bookmark:
            st = stored("bookmark", contract::state_key(origin.job, s.stream, s.partition));
            break;
          case state_update::kind::pending_child:
            st = stored("pending", contract::pending_key(origin.job, s.stream, s.partition));
            break;
          case state_update::kind::child_done:
            st = producer_->produce(
                topic, contract::pending_key(origin.job, s.stream, s.partition), std::nullopt);
            break;
          case state_update::kind::snapshot:
            st = stored("snapshot", contract::snapshot_key(origin.job, s.stream, s.partition));
            break;
        }
        if (!st) return st;
      }
    }
    if (!in_transaction_) return {};
    in_transaction_ = false;
    return producer_->commit_transaction();
  }

  status abort() override {
    if (!in_transaction_ || !producer_) return {};
    in_transaction_ = false;
    return producer_->abort_transaction();
  }

 private:
  status begin() {
    if (!producer_) return make_error(error_kind::fatal, "kafka sink is not open");
    if (in_transaction_) return {};
    if (auto st = producer_->begin_transaction(); !st) return st;
    in_transaction_ = true;
    return {};
  }

  struct schema_ids {
    std::int32_t key = 0, value = 0;
  };

  // confluent_json_schema: the registry's ids of the stream's key and value
  // schemas under "<topic>-key" / "<topic>-value", registered on first use.
  result<schema_ids> schema_ids_of(const stream_info& stream, const std::string& topic) {
    const std::string id = topic + '\x1f' + stream.fingerprint;
    if (auto it = schema_ids_.find(id); it != schema_ids_.end()) return it->second;
    auto value = output_.registry->register_schema(topic + "-value", stream.schema);
    if (!value) return std::move(value).error();
    auto key = output_.registry->register_schema(topic + "-key", key_schema(stream));
    if (!key) return std::move(key).error();
    return schema_ids_.emplace(id, schema_ids{*key, *value}).first->second;
  }

  // A JSON Schema of the record key: an object of the primary key fields,
  // each typed as in the stream's schema.
  static std::string key_schema(const stream_info& stream) {
    const auto schema = nlohmann::json::parse(stream.schema, nullptr, false);
    const auto props = schema.is_object() ? schema.find("properties") : schema.end();
    nlohmann::json fields = nlohmann::json::object();
    for (const auto& f : stream.key_fields) {
      const bool typed = props != schema.end() && props->is_object() && props->contains(f);
      fields[f] = typed ? (*props)[f] : nlohmann::json::object();
    }
    return nlohmann::json{{"type", "object"}, {"properties", fields}, {"required", stream.key_fields}}.dump();
  }

  // The stream's Connect envelope writer, made once per schema.
  result<const connect::envelope_writer*> envelope_of(const record_origin& origin,
                                                      const stream_info& stream,
                                                      const std::string& topic) {
    const std::string id = topic + '\x1f' + stream.fingerprint;
    auto it = envelopes_.find(id);
    if (it != envelopes_.end()) return &it->second;
    const auto schema = nlohmann::json::parse(stream.schema, nullptr, false);
    if (schema.is_discarded())
      return make_error(error_kind::fatal, origin.source + "." + stream.name +
                                               ": no JSON Schema to derive its Connect schema from");
    auto writer = connect::envelope_writer::make(
        schema, stream.key_fields, topic,
        output_.logical_timestamps ? connect::timestamps::logical : connect::timestamps::string,
        output_.nested_json ? connect::nested::json : connect::nested::structs);
    if (!writer) return std::move(writer).error();
    return &envelopes_.emplace(id, std::move(writer).value()).first->second;
  }

  kafka::topic_spec record_topic_spec(const stream_info& stream) const {
    return {.compacted = output_.compact_record_topics && !stream.key_fields.empty(),
            .retention_ms = output_.record_retention_ms};
  }

  const std::string& topic_of(const record_origin& origin, std::string_view stream) {
    // Consecutive records mostly go to the same topic.
    if (last_topic_ && stream == last_stream_ && origin.prefix == last_prefix_ && origin.source == last_source_)
      return *last_topic_;
    last_stream_ = stream;
    last_prefix_ = origin.prefix;
    last_source_ = origin.source;
    std::string id = origin.prefix;
    id += '\x1f';
    id += origin.source;
    id += '\x1f';
    id += stream;
    auto it = topics_.find(id);
    if (it == topics_.end())
      it = topics_.emplace(std::move(id), contract::records_topic(origin.prefix, origin.source, stream))
               .first;
    last_topic_ = &it->second;
    return it->second;
  }

  kafka::client_settings settings_;
  std::string transactional_id_;
  kafka_output output_;
  std::unique_ptr<kafka::producer> producer_;
  bool in_transaction_ = false;
  std::map<std::string, std::string> topics_;
  const std::string* last_topic_ = nullptr;  // into topics_, whose nodes never move
  std::string last_stream_, last_prefix_, last_source_;
  std::map<std::string, connect::envelope_writer> envelopes_;  // by topic and schema fingerprint
  std::map<std::string, schema_ids> schema_ids_;                // by topic and schema fingerprint
  std::string key_buffer_, value_buffer_;
};

class kafka_sink_factory final : public sink_factory {
 public:
  kafka_sink_factory(kafka::client_settings settings, std::string prefix, kafka_output output)
      : settings_(std::move(settings)), prefix_(std::move(prefix)), output_(std::move(output)) {}

  std::unique_ptr<record_sink> make(const std::string& worker_name) override {
    return std::make_unique<kafka_sink>(settings_, prefix_ + "-" + worker_name, output_);
  }

  status fence(const std::string& worker_name) override { return make(worker_name)->open(); }

 private:
  kafka::client_settings settings_;
  std::string prefix_;
  kafka_output output_;
};

} // namespace

std::unique_ptr<sink_factory> make_kafka_sink_factory(kafka::client_settings settings,
                                                      std::string transactional_id_prefix,
                                                      kafka_output output) {
  return std::make_unique<kafka_sink_factory>(std::move(settings),
                                              std::move(transactional_id_prefix),
                                              std::move(output));
}

} // namespace quarry::sinks
