#pragma once

// The admin HTTP API of `quarry serve`, served next to /metrics on
// telemetry.listen:
//
//   GET  /api/v1/jobs                    every job: schedule, paused, running run, next run, last run
//   GET  /api/v1/jobs/{job}              one job
//   POST /api/v1/jobs/{job}/runs         start a run now             202 {"run": ...} | 404 | 409 running or paused
//   POST /api/v1/jobs/{job}/pause        no scheduled runs           200 job
//   POST /api/v1/jobs/{job}/resume       scheduled runs again        200 job
//   POST /api/v1/jobs/{job}/reset        forget bookmarks; body {"stream": NAME} for one stream
//                                                                    200 {"reset": N} | 409 running
//   GET  /api/v1/quota                   each account's quota as the quota actor counts it
//
// Answers are JSON; errors are {"error": "..."} with a 4xx naming what is
// wrong. With a token, every /api/ request needs "Authorization: Bearer
// <token>" (401 otherwise); serve refuses to start without one when the
// listen address is not loopback.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace httplib { class Server; }

namespace quarry::cli {

// An answer: the HTTP status and the JSON body ({"error": ...} for 4xx).
struct admin_reply {
  int status = 200;
  nlohmann::json body;
};

// What the admin API acts on (serve's job table). Called from HTTP threads.
class admin_control {
 public:
  virtual ~admin_control() = default;
  virtual admin_reply jobs() = 0;
  virtual admin_reply job(const std::string& name) = 0;
  virtual admin_reply trigger(const std::string& name) = 0;
  virtual admin_reply pause(const std::string& name, bool paused) = 0;
  virtual admin_reply reset(const std::string& name, const std::optional<std::string>& stream) = 0;
  virtual admin_reply quota() = 0;
};

// Adds the routes; `token` empty: no token required.
void add_admin_routes(httplib::Server& server, admin_control& control, std::string token);

} // namespace quarry::cli
