// `quarry sim marketo`: flag checks, Marketo's default limits, and a run that
// serves until SIGTERM.

#include "tests/sim/line_capture.hpp"
#include "sim/commands.hpp"
#include "tests/sim/sim_client.hpp"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>
#include <pthread.h>
#include <streambuf>
#include <thread>

namespace quarry::sim {
namespace {

struct marketo_app {
  marketo_app() { add_sim_commands(*app.add_subcommand("sim")); }
  CLI::App app{"quarry"};
};

TEST(marketo_command, bad_flags_are_rejected_before_serving) {
  for (const char* args : {"sim marketo --seed 3", "sim marketo --port 0 --leads -1",
                           "sim marketo --port 0 --export-fail-rate 2",
                           "sim marketo --port 0 --token-ttl-s 0"}) {
    marketo_app a;
    EXPECT_THROW(a.app.parse(args, false), CLI::ParseError) << args;
  }
}

TEST(marketo_command, serves_with_marketo_limits_until_sigterm) {
  line_capture out;
  auto* saved = std::cout.rdbuf(&out);
  marketo_app a;
  std::thread runner([&] {
    a.app.parse("sim marketo --port 0 --seed 5 --leads 10 --activities 20 --client-id a "
                "--client-secret b --no-updated-at-filter --export-daily-mb 3",
                false);
  });
  const std::string line = out.wait_for_line();
  std::cout.rdbuf(saved);

  const std::string prefix = "marketo simulator listening on http://127.0.0.1:";
  ASSERT_TRUE(line.starts_with(prefix)) << line;
  const int port = std::stoi(line.substr(prefix.size()));
  testing::sim_client c("127.0.0.1", port, "");
  const auto token =
      c.get("/identity/oauth/token?grant_type=client_credentials&client_id=a&client_secret=b");
  ASSERT_EQ(token.status, 200) << token.body;
  c.set_api_key(token.json["access_token"].get<std::string>());
  const auto usage = c.get("/rest/v1/stats/usage.json");
  EXPECT_EQ(usage.json["result"][0]["total"], 1);
  const auto stats = c.get("/_sim/stats");
  EXPECT_EQ(stats.json["windows"][0]["calls"], 100);
  EXPECT_EQ(stats.json["windows"][0]["seconds"], 20);
  const auto exports = c.get("/_sim/exports");
  EXPECT_EQ(exports.json["export_daily_limit_bytes"], 3 * 1024 * 1024);
  const auto leads = c.get("/_sim/dataset/leads");
  EXPECT_EQ(leads.json.size(), 10u);

  ASSERT_EQ(pthread_kill(runner.native_handle(), SIGTERM), 0);
  runner.join();
  EXPECT_EQ(c.get("/_sim/stats").status, -1);  // stopped
}

} // namespace
} // namespace quarry::sim
