#include "sim/sim_command.hpp"

#include "sim/bronto.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace quarry::sim {

// `quarry sim bronto`: Bronto SOAP API v4 (apis.md section 2).
void add_bronto_command(CLI::App& sim) {
  auto* cmd = sim.add_subcommand("bronto", "Bronto SOAP API v4 (apis.md section 2)");
  auto flags = std::make_shared<server_flags>();
  auto options = std::make_shared<bronto_options>();
  flags->add_to(*cmd);
  cmd->add_option("--seed", options->data.seed, "dataset seed")->capture_default_str();
  cmd->add_option("--contacts", options->data.contacts, "contacts")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--lists", options->data.lists, "mail lists")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--unsubscribes", options->data.unsubscribes, "unsubscribes")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--inbound", options->data.inbound, "inbound activities")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--outbound", options->data.outbound, "outbound activities")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--days", options->data.days, "days before now over which records are created")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--api-token", options->api_token, "the apiToken login accepts")
      ->capture_default_str();
  cmd->add_option("--page-size", options->page_size, "records per readContacts/readUnsubscribes page")
      ->capture_default_str()
      ->check(CLI::Range(1, 5000));
  cmd->add_option("--session-idle-s", options->session_idle_s, "idle seconds before a session expires (103)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->callback([flags, options] {
    bronto_options resolved = *options;
    resolved.data.start = 0;  // data.days before now
    resolved.server = flags->resolve();
    serve_until_signal<bronto_simulator>("bronto", std::move(resolved));
  });
}

} // namespace quarry::sim
