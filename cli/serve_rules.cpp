#include "cli/serve_rules.hpp"

#include "config/value_formats.hpp"

namespace quarry::cli {

std::vector<config::config_issue> serve_rule_issues(const config::quarry_config& config) {
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
  return issues;
}

std::vector<config::config_issue> worker_rule_issues(const config::quarry_config& config) {
  if (!config.kafka.embedded) return {};
  return {{"/kafka/embedded",
           "quarry worker needs a real Kafka cluster: the embedded one lives inside a single "
           "process; give kafka.bootstrap_servers instead"}};
}

} // namespace quarry::cli
