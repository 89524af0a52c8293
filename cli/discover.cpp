#include "cli/discover.hpp"

#include "runtime/engine.hpp"
#include "connectors/core/stream.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <optional>
#include <stdexcept>

namespace quarry::cli {

nlohmann::json singer_catalog(const std::vector<connectors::stream_descriptor>& streams,
                              const connectors::stream_selection& selection) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& s : streams)
    entries.push_back(
        connectors::catalog_entry(s, selection.selected(s.name), selection.columns_of(s.name)));
  return {{"streams", std::move(entries)}};
}

nlohmann::ordered_json settings_declarations(const std::vector<config::source_rules>& sources) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& source : sources) {
    auto& list = out[source.name] = nlohmann::ordered_json::array();
    for (const auto& rule : source.settings) {
      nlohmann::ordered_json entry = {{"name", rule.name}};
      switch (rule.type) {
        case setting_rule::kind::integer:
          entry["type"] = "integer";
          entry["min"] = rule.min;
          entry["max"] = rule.max;
          break;
        case setting_rule::kind::text:
          entry["type"] = "string";
          if (!rule.choices.empty()) entry["choices"] = rule.choices;
          break;
        case setting_rule::kind::time_zone:
          entry["type"] = "time_zone";
          break;
      }
      std::visit([&](const auto& v) { entry["default"] = v; }, rule.fallback);
      entry["description"] = rule.description;
      list.push_back(std::move(entry));
    }
  }
  return out;
}

int run_discover(const config::quarry_config& config, const std::string& config_path,
                 const std::string& job_name, const std::string& account_name) {
  constexpr int exit_usage = 2;
  const config::job_config* job = nullptr;
  std::string account = account_name;
  if (!job_name.empty()) {
    job = config.find_job(job_name);
    if (job == nullptr) {
      std::cerr << "quarry discover: no job named \"" << job_name << "\" in " << config_path << "\n";
      return exit_usage;
    }
    account = job->account;
  } else if (!account.empty()) {
    if (config.find_account(account) == nullptr) {
      std::cerr << "quarry discover: no account named \"" << account << "\" in " << config_path
                << "\n";
      return exit_usage;
    }
  } else if (config.jobs.size() == 1) {
    job = &config.jobs.front();
    account = job->account;
  } else if (config.accounts.size() == 1) {
    account = config.accounts.front().name;
  } else {
    std::cerr << "quarry discover: " << config_path << " has " << config.jobs.size() << " jobs and "
              << config.accounts.size() << " accounts; pick one with --job or --account\n";
    return exit_usage;
  }
  const auto& source = config.find_account(account)->source;

  runtime::engine_options options;
  options.instance = "discover";
  runtime::engine engine{config, options};
  std::optional<result<std::vector<connectors::stream_descriptor>>> found;
  try {
    found.emplace(engine.discover(account, job ? job->name : ""));
  } catch (const std::runtime_error& e) {  // Kafka (the quota's usage store) and the like
    // One write per line: worker threads may be logging to stderr too.
    std::cerr << "quarry discover: " + std::string{e.what()} + "\n";
    return 1;
  }
  auto& streams = *found;
  if (!streams) {
    std::cerr << "quarry discover: account " + account + " (" + std::string{source} +
                     "): " + streams.error().message + "\n";
    return 1;
  }
  const auto selection = job ? runtime::selection_of(*job) : connectors::stream_selection{};
  std::cout << singer_catalog(*streams, selection).dump(2) << std::endl;
  return 0;
}

} // namespace quarry::cli
