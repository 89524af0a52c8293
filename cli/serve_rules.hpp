#pragma once

// The rules `quarry serve` applies to a loaded config before it starts,
// beyond what config::load_file checks: those that need no network. One
// function, called by serve (before anything listens) and by `quarry config
// check`, so that a config that checks is one serve starts with.

#include "config/config.hpp"

#include <vector>

namespace quarry::cli {

// Every violation, each naming the field to set as a JSON pointer (print
// them with config::format_issues); empty when serve may start. Never
// mentions a secret's value.
//   - telemetry.listen off loopback needs serve.admin_token: the admin API
//     would otherwise take orders from anyone who reaches the port;
//   - serve.cluster_listen off loopback needs serve.tls: anyone who reaches
//     the port could otherwise join as a worker and take tasks;
//   - with `read_files`, serve.tls's files must be usable
//     (runtime/cluster_tls.hpp check_files), when there is a cluster_listen.
std::vector<config::config_issue> serve_rule_issues(const config::quarry_config& config,
                                                    bool read_files = true);

// The same for `quarry worker`: the embedded Kafka lives in one process, so a
// remote worker needs a real cluster; with `read_files`, worker.tls's files
// must be usable.
std::vector<config::config_issue> worker_rule_issues(const config::quarry_config& config,
                                                     bool read_files = true);

} // namespace quarry::cli
