#pragma once

// `quarry config check --config FILE`: validates a config as the command that
// will run it does, and prints it normalised.
//
// The config is loaded with config::load_file (the registry's source rules),
// then the rules that command applies before it starts and that need no
// network (cli/serve_rules: serve and worker). Valid: the normalised config
// (config/normalised.hpp; every secret as its reference) as JSON on stdout,
// exit 0. Invalid: every issue found on stderr, in extract's format
// ("invalid config FILE:" then "config error at POINTER: ..." lines), exit 2.
// Neither output holds a secret's value.

#include "config/config.hpp"

#include <string>
#include <vector>

namespace quarry::cli {

struct config_check_options {
  std::string config_path;
  // Whose rules apply: "serve" (the default: the strictest), "worker" or
  // "extract" (also reset and discover: the loader's rules alone).
  std::string command = "serve";
  // false: secret references and TLS file paths are checked for shape only,
  // not read (a config rendered for another machine, e.g. by the Helm chart).
  bool resolve_secrets = true;
};

int run_config_check(const config_check_options& options,
                     const std::vector<config::source_rules>& sources);

} // namespace quarry::cli
