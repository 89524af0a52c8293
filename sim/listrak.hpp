#pragma once

// The Listrak simulator: the SOAP API v31 (apis.md section 3) as tap-listrak
// and quarry call it, with only the endpoint changed. The wire format in
// detail: listrak.cpp's top comment.
//
// Where the documentation is silent the simulator has a reading per
// ambiguity (counters, subsecond, server_time_zone, range_bound,
// bounce_date; listrak.cpp's top comment).
//
// No rate limit is documented, so none is enforced by default; the shared
// server flags (latency, fault rate, --daily-limit, --window, --concurrency)
// apply as to any simulator. Every call is counted per SOAP operation in
// /_sim/stats "calls_by_operation".

#include "sim/listrak_data.hpp"
#include "sim/server.hpp"

#include <memory>
#include <optional>
#include <string>

namespace pugi {
class xml_node;
}

namespace quarry::sim {

class soap_reply;

struct listrak_options {
  listrak_shape data;
  std::string username = "quarry";
  std::string password = "quarry-password";
  int page_size = 5000;  // Range* and ContactSent pages [GUESS: undocumented]
  server_options server;  // operation_of is set to soap_operation
};

class listrak_simulator {
 public:
  // Throws std::invalid_argument for bad options.
  explicit listrak_simulator(listrak_options options);
  ~listrak_simulator();
  listrak_simulator(const listrak_simulator&) = delete;
  listrak_simulator& operator=(const listrak_simulator&) = delete;

  void start();  // see server::start
  void stop();
  int port() const { return server_.port(); }
  std::string base_url() const { return server_.base_url(); }
  // The SOAP endpoint: base_url() + "/v31/IntegrationService.asmx".
  std::string endpoint() const;
  const listrak_options& options() const { return options_; }

  server& http() { return server_; }
  const server& http() const { return server_; }
  const listrak_data& data() const { return *data_; }

  // As POST /_sim/mutate: at `at` (unix seconds), default the sim clock's now.
  listrak_mutation mutate(const listrak_changes& changes, std::optional<std::int64_t> at = std::nullopt);

  // Records of a stream exactly as a connector should emit them under the
  // readings now set (parent ids and Ordinal included, dates RFC 3339 in
  // UTC with "Z"), as a JSON array; nullopt for an unknown stream.
  std::optional<std::string> dataset_json(const std::string& stream) const;

 private:
  struct xml_faults;
  using route = void (listrak_simulator::*)(const request&, response&);

  // add_routes is the route table; each route below is one handler.
  void add_routes();
  void soap_call(const request& req, response& res);
  void wsdl(const request& req, response& res);
  void sim_dataset(const request& req, response& res);
  void sim_mutate(const request& req, response& res);
  void sim_xml_faults(const request& req, response& res);
  // The answer to one SOAP call, or throws client_fault. `first_page_only`:
  // a hostile answer that ignores Page.
  void answer(const std::string& method, pugi::xml_node op, soap_reply& reply, bool first_page_only);

  const listrak_options options_;
  std::unique_ptr<listrak_data> data_;
  std::unique_ptr<xml_faults> faults_;
  server server_;
};

} // namespace quarry::sim
