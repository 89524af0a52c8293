#include "cli/serve_rules.hpp"

#include "runtime/cluster_tls.hpp"
#include "config/value_formats.hpp"

namespace quarry::cli {

std::vector<config::config_issue> serve_rule_issues(const config::quarry_config& config,
                                                    bool read_files) {
  std::vector<config::config_issue> issues;
  const auto& listen = config.telemetry.listen;
  if (!listen.empty() && !config::is_loopback_listen(listen) && !config.serve.admin_token)
    issues.push_back({"/serve/admin_token",
                      "quarry serve needs serve.admin_token because telemetry.listen (" + listen +
                          ") is not a loopback address: the admin API would take orders from "
                          R"(anyone who reaches it; give {"env": NAME} or {"file": PATH})"});
  const auto& cluster = config.serve.cluster_listen;
  if (!cluster.empty() && !config::is_loopback_listen(cluster) && !config.serve.tls)
    issues.push_back({"/serve/tls",
                      "quarry serve needs serve.tls because serve.cluster_listen (" + cluster +
                          ") is not a loopback address: anyone who reaches it could join as a "
                          "worker and take tasks; give "
                          R"({"ca": PATH, "cert": PATH, "key": {"file": PATH}}, and the same )"
                          "CA to the workers' /worker/tls"});
  if (read_files && !cluster.empty() && config.serve.tls)
    if (auto st = runtime::cluster_tls::check_files(*config.serve.tls, runtime::cluster_tls::role::coordinator); !st)
      issues.push_back({"/serve/tls", st.error().message});
  return issues;
}

std::vector<config::config_issue> worker_rule_issues(const config::quarry_config& config,
                                                     bool read_files) {
  std::vector<config::config_issue> issues;
  if (config.kafka.embedded)
    issues.push_back({"/kafka/embedded",
                      "quarry worker needs a real Kafka cluster: the embedded one lives inside a "
                      "single process; give kafka.bootstrap_servers instead"});
  if (read_files && config.worker.tls)
    if (auto st = runtime::cluster_tls::check_files(*config.worker.tls, runtime::cluster_tls::role::worker); !st)
      issues.push_back({"/worker/tls", st.error().message});
  return issues;
}

} // namespace quarry::cli
