#include "runtime/outputs.hpp"

#include "actors/usage_store.hpp"
#include "sinks/stream_sinks.hpp"

#include <cstdio>

namespace quarry::runtime {

std::optional<output_choice> parse_output(const std::string& text) {
  if (text == "kafka") return output_choice{output_kind::kafka, ""};
  if (text == "singer") return output_choice{output_kind::singer, ""};
  if (text.rfind("jsonl=", 0) == 0 && text.size() > 6)
    return output_choice{output_kind::jsonl, text.substr(6)};
  return std::nullopt;
}

kafka::client_settings kafka_settings_of(const config::kafka_config& k) {
  kafka::client_settings s;
  s.bootstrap_servers = k.bootstrap_servers;
  for (const auto& p : k.properties) s.properties.emplace_back(p.name, p.value.reveal());
  s.compression = std::string{config::to_string(k.compression)};
  s.topic_partitions = k.topic_partitions;
  s.replication_factor = k.replication_factor;
  return s;
}

sinks::kafka_output kafka_output_of(const config::kafka_config& k) {
  sinks::kafka_output out;
  switch (k.format) {
    case config::value_format::json: out.value_format = sinks::kafka_output::format::json; break;
    case config::value_format::connect_json: out.value_format = sinks::kafka_output::format::connect_json; break;
    case config::value_format::confluent_json_schema:
      out.value_format = sinks::kafka_output::format::confluent_json_schema;
      break;
  }
  if (k.schema_registry)
    out.registry = std::make_shared<sinks::schema_registry>(
        k.schema_registry->url, k.schema_registry->user_info ? k.schema_registry->user_info->reveal() : "");
  out.logical_timestamps = k.timestamps == config::connect_timestamps::logical;
  out.nested_json = k.nested == config::connect_nested::json;
  out.compact_record_topics = k.compact_record_topics;
  out.record_retention_ms = k.record_retention_ms;
  return out;
}

std::shared_ptr<sinks::sink_factory> make_sink_factory(const config::quarry_config& config, const engine_options& options,
                                                      const kafka::client_settings& kafka,
                                                      const std::vector<std::string>& job_names) {
  switch (options.output.kind) {
    case output_kind::kafka: {
      // Serve and its worker processes share one set of names: any of
      // them may have to fence a producer of another.
      std::string id = config.kafka.topic_prefix + "-" + options.instance;
      if (options.instance != "serve")
        for (const auto& j : job_names) id += "-" + j;
      return sinks::make_kafka_sink_factory(kafka, id, kafka_output_of(config.kafka));
    }
    case output_kind::singer: {
      sinks::job_state initial;
      if (options.singer_state_file) initial = sinks::load_state_file(*options.singer_state_file);
      return sinks::make_singer_sink_factory(stdout, std::move(initial));
    }
    case output_kind::jsonl:
      return sinks::make_jsonl_sink_factory(options.output.path);
  }
  return nullptr;
}

state_loader make_state_loader(const engine_options& options, const kafka::client_settings& kafka) {
  switch (options.output.kind) {
    case output_kind::kafka:
      return [settings = kafka](const std::string& prefix, const std::string& job) {
        return sinks::load_kafka_state(settings, prefix, job);
      };
    case output_kind::singer: {
      sinks::job_state table;
      if (options.singer_state_file) table = sinks::load_state_file(*options.singer_state_file);
      return [table](const std::string&, const std::string&) -> result<sinks::job_state> {
        return table;
      };
    }
    case output_kind::jsonl: {
      const std::string path = sinks::jsonl_state_path(options.output.path);
      return [path](const std::string&, const std::string&) -> result<sinks::job_state> {
        std::FILE* f = std::fopen(path.c_str(), "r");
        if (f == nullptr) return sinks::job_state{};
        std::fclose(f);
        return sinks::load_state_file(path);
      };
    }
  }
  return {};
}

std::shared_ptr<actors::usage_store> make_usage_store(const config::quarry_config& config,
                                                     const engine_options& options,
                                                     const kafka::client_settings& kafka) {
  if (options.output.kind == output_kind::kafka)
    return actors::make_kafka_usage_store(kafka, config.kafka.topic_prefix);
  return actors::make_file_usage_store(options.state_dir);
}

} // namespace quarry::runtime
