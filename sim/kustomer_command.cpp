#include "sim/sim_command.hpp"

#include "sim/kustomer.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace quarry::sim {

// `quarry sim kustomer`: Kustomer API v1 (apis.md section 4).
void add_kustomer_command(CLI::App& sim) {
  auto* cmd = sim.add_subcommand("kustomer", "Kustomer API v1 search and lists (apis.md section 4)");
  auto flags = std::make_shared<server_flags>();
  auto options = std::make_shared<kustomer_options>();
  flags->add_to(*cmd);  // --window is replaced by the org and search budgets
  cmd->add_option("--seed", options->data.seed, "dataset seed")->capture_default_str();
  for (std::size_t k = 0; k < kustomer_kind_count; ++k)
    cmd->add_option("--" + std::string(plural_name(static_cast<kustomer_kind>(k))), options->data.counts[k],
                    "records of this kind")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
  cmd->add_option("--days", options->data.days, "days (from 2024-01-01) over which records are updated")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--same-updated-at", options->data.same_updated_at,
                  "this many customers share one updatedAt")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--api-key", options->api_key, "the bearer API key clients must send")
      ->capture_default_str();
  cmd->add_option("--org-per-minute", options->org_per_minute, "the org's calls per minute (plan)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--search-per-minute", options->search_per_minute, "API-key searches per minute")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--window-seconds", options->window_seconds, "length of both rate windows")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-search-hits", options->max_search_hits, "how deep one search can page")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->callback([flags, options] {
    kustomer_options resolved = *options;
    resolved.server = flags->resolve();
    serve_until_signal<kustomer_simulator>("kustomer", std::move(resolved));
  });
}

} // namespace quarry::sim
