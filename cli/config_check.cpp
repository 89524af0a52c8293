#include "cli/config_check.hpp"

#include "cli/serve_rules.hpp"
#include "config/normalised.hpp"

#include <iostream>

namespace quarry::cli {

int run_config_check(const config_check_options& options,
                     const std::vector<config::source_rules>& sources) {
  constexpr int exit_invalid = 2;
  const auto resolution = options.resolve_secrets ? config::secret_resolution::resolve
                                                  : config::secret_resolution::shape_only;
  config::quarry_config cfg;
  try {
    cfg = config::load_file(options.config_path, sources, resolution);
  } catch (const config::config_error& e) {
    std::cerr << std::string(e.what()) + "\n";  // one write: see discover.cpp
    return exit_invalid;
  }
  std::vector<config::config_issue> issues;
  if (options.command == "serve") issues = serve_rule_issues(cfg, options.resolve_secrets);
  if (options.command == "worker") issues = worker_rule_issues(cfg, options.resolve_secrets);
  if (!issues.empty()) {
    std::cerr << std::string(config::config_error(options.config_path, std::move(issues)).what()) + "\n";
    return exit_invalid;
  }
  std::cout << config::normalised_json(cfg).dump(2) << "\n";
  return 0;
}

} // namespace quarry::cli
