#include "telemetry/metrics.hpp"

namespace quarry::telemetry {
namespace {

instruments make_instruments(prometheus::Registry& r) {
  using namespace prometheus;
  auto& build_info = BuildGauge()
                         .Name("quarry_build_info")
                         .Help("Always 1; labels name the running build.")
                         .Register(r);
  build_info.Add({{"version", QUARRY_VERSION}}).Set(1);
  return instruments{
      BuildCounter().Name("quarry_records_total")
          .Help("Records extracted and handed to the output.").Register(r),
      BuildCounter().Name("quarry_api_calls_total")
          .Help("API calls made, by outcome (ok or an error kind).").Register(r),
      BuildHistogram().Name("quarry_api_call_duration_seconds")
          .Help("Latency of API calls.").Register(r),
      BuildCounter().Name("quarry_api_throttles_total")
          .Help("Slow-down and quota-exhausted answers from servers.").Register(r),
      BuildGauge().Name("quarry_quota_remaining")
          .Help("Calls left in an account's daily budget, and permits in flight.").Register(r),
      BuildGauge().Name("quarry_quota_daily_limit")
          .Help("An account's daily call budget (absent: unlimited).").Register(r),
      BuildHistogram().Name("quarry_quota_wait_seconds")
          .Help("Time spent waiting for a quota permit.").Register(r),
      BuildGauge().Name("quarry_tasks")
          .Help("Tasks by state.").Register(r),
      BuildCounter().Name("quarry_kafka_messages_total")
          .Help("Kafka delivery reports, by outcome (delivered or failed).").Register(r),
      BuildHistogram().Name("quarry_kafka_delivery_latency_seconds")
          .Help("Time from produce to delivery report.").Register(r),
      BuildCounter().Name("quarry_kafka_transactions_total")
          .Help("Kafka transactions, by outcome (committed, aborted, failed).").Register(r),
      BuildGauge().Name("quarry_bookmark_last_commit_timestamp_seconds")
          .Help("Unix time a stream's bookmark was last committed (lag: time() minus this).")
          .Register(r),
      BuildCounter().Name("quarry_runs_total")
          .Help("Finished runs, by outcome.").Register(r),
      BuildHistogram().Name("quarry_run_duration_seconds")
          .Help("Wall time of finished runs.").Register(r),
      BuildGauge().Name("quarry_run_last_finish_timestamp_seconds")
          .Help("Unix time a job's last run with this outcome finished.").Register(r),
      BuildGauge().Name("quarry_workers")
          .Help("Workers connected to this coordinator.").Register(r),
      BuildGauge().Name("quarry_stream_consecutive_failures")
          .Help("Runs in a row that failed a stream without moving its bookmarks (0: its last run did not fail).")
          .Register(r),
      BuildCounter().Name("quarry_cluster_connections_refused_total")
          .Help("Connections to the cluster port whose TLS handshake failed (no or an untrusted certificate, or plain TCP).")
          .Register(r),
      BuildGauge().Name("quarry_worker_joined")
          .Help("1 while this worker process has joined its coordinator, 0 while it tries to.")
          .Register(r),
  };
}

} // namespace

const std::shared_ptr<prometheus::Registry>& registry() {
  static const auto r = std::make_shared<prometheus::Registry>();
  return r;
}

instruments& metrics() {
  static instruments m = make_instruments(*registry());
  return m;
}

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return b;
}

} // namespace quarry::telemetry
