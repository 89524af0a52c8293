// `quarry sim synthetic`: flag checks, and a full run that serves until
// SIGTERM.

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

struct sim_app {
  sim_app() {
    auto* sim = app.add_subcommand("sim");
    add_sim_commands(*sim);
  }
  CLI::App app{"quarry"};
};

TEST(sim_commands, port_is_required) {
  sim_app a;
  EXPECT_THROW(a.app.parse("sim synthetic --seed 3", false), CLI::RequiredError);
}

TEST(sim_commands, bad_flags_are_rejected_before_serving) {
  for (const char* args : {"sim synthetic --port 0 --window 100",
                           "sim synthetic --port 0 --window 0/20",
                           "sim synthetic --port 0 --fault-rate 2",
                           "sim synthetic --port 0 --concurrency 0",
                           "sim synthetic --port 70000"}) {
    sim_app a;
    EXPECT_THROW(a.app.parse(args, false), CLI::ParseError) << args;
  }
}

TEST(sim_commands, synthetic_serves_until_sigterm) {
  line_capture out;
  auto* saved = std::cout.rdbuf(&out);
  sim_app a;
  std::thread runner([&] {
    a.app.parse("sim synthetic --port 0 --seed 5 --accounts 3 --api-key k --window 100/20 "
                "--daily-limit 1000 --concurrency 8",
                false);
  });
  const std::string line = out.wait_for_line();
  std::cout.rdbuf(saved);

  const std::string prefix = "synthetic simulator listening on http://127.0.0.1:";
  ASSERT_TRUE(line.starts_with(prefix)) << line;
  const int port = std::stoi(line.substr(prefix.size()));
  testing::sim_client c("127.0.0.1", port, "k");
  const auto accounts = c.get("/v1/accounts");
  EXPECT_EQ(accounts.status, 200);
  EXPECT_EQ(accounts.json["data"].size(), 3u);
  const auto stats = c.get("/_sim/stats");
  EXPECT_EQ(stats.json["windows"][0]["calls"], 100);

  // Directed at the serving thread, which has SIGTERM blocked and sits in
  // sigwait; the signal stays pending until it does.
  ASSERT_EQ(pthread_kill(runner.native_handle(), SIGTERM), 0);
  runner.join();
  EXPECT_EQ(c.get("/v1/accounts").status, -1);  // stopped
}

} // namespace
} // namespace quarry::sim
