#pragma once

// The synthetic simulator: a small REST API with a parent stream (accounts),
// a child stream (events of each account) and a page-numbered stream (users),
// used to prove the run engine. Bearer-token auth, keyset paging with opaque
// tokens, limits, latency and faults from sim::server.
//
//   GET /v1/accounts?updated_since=&limit=&page_token=
//   GET /v1/accounts/{id}/events?since=&limit=&page_token=
//   GET /v1/users?page=&per_page=
//   POST /_sim/mutate          {"touch_accounts": K, "add_events": E}
//   GET  /_sim/dataset/accounts|events|users
//
// The wire format in detail: synthetic.cpp's top comment.

#include "sim/server.hpp"
#include "sim/synthetic_data.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace quarry::sim {

struct synthetic_options {
  std::uint64_t seed = 1;
  int accounts = 50;
  int events_per_account = 20;
  int users = 100;
  int max_page_size = 500;  // larger `limit`/`per_page` values are capped to it
  std::string api_key = "synthetic-key";
  // host, port, latency_ms, fault_rate, limits, malformed_paths
  server_options server;
};

enum class synthetic_dataset { accounts, events, users };

class synthetic_simulator {
 public:
  // Generates the dataset; throws std::invalid_argument for bad options.
  explicit synthetic_simulator(synthetic_options options);
  ~synthetic_simulator();
  synthetic_simulator(const synthetic_simulator&) = delete;
  synthetic_simulator& operator=(const synthetic_simulator&) = delete;

  void start();  // see server::start
  void stop();
  int port() const { return server_.port(); }
  std::string base_url() const { return server_.base_url(); }
  const synthetic_options& options() const { return options_; }

  // Stats, clock and limits.
  server& http() { return server_; }
  const server& http() const { return server_; }

  // As POST /_sim/mutate, at the sim clock's now.
  synthetic_mutation mutate(int touch_accounts, int add_events);
  // As GET /_sim/dataset/...: every current record, a JSON array.
  std::string dataset_json(synthetic_dataset which) const;

 private:
  using route = void (synthetic_simulator::*)(const request&, response&);

  // add_routes is the route table; each route below is one handler.
  void add_routes();
  void accounts(const request& req, response& res);
  void account_events(const request& req, response& res);
  void users(const request& req, response& res);
  void usage(const request&, response& res);
  void sim_mutate(const request& req, response& res);
  void sim_dataset(const request& req, response& res);

  const synthetic_options options_;
  std::unique_ptr<synthetic_data> data_;
  server server_;
};

} // namespace quarry::sim
