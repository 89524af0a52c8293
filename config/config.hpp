#pragma once

// quarry's configuration: one JSON file, parsed and validated as a whole.
//
// parse() checks every field and answers either a quarry_config or the list
// of ALL problems found, each naming its field by JSON pointer (RFC 6901) and
// saying what was expected. Unknown fields are problems too. Secrets are
// resolved during validation, so a config that parses has every secret in
// hand; problems resolving one are reported at the secret's pointer.
//
// No message ever holds a secret's value, nor the value of any credential or
// kafka property; other values (a compression name, a date) may be echoed.
//
// The model is plain structs. Defaults below are the values an absent field
// takes. A quarry_config is immutable after load and safe to share between
// threads.

#include "config/secret.hpp"
#include "config/source_rules.hpp"
#include "config/value_formats.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace quarry::scheduling {
class schedule;  // schedule/schedule.hpp
}

namespace quarry::config {

enum class compression_codec { none, gzip, snappy, lz4, zstd };
// How a record's value (and key) is written to its topic.
enum class value_format {
  json,          // the record as plain JSON
  connect_json,  // Kafka Connect's JsonConverter envelope {"schema":...,"payload":...}
  confluent_json_schema,  // Confluent's wire format: magic byte, schema id, the JSON
};
// How connect_json writes date-times: Connect's Timestamp logical type
// (epoch milliseconds) or the RFC 3339 string as read.
enum class connect_timestamps { logical, string };
// How connect_json writes a top-level property whose JSON Schema is an object
// or an array: a Connect struct/map/array ("struct"), or a string named
// io.debezium.data.Json holding the value's JSON text ("json"), which
// Debezium's JDBC sink stores in a json column.
enum class connect_nested { structs, json };
enum class log_severity { trace, debug, info, warn, error };

// Each enum's spellings in the config file (and for librdkafka / spdlog),
// in the order messages list them: to_string and the validator both read
// them here. The argument only picks the enum.
template <class Enum>
using enum_names = std::span<const std::pair<std::string_view, Enum>>;
enum_names<compression_codec> names_of(compression_codec) noexcept;
enum_names<value_format> names_of(value_format) noexcept;
enum_names<connect_timestamps> names_of(connect_timestamps) noexcept;
enum_names<connect_nested> names_of(connect_nested) noexcept;
enum_names<log_severity> names_of(log_severity) noexcept;

template <class Enum>
  requires requires(Enum e) { names_of(e); }
std::string_view to_string(Enum value) noexcept {
  for (const auto& [name, e] : names_of(value))
    if (e == value) return name;
  return "?";
}

struct kafka_property {
  std::string name;      // a librdkafka property, e.g. "security.protocol"
  property_value value;  // a secret for sensitive names (see below)
};

// /kafka/schema_registry: where confluent_json_schema registers its schemas.
struct schema_registry_config {
  std::string url;                   // http(s) base URL of the Confluent API
  std::optional<secret> user_info;   // "user:password" for basic auth
};

// /kafka
struct kafka_config {
  // Run an in-process cluster instead of connecting to one.
  bool embedded = false;
  // "host:port,host:port" with whitespace around entries removed; empty iff
  // embedded.
  std::string bootstrap_servers;
  std::string topic_prefix = "quarry";
  compression_codec compression = compression_codec::lz4;
  int topic_partitions = 1;
  int replication_factor = -1;  // -1: the broker's default
  value_format format = value_format::json;
  connect_timestamps timestamps = connect_timestamps::logical;
  connect_nested nested = connect_nested::structs;
  // Record topics of streams with a primary key are created compacted, so a
  // topic holds the current table (tombstones delete).
  bool compact_record_topics = false;
  // retention.ms of record topics created by quarry (with compaction:
  // cleanup.policy "compact,delete"); unset: the broker's default.
  std::optional<std::int64_t> record_retention_ms;
  // Set iff format is confluent_json_schema.
  std::optional<schema_registry_config> schema_registry;
  // Passed to librdkafka verbatim, sorted by name. Never holds the
  // properties quarry sets itself (bootstrap.servers, enable.idempotence,
  // acks, transactional.id, isolation.level). Names containing "password",
  // "secret", "sasl.jaas.config", "ssl.key.pem" or "sasl.oauthbearer.config"
  // always hold secrets.
  std::vector<kafka_property> properties;
};

// /telemetry
struct telemetry_config {
  std::string listen;  // "host:port" of the status/metrics server; "" = off
  log_severity log_level = log_severity::info;
};

// /engine
struct engine_config {
  int workers = 4;  // 1..256
  std::int64_t checkpoint_records = 10000;
  std::int64_t checkpoint_interval_ms = 5000;
  int task_attempts = 3;
  std::int64_t request_timeout_ms = 120000;  // one API call, start to end
};

struct quota_window {
  std::int64_t calls = 0;    // at most this many calls ...
  std::int64_t seconds = 0;  // ... in any window of this many seconds
};

// /accounts/<n>/quota; every field optional (absent = no such limit).
struct quota_config {
  std::optional<std::int64_t> daily_calls;
  std::optional<int> daily_reset_minute;  // "HH:MM" as minutes after midnight
  std::optional<std::string> time_zone;   // a zone of the tz database (checked at load)
  std::vector<quota_window> windows;
  std::optional<int> concurrency;
  std::optional<std::int64_t> daily_bytes;
};

// /accounts/<n>
struct account_config {
  std::string name;  // the key under /accounts; [A-Za-z0-9_-]+
  std::string source;  // one of the source_rules given to parse()
  std::optional<std::string> endpoint;  // starts with http:// or https://
  // Field name -> value. Fields the source marks secret hold secrets.
  std::map<std::string, property_value, std::less<>> credentials;
  quota_config quota;
  // The free-form /accounts/<n>/settings object, checked later by the
  // connector. Never null after parse(): an empty object when absent.
  std::shared_ptr<const nlohmann::json> settings;

  // The credential `field`, or nullptr.
  const property_value* credential(std::string_view field) const;
};

// One entry of /jobs/<i>/streams.
struct stream_selection {
  std::string pattern;  // a stream name or a glob ("activities_*")
  bool selected = true;  // false excludes the streams the pattern matches
  std::vector<std::string> columns;  // empty = all columns
};

// /jobs/<i>
struct job_config {
  std::string name;  // [A-Za-z0-9_-]+, unique among jobs
  std::string account;  // names an entry of quarry_config::accounts
  timestamp start_date;
  // nullopt = every stream of the source; otherwise never empty.
  std::optional<std::vector<stream_selection>> streams;
  std::optional<std::string> topic_prefix;  // overrides kafka.topic_prefix
  // When `quarry serve` runs the job by itself; nullptr: only when triggered.
  // Include schedule/schedule.hpp to use it.
  std::shared_ptr<const scheduling::schedule> schedule;
};

// Mutual TLS on the cluster channel between `quarry serve` and `quarry
// worker` (serve.tls, worker.tls): PEM files, read by CAF's OpenSSL module at
// every connection, so a rotated certificate applies to the next one. A peer
// is trusted when its certificate chains to `ca`; names are not checked.
struct tls_config {
  std::string ca;        // the CA certificate(s) peers must chain to
  std::string cert;      // this process's certificate (chain)
  // The private key's file. A secret: written {"file": PATH} (CAF reads
  // keys from files; an inline or {"env"} key is refused), never printed.
  std::string key_file;
};

// /serve: settings of `quarry serve` only (extract ignores them).
struct serve_config {
  // The bearer token the admin API requires; nullopt: none. Not required at
  // parse time: serve decides, with is_loopback_listen(telemetry.listen).
  std::optional<secret> admin_token;
  std::string cluster_listen;  // "host:port" where remote workers join; "" = none
  int grace_period_s = 30;     // 1..3600: how long open work may take after SIGTERM
  int heartbeat_ms = 1000;     // 100..60000: CAF middleman heartbeat interval
  // 200..600000 and at least 2 * heartbeat_ms; absent = 5 * heartbeat_ms.
  // A peer silent this long is lost.
  int peer_timeout_ms = 5000;
  int local_workers = 4;  // 0..256; absent = engine.workers; 0 = run nothing locally
  // Remote workers must present a certificate chaining to tls->ca. Required
  // (by serve, not at parse time) when cluster_listen is not loopback.
  std::optional<tls_config> tls;
};

// /worker: settings of `quarry worker` only.
struct worker_section {
  // The coordinator must present a certificate chaining to tls->ca; nullopt:
  // plain TCP (a coordinator with serve.tls refuses it).
  std::optional<tls_config> tls;
};

struct quarry_config {
  kafka_config kafka;
  telemetry_config telemetry;
  engine_config engine;
  serve_config serve;
  worker_section worker;
  std::vector<account_config> accounts;  // sorted by name
  std::vector<job_config> jobs;          // in file order

  // nullptr when there is none by that name.
  const account_config* find_account(std::string_view name) const;
  const job_config* find_job(std::string_view name) const;
};

// One problem with the config file.
struct config_issue {
  std::string pointer;  // RFC 6901; "" = the whole document
  std::string message;  // what is wrong and what was expected; no pointer
};

// A valid config, or every problem found (never empty); issues come in the
// order the validator visits the document.
using load_result = std::variant<quarry_config, std::vector<config_issue>>;

// Whether parse() reads the secrets a config references.
enum class secret_resolution {
  resolve,     // read every {"env": NAME} and {"file": PATH}; a missing one is an issue
  shape_only,  // check references (and TLS file paths) for shape only; nothing is read,
               // the secrets' values stay empty
};

// Parses and validates `json_text`. A JSON syntax error is one issue at ""
// saying "invalid JSON at line L, column C: ...". Sources named by accounts
// are checked against `sources`.
load_result parse(std::string_view json_text,
                  const std::vector<source_rules>& sources,
                  secret_resolution secrets = secret_resolution::resolve);

// One line per issue, "config error at <pointer>: <message>" ("config error:
// <message>" for the whole document), joined by "\n".
std::string format_issues(const std::vector<config_issue>& issues);

// Thrown by load_file. what() is "invalid config <path>:" followed by
// format_issues(issues()) on the next lines.
class config_error : public std::runtime_error {
 public:
  config_error(std::string path, std::vector<config_issue> issues);

  const std::string& path() const noexcept { return path_; }
  const std::vector<config_issue>& issues() const noexcept { return issues_; }

 private:
  std::string path_;
  std::vector<config_issue> issues_;
};

// Reads and parses the file at `path`. Throws config_error when the file
// cannot be read (naming the path and the system's reason) or is invalid.
quarry_config load_file(const std::string& path,
                        const std::vector<source_rules>& sources,
                        secret_resolution secrets = secret_resolution::resolve);

} // namespace quarry::config
