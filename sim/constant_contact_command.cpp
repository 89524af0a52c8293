#include "sim/sim_command.hpp"

#include "sim/constant_contact.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace quarry::sim {

// `quarry sim constant-contact`: Constant Contact v3 (apis.md section 5).
void add_constant_contact_command(CLI::App& sim) {
  auto* cmd = sim.add_subcommand("constant-contact", "Constant Contact API v3 (apis.md section 5)");
  auto flags = std::make_shared<server_flags>();
  auto options = std::make_shared<constant_contact_options>();
  flags->add_to(*cmd);  // --daily-limit (default 10000), --window (default 4/1)
  auto& d = options->data;
  cmd->add_option("--seed", d.seed, "dataset seed")->capture_default_str();
  cmd->add_option("--contacts", d.contacts, "contacts")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--lists", d.lists, "contact lists")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--custom-fields", d.custom_fields, "contact custom fields")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--campaigns", d.campaigns, "email campaigns")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--activities-per-campaign", d.activities_per_campaign, "primary_email activities each")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--recipients", d.recipients, "recipients of each activity")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--data-days", d.days, "records are created over this many days, ending now")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--horizon-days", d.horizon_days, "tracking events come up to this long after a send")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--client-id", options->client_id, "OAuth client_id")->capture_default_str();
  cmd->add_option("--client-secret", options->client_secret, "OAuth client_secret")->capture_default_str();
  cmd->add_option("--refresh-token", options->refresh_token, "the first refresh token")->capture_default_str();
  cmd->add_option("--access-ttl-s", options->access_ttl_s, "access token lifetime")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--refresh-grace-s", options->refresh_grace_s, "how long a rotated refresh token still works")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->callback([flags, options] {
    constant_contact_options resolved = *options;
    resolved.server = flags->resolve();
    if (resolved.server.limits.daily) resolved.daily_limit = *resolved.server.limits.daily;
    if (!resolved.server.limits.windows.empty()) {
      resolved.rate_calls = resolved.server.limits.windows.front().calls;
      resolved.rate_seconds = resolved.server.limits.windows.front().seconds;
    }
    serve_until_signal<constant_contact_simulator>("constant-contact", std::move(resolved));
  });
}

} // namespace quarry::sim
