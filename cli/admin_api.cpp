#include "cli/admin_api.hpp"

#include <httplib.h>

namespace quarry::cli {
namespace {

void answer(httplib::Response& res, const admin_reply& reply) {
  res.status = reply.status;
  res.set_content(reply.body.dump() + "\n", "application/json");
}

admin_reply problem(int status, std::string message) {
  return {status, {{"error", std::move(message)}}};
}

// Compares in time independent of where the texts differ.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

} // namespace

void add_admin_routes(httplib::Server& server, admin_control& control, std::string token) {
  server.set_pre_routing_handler([token](const httplib::Request& req, httplib::Response& res) {
    if (req.path.rfind("/api/", 0) != 0 || token.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const auto header = req.get_header_value("Authorization");
    const std::string scheme = "Bearer ";
    if (header.rfind(scheme, 0) == 0 && same_secret(header.substr(scheme.size()), token))
      return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("WWW-Authenticate", "Bearer realm=\"quarry\"");
    answer(res, problem(401, header.empty() ? "this API needs \"Authorization: Bearer <token>\""
                                            : "the bearer token is not the admin token"));
    return httplib::Server::HandlerResponse::Handled;
  });
  server.Get("/api/v1/jobs", [&control](const httplib::Request&, httplib::Response& res) {
    answer(res, control.jobs());
  });
  server.Get(R"(/api/v1/jobs/([^/]+))", [&control](const httplib::Request& req, httplib::Response& res) {
    answer(res, control.job(req.matches[1]));
  });
  server.Post(R"(/api/v1/jobs/([^/]+)/runs)",
              [&control](const httplib::Request& req, httplib::Response& res) {
                answer(res, control.trigger(req.matches[1]));
              });
  server.Post(R"(/api/v1/jobs/([^/]+)/(pause|resume))",
              [&control](const httplib::Request& req, httplib::Response& res) {
                answer(res, control.pause(req.matches[1], req.matches[2] == "pause"));
              });
  server.Post(R"(/api/v1/jobs/([^/]+)/reset)",
              [&control](const httplib::Request& req, httplib::Response& res) {
                std::optional<std::string> stream;
                if (!req.body.empty()) {
                  auto body = nlohmann::json::parse(req.body, nullptr, false);
                  if (body.is_discarded() || !body.is_object())
                    return answer(res, problem(400, "the body must be a JSON object such as "
                                                    "{\"stream\": \"leads\"}, or empty"));
                  for (const auto& [field, _] : body.items())
                    if (field != "stream")
                      return answer(res, problem(400, "unknown field \"" + field +
                                                          "\" (only \"stream\" is allowed)"));
                  if (body.contains("stream")) {
                    if (!body["stream"].is_string() || body["stream"].get<std::string>().empty())
                      return answer(res, problem(400, "\"stream\" must be a non-empty string"));
                    stream = body["stream"].get<std::string>();
                  }
                }
                answer(res, control.reset(req.matches[1], stream));
              });
  server.Get("/api/v1/quota", [&control](const httplib::Request&, httplib::Response& res) {
    answer(res, control.quota());
  });
  // Anything else under /api/: a JSON 404 (or 405 for a known path).
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.path.rfind("/api/", 0) != 0 || !res.body.empty()) return;
    if (res.status == 404)
      answer(res, problem(404, "no such endpoint: " + req.method + " " + req.path +
                                   " (see GET /api/v1/jobs)"));
  });
}

} // namespace quarry::cli
