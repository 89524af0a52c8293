#include "sim/sim_command.hpp"

#include "sim/listrak.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <memory>

namespace quarry::sim {

// `quarry sim listrak`: Listrak SOAP API v31 (apis.md section 3).
void add_listrak_command(CLI::App& sim) {
  auto* cmd = sim.add_subcommand("listrak", "Listrak SOAP API v31 (apis.md section 3)");
  auto flags = std::make_shared<server_flags>();
  auto options = std::make_shared<listrak_options>();
  flags->add_to(*cmd);  // no limits unless given: Listrak documents none
  cmd->add_option("--seed", options->data.seed, "dataset seed")->capture_default_str();
  cmd->add_option("--lists", options->data.lists, "contact lists")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--messages-per-list", options->data.messages_per_list, "messages sent to each list")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--recipients-per-message", options->data.recipients_per_message,
                  "recipients of each message (at most the list's subscribers)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--subscribers-per-list", options->data.subscribers_per_list, "subscribers of each list")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--data-days", options->data.days, "messages are sent over this many days, ending now")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--page-size", options->page_size, "records per page of the paged reports")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--username", options->username, "WSUser UserName")->capture_default_str();
  cmd->add_option("--password", options->password, "WSUser Password")->capture_default_str();
  cmd->callback([flags, options] {
    listrak_options resolved = *options;
    resolved.data.start = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() -
                          resolved.data.days * 86400;
    resolved.server = flags->resolve();
    serve_until_signal<listrak_simulator>("listrak", std::move(resolved));
  });
}

} // namespace quarry::sim
