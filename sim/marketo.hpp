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

#include <nlohmann/json_fwd.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
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
  struct tokens;      // issued access tokens and the 601/602 counts
  struct export_job;  // one Bulk Extract job
  struct exports;     // the jobs, the served bytes and the test faults
  // A request-level error: {"success":false,"errors":[{code,message}]}.
  struct error {
    std::string code;
    std::string message;
  };
  using route = void (marketo_simulator::*)(const request&, response&);
  using kind_route = void (marketo_simulator::*)(const std::string& kind, const request&, response&);
  using job_route = void (marketo_simulator::*)(export_job&, const request&, response&);

  // add_routes is the route table; each route below is one handler.
  void add_routes();
  // Answers 601 (unknown token) or 602 (expired) and returns false unless
  // the call carries a live token (Bearer header or access_token).
  bool authorized(const request& req, response& res);
  server::handler authed(route r);  // r, once authorized
  server::handler authed(std::string kind, kind_route r);
  // Authed, then under exports_->mu with the queue advanced to now: the
  // job {exportId} of `kind`, or 610.
  server::handler with_job(std::string kind, job_route r);

  // Envelopes (HTTP 200 JSON, see marketo.cpp's top comment).
  std::string request_id();
  void fail(response& res, const error& e);
  void succeed(response& res, nlohmann::json result);
  void succeed(response& res, nlohmann::json result, nlohmann::json extra);
  void answer_rejection(const rejection& why, const request&, response& res);  // 606, 607, 615

  // Identity (uncounted).
  void identity(const request& req, response& res);
  // REST.
  void leads_describe(const request& req, response& res);
  void activity_types(const request& req, response& res);
  void paging_token(const request& req, response& res);
  void activities(const request& req, response& res);
  void campaigns(const request& req, response& res);
  void lists(const request& req, response& res);
  void offset_page(const std::string& tag, int count, std::string (marketo_data::*row)(int) const,
                   const request& req, response& res);  // campaigns and lists
  void programs(const request& req, response& res);
  void usage(const request& req, response& res);
  // Bulk Extract, {kind} = leads | activities.
  void export_create(const std::string& kind, const request& req, response& res);
  std::optional<error> read_export_request(const std::string& body, export_job& j) const;
  void export_enqueue(export_job& j, const request& req, response& res);
  void export_status(export_job& j, const request& req, response& res);
  void export_cancel(export_job& j, const request& req, response& res);
  void export_file(export_job& j, const request& req, response& res);
  void export_list(const std::string& kind, const request& req, response& res);
  // Control (uncounted).
  void sim_auth(const request& req, response& res);
  void sim_mutate(const request& req, response& res);
  void sim_dataset(const request& req, response& res);
  void sim_export_faults(const request& req, response& res);
  void sim_exports(const request& req, response& res);

  // The export queue; callers hold exports_->mu.
  void advance_exports(std::int64_t now);                // runs the queue forward to now
  void start_export(export_job& j, std::int64_t at);     // Queued -> Processing, writes the file
  std::int64_t now_s() const { return server_.clock().now_unix_seconds(); }
  std::int64_t daily_export_bytes() const { return options_.export_daily_mb * 1024 * 1024; }

  const marketo_options options_;
  std::unique_ptr<marketo_data> data_;
  std::unique_ptr<exports> exports_;
  std::unique_ptr<tokens> tokens_;
  std::atomic<std::uint64_t> request_seq_{0};
  server server_;  // last: stopped (its handlers done) before the state above goes
};

} // namespace quarry::sim
