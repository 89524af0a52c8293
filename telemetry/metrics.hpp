#pragma once

// Every Prometheus instrument quarry exports, registered once in one registry.
// Names follow Prometheus conventions: the quarry_ prefix, base units
// (seconds, bytes), _total for counters. Labels stay low-cardinality: source,
// account, stream, job, outcome; never a record or parent id.
//
// Thread-safety: prometheus-cpp families and metrics are thread-safe. Adding a
// label set takes a lock, so hot paths look a metric up once and keep the
// reference (metrics live as long as the registry, i.e. the process).

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>

namespace quarry::telemetry {

struct instruments {
  prometheus::Family<prometheus::Counter>& records;           // {source, stream, job}
  prometheus::Family<prometheus::Counter>& api_calls;          // {account, source, outcome}
  prometheus::Family<prometheus::Histogram>& api_call_duration;// {source}
  prometheus::Family<prometheus::Counter>& api_throttles;      // {account, kind}
  prometheus::Family<prometheus::Gauge>& quota_remaining;      // {account, budget}
  prometheus::Family<prometheus::Gauge>& quota_daily_limit;    // {account}
  prometheus::Family<prometheus::Histogram>& quota_wait;       // {account}
  prometheus::Family<prometheus::Gauge>& tasks;                // {state}
  prometheus::Family<prometheus::Counter>& kafka_messages;     // {outcome}
  prometheus::Family<prometheus::Histogram>& kafka_delivery_latency;
  prometheus::Family<prometheus::Counter>& kafka_transactions; // {outcome}
  prometheus::Family<prometheus::Gauge>& bookmark_committed;   // {job, stream}
  prometheus::Family<prometheus::Counter>& runs;               // {job, outcome}
  prometheus::Family<prometheus::Histogram>& run_duration;     // {job}
  prometheus::Family<prometheus::Gauge>& run_finished;         // {job, outcome}
  prometheus::Family<prometheus::Gauge>& workers;              // {location: local | remote}
  prometheus::Family<prometheus::Gauge>& stream_failures;      // {quarry_job, stream}
  prometheus::Family<prometheus::Counter>& cluster_refused;    // {} (serve with serve.tls)
  prometheus::Family<prometheus::Gauge>& worker_joined;        // {} (quarry worker: 1 joined, 0 not)
};

// The process registry and its instruments, created on first use.
const std::shared_ptr<prometheus::Registry>& registry();
instruments& metrics();

// Buckets for latencies from 1 ms to ~30 s.
const prometheus::Histogram::BucketBoundaries& latency_buckets();

} // namespace quarry::telemetry
