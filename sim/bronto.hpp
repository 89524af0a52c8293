#pragma once

// The Bronto simulator: SOAP API v4 (apis.md section 2) at POST /v4, so
// tap-bronto runs against it with only its WSDL location changed. The wire
// format and the readings (one per thing the docs leave open) in detail:
// bronto.cpp's top comment.
//
// Session lifecycle (per session id, on the sim clock):
//
//   login(apiToken) --> live --any call--> live (idle timer restarts)
//                        |
//                        +-- idle >= session_idle_s, or /_sim/expire_sessions --> expired
//                                                    (every call: fault 103)
//
// Each live session remembers, per readRecent*Activities operation, the last
// FIRST read (its range and position): NEXT pages on from there (reading
// activity_cursor=token: one such read per operation for the API token,
// shared by its sessions).

#include "sim/bronto_data.hpp"
#include "sim/server.hpp"

#include <cstdint>
#include <future>
#include <memory>
#include <string>

namespace quarry::sim {

struct soap_call;

struct bronto_options {
  bronto_shape data;  // data.start 0: data.days before now
  std::string api_token = "quarry-bronto-token";
  std::int64_t page_size = 5000;           // readContacts, readUnsubscribes, readFields; readLists' cap
  std::int64_t activity_page_size = 5000;  // caps readRecent*Activities' `size`
  std::int64_t session_idle_s = 1200;      // 20 minutes
  std::int64_t horizon_days = 30;          // recent activities available
  // host, port, latency_ms, fault_rate, limits, readings; operation_of is set here.
  server_options server;
};

class bronto_simulator {
 public:
  // Throws std::invalid_argument for bad options.
  explicit bronto_simulator(bronto_options options);
  ~bronto_simulator();
  bronto_simulator(const bronto_simulator&) = delete;
  bronto_simulator& operator=(const bronto_simulator&) = delete;

  void start();  // see server::start
  void stop();
  int port() const { return server_.port(); }
  std::string base_url() const { return server_.base_url(); }
  std::string endpoint() const { return server_.base_url() + "/v4"; }
  const bronto_options& options() const { return options_; }

  server& http() { return server_; }
  const server& http() const { return server_; }
  const bronto_data& data() const { return *data_; }

  // As POST /_sim/mutate, at the sim clock's now, or at `at_ms` (unix ms)
  // when given: a burst of records sharing one instant.
  bronto_mutation mutate(const bronto_mutation& wanted, std::int64_t at_ms = 0);

  // Holds a call: once `after_calls` calls of `operation` have been
  // answered, the next one waits, unanswered, until release(). The future is
  // ready when that call has arrived and waits: a test can then kill the
  // client in the middle of its work, with no sleep. One hold at a time.
  std::future<void> hold(const std::string& operation, std::int64_t after_calls);
  void release();

 private:
  struct state;
  struct read_call;  // one read operation being answered
  // add_routes is the route table; each route below is one handler.
  void add_routes();
  void answer_soap(const request& req, response& res);  // POST /v4, by operation
  void wsdl(const request& req, response& res);         // GET /v4?wsdl
  // Sessions and the per-call test faults.
  std::string login(const soap_call& call);        // or fault 102
  std::string use_session(const soap_call& call);  // or fault 103
  void after_call(const std::string& operation);
  std::string take_xml_fault(const std::string& operation);
  void wait_if_held(const std::string& operation);
  // Read operations: their <return> rows into the call's reply.
  void read_contacts(const read_call& call);
  void read_fields(const read_call& call);
  void read_lists(const read_call& call);
  void read_unsubscribes(const read_call& call);
  void read_activities(const read_call& call);  // inbound and outbound
  // Control (uncounted).
  void sim_mutate(const request& req, response& res);
  void sim_dataset(const request& req, response& res);
  void sim_xml_faults(const request& req, response& res);
  void sim_expire_sessions(const request& req, response& res);
  void sim_sessions(const request& req, response& res);

  bronto_options options_;
  std::unique_ptr<bronto_data> data_;
  std::unique_ptr<state> state_;
  server server_;
};

} // namespace quarry::sim
