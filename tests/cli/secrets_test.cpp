// Secrets never leave quarry except to the service they are for: with the
// API key and a Kafka password in the config (as env refs), no run - verbose
// logs, Singer output, runs that fail against the API, an invalid config -
// shows either value on stdout, stderr, in any key, value or header of any
// topic the run writes (aborted transactions included), or on /metrics.

#include "tests/cli/cli_fixture.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <memory>
#include <thread>

namespace quarry::cli_testing {
namespace {

using nlohmann::json;

constexpr const char* api_key = "S3cr3t-Value-9f2c";
constexpr const char* kafka_password = "K4fka-Pa55-7e1d";
constexpr const char* secrets[] = {api_key, kafka_password};

void expect_no_secret(const std::string& text, const std::string& where) {
  for (const char* s : secrets) EXPECT_EQ(text.find(s), std::string::npos) << s << " leaked to " << where;
}

// The config of the brief plus a SASL password from env KPASS. With the
// broker's plaintext listener librdkafka carries the password and never uses it.
json config_with_secrets(const std::string& endpoint, const std::string& prefix) {
  auto cfg = synthetic_config(endpoint, prefix, testing::kafka_bootstrap());
  cfg["kafka"]["properties"] = {{"sasl.password", {{"env", "KPASS"}}}};
  return cfg;
}

// Every message of every topic the run's prefix names, committed or not.
std::size_t expect_no_secret_in_topics(const std::string& prefix) {
  std::size_t messages = 0;
  for (const auto& topic : topics_of_prefix(prefix)) {
    for (const auto& m : read_topic(topic, kafka::isolation::read_uncommitted)) {
      ++messages;
      const std::string where = topic + " offset " + std::to_string(m.offset);
      expect_no_secret(m.key, where + " key");
      expect_no_secret(m.value.value_or(""), where + " value");
      for (const auto& [name, value] : m.headers) expect_no_secret(name + "=" + value, where + " header");
    }
  }
  return messages;
}

enum class api { accepts_the_key, refuses_the_key, answers_garbage, is_down };

struct leak_case {
  const char* name;
  api behaviour;
  const char* log_level;
  const char* output;
  bool valid_config;
  int exit_code;
};

TEST(secrets, no_run_shows_a_secret_anywhere) {
  const leak_case cases[] = {
      {"kafka output, debug logs", api::accepts_the_key, "debug", "kafka", true, 0},
      {"singer output, debug logs", api::accepts_the_key, "debug", "singer", true, 0},
      {"API refuses the key", api::refuses_the_key, "debug", "kafka", true, 1},
      {"API answers garbage", api::answers_garbage, "debug", "kafka", true, 1},
      {"API is down", api::is_down, "debug", "kafka", true, 1},
      {"invalid config", api::accepts_the_key, "debug", "kafka", false, 2},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    temp_dir dir;
    sim::synthetic_options o;
    o.accounts = 3;
    o.events_per_account = 2;
    o.users = 4;
    o.api_key = c.behaviour == api::refuses_the_key ? "another-key" : api_key;
    if (c.behaviour == api::answers_garbage) o.server.malformed_paths = {"/v1/accounts"};
    sim::synthetic_simulator sim{o};
    sim.start();
    const auto endpoint = c.behaviour == api::is_down ? "http://" + unused_address() : sim.base_url();
    const auto prefix = unique_prefix("secrets");
    auto cfg = config_with_secrets(endpoint, prefix);
    cfg["engine"]["task_attempts"] = 1;
    if (!c.valid_config) cfg["engine"]["workers"] = 0;
    const std::vector<std::string> args = {
        "--log-level", c.log_level, "extract", "--config", dir.write("config.json", cfg.dump()),
        "--output", c.output, "--state-dir", dir.file("quota")};

    const auto r = run_quarry(args, api_key, {{"KPASS", kafka_password}});
    EXPECT_EQ(r.exit_code, c.exit_code) << r.out << r.err;
    expect_no_secret(r.out, "stdout");
    expect_no_secret(r.err, "stderr");
    const auto messages = expect_no_secret_in_topics(prefix);
    // A Kafka run that got as far as the API wrote its summary at least.
    const bool kafka_run = c.valid_config && std::string{c.output} == "kafka";
    if (kafka_run) {
      EXPECT_GT(messages, 0u);
    }
    if (c.exit_code == 0) {
      EXPECT_GT(sim.http().stats().calls_total, 0);
    }
  }
}

TEST(secrets, metrics_of_a_running_extract_hold_no_secret) {
  temp_dir dir;
  sim::synthetic_options o;
  o.accounts = 3;
  o.events_per_account = 2;
  o.users = 4;
  o.api_key = api_key;
  o.server.latency_ms = 400;  // keeps the run up while /metrics is read
  sim::synthetic_simulator sim{o};
  sim.start();
  const int port = unused_port();
  const auto prefix = unique_prefix("metrics");
  auto cfg = config_with_secrets(sim.base_url(), prefix);
  cfg["telemetry"] = {{"listen", "127.0.0.1:" + std::to_string(port)}};
  const std::vector<std::string> args = {"--log-level", "debug", "extract", "--config",
                                         dir.write("config.json", cfg.dump())};
  testing::quarry_process p{args, {{"SYN_KEY", api_key}, {"KPASS", kafka_password}}, dir};

  // Polls until the metrics count the run's first records.
  httplib::Client client{"127.0.0.1", port};
  client.set_connection_timeout(std::chrono::milliseconds(200));
  std::string metrics;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (metrics.find("quarry_records_total{") == std::string::npos && !p.exited() &&
         std::chrono::steady_clock::now() < deadline) {
    if (auto res = client.Get("/metrics"); res && res->status == 200)
      metrics = res->body;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(25));  // server not up yet
  }
  const auto r = p.wait(std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_NE(metrics.find("quarry_records_total{"), std::string::npos)
      << "no metrics while the run was up:\n" << metrics;
  expect_no_secret(metrics, "/metrics");
  expect_no_secret(r.out, "stdout");
  expect_no_secret(r.err, "stderr");
}

} // namespace
} // namespace quarry::cli_testing
