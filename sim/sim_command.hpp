#pragma once

// What every `quarry sim <name>` subcommand shares: the server flags, and
// serving a simulator until a stop signal. Each simulator's subcommand is
// `void add_<source>_command(CLI::App& sim)` in sim/<source>_command.cpp;
// commands.cpp adds one for every source of connectors/sources.cmake that
// has such a file (the list CMake writes to sim/simulators.hpp), so a new
// simulator adds no line outside its own files.

#include "sim/commands.hpp"
#include "sim/server.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdint>
#include <iostream>
#include <memory>
#include <pthread.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quarry::sim {

// Flags every simulator shares: where to listen, latency, faults, limits.
struct server_flags {
  server_options options;
  std::int64_t daily = 0;
  std::int64_t concurrency = 0;
  std::vector<std::string> windows;
  std::vector<std::string> readings;
  CLI::Option* daily_opt = nullptr;
  CLI::Option* concurrency_opt = nullptr;

  void add_to(CLI::App& cmd) {
    cmd.add_option("--port", options.port, "port to listen on (0: any free port)")
        ->required()
        ->check(CLI::Range(0, 65535));
    cmd.add_option("--host", options.host, "address to listen on")->capture_default_str();
    cmd.add_option("--latency-ms", options.latency_ms, "added to every API call")
        ->check(CLI::NonNegativeNumber);
    cmd.add_option("--fault-rate", options.fault_rate,
                   "fraction of calls answered 500 or stalled, then 500")
        ->check(CLI::Range(0.0, 1.0));
    cmd.add_option("--fault-stall-ms", options.fault_stall_ms, "how long a stalled call hangs")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    daily_opt = cmd.add_option("--daily-limit", daily, "API calls per sim-clock UTC day")
                    ->check(CLI::NonNegativeNumber);
    cmd.add_option("--window", windows, "at most CALLS calls in any SECONDS seconds")
        ->type_name("CALLS/SECONDS")
        ->check(CLI::Validator(
            [](std::string& text) {
              const auto parsed = parse_window_limit(text);
              return parsed ? std::string() : parsed.error().message;
            },
            "CALLS/SECONDS"));
    concurrency_opt = cmd.add_option("--concurrency", concurrency, "API calls in flight at once")
                          ->check(CLI::PositiveNumber);
    cmd.add_option("--malformed-path", options.malformed_paths,
                   "path prefix whose responses are corrupt JSON");
    cmd.add_option("--reading", readings,
                   "how to read what the vendor's docs leave open, e.g. since_bound=exclusive "
                   "(GET /_sim/readings lists them)")
        ->type_name("NAME=VALUE");
  }

  server_options resolve() const {
    server_options out = options;
    if (daily_opt->count() > 0) out.limits.daily = daily;
    if (concurrency_opt->count() > 0) out.limits.concurrency = concurrency;
    for (const auto& w : windows) out.limits.windows.push_back(*parse_window_limit(w));
    for (const auto& r : readings) {
      const auto eq = r.find('=');
      if (eq == std::string::npos || eq == 0)
        throw CLI::ValidationError("--reading", "expected NAME=VALUE, got " + r);
      out.readings.emplace_back(r.substr(0, eq), r.substr(eq + 1));
    }
    return out;
  }
};

// SIGINT and SIGTERM blocked in this thread (and in threads it starts) for
// the guard's lifetime, so sigwait can take them.
class blocked_stop_signals {
 public:
  blocked_stop_signals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
  }
  ~blocked_stop_signals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  blocked_stop_signals(const blocked_stop_signals&) = delete;
  blocked_stop_signals& operator=(const blocked_stop_signals&) = delete;

  int wait() const {
    int signal = 0;
    while (sigwait(&set_, &signal) != 0) {}
    return signal;
  }

 private:
  sigset_t set_;
  sigset_t previous_;
};

// Makes a Simulator of `options`, starts it, announces it on stdout and
// serves until SIGINT or SIGTERM. Options it refuses (std::invalid_argument)
// and a failure to start are printed to stderr and thrown as
// CLI::RuntimeError(1).
template <class Simulator, class Options>
void serve_until_signal(std::string_view name, Options options) {
  std::unique_ptr<Simulator> sim;
  try {
    sim = std::make_unique<Simulator>(std::move(options));
  } catch (const std::invalid_argument& e) {
    std::cerr << name << " simulator: " << e.what() << '\n';
    throw CLI::RuntimeError(1);
  }
  blocked_stop_signals signals;  // before start(): server threads inherit the mask
  try {
    sim->start();
  } catch (const std::exception& e) {
    std::cerr << name << " simulator: " << e.what() << '\n';
    throw CLI::RuntimeError(1);
  }
  std::cout << name << " simulator listening on " << sim->base_url() << std::endl;
  signals.wait();
  sim->stop();
}

} // namespace quarry::sim
