#include "sinks/schema_registry.hpp"

#include "connectors/core/backoff.hpp"
#include "connectors/core/sha256.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <utility>

namespace quarry::sinks {
namespace {

using nlohmann::json;

constexpr std::string_view content_type = "application/vnd.schemaregistry.v1+json";

// Registration is rare (once per subject and schema per run) and a run cannot
// write a stream without it: a few quick retries, then the error.
const http::backoff_policy retry_policy{
    .max_attempts = 4,
    .base = std::chrono::milliseconds{250},
    .cap = std::chrono::milliseconds{2'000},
    .max_retry_after = std::chrono::milliseconds{30'000},
    .max_rate_limited_wait = std::chrono::milliseconds{120'000}};

http::client_options client_options() {
  http::client_options o;
  o.connect_timeout = std::chrono::milliseconds{5'000};
  o.total_timeout = std::chrono::milliseconds{30'000};
  o.stall_timeout = std::chrono::milliseconds{30'000};
  o.max_response_bytes = std::size_t{1} << 20;
  return o;
}

// Error statuses whose body is read here, for Confluent's error_code and
// message; 429 stays with the HTTP client (rate_limited, Retry-After).
const std::vector<long> error_statuses{400, 401, 403, 404, 405, 406, 408, 409, 413,
                                       415, 422, 500, 501, 502, 503, 504};

// At most 200 bytes of an answer, control characters blanked.
std::string excerpt(std::string_view body) {
  constexpr std::size_t cap = 200;
  std::size_t n = std::min(body.size(), cap);
  while (n > 0 && n < body.size() && (static_cast<unsigned char>(body[n]) & 0xC0) == 0x80) --n;
  std::string out(body.substr(0, n));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  if (n < body.size()) out += "...";
  return out;
}

// "HTTP 422, error_code 42201: Invalid schema" from a Confluent error answer
// ({"error_code": int, "message": string}); the body excerpt otherwise.
std::string describe_error_answer(const http::response& resp) {
  std::string out = "HTTP " + std::to_string(resp.status);
  const json body = json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.contains("error_code") && body["error_code"].is_number_integer()) {
    out += ", error_code " + std::to_string(body["error_code"].get<std::int64_t>());
    if (body.contains("message") && body["message"].is_string())
      out += ": " + excerpt(body["message"].get<std::string>());
  } else if (!resp.body.empty()) {
    out += ": " + excerpt(resp.body);
  }
  return out;
}

// Turns accepted error statuses into errors of the taxonomy; 2xx passes.
std::optional<quarry::error> classify(const http::request& req, const http::response& resp) {
  if (resp.status >= 200 && resp.status < 300) return std::nullopt;
  const bool transient = resp.status == 408 || resp.status >= 500;
  std::string message = http::describe_request(req) + ": " + describe_error_answer(resp);
  if (resp.status == 409)
    message += " (the subject's compatibility setting refuses this change of the stream's schema; "
               "quarry's subjects need compatibility NONE, or a new topic)";
  return quarry::make_error(transient ? error_kind::retriable : error_kind::fatal, std::move(message));
}

std::string fingerprint(std::string_view text) {
  hash::sha256 h;
  h.update(text);
  return h.hex_digest();
}

} // namespace

std::string url_without_credentials(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const std::size_t scheme = url.find("://");
  const std::size_t authority = scheme == std::string_view::npos ? 0 : scheme + 3;
  const std::size_t path = url.find('/', authority);
  const std::size_t at = url.substr(0, path).rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(url);
  return std::string(url.substr(0, authority)) + std::string(url.substr(at + 1));
}

schema_registry::schema_registry(std::string url, std::string user_info)
    : url_(std::move(url)), client_(client_options()) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
  display_url_ = url_without_credentials(url_);
  if (!user_info.empty()) authorization_ = http::basic_authorization(user_info);
}

quarry::result<std::int32_t> schema_registry::register_schema(const std::string& subject,
                                                              const std::string& json_schema) {
  const std::string key = subject + '\n' + fingerprint(json_schema);
  std::lock_guard lock{mutex_};
  if (const auto it = ids_.find(key); it != ids_.end()) return it->second;

  const auto fail = [&](error_kind kind, const std::string& what) {
    return quarry::make_error(kind, "schema registry " + display_url_ + ", subject '" + subject + "': " + what);
  };

  http::request req;
  req.method = "POST";
  req.url = url_ + "/subjects/" + http::url_encode(subject) + "/versions";
  req.describe = "registering the schema";
  req.headers = {{"Content-Type", std::string(content_type)}, {"Accept", std::string(content_type)}};
  if (!authorization_.empty()) req.headers.emplace_back("Authorization", authorization_);
  // Invalid UTF-8 in a schema is replaced, not thrown: the registry judges it.
  req.body = json{{"schemaType", "JSON"}, {"schema", json_schema}}.dump(-1, ' ', false,
                                                                         json::error_handler_t::replace);
  req.also_accept = error_statuses;

  auto resp = http::send_with_retries(client_, req, retry_policy, classify);
  if (!resp) {
    const quarry::error& err = resp.error();
    quarry::error out = fail(err.kind, err.message);
    out.retry_after_s = err.retry_after_s;
    return out;
  }
  const json body = json::parse(resp->body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("id") || !body["id"].is_number_integer())
    return fail(error_kind::bad_payload, req.describe + ": HTTP " + std::to_string(resp->status) +
                                             " without an integer \"id\": " + excerpt(resp->body));
  const auto id = body["id"].get<std::int64_t>();
  if (id < 0 || id > INT32_MAX)
    return fail(error_kind::bad_payload, "schema id " + std::to_string(id) + " does not fit the wire format");
  ids_.emplace(key, static_cast<std::int32_t>(id));
  return static_cast<std::int32_t>(id);
}

void confluent_frame(std::int32_t id, std::string_view json, std::string& out) {
  const auto u = static_cast<std::uint32_t>(id);
  out.reserve(out.size() + 5 + json.size());
  out.push_back('\0');
  out.push_back(static_cast<char>(u >> 24));
  out.push_back(static_cast<char>(u >> 16));
  out.push_back(static_cast<char>(u >> 8));
  out.push_back(static_cast<char>(u));
  out.append(json);
}

} // namespace quarry::sinks
