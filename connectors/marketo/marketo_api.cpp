#include "connectors/marketo/marketo_api.hpp"

#include <chrono>
#include <cstdlib>

namespace quarry::connectors::marketo {
namespace {

using nlohmann::json;
using http::url_encode;

bool looks_like_json(std::string_view body) {
  for (char c : body) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{';
  }
  return false;
}

std::string base_url(const session& s) {
  std::string url = s.job().endpoint;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

} // namespace

std::vector<api_error> api_errors(const json& body) {
  std::vector<api_error> out;
  if (!body.is_object() || !body.contains("errors") || !body["errors"].is_array()) return out;
  for (const auto& e : body["errors"]) {
    if (!e.is_object()) continue;
    api_error err;
    if (e.contains("code")) err.code = e["code"].is_string() ? e["code"].get<std::string>() : e["code"].dump();
    if (e.contains("message") && e["message"].is_string()) err.message = e["message"].get<std::string>();
    out.push_back(std::move(err));
  }
  return out;
}

std::optional<quarry::error> classify(const http::request& req, const http::response& res,
                                      const std::vector<std::string>& accepted) {
  if (!looks_like_json(res.body)) return std::nullopt;
  const auto body = json::parse(res.body, nullptr, false);
  const std::string what = "marketo " + http::describe_request(req);
  if (body.is_discarded() || !body.is_object())
    return make_error(error_kind::bad_payload,
                      what + ": not a JSON envelope: \"" + res.body.substr(0, 120) + "\"");
  if (!body.contains("success") || !body["success"].is_boolean() || body["success"].get<bool>())
    return std::nullopt;
  const auto errors = api_errors(body);
  if (errors.empty())
    return make_error(error_kind::bad_payload,
                      what + ": success:false without errors: \"" + res.body.substr(0, 120) + "\"");
  const auto& first = errors.front();
  for (const auto& code : accepted)
    if (code == first.code) return std::nullopt;
  const std::string text = what + ": " + first.code + " " + first.message.substr(0, 160) +
                           (body.contains("requestId") && body["requestId"].is_string()
                                ? " (requestId " + body["requestId"].get<std::string>() + ")"
                                : "");
  auto with = [&](error_kind kind, double retry_after) {
    auto e = make_error(kind, text);
    e.retry_after_s = retry_after;
    return e;
  };
  const auto& c = first.code;
  if (c == "601" || c == "602") return with(error_kind::auth_expired, -1);
  if (c == "606") {
    // "Max rate limit '100' exceeded with in '20' secs": wait out that window.
    double window_s = 20;
    const auto at = first.message.find("with in '");
    if (at != std::string::npos) {
      const double parsed = std::atof(first.message.c_str() + at + 9);
      if (parsed > 0 && parsed <= 3600) window_s = parsed;
    }
    return with(error_kind::rate_limited, window_s);
  }
  // A slot frees as soon as any call in flight (ours or another app's) ends.
  if (c == "615") return with(error_kind::rate_limited, 1);
  if (c == "607") return with(error_kind::quota_exhausted, -1);
  if (c == "604" || c == "608" || c == "611") return with(error_kind::retriable, -1);
  if (c == "1029") {
    if (first.message.find("queue") != std::string::npos &&
        first.message.find("already") == std::string::npos)
      return with(error_kind::rate_limited, 300);
    if (first.message.find("quota") != std::string::npos)
      return with(error_kind::quota_exhausted, -1);
  }
  return with(error_kind::fatal, -1);
}

api::api(session& s, token_holder& tokens) : s_(s), tokens_(tokens) {}

result<fetched_token> api::fetch_token() {
  const auto& job = s_.job();
  http::request req;
  req.url = base_url(s_) + "/identity/oauth/token?grant_type=client_credentials&client_id=" +
            url_encode(job.credential("client_id")) +
            "&client_secret=" + url_encode(job.credential("client_secret"));
  req.describe = "GET /identity/oauth/token";
  auto res = s_.call(req, [](const http::request& q, const http::response& r) { return classify(q, r); });
  if (!res) {
    auto err = std::move(res).error();
    // 401 from Identity: the client id or secret is wrong, re-trying won't help.
    if (err.kind == error_kind::auth_expired) err.kind = error_kind::fatal;
    err.message = "marketo identity: " + err.message;
    return err;
  }
  const auto body = json::parse(res->body, nullptr, false);
  if (body.is_object() && body.contains("error"))
    return make_error(error_kind::fatal,
                      "marketo identity rejected the client credentials: " +
                          body.value("error", std::string{}) + " " +
                          body.value("error_description", std::string{}).substr(0, 120));
  if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string() ||
      !body.contains("expires_in") || !body["expires_in"].is_number())
    return make_error(error_kind::bad_payload,
                      "marketo identity: expected access_token and expires_in in the answer");
  return fetched_token{body["access_token"].get<std::string>(),
                       std::chrono::seconds{body["expires_in"].get<std::int64_t>()}};
}

http::request api::make(const std::string& method, const std::string& path,
                        const std::string& query) const {
  http::request req;
  req.method = method;
  req.url = base_url(s_) + path + (query.empty() ? "" : "?" + query);
  req.describe = method + " " + path;
  return req;
}

result<http::response> api::send(const http::request& req, const std::vector<std::string>& accepted,
                                 const std::function<bool(std::string_view)>* on_chunk) {
  const http::classifier extra = [accepted](const http::request& q, const http::response& r) {
    return classify(q, r, accepted);
  };
  return authorized_call(s_, tokens_, [this] { return fetch_token(); }, req, extra, on_chunk);
}

// The answer's body as a JSON object, or bad_payload naming the request.
static result<json> json_object(const http::request& req, result<http::response> res) {
  if (!res) return std::move(res).error();
  auto body = json::parse(res->body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return make_error(error_kind::bad_payload, "marketo " + req.describe + ": not a JSON object: \"" +
                                                   res->body.substr(0, 120) + "\"");
  return body;
}

result<json> api::get(const std::string& path, const std::string& query,
                      const std::vector<std::string>& accepted) {
  const auto req = make("GET", path, query);
  return json_object(req, send(req, accepted, nullptr));
}

result<json> api::post(const std::string& path, const json& payload,
                       const std::vector<std::string>& accepted) {
  auto req = make("POST", path, "");
  req.body = payload.dump();
  req.headers.emplace_back("Content-Type", "application/json");
  return json_object(req, send(req, accepted, nullptr));
}

result<http::response> api::download(const std::string& path, std::int64_t first_byte,
                                     const std::function<bool(std::string_view)>& on_chunk) {
  auto req = make("GET", path, "");
  if (first_byte > 0) req.range = std::make_pair(first_byte, std::int64_t{-1});
  // A file never starts with '{' (a CSV header, or the row end of a Range
  // probe): a body that does is Marketo's HTTP-200 error envelope.
  req.envelope_prefix = '{';
  return send(req, {}, &on_chunk);
}

} // namespace quarry::connectors::marketo
