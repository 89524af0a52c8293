#include "sim/sim_command.hpp"

#include "sim/synthetic.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace quarry::sim {

void add_synthetic_command(CLI::App& sim) {
  auto* cmd = sim.add_subcommand("synthetic", "a small REST API with parent and child streams");
  auto flags = std::make_shared<server_flags>();
  auto options = std::make_shared<synthetic_options>();
  flags->add_to(*cmd);
  cmd->add_option("--seed", options->seed, "dataset seed")->capture_default_str();
  cmd->add_option("--accounts", options->accounts, "parent records")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--events-per-account", options->events_per_account, "child records each")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--users", options->users, "users")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--api-key", options->api_key, "the bearer token clients must send")
      ->capture_default_str();
  cmd->callback([flags, options] {
    synthetic_options resolved = *options;
    resolved.server = flags->resolve();
    serve_until_signal<synthetic_simulator>("synthetic", std::move(resolved));
  });
}

} // namespace quarry::sim
