#pragma once

// The HTTP server every API simulator is built on. A simulator registers its
// API routes; the server wraps each with the accounting and limits of
// call_ledger, optional latency and fault injection, and serves the control
// endpoints under /_sim/ (never counted as API calls):
//
//   GET  /_sim/stats        call_stats as JSON (see call_stats.hpp)
//   POST /_sim/reset_stats  clear the counters (not the data)
//   GET  /_sim/clock        {"now": "...Z", "offset_seconds": x}
//   POST /_sim/clock        {"now": "2026-11-24T00:00:05Z"} or {"advance_seconds": 86400}
//   POST /_sim/hold         {"path": "/v3/contacts", "after_calls": N} (a route's
//                           template or a path) or {"operation": "readContacts", ...}
//                           (SOAP): after N more such calls, the next ones wait,
//                           admitted and unanswered, until another POST /_sim/hold
//                           ({} releases them) or stop(). A test holds a page to
//                           kill -9 a client at a known point, without sleeping.
//   GET  /_sim/hold         {"held": calls waiting now}
//   GET  /_sim/readings     {"<name>": {"value": "...", "values": [...]}, ...}
//   POST /_sim/readings     {"<name>": "<value>", ...}: 400 naming an unknown
//                           reading or value, nothing changed then
//
// Readings: where the vendor's documentation is silent (a bound inclusive or
// exclusive, an undocumented filter honoured or refused, a counter of people
// or of events), a simulator declares a reading with every plausible value,
// its default the documented or most likely one, and serves the one set. The
// end-to-end tests run each connector under every value: the simulator is
// the project's own reading of the docs, not the referee. Every simulator with
// rate windows has `window_counting`: arrival (a call is in a window from when
// it arrives) or completion (from when it arrives until a window's length
// after its answer; see call_ledger.hpp).
//
// What happens to one API call, in order:
//
//   begin (counted, in flight; admitted or rejected atomically)
//     rejected  -> rejection handler (default 429 JSON)            -> end
//     fault     -> half: 500 at once; half: stall fault_stall_ms, 500 -> end
//     admitted  -> sleep latency_ms -> wait while held -> handler -> corrupt the body if the path
//                  starts with one of malformed_paths and status is 2xx -> end
//
// Lifecycle:  constructed --add_*_route*--> start() --> serving --stop()--> stopped
// Routes may only be added before start(); a server starts once. stop() (and
// the destructor) wakes calls sleeping in latency or stalls and waits for all
// handlers to return. Handlers run on the server's pool (64 threads) and must
// be thread-safe.

#include "sim/call_stats.hpp"
#include "sim/http_types.hpp"
#include "sim/sim_clock.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::sim {

struct server_options {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port; see server::port()
  int latency_ms = 0;
  double fault_rate = 0;  // fraction of admitted calls that fail, 0..1
  int fault_stall_ms = 3000;
  std::uint64_t fault_seed = 42;
  call_limits limits;
  std::vector<std::string> malformed_paths;  // path prefixes answered with corrupt JSON
  int keep_alive_timeout_s = 2;  // bounds how long stop() waits for idle connections
  // SOAP simulators: names the operation of a call (from SOAPAction or the
  // Body), counted in call_stats::calls_by_operation. Must not throw.
  std::function<std::string(const request&)> operation_of;
  // Called for every API answer (admitted, rejected or faulted) with the room
  // left in each window that applies to the call: APIs that report their
  // limits in headers (x-ratelimit-remaining) add them here. Must not throw.
  std::function<void(const std::vector<window_room>&, response&)> annotate;
  // API routes also match with a trailing "/" (counted under their template):
  // Kustomer's clients call "/v1/customers/search/".
  bool trailing_slash = false;
  // Readings to set at start() (`--reading name=value`); start() throws
  // std::invalid_argument naming an undeclared reading or value.
  std::vector<std::pair<std::string, std::string>> readings;
};

// Why a call was rejected, for a simulator's own rejection response.
struct rejection {
  limit_kind kind = limit_kind::daily;
  double retry_after_s = -1;  // window rejections: when a slot frees up
};

class server {
 public:
  using handler = std::function<void(const request&, response&)>;
  using rejection_handler = std::function<void(const rejection&, const request&, response&)>;

  // Throws std::invalid_argument for impossible limits or rates.
  explicit server(server_options options);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // `path_template` is a path with {name} segments, e.g.
  // "/v1/accounts/{id}/events"; calls are counted under it. Method is "GET",
  // "POST", "PUT", "PATCH" or "DELETE".
  void add_api_route(std::string_view method, std::string path_template, handler h);
  // An uncounted route, normally under /_sim/.
  void add_control_route(std::string_view method, std::string path_template, handler h);

  // Declares a reading (see above): its values, the first being the
  // default. Before start() only.
  void declare_reading(std::string name, std::vector<std::string> values);
  // The reading's value now (thread-safe; a test may change it while the
  // server runs). Throws std::logic_error for an undeclared name.
  std::string reading(std::string_view name) const;
  // Sets a declared reading; false (nothing changed) for an unknown name or value.
  bool set_reading(std::string_view name, std::string_view value);

  // How a rejected call is answered (default: 429 JSON, see server.cpp).
  void set_rejection_handler(rejection_handler h);
  // How an injected fault is answered (default: 500 {"error":"internal_error"}).
  void set_fault_handler(handler h);

  // Binds and serves on background threads. Throws std::runtime_error naming
  // the address when it cannot bind.
  void start();
  void stop();

  int port() const;              // the bound port, after start()
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  const server_options& options() const;

  sim_clock& clock();
  const sim_clock& clock() const;

  call_stats stats() const;
  std::string stats_json() const;
  void reset_stats();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// A /_sim/ control call's body: a JSON object ("" is {}); anything else
// throws std::invalid_argument, which the server answers with 400.
nlohmann::json control_body(const request& req);
// body[name] as a count, 0 when absent, at most `cap`; std::invalid_argument
// unless a non-negative integer.
std::int64_t control_count(const nlohmann::json& body, const char* name,
                           std::int64_t cap = INT64_MAX);

} // namespace quarry::sim
