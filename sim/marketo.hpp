#pragma once

// The Marketo simulator: REST (leads describe, activities, campaigns, lists,
// programs, usage) and Bulk Extract (leads, activities) as apis.md section 1
// describes them, so tap-marketo runs against it with only its base URL
// changed. The wire format in detail: marketo.cpp's top comment.
//
// Limits are answered as Marketo answers them (HTTP 200, success false):
// 606 more than `rate_calls` in `rate_seconds`, 607 more than `daily_limit`
// calls in a day, 615 more than `concurrency` calls in flight. They are
// enforced by sim::server's call_ledger, so violations land in /_sim/stats.
//
// Export job lifecycle (status.json), advanced lazily on the sim clock:
//
//   create --> Created --enqueue--> Queued --slot free--> Processing
//                 |                    |                     |   \ (fail rate)
//                 +-------cancel-------+-------cancel--------+    Failed
//                 v                                          v
//             Cancelled                                  Completed
//
// At most 2 jobs Processing and 10 Queued + Processing; Processing lasts
// fileSize / 1 MB * export_seconds_per_mb seconds of sim time.

#include "sim/marketo_data.hpp"
#include "sim/server.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace quarry::sim {

struct marketo_options {
  marketo_shape data;
  std::string client_id = "quarry-client";
  std::string client_secret = "quarry-secret";
  std::int64_t token_ttl_s = 3600;
  std::int64_t daily_limit = 50000;  // 607 beyond; the day starts 00:00 CST (UTC-6)
  std::int64_t rate_calls = 100;     // 606 beyond rate_calls in rate_seconds
  double rate_seconds = 20;
  std::int64_t concurrency = 10;     // 615 beyond
  std::int64_t export_daily_mb = 500;  // 1029 "Export daily quota exceeded" beyond
  bool updated_at_filter = true;       // false: 1035 for a leads updatedAt filter
  double export_seconds_per_mb = 2;    // simulated processing time
  double export_fail_rate = 0;         // fraction of jobs that end Failed, 0..1
  int max_processing_exports = 2;
  int max_queued_exports = 10;         // Queued + Processing
  // host, port, latency_ms, fault_rate, malformed_paths; its limits are
  // replaced by the ones above.
  server_options server;
};

class marketo_simulator {
 public:
  // Throws std::invalid_argument for bad options.
  explicit marketo_simulator(marketo_options options);
  ~marketo_simulator();
  marketo_simulator(const marketo_simulator&) = delete;
  marketo_simulator& operator=(const marketo_simulator&) = delete;

  void start();  // see server::start
  void stop();
  int port() const { return server_.port(); }
  std::string base_url() const { return server_.base_url(); }
  const marketo_options& options() const { return options_; }

  server& http() { return server_; }
  const server& http() const { return server_; }
  const marketo_data& data() const { return *data_; }

  // As POST /_sim/mutate, at the sim clock's now.
  marketo_mutation mutate(std::int64_t touch_leads, std::int64_t add_activities);
  // Export bytes (fileSize) of jobs completed on the current export day and
  // file.json body bytes served on it; the day is America/Chicago
  // approximated as UTC-6 (no DST).
  std::int64_t export_bytes_today() const;
  std::int64_t export_bytes_served_today() const;

 private:
  struct exports;
  void add_routes();

  const marketo_options options_;
  std::unique_ptr<marketo_data> data_;
  std::unique_ptr<exports> exports_;
  server server_;
};

} // namespace quarry::sim
