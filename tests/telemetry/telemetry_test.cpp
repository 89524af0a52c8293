// The operational endpoint and the log format: /metrics in Prometheus text
// with conventional names, /healthz and /readyz, JSON log lines off a terminal.

#include "telemetry/log.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status_server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <unistd.h>

namespace quarry::telemetry {
namespace {

TEST(status_server, serves_health_readiness_and_metrics) {
  metrics().records.Add({{"source", "synthetic"}, {"stream", "users"}, {"quarry_job", "j"}}).Increment(3);
  status_server server;
  const int port = server.start("127.0.0.1:0");
  ASSERT_GT(port, 0);
  httplib::Client client{"127.0.0.1", port};

  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503) << "not ready before the engine says so";
  server.set_ready(true);
  ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);

  auto m = client.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  EXPECT_NE(m->body.find(R"(quarry_records_total{quarry_job="j",source="synthetic",stream="users"} 3)"),
            std::string::npos)
      << m->body;
  EXPECT_NE(m->body.find("quarry_build_info{"), std::string::npos);

  // Every family is quarry_-prefixed; counters end in _total; no unit-less
  // durations (seconds are the base unit).
  std::istringstream lines{m->body};
  std::string line;
  const std::regex type_line{R"(# TYPE (\S+) (\S+))"};
  int families = 0;
  while (std::getline(lines, line)) {
    std::smatch match;
    if (!std::regex_match(line, match, type_line)) continue;
    ++families;
    const std::string name = match[1], type = match[2];
    EXPECT_EQ(name.rfind("quarry_", 0), 0u) << name;
    if (type == "counter") {
      EXPECT_TRUE(name.ends_with("_total")) << name;
    }
    if (type == "histogram") {
      EXPECT_TRUE(name.ends_with("_seconds")) << name;
    }
  }
  EXPECT_GE(families, 2);  // prometheus-cpp omits families that have no series yet
  server.stop();
}

TEST(status_server, bad_listen_address_is_named) {
  status_server server;
  EXPECT_THROW(server.start("no-port-here"), std::invalid_argument);
  try {
    server.start("127.0.0.1:99999");
    FAIL() << "port out of range accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string{e.what()}.find("127.0.0.1:99999"), std::string::npos) << e.what();
  }
}

TEST(logging, json_lines_when_asked_with_escaping) {
  char path[] = "/tmp/quarry-log-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const int saved = dup(STDERR_FILENO);
  dup2(fd, STDERR_FILENO);
  init_logging(spdlog::level::info, log_format::json);
  spdlog::info("run \"x\" done\nnext");
  spdlog::debug("hidden at info");
  spdlog::default_logger()->flush();
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(fd);
  std::ifstream in{path};
  std::string line;
  std::vector<nlohmann::json> records;
  while (std::getline(in, line)) records.push_back(nlohmann::json::parse(line));
  std::remove(path);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["level"], "info");
  EXPECT_EQ(records[0]["msg"], "run \"x\" done\nnext");
  EXPECT_TRUE(records[0]["ts"].get<std::string>().ends_with("Z"));
}

TEST(logging, levels_parse) {
  EXPECT_EQ(parse_log_level("debug"), spdlog::level::debug);
  EXPECT_EQ(parse_log_level("warn"), spdlog::level::warn);
  EXPECT_FALSE(parse_log_level("loud").has_value());
}

} // namespace
} // namespace quarry::telemetry
