#pragma once

// The Kustomer simulator: API v1 search (POST /v1/customers/search with a
// queryContext) and the plain lists (users, teams, tags, shortcuts) as
// apis.md section 4 describes them, so tap-kustomer runs against it with only
// its base URL changed. One host: the connector picks US or EU by config and
// tests point either at this server. The wire format in detail: kustomer.cpp's
// top comment.
//
// Limits, both enforced by sim::server's call_ledger (violations in
// /_sim/stats): the org's per-minute budget by plan (every call) and the
// API-key search budget (POST /v1/customers/search only). Every answer
// carries x-ratelimit-limit/-remaining/-reset for the tighter of the windows
// that apply to it; over a limit: 429.

#include "sim/kustomer_data.hpp"
#include "sim/server.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace quarry::sim {

struct kustomer_options {
  kustomer_shape data;
  std::string api_key = "kustomer-key";
  std::int64_t org_per_minute = 1000;    // plan: Enterprise 1000, Ultimate 2000, ...
  std::int64_t search_per_minute = 100;  // API keys
  double window_seconds = 60;
  // The search window: a page starting at or past this many hits is refused
  // (400) and links.next is null on the last page inside it. [GUESS: 100
  // pages of 100, from MeltanoLabs' restart at page 101]
  std::int64_t max_search_hits = 10000;
  // The same window read as pages (the docs' "100-page limit"), under the
  // search_depth=pages reading: any page past this one is refused.
  std::int64_t max_search_pages = 100;
  // host, port, latency_ms, fault_rate, malformed_paths, concurrency; its
  // windows are replaced by the two above.
  server_options server;
};

class kustomer_simulator {
 public:
  // Throws std::invalid_argument for bad options.
  explicit kustomer_simulator(kustomer_options options);
  ~kustomer_simulator();
  kustomer_simulator(const kustomer_simulator&) = delete;
  kustomer_simulator& operator=(const kustomer_simulator&) = delete;

  void start();  // see server::start
  void stop();
  int port() const { return server_.port(); }
  std::string base_url() const { return server_.base_url(); }
  const kustomer_options& options() const { return options_; }

  server& http() { return server_; }
  const server& http() const { return server_; }

  // As POST /_sim/mutate, at the sim clock's now.
  kustomer_mutation mutate(std::int64_t touch, std::int64_t add);
  // As GET /_sim/dataset/<stream>: every record as the connector emits it
  // (Stitch's columns: snake_case, attributes and relationships.*.data lifted).
  std::string dataset_json(kustomer_kind kind) const;

 private:
  using route = void (kustomer_simulator::*)(const request&, response&);

  // add_routes is the route table; each route below is one handler.
  void add_routes();
  void customers_search(const request& req, response& res);
  // GET /v1/<kind>: the plain list of users, teams, tags or shortcuts.
  void list(kustomer_kind kind, const std::string& path, std::int64_t max_size, const request& req, response& res);
  void users_current(const request& req, response& res);
  void sim_mutate(const request& req, response& res);
  void sim_dataset(const request& req, response& res);

  const kustomer_options options_;
  std::unique_ptr<kustomer_data> data_;
  server server_;
};

} // namespace quarry::sim
