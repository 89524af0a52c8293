#include "sim/sim_command.hpp"

#include "sim/marketo.hpp"
#include "sim/timestamps.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

namespace quarry::sim {

void add_marketo_command(CLI::App& sim) {
  auto* cmd = sim.add_subcommand("marketo", "Marketo REST and Bulk Extract (apis.md section 1)");
  auto flags = std::make_shared<server_flags>();
  auto options = std::make_shared<marketo_options>();
  auto export_mb = std::make_shared<std::int64_t>(options->export_daily_mb);
  auto no_updated_at = std::make_shared<bool>(false);
  flags->add_to(*cmd);  // --daily-limit (default 50000), --window (default 100/20), --concurrency (10)
  cmd->add_option("--seed", options->data.seed, "dataset seed")->capture_default_str();
  cmd->add_option("--leads", options->data.leads, "leads")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--activities", options->data.activities, "activities")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--campaigns", options->data.campaigns, "campaigns")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--lists", options->data.lists, "static lists")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--programs", options->data.programs, "programs")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--client-id", options->client_id, "identity client_id")->capture_default_str();
  cmd->add_option("--client-secret", options->client_secret, "identity client_secret")
      ->capture_default_str();
  cmd->add_option("--token-ttl-s", options->token_ttl_s, "access token lifetime")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--export-daily-mb", *export_mb, "bulk export MB per day (1029 beyond)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--export-seconds-per-mb", options->export_seconds_per_mb,
                  "simulated export processing time")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--export-fail-rate", options->export_fail_rate,
                  "fraction of export jobs that end Failed")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--no-updated-at-filter", *no_updated_at,
                "answer 1035 to a leads export with an updatedAt filter");
  auto data_start = std::make_shared<std::string>("2024-01-01");
  cmd->add_option("--data-start", *data_start,
                  "records are created from this UTC date (YYYY-MM-DD), or \"recent\": "
                  "--data-days before now")
      ->capture_default_str();
  cmd->add_option("--data-days", options->data.days, "days over which records are created")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->callback([flags, options, export_mb, no_updated_at, data_start] {
    marketo_options resolved = *options;
    if (*data_start == "recent") {
      resolved.data.start = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count() -
                            resolved.data.days * 86400;
    } else if (const auto us = parse_rfc3339_us(*data_start + "T00:00:00Z");
               us && data_start->size() == 10) {
      resolved.data.start = *us / 1000000;
    } else {
      std::cerr << "quarry sim marketo: --data-start must be YYYY-MM-DD or recent, got \""
                << *data_start << "\"\n";
      throw CLI::RuntimeError(2);
    }
    resolved.server = flags->resolve();
    if (resolved.server.limits.daily) resolved.daily_limit = *resolved.server.limits.daily;
    if (!resolved.server.limits.windows.empty()) {
      resolved.rate_calls = resolved.server.limits.windows.front().calls;
      resolved.rate_seconds = resolved.server.limits.windows.front().seconds;
    }
    if (resolved.server.limits.concurrency)
      resolved.concurrency = *resolved.server.limits.concurrency;
    resolved.export_daily_mb = *export_mb;
    resolved.updated_at_filter = !*no_updated_at;
    serve_until_signal<marketo_simulator>("marketo", std::move(resolved));
  });
}

} // namespace quarry::sim
