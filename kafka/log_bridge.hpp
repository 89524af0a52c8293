#pragma once

// Routes librdkafka's own log lines into quarry's log (spdlog), so stderr
// stays one format (JSON lines when not a terminal) instead of librdkafka's
// "%4|...|" lines.

struct rd_kafka_conf_s;

namespace quarry::kafka {

void route_logs(rd_kafka_conf_s* conf);

} // namespace quarry::kafka
