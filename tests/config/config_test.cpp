// Specification of the config file: one valid document that exercises every
// field, then one table row per way a document can be wrong, each naming the
// field (JSON pointer) and the phrase the user will read.

#include "config/config.hpp"
#include "tests/config/test_sources.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>

#include <unistd.h>

namespace quarry::config {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* mkto_secret_value = "mkto-secret-value-7f3a";
constexpr const char* sasl_secret_value = "sasl-secret-value-91c2";
constexpr const char* listrak_secret_value = "listrak-secret-value-55d0";

// The environment and files the documents below refer to. Set up once per
// process; the directory is removed at exit.
struct secret_fixtures {
  fs::path dir;
  fs::path listrak_password;
  fs::path missing;

  secret_fixtures() {
    dir = fs::temp_directory_path() / ("quarry_config_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    listrak_password = dir / "listrak_password";
    missing = dir / "no_such_secret";
    std::ofstream(listrak_password) << listrak_secret_value << "\n";
    ::setenv("QUARRY_TEST_MKTO_SECRET", mkto_secret_value, 1);
    ::setenv("QUARRY_TEST_SASL_PASSWORD", sasl_secret_value, 1);
    ::setenv("QUARRY_TEST_EMPTY", "", 1);
    ::unsetenv("QUARRY_TEST_UNSET");
  }
  ~secret_fixtures() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

const secret_fixtures& fixtures() {
  static const secret_fixtures f;
  return f;
}

// Replaces @SECRET_FILE@ and @MISSING_FILE@ with this process's paths.
std::string with_paths(std::string text) {
  const std::pair<std::string, std::string> substitutions[] = {
      {"@SECRET_FILE@", fixtures().listrak_password.string()},
      {"@MISSING_FILE@", fixtures().missing.string()},
  };
  for (const auto& [from, to] : substitutions)
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at))
      text.replace(at, from.size(), to);
  return text;
}

constexpr std::string_view valid_document = R"({
  "kafka": {
    "bootstrap_servers": "kafka-1:9092, kafka-2:9093",
    "topic_prefix": "acme.quarry",
    "compression": "zstd",
    "topic_partitions": 6,
    "replication_factor": 3,
    "value_format": "connect_json",
    "connect_timestamps": "string",
    "connect_nested": "json",
    "compact_record_topics": true,
    "record_retention_ms": 604800000,
    "properties": {
      "security.protocol": "SASL_SSL",
      "sasl.mechanism": "PLAIN",
      "sasl.username": "quarry",
      "sasl.password": {"env": "QUARRY_TEST_SASL_PASSWORD"}
    }
  },
  "telemetry": {"listen": "127.0.0.1:9464", "log_level": "debug"},
  "engine": {"workers": 8, "checkpoint_records": 5000,
             "checkpoint_interval_ms": 2000, "task_attempts": 5, "request_timeout_ms": 1500},
  "accounts": {
    "mkto": {
      "source": "marketo",
      "endpoint": "https://123-abc-456.mktorest.com",
      "credentials": {"client_id": "client-1",
                      "client_secret": {"env": "QUARRY_TEST_MKTO_SECRET"}},
      "quota": {"daily_calls": 40000, "daily_reset": "07:30",
                "time_zone": "America/Chicago",
                "windows": [{"calls": 100, "seconds": 20}, {"calls": 5000, "seconds": 3600}],
                "concurrency": 10, "daily_bytes": 524288000},
      "settings": {"export_days": 7, "activities_via": "rest"}
    },
    "lstrk": {
      "source": "listrak",
      "credentials": {"username": "ops@example.com",
                      "password": {"file": "@SECRET_FILE@"}}
    }
  },
  "jobs": [
    {"name": "marketo-daily", "account": "mkto",
     "start_date": "2024-01-01T00:00:00Z",
     "streams": ["leads", "activities_*"], "topic_prefix": "mkto"},
    {"name": "listrak_all", "account": "lstrk",
     "start_date": "2023-06-15T12:30:45.250+00:00",
     "streams": {"contacts": {"selected": true, "columns": ["id", "email"]},
                 "events_*": {"selected": false}}}
  ]
})";

// The valid document with an RFC 7386 merge patch applied (null removes).
std::string patched(std::string_view patch) {
  json document = json::parse(with_paths(std::string(valid_document)));
  document.merge_patch(json::parse(with_paths(std::string(patch))));
  return document.dump(2);
}

const std::vector<config_issue>& issues_of(const load_result& r) {
  static const std::vector<config_issue> none;
  const auto* issues = std::get_if<std::vector<config_issue>>(&r);
  return issues ? *issues : none;
}

TEST(config_parse, valid_document_fills_every_field) {
  const auto r = parse(with_paths(std::string(valid_document)), test_source_rules());
  ASSERT_TRUE(std::holds_alternative<quarry_config>(r)) << format_issues(issues_of(r));
  const auto& cfg = std::get<quarry_config>(r);

  EXPECT_FALSE(cfg.kafka.embedded);
  EXPECT_EQ(cfg.kafka.bootstrap_servers, "kafka-1:9092,kafka-2:9093");
  EXPECT_EQ(cfg.kafka.topic_prefix, "acme.quarry");
  EXPECT_EQ(cfg.kafka.compression, compression_codec::zstd);
  EXPECT_EQ(cfg.kafka.topic_partitions, 6);
  EXPECT_EQ(cfg.kafka.replication_factor, 3);
  EXPECT_EQ(cfg.kafka.format, value_format::connect_json);
  EXPECT_EQ(cfg.kafka.timestamps, connect_timestamps::string);
  EXPECT_EQ(cfg.kafka.nested, connect_nested::json);
  EXPECT_EQ(to_string(cfg.kafka.nested), "json");
  EXPECT_TRUE(cfg.kafka.compact_record_topics);
  EXPECT_EQ(cfg.kafka.record_retention_ms, 604800000);
  ASSERT_EQ(cfg.kafka.properties.size(), 4u);
  // Sorted by name.
  EXPECT_EQ(cfg.kafka.properties[0].name, "sasl.mechanism");
  EXPECT_EQ(cfg.kafka.properties[0].value.reveal(), "PLAIN");
  EXPECT_FALSE(cfg.kafka.properties[0].value.is_secret());
  EXPECT_EQ(cfg.kafka.properties[1].name, "sasl.password");
  ASSERT_TRUE(cfg.kafka.properties[1].value.is_secret());
  EXPECT_EQ(cfg.kafka.properties[1].value.reveal(), sasl_secret_value);
  EXPECT_EQ(cfg.kafka.properties[1].value.as_secret()->origin(), "env:QUARRY_TEST_SASL_PASSWORD");
  EXPECT_EQ(cfg.kafka.properties[2].name, "sasl.username");
  EXPECT_EQ(cfg.kafka.properties[3].name, "security.protocol");
  EXPECT_EQ(cfg.kafka.properties[3].value.reveal(), "SASL_SSL");

  EXPECT_EQ(cfg.telemetry.listen, "127.0.0.1:9464");
  EXPECT_EQ(cfg.telemetry.log_level, log_severity::debug);

  EXPECT_EQ(cfg.engine.workers, 8);
  EXPECT_EQ(cfg.engine.checkpoint_records, 5000);
  EXPECT_EQ(cfg.engine.checkpoint_interval_ms, 2000);
  EXPECT_EQ(cfg.engine.task_attempts, 5);
  EXPECT_EQ(cfg.engine.request_timeout_ms, 1500);

  ASSERT_EQ(cfg.accounts.size(), 2u);
  const account_config* mkto = cfg.find_account("mkto");
  ASSERT_NE(mkto, nullptr);
  EXPECT_EQ(mkto->name, "mkto");
  EXPECT_EQ(mkto->source, "marketo");
  EXPECT_EQ(mkto->endpoint, "https://123-abc-456.mktorest.com");
  ASSERT_NE(mkto->credential("client_id"), nullptr);
  EXPECT_FALSE(mkto->credential("client_id")->is_secret());
  EXPECT_EQ(mkto->credential("client_id")->reveal(), "client-1");
  ASSERT_NE(mkto->credential("client_secret"), nullptr);
  ASSERT_TRUE(mkto->credential("client_secret")->is_secret());
  EXPECT_EQ(mkto->credential("client_secret")->reveal(), mkto_secret_value);
  EXPECT_EQ(mkto->credential("nope"), nullptr);
  EXPECT_EQ(mkto->quota.daily_calls, 40000);
  EXPECT_EQ(mkto->quota.daily_reset_minute, 7 * 60 + 30);
  EXPECT_EQ(mkto->quota.time_zone, "America/Chicago");
  ASSERT_EQ(mkto->quota.windows.size(), 2u);
  EXPECT_EQ(mkto->quota.windows[0].calls, 100);
  EXPECT_EQ(mkto->quota.windows[0].seconds, 20);
  EXPECT_EQ(mkto->quota.windows[1].calls, 5000);
  EXPECT_EQ(mkto->quota.windows[1].seconds, 3600);
  EXPECT_EQ(mkto->quota.concurrency, 10);
  EXPECT_EQ(mkto->quota.daily_bytes, 524288000);
  ASSERT_NE(mkto->settings, nullptr);
  EXPECT_EQ(*mkto->settings, json::parse(R"({"export_days": 7, "activities_via": "rest"})"));

  const account_config* lstrk = cfg.find_account("lstrk");
  ASSERT_NE(lstrk, nullptr);
  EXPECT_EQ(lstrk->source, "listrak");
  EXPECT_EQ(lstrk->endpoint, std::nullopt);
  EXPECT_EQ(lstrk->credential("username")->reveal(), "ops@example.com");
  ASSERT_TRUE(lstrk->credential("password")->is_secret());
  EXPECT_EQ(lstrk->credential("password")->reveal(), listrak_secret_value);
  EXPECT_EQ(lstrk->credential("password")->as_secret()->origin(),
            "file:" + fixtures().listrak_password.string());
  EXPECT_EQ(lstrk->quota.daily_calls, std::nullopt);
  EXPECT_TRUE(lstrk->quota.windows.empty());
  ASSERT_NE(lstrk->settings, nullptr);
  EXPECT_EQ(*lstrk->settings, json::object());
  EXPECT_EQ(cfg.find_account("none"), nullptr);

  using namespace std::chrono;
  ASSERT_EQ(cfg.jobs.size(), 2u);
  const job_config* daily = cfg.find_job("marketo-daily");
  ASSERT_NE(daily, nullptr);
  EXPECT_EQ(daily, &cfg.jobs[0]);
  EXPECT_EQ(daily->account, "mkto");
  EXPECT_EQ(daily->start_date, sys_days{2024y / January / 1});
  ASSERT_TRUE(daily->streams.has_value());
  ASSERT_EQ(daily->streams->size(), 2u);
  EXPECT_EQ((*daily->streams)[0].pattern, "leads");
  EXPECT_TRUE((*daily->streams)[0].selected);
  EXPECT_TRUE((*daily->streams)[0].columns.empty());
  EXPECT_EQ((*daily->streams)[1].pattern, "activities_*");
  EXPECT_EQ(daily->topic_prefix, "mkto");

  const job_config* all = cfg.find_job("listrak_all");
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(all->account, "lstrk");
  EXPECT_EQ(all->start_date,
            sys_days{2023y / June / 15} + 12h + 30min + 45s + 250ms);
  ASSERT_TRUE(all->streams.has_value());
  ASSERT_EQ(all->streams->size(), 2u);
  EXPECT_EQ((*all->streams)[0].pattern, "contacts");
  EXPECT_TRUE((*all->streams)[0].selected);
  EXPECT_EQ((*all->streams)[0].columns, (std::vector<std::string>{"id", "email"}));
  EXPECT_EQ((*all->streams)[1].pattern, "events_*");
  EXPECT_FALSE((*all->streams)[1].selected);
  EXPECT_EQ(all->topic_prefix, std::nullopt);
  EXPECT_EQ(cfg.find_job("none"), nullptr);
}

TEST(config_parse, minimal_document_takes_defaults) {
  const auto r = parse(R"({"kafka": {"embedded": true}})", test_source_rules());
  ASSERT_TRUE(std::holds_alternative<quarry_config>(r)) << format_issues(issues_of(r));
  const auto& cfg = std::get<quarry_config>(r);
  EXPECT_TRUE(cfg.kafka.embedded);
  EXPECT_EQ(cfg.kafka.bootstrap_servers, "");
  EXPECT_EQ(cfg.kafka.topic_prefix, "quarry");
  EXPECT_EQ(cfg.kafka.compression, compression_codec::lz4);
  EXPECT_EQ(cfg.kafka.topic_partitions, 1);
  EXPECT_EQ(cfg.kafka.replication_factor, -1);
  EXPECT_EQ(cfg.kafka.format, value_format::json);
  EXPECT_EQ(cfg.kafka.timestamps, connect_timestamps::logical);
  EXPECT_EQ(cfg.kafka.nested, connect_nested::structs);
  EXPECT_EQ(to_string(cfg.kafka.nested), "struct");
  EXPECT_FALSE(cfg.kafka.compact_record_topics);
  EXPECT_FALSE(cfg.kafka.record_retention_ms);
  EXPECT_TRUE(cfg.kafka.properties.empty());
  EXPECT_EQ(cfg.telemetry.listen, "");
  EXPECT_EQ(cfg.telemetry.log_level, log_severity::info);
  EXPECT_EQ(cfg.engine.workers, 4);
  EXPECT_EQ(cfg.engine.checkpoint_records, 10000);
  EXPECT_EQ(cfg.engine.checkpoint_interval_ms, 5000);
  EXPECT_EQ(cfg.engine.task_attempts, 3);
  EXPECT_TRUE(cfg.accounts.empty());
  EXPECT_TRUE(cfg.jobs.empty());
}

TEST(config_parse, absent_streams_select_all_and_empty_listen_is_off) {
  const auto r = parse(patched(R"({"telemetry": {"listen": ""},
                                   "jobs": [{"name": "j", "account": "mkto",
                                             "start_date": "2024-01-01T00:00:00Z"}]})"),
                       test_source_rules());
  ASSERT_TRUE(std::holds_alternative<quarry_config>(r)) << format_issues(issues_of(r));
  const auto& cfg = std::get<quarry_config>(r);
  EXPECT_EQ(cfg.telemetry.listen, "");
  ASSERT_EQ(cfg.jobs.size(), 1u);
  EXPECT_EQ(cfg.jobs[0].streams, std::nullopt);
}

struct bad_config_case {
  std::string_view name;
  std::string_view patch;  // merge patch on valid_document, or ...
  std::string_view document;  // ... when not empty, the whole document
  std::string_view pointer;
  std::string_view phrase;  // a part of the one issue's message
};

std::ostream& operator<<(std::ostream& os, const bad_config_case& c) { return os << c.name; }

const bad_config_case bad_configs[] = {
    {"bad_value_format", R"({"kafka": {"value_format": "connect"}})", "", "/kafka/value_format",
     R"(expected one of json, connect_json, confluent_json_schema; got "connect")"},
    {"confluent_without_registry", R"({"kafka": {"value_format": "confluent_json_schema"}})", "",
     "/kafka/schema_registry", "required when /kafka/value_format is confluent_json_schema"},
    {"registry_without_url", R"({"kafka": {"schema_registry": {}}})", "", "/kafka/schema_registry/url",
     "required"},
    {"registry_url_not_http", R"({"kafka": {"schema_registry": {"url": "sr:8081"}}})", "",
     "/kafka/schema_registry/url", "expected an http:// or https:// URL"},
    {"registry_user_info_inline", R"({"kafka": {"schema_registry": {"url": "http://sr:8081", "user_info": "u:p"}}})",
     "", "/kafka/schema_registry/user_info", "secret"},
    {"bad_connect_timestamps", R"({"kafka": {"connect_timestamps": "millis"}})", "",
     "/kafka/connect_timestamps", "expected one of logical, string"},
    {"bad_connect_nested", R"({"kafka": {"connect_nested": "structs"}})", "", "/kafka/connect_nested",
     "expected one of struct, json"},
    {"connect_nested_not_string", R"({"kafka": {"connect_nested": true}})", "", "/kafka/connect_nested",
     "expected one of struct, json, got a boolean"},
    {"compact_record_topics_not_bool", R"({"kafka": {"compact_record_topics": "yes"}})", "",
     "/kafka/compact_record_topics", "expected true or false, got a string"},
    {"record_retention_zero", R"({"kafka": {"record_retention_ms": 0}})", "",
     "/kafka/record_retention_ms", "an integer >= 1"},
    {"bad_compression", R"({"kafka": {"compression": "lz5"}})", "", "/kafka/compression",
     R"(expected one of none, gzip, snappy, lz4, zstd; got "lz5" (did you mean "lz4"?))"},
    {"missing_bootstrap_without_embedded", R"({"kafka": {"bootstrap_servers": null}})", "",
     "/kafka/bootstrap_servers", "required unless /kafka/embedded is true"},
    {"blank_bootstrap_without_embedded", R"({"kafka": {"bootstrap_servers": " "}})", "",
     "/kafka/bootstrap_servers", "required unless /kafka/embedded is true"},
    {"embedded_with_bootstrap", R"({"kafka": {"embedded": true}})", "",
     "/kafka/bootstrap_servers", "must be absent or empty when /kafka/embedded is true"},
    {"missing_kafka_section", R"({"kafka": null})", "", "/kafka", "missing required section"},
    {"bad_port", R"({"kafka": {"bootstrap_servers": "kafka-1:9092,kafka-2:70000"}})", "",
     "/kafka/bootstrap_servers", R"(entry 2 "kafka-2:70000": port must be between 1 and 65535)"},
    {"bootstrap_without_port", R"({"kafka": {"bootstrap_servers": "kafka-1"}})", "",
     "/kafka/bootstrap_servers", "the :port is missing"},
    {"bootstrap_unbracketed_ipv6", R"({"kafka": {"bootstrap_servers": "::1:9092"}})", "",
     "/kafka/bootstrap_servers", "IPv6 hosts must be bracketed"},
    {"bootstrap_empty_entry", R"({"kafka": {"bootstrap_servers": "kafka-1:9092,"}})", "",
     "/kafka/bootstrap_servers", "entry 2 is empty"},
    {"topic_prefix_underscore", R"({"kafka": {"topic_prefix": "_internal"}})", "",
     "/kafka/topic_prefix", R"(must not start with "_")"},
    {"topic_prefix_charset", R"({"kafka": {"topic_prefix": "a b"}})", "",
     "/kafka/topic_prefix", "must match [A-Za-z0-9._-]+"},
    {"replication_factor_zero", R"({"kafka": {"replication_factor": 0}})", "",
     "/kafka/replication_factor", "must be -1 (the broker's default) or an integer >= 1, got 0"},
    {"partitions_not_integer", R"({"kafka": {"topic_partitions": "6"}})", "",
     "/kafka/topic_partitions", "expected an integer >= 1, got a string"},
    {"owned_kafka_property", R"({"kafka": {"properties": {"enable.idempotence": "false"}}})", "",
     "/kafka/properties/enable.idempotence", "quarry sets enable.idempotence itself"},
    {"owned_bootstrap_property", R"({"kafka": {"properties": {"bootstrap.servers": "x:1"}}})", "",
     "/kafka/properties/bootstrap.servers", "give /kafka/bootstrap_servers instead"},
    {"sensitive_kafka_property_inline", R"({"kafka": {"properties": {"sasl.password": "hunter2"}}})",
     "", "/kafka/properties/sasl.password",
     R"(secrets must be given as {"env": NAME} or {"file": PATH}, not inline)"},
    {"sensitive_jaas_inline",
     R"({"kafka": {"properties": {"sasl.jaas.config": "org.apache... password=x;"}}})", "",
     "/kafka/properties/sasl.jaas.config", "not inline"},
    {"kafka_property_number", R"({"kafka": {"properties": {"linger.ms": 5}}})", "",
     "/kafka/properties/linger.ms", "expected a string or a secret ref"},
    {"bad_listen", R"({"telemetry": {"listen": "localhost"}})", "", "/telemetry/listen",
     "the :port is missing"},
    {"bad_log_level", R"({"telemetry": {"log_level": "warning"}})", "", "/telemetry/log_level",
     "expected one of trace, debug, info, warn, error"},
    {"negative_workers", R"({"engine": {"workers": -3}})", "", "/engine/workers",
     "must be an integer from 1 to 256, got -3"},
    {"too_many_workers", R"({"engine": {"workers": 257}})", "", "/engine/workers",
     "must be an integer from 1 to 256, got 257"},
    {"fractional_attempts", R"({"engine": {"task_attempts": 2.5}})", "", "/engine/task_attempts",
     "expected an integer >= 1, got a non-integer number"},
    {"unknown_top_level_field", R"({"kafak": {}})", "", "/kafak",
     R"(unknown field "kafak"; did you mean "kafka"?)"},
    {"unknown_field_without_suggestion", R"({"engine": {"threads": 4}})", "", "/engine/threads",
     "expected one of: workers, checkpoint_records, checkpoint_interval_ms, task_attempts"},
    {"unknown_field_pointer_escaped", R"({"a/b~c": 1})", "", "/a~1b~0c", "unknown field"},
    {"bad_account_name", R"({"accounts": {"my account": {"source": "synthetic",
        "credentials": {"api_key": {"env": "QUARRY_TEST_MKTO_SECRET"}}}}})", "",
     "/accounts/my account", "account names must match [A-Za-z0-9_-]+"},
    {"unknown_source", R"({"accounts": {"mkto": {"source": "marketto"}}})", "",
     "/accounts/mkto/source",
     R"(unknown source "marketto"; did you mean "marketo"?; known sources: synthetic, marketo, )"},
    {"missing_source", R"({"accounts": {"mkto": {"source": null}}})", "", "/accounts/mkto/source",
     "missing required field; expected one of synthetic, marketo"},
    {"bad_endpoint", R"({"accounts": {"mkto": {"endpoint": "ftp://x"}}})", "",
     "/accounts/mkto/endpoint", "expected a URL starting with http:// or https://"},
    {"missing_required_credential", R"({"accounts": {"mkto": {"credentials": {"client_id": null}}}})",
     "", "/accounts/mkto/credentials/client_id", "missing required credential of source marketo"},
    {"unknown_credential", R"({"accounts": {"mkto": {"credentials": {"clientid": "x"}}}})", "",
     "/accounts/mkto/credentials/clientid",
     R"(unknown credential "clientid"; did you mean "client_id"? (source marketo))"},
    {"empty_credential", R"({"accounts": {"mkto": {"credentials": {"client_id": ""}}}})", "",
     "/accounts/mkto/credentials/client_id", "must not be empty"},
    {"inline_secret", R"({"accounts": {"mkto": {"credentials": {"client_secret": "abc"}}}})", "",
     "/accounts/mkto/credentials/client_secret",
     R"(secrets must be given as {"env": NAME} or {"file": PATH}, not inline)"},
    {"env_secret_unset",
     R"({"accounts": {"mkto": {"credentials": {"client_secret": {"env": "QUARRY_TEST_UNSET"}}}}})",
     "", "/accounts/mkto/credentials/client_secret",
     "environment variable QUARRY_TEST_UNSET is not set"},
    {"env_secret_empty",
     R"({"accounts": {"mkto": {"credentials": {"client_secret": {"env": "QUARRY_TEST_EMPTY"}}}}})",
     "", "/accounts/mkto/credentials/client_secret", "environment variable QUARRY_TEST_EMPTY is empty"},
    {"file_secret_unreadable",
     R"({"accounts": {"lstrk": {"credentials": {"password": {"file": "@MISSING_FILE@"}}}}})", "",
     "/accounts/lstrk/credentials/password", ": No such file or directory"},
    {"secret_ref_both_keys",
     R"({"accounts": {"mkto": {"credentials": {"client_secret": {"env": "A", "file": "/b"}}}}})", "",
     "/accounts/mkto/credentials/client_secret", R"(exactly one of "env" or "file")"},
    {"secret_ref_typo",
     R"({"accounts": {"mkto": {"credentials": {"client_secret": {"evn": "A"}}}}})", "",
     "/accounts/mkto/credentials/client_secret/evn", R"(did you mean "env"?)"},
    {"secret_ref_bad_env_name",
     R"({"accounts": {"mkto": {"credentials": {"client_secret": {"env": "A-B"}}}}})", "",
     "/accounts/mkto/credentials/client_secret/env", "expected an environment variable name"},
    {"bad_window", R"({"accounts": {"mkto": {"quota": {"windows": [{"calls": 100, "seconds": 0}]}}}})",
     "", "/accounts/mkto/quota/windows/0/seconds", "must be an integer >= 1, got 0"},
    {"window_missing_calls", R"({"accounts": {"mkto": {"quota": {"windows": [{"seconds": 10}]}}}})",
     "", "/accounts/mkto/quota/windows/0/calls", "missing required field"},
    {"bad_daily_reset", R"({"accounts": {"mkto": {"quota": {"daily_reset": "24:00"}}}})", "",
     "/accounts/mkto/quota/daily_reset", "expected a time of day HH:MM"},
    {"bad_time_zone", R"({"accounts": {"mkto": {"quota": {"time_zone": "America Chicago"}}}})", "",
     "/accounts/mkto/quota/time_zone", "expected a time zone of the tz database"},
    {"unknown_time_zone", R"({"accounts": {"mkto": {"quota": {"time_zone": "America/Chicgo"}}}})", "",
     "/accounts/mkto/quota/time_zone", R"(like "America/Chicago" or "UTC"; got "America/Chicgo")"},
    {"unknown_setting", R"({"accounts": {"mkto": {"settings": {"export_dayz": 3}}}})", "",
     "/accounts/mkto/settings/export_dayz",
     R"(unknown setting "export_dayz" of source marketo; did you mean "export_days"?)"},
    {"setting_out_of_range", R"({"accounts": {"mkto": {"settings": {"export_days": 45}}}})", "",
     "/accounts/mkto/settings/export_days", "must be an integer from 1 to 31, got 45"},
    {"setting_of_wrong_type", R"({"accounts": {"mkto": {"settings": {"export_days": "fast"}}}})", "",
     "/accounts/mkto/settings/export_days", "got a string"},
    {"setting_not_a_choice", R"({"accounts": {"mkto": {"settings": {"activities_via": "soap"}}}})", "",
     "/accounts/mkto/settings/activities_via", R"(must be one of bulk, rest; got "soap")"},
    {"columns_under_settings", R"({"accounts": {"mkto": {"settings": {"leads": {"columns": ["email"]}}}}})",
     "", "/accounts/mkto/settings/leads", "(streams and columns are chosen under /jobs/<i>/streams)"},
    {"unknown_stream", R"({"jobs": [{"name": "j", "account": "mkto", "start_date": "2024-01-01T00:00:00Z",
                                    "streams": ["leads", "campaignz"]}]})", "",
     "/jobs/0/streams/1", R"(no stream "campaignz" in source marketo; did you mean "campaigns"?)"},
    {"glob_matching_nothing", R"({"jobs": [{"name": "j", "account": "mkto", "start_date": "2024-01-01T00:00:00Z",
                                           "streams": ["prog*", "activity_*"]}]})", "",
     "/jobs/0/streams/1", R"(no stream matches "activity_*" in source marketo)"},
    {"unknown_column", R"({"jobs": [{"name": "j", "account": "mkto", "start_date": "2024-01-01T00:00:00Z",
                                    "streams": {"programs": {"columns": ["id", "nmae"]}}}]})", "",
     "/jobs/0/streams/programs/columns/1", R"(no column "nmae" in stream programs; did you mean "name"?)"},
    {"setting_of_a_source_without_settings", R"({"accounts": {"lstrk": {"settings": {"interval": 3}}}})",
     "", "/accounts/lstrk/settings/interval", "of source listrak; it reads no settings"},
    {"zero_concurrency", R"({"accounts": {"mkto": {"quota": {"concurrency": 0}}}})", "",
     "/accounts/mkto/quota/concurrency", "must be an integer >= 1, got 0"},
    {"settings_not_object", R"({"accounts": {"mkto": {"settings": [1]}}})", "",
     "/accounts/mkto/settings", "expected an object, got an array"},
    {"job_names_missing_account",
     R"({"jobs": [{"name": "j", "account": "mktoo", "start_date": "2024-01-01T00:00:00Z"}]})", "",
     "/jobs/0/account", R"(no account named "mktoo"; did you mean "mkto"?)"},
    {"duplicate_job_name",
     R"({"jobs": [{"name": "j", "account": "mkto", "start_date": "2024-01-01T00:00:00Z"},
                  {"name": "j", "account": "lstrk", "start_date": "2024-01-01T00:00:00Z"}]})", "",
     "/jobs/1/name", R"(duplicate job name "j"; /jobs/0/name has it too)"},
    {"bad_job_name", R"({"jobs": [{"name": "a.b", "account": "mkto", "start_date": "2024-01-01T00:00:00Z"}]})",
     "", "/jobs/0/name", "job names must match [A-Za-z0-9_-]+"},
    {"missing_start_date", R"({"jobs": [{"name": "j", "account": "mkto"}]})", "",
     "/jobs/0/start_date", "missing required field"},
    {"bad_start_date", R"({"jobs": [{"name": "j", "account": "mkto", "start_date": "2024-01-01"}]})",
     "", "/jobs/0/start_date", "expected an RFC 3339 UTC timestamp"},
    {"non_utc_start_date",
     R"({"jobs": [{"name": "j", "account": "mkto", "start_date": "2024-01-01T00:00:00+02:00"}]})", "",
     "/jobs/0/start_date", "must be in UTC"},
    {"impossible_start_date",
     R"({"jobs": [{"name": "j", "account": "mkto", "start_date": "2023-02-29T00:00:00Z"}]})", "",
     "/jobs/0/start_date", "must be a real calendar date"},
    {"empty_streams",
     R"({"jobs": [{"name": "j", "account": "mkto", "start_date": "2024-01-01T00:00:00Z", "streams": []}]})",
     "", "/jobs/0/streams", "omit streams to select all"},
    {"duplicate_stream",
     R"({"jobs": [{"name": "j", "account": "mkto", "start_date": "2024-01-01T00:00:00Z",
                   "streams": ["leads", "leads"]}]})", "",
     "/jobs/0/streams/1", R"(duplicate stream "leads")"},
    {"stream_selection_typo",
     R"({"jobs": [{"name": "j", "account": "mkto", "start_date": "2024-01-01T00:00:00Z",
                   "streams": {"leads": {"selectd": false}}}]})", "",
     "/jobs/0/streams/leads/selectd", R"(did you mean "selected"?)"},
    {"job_topic_prefix", R"({"jobs": [{"name": "j", "account": "mkto",
        "start_date": "2024-01-01T00:00:00Z", "topic_prefix": "_x"}]})", "",
     "/jobs/0/topic_prefix", R"(must not start with "_")"},
    {"jobs_not_array", R"({"jobs": {"name": "j"}})", "", "/jobs",
     "expected an array of jobs, got an object"},
    {"invalid_json", "", "{\n  \"kafka\": {\n    \"compression\": \"lz4\",\n  }\n}", "",
     "invalid JSON at line 4, column 3: syntax error while parsing object key"},
    {"blank_document", "", " ", "", "unexpected end of input"},
    {"raw_newline_in_string", "", "{\"a\": \"x\ny\"}", "",
     "invalid JSON at line 1, column 9: syntax error while parsing value - invalid string: "
     "control character U+000A (LF) must be escaped"},
    {"document_not_object", "", "[]", "", "expected an object, got an array"},
    {"duplicate_key", "", R"({"kafka": {"embedded": true, "embedded": true}})", "/kafka/embedded",
     "duplicate field"},
};

class config_rejects : public ::testing::TestWithParam<bad_config_case> {};

TEST_P(config_rejects, with_one_issue_at_the_field) {
  const auto& c = GetParam();
  const std::string text =
      c.document.empty() ? patched(c.patch) : with_paths(std::string(c.document));
  const auto r = parse(text, test_source_rules());
  const auto& issues = issues_of(r);
  ASSERT_EQ(issues.size(), 1u) << format_issues(issues);
  EXPECT_EQ(issues[0].pointer, c.pointer);
  EXPECT_NE(issues[0].message.find(c.phrase), std::string::npos)
      << "message: " << issues[0].message << "\nwanted: " << c.phrase;
}

INSTANTIATE_TEST_SUITE_P(config, config_rejects, ::testing::ValuesIn(bad_configs),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(config_parse, missing_credentials_report_each_field) {
  const auto r = parse(patched(R"({"accounts": {"lstrk": {"credentials": null}}})"),
                       test_source_rules());
  const auto& issues = issues_of(r);
  ASSERT_EQ(issues.size(), 2u) << format_issues(issues);
  // In the order the source lists its fields.
  EXPECT_EQ(issues[0].pointer, "/accounts/lstrk/credentials/username");
  EXPECT_EQ(issues[1].pointer, "/accounts/lstrk/credentials/password");
  EXPECT_EQ(issues[1].message, R"(missing required credential of source listrak; give it as {"env": NAME} or {"file": PATH})");
}

TEST(config_parse, reports_every_issue_at_once) {
  const auto r = parse(patched(R"({
      "kafka": {"compression": "brotli"},
      "engine": {"workers": 0},
      "retries": 3,
      "accounts": {"mkto": {"credentials": {"client_secret": "inline"}}},
      "jobs": [{"name": "j", "account": "nobody", "start_date": "2024-01-01T00:00:00Z"}]
  })"),
                       test_source_rules());
  const auto& issues = issues_of(r);
  std::set<std::string> pointers;
  for (const auto& i : issues) pointers.insert(i.pointer);
  EXPECT_EQ(pointers, (std::set<std::string>{"/kafka/compression", "/engine/workers", "/retries",
                                             "/accounts/mkto/credentials/client_secret",
                                             "/jobs/0/account"}))
      << format_issues(issues);
  EXPECT_EQ(issues.size(), 5u);
}

TEST(config_format, one_line_per_issue) {
  const std::vector<config_issue> issues = {{"/kafka/compression", "expected lz4"},
                                            {"", "invalid JSON at line 1, column 1: x"}};
  EXPECT_EQ(format_issues(issues),
            "config error at /kafka/compression: expected lz4\n"
            "config error: invalid JSON at line 1, column 1: x");
  const config_error e("/etc/quarry.json", issues);
  EXPECT_EQ(std::string(e.what()), "invalid config /etc/quarry.json:\n" + format_issues(issues));
  EXPECT_EQ(e.path(), "/etc/quarry.json");
  EXPECT_EQ(e.issues().size(), 2u);
}

// Writes `text` to a file in the fixture directory; answers its path.
std::string write_config(const std::string& name, const std::string& text) {
  const fs::path path = fixtures().dir / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(config_load_file, loads_a_valid_file) {
  const auto path = write_config("valid.json", with_paths(std::string(valid_document)));
  const quarry_config cfg = load_file(path, test_source_rules());
  EXPECT_EQ(cfg.jobs.size(), 2u);
}

TEST(config_load_file, missing_file_names_path_and_reason) {
  const std::string path = (fixtures().dir / "absent.json").string();
  try {
    (void)load_file(path, test_source_rules());
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(e.path(), path);
    EXPECT_EQ(std::string(e.what()), "invalid config " + path + ":\nconfig error: cannot read " +
                                         path + ": No such file or directory");
  }
}

TEST(config_load_file, invalid_file_throws_every_issue) {
  const auto path = write_config("bad.json", patched(R"({"kafka": {"compression": "x"},
                                                        "engine": {"workers": 0}})"));
  try {
    (void)load_file(path, test_source_rules());
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    ASSERT_EQ(e.issues().size(), 2u);
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("invalid config " + path + ":\n", 0), 0u) << what;
    EXPECT_NE(what.find("config error at /kafka/compression: "), std::string::npos) << what;
    EXPECT_NE(what.find("config error at /engine/workers: "), std::string::npos) << what;
  }
}

// Documents that resolve the fixture secrets (or hold one inline by mistake)
// and fail elsewhere; no secret may reach any message.
const std::string_view leaky_documents[] = {
    // Secrets resolve fine; other fields are wrong.
    R"({"kafka": {"compression": "brotli", "properties": {"ssl.key.password": {"env": "QUARRY_TEST_SASL_PASSWORD"}}},
        "accounts": {"mkto": {"source": "marketo", "endpoint": "https://u:sasl-secret-value-91c2@host",
                              "credentials": {"client_id": {"file": "@SECRET_FILE@"},
                                              "client_secret": {"env": "QUARRY_TEST_MKTO_SECRET"},
                                              "extra": {"env": "QUARRY_TEST_MKTO_SECRET"}}}},
        "jobs": [{"name": "j", "account": "mkto", "start_date": "yesterday"}]})",
    // Secret values typed inline where secrets or plain values belong.
    R"({"kafka": {"embedded": true, "properties": {"sasl.password": "sasl-secret-value-91c2"}},
        "accounts": {"mkto": {"source": "marketo",
                              "credentials": {"client_id": "x",
                                              "client_secret": "mkto-secret-value-7f3a"}}}})",
    // Malformed JSON right after an inline secret.
    R"({"kafka": {"properties": {"sasl.password": "sasl-secret-value-91c2" "x"}}})",
    R"({"kafka": {"properties": {"sasl.password": "mkto-secret-value-7f3a)",
};

TEST(config_secrets, never_appear_in_messages) {
  for (std::size_t i = 0; i < std::size(leaky_documents); ++i) {
    SCOPED_TRACE("document " + std::to_string(i));
    const std::string text = with_paths(std::string(leaky_documents[i]));
    const auto r = parse(text, test_source_rules());
    const auto& issues = issues_of(r);
    ASSERT_FALSE(issues.empty());
    const auto path = write_config("leaky" + std::to_string(i) + ".json", text);
    std::string what;
    try {
      (void)load_file(path, test_source_rules());
    } catch (const config_error& e) {
      what = e.what();
    }
    const std::string formatted = format_issues(issues);
    for (const char* value : {mkto_secret_value, sasl_secret_value, listrak_secret_value}) {
      EXPECT_EQ(formatted.find(value), std::string::npos) << formatted;
      EXPECT_EQ(what.find(value), std::string::npos) << what;
      for (const auto& issue : issues) {
        EXPECT_EQ(issue.message.find(value), std::string::npos) << issue.message;
        EXPECT_EQ(issue.pointer.find(value), std::string::npos) << issue.pointer;
      }
    }
  }
}

TEST(config_parse, a_bad_time_zone_and_a_bad_reset_are_both_reported) {
  const auto r = parse(patched(R"({"accounts": {"mkto": {"quota": {"daily_reset": "25:00",
                                                                   "time_zone": "Europe/Berlinn"}}}})"),
                       test_source_rules());
  const auto& issues = issues_of(r);
  ASSERT_EQ(issues.size(), 2u) << format_issues(issues);
  EXPECT_EQ(issues[0].pointer, "/accounts/mkto/quota/daily_reset");
  EXPECT_EQ(issues[1].pointer, "/accounts/mkto/quota/time_zone");
}

TEST(config_parse, columns_only_the_api_knows_and_stream_families_wait_for_the_plan) {
  // leads' columns come from describe.json, activity streams from the API.
  const auto r = parse(patched(R"({"jobs": [{"name": "marketo-daily", "account": "mkto",
      "start_date": "2024-01-01T00:00:00Z",
      "streams": {"leads": {"columns": ["emial"]}, "activities_click_link": {"columns": ["x"]},
                  "activities_*": {"columns": ["leadId"]}}}]})"),
                       test_source_rules());
  EXPECT_TRUE(std::holds_alternative<quarry_config>(r)) << format_issues(issues_of(r));
}

TEST(config_parse, every_bad_setting_is_reported_at_once) {
  const auto r = parse(patched(R"({"accounts": {"mkto": {"settings": {
      "export_dayz": 3, "export_days": 45, "activities_via": "rets"}}}})"),
                       test_source_rules());
  const auto& issues = issues_of(r);
  ASSERT_EQ(issues.size(), 3u) << format_issues(issues);
  EXPECT_NE(issues[0].message.find(R"(did you mean "rest"?)"), std::string::npos) << issues[0].message;
}

TEST(config_sources, validator_uses_the_rules_it_is_given) {
  const std::vector<source_rules> rules = {{"custom", {{"token", false, true}}, {}, {}, {}}};
  const auto ok = parse(R"({"kafka": {"embedded": true},
                            "accounts": {"a": {"source": "custom"}}})",
                        rules);
  EXPECT_TRUE(std::holds_alternative<quarry_config>(ok)) << format_issues(issues_of(ok));
  const auto bad = parse(R"({"kafka": {"embedded": true},
                             "accounts": {"a": {"source": "marketo"}}})",
                         rules);
  ASSERT_EQ(issues_of(bad).size(), 1u) << format_issues(issues_of(bad));
  EXPECT_EQ(issues_of(bad)[0].message, R"(unknown source "marketo"; known sources: custom)");
}

} // namespace
} // namespace quarry::config
