#include "kafka/log_bridge.hpp"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

namespace quarry::kafka {
namespace {

// librdkafka levels are syslog levels: 0 emerg ... 7 debug.
void log_line(const rd_kafka_t*, int level, const char* facility, const char* text) {
  auto lvl = level <= 3   ? spdlog::level::err
             : level == 4 ? spdlog::level::warn
             : level <= 6 ? spdlog::level::info
                          : spdlog::level::debug;
  // Connection churn is routine (brokers restart, idle connections close).
  if (lvl == spdlog::level::err || lvl == spdlog::level::info) {
    const std::string_view f{facility};
    if (f == "FAIL" || f == "DISCONNECT" || f == "CONNECT") lvl = spdlog::level::debug;
  }
  spdlog::log(lvl, "kafka {}: {}", facility, text);
}

} // namespace

void route_logs(rd_kafka_conf_s* conf) { rd_kafka_conf_set_log_cb(conf, log_line); }

} // namespace quarry::kafka
