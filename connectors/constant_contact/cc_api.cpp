#include "connectors/constant_contact/cc_api.hpp"

#include "connectors/core/credential_file.hpp"
#include "connectors/core/timestamp.hpp"

#include <map>
#include <memory>

namespace quarry::connectors::constant_contact {
namespace {

using nlohmann::json;
using steady = std::chrono::steady_clock;

constexpr const char* default_auth_endpoint = "https://authz.constantcontact.com";
constexpr const char* token_path = "/oauth2/default/v1/token";

std::string without_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// The API's origin: the endpoint without a trailing "/v3" (hrefs carry it).
std::string api_origin(const job_context& job) {
  auto url = without_trailing_slash(job.endpoint);
  if (url.size() >= 3 && url.compare(url.size() - 3, 3, "/v3") == 0) url.resize(url.size() - 3);
  return url;
}

std::string auth_origin(const job_context& job) {
  const auto& s = job.settings;
  if (s.is_object() && s.contains("auth_endpoint") && s["auth_endpoint"].is_string())
    return without_trailing_slash(s["auth_endpoint"].get<std::string>());
  return default_auth_endpoint;
}

std::string base64(std::string_view bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += alphabet[(acc << (6 - bits)) & 0x3F];
  while (out.size() % 4 != 0) out += '=';
  return out;
}

std::string json_text(const json& body, const char* key) {
  return body.is_object() && body.contains(key) && body[key].is_string() ? body[key].get<std::string>() : "";
}

} // namespace

std::optional<quarry::error> classify(const http::request& req, const http::response& res) {
  if (res.status != 429) return std::nullopt;
  const auto body = json::parse(res.body, nullptr, false);
  const auto key = json_text(body, "error_key");
  const std::string what = "constant_contact " + http::describe_request(req) + ": 429 ";
  if (key == "quota_exceeded")
    return make_error(error_kind::quota_exhausted,
                      what + "quota_exceeded (10,000 calls a day; resets 00:00 UTC)");
  auto e = make_error(error_kind::rate_limited,
                      what + (key.empty() ? "\"" + res.body.substr(0, 80) + "\"" : key));
  e.retry_after_s = 1;  // the window is one second; CC sends no Retry-After
  return e;
}

token_pair& token_pair::of(const job_context& job) {
  static std::mutex registry_mutex;
  static std::map<std::string, std::unique_ptr<token_pair>> registry;
  std::lock_guard lock(registry_mutex);
  auto& slot = registry[job.account + '\n' + job.credential("client_id")];
  if (!slot) slot = std::make_unique<token_pair>();
  return *slot;
}

void token_pair::invalidate(const std::string& stale) {
  std::lock_guard lock(mutex_);
  refused_ = stale;
  if (access_ == stale) access_.clear();
}

namespace {

using ms = std::chrono::milliseconds;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<ms>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A token is used until a quarter of its life (at most 60 s) is left.
ms margin_of(ms life) { return std::min<ms>(std::chrono::seconds{60}, life / 4); }

} // namespace

result<bool> token_pair::adopt_shared(const std::string& file, steady::time_point now) {
  auto on_disk = read_credential_file(file, "refresh_token");
  if (!on_disk) return std::move(on_disk).error();
  // The file has the newest token, unless storing ours failed: then the file's
  // is the one the server already killed.
  if (!unstored_ && !on_disk->empty()) refresh_ = *on_disk;
  // "<file>.access" is missing before the first refresh, and only ever an
  // optimisation: anything unreadable in it means "refresh".
  auto text = read_credential_file(file + ".access", "refresh_token's access token");
  if (!text) return false;
  const auto shared = json::parse(*text, nullptr, false);
  const auto access = json_text(shared, "access_token");
  if (access.empty() || access == refused_ || !shared.contains("expires_at_ms") ||
      !shared["expires_at_ms"].is_number_integer() || !shared.contains("life_ms") ||
      !shared["life_ms"].is_number_integer())
    return false;
  const ms left{shared["expires_at_ms"].get<std::int64_t>() - unix_ms_now()};
  const ms life{shared["life_ms"].get<std::int64_t>()};
  if (left <= margin_of(life)) return false;
  access_ = access;
  expires_ = now + left - margin_of(life);
  return true;
}

result<std::string> token_pair::access_token(session& s) {
  std::lock_guard lock(mutex_);
  const auto now = steady::now();
  if (!access_.empty() && now < expires_) return access_;
  return refresh(s, now);
}

result<std::string> token_pair::refresh(session& s, steady::time_point now) {
  const auto& job = s.job();
  std::optional<credential_file_lock> shared_lock;
  const std::string* file = job.credential_file("refresh_token");
  if (file) {
    auto lock = credential_file_lock::acquire(*file, "refresh_token");
    if (!lock) return std::move(lock).error();
    shared_lock.emplace(std::move(lock).value());
    auto adopted = adopt_shared(*file, now);
    if (!adopted) return std::move(adopted).error();
    if (*adopted) return access_;
  }
  const auto current = refresh_.empty() ? job.credential("refresh_token") : refresh_;
  http::request req;
  req.method = "POST";
  req.url = auth_origin(job) + token_path + "?refresh_token=" + http::url_encode(current) +
            "&grant_type=refresh_token";
  req.describe = std::string("POST ") + token_path;
  req.headers = {{"Authorization", "Basic " + base64(job.credential("client_id") + ":" +
                                                     job.credential("client_secret"))},
                 {"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  req.also_accept = {400, 401};
  auto res = s.call(req);
  if (!res) {
    auto err = std::move(res).error();
    err.message = "constant_contact token refresh: " + err.message;
    return err;
  }
  const auto body = json::parse(res->body, nullptr, false);
  if (res->status == 400 || res->status == 401) {
    const auto code = json_text(body, "error");
    if (code == "invalid_grant")
      return make_error(error_kind::fatal,
                        "constant_contact token refresh: invalid_grant: the refresh token was refused "
                        "(rotated by another client, revoked, or expired); authorise the app again and "
                        "put the new refresh token in the credential's file");
    return make_error(error_kind::fatal, "constant_contact token refresh: HTTP " + std::to_string(res->status) +
                                             " " + code.substr(0, 60) + " " +
                                             json_text(body, "error_description").substr(0, 120));
  }
  const auto access = json_text(body, "access_token");
  const auto rotated = json_text(body, "refresh_token");
  if (access.empty() || !body.contains("expires_in") || !body["expires_in"].is_number_integer())
    return make_error(error_kind::bad_payload,
                      "constant_contact token refresh: expected access_token and expires_in in the answer");
  if (!rotated.empty() && rotated != current) {
    // Durable before use: the old token is already dead at the server.
    refresh_ = rotated;
    auto st = s.store_credential("refresh_token", rotated);
    unstored_ = !st;
    if (!st) return std::move(st).error();
  }
  const ms life = std::chrono::seconds{std::max<std::int64_t>(0, body["expires_in"].get<std::int64_t>())};
  access_ = access;
  expires_ = now + life - margin_of(life);
  if (file) {
    const json shared = {{"access_token", access},
                         {"expires_at_ms", unix_ms_now() + life.count()},
                         {"life_ms", life.count()}};
    if (auto st = write_credential_file(*file + ".access", shared.dump(), "refresh_token's access token"); !st)
      s.warn("other processes sharing the credential file will refresh for themselves: " + st.error().message);
  }
  return access_;
}

api::api(session& s) : s_(s), tokens_(token_pair::of(s.job())) {}

result<json> api::get(const std::string& path_query, const std::string& describe) {
  http::request req;
  req.url = api_origin(s_.job()) + path_query;
  req.describe = describe;
  req.headers = {{"Accept", "application/json"}};
  req.also_accept = {429};
  for (int attempt = 1;; ++attempt) {
    auto token = tokens_.access_token(s_);
    if (!token) return std::move(token).error();
    auto sent = req;
    sent.headers.emplace_back("Authorization", "Bearer " + *token);
    auto res = s_.call(sent, classify);
    if (!res) {
      if (res.error().kind != error_kind::auth_expired || attempt >= 2) {
        auto err = std::move(res).error();
        err.message = "constant_contact " + err.message;
        return err;
      }
      tokens_.invalidate(*token);  // 401: refresh and try once more
      continue;
    }
    if (const auto date = res->header("date"))
      if (const auto t = parse_http_date(*date)) server_time_ = *t;
    auto body = json::parse(res->body, nullptr, false);
    if (body.is_discarded())
      return make_error(error_kind::bad_payload, "constant_contact " + describe + ": not JSON: \"" +
                                                     res->body.substr(0, 120) + "\"");
    return body;
  }
}

status api::pages(const std::string& first, const std::string& describe, const std::string& list_key,
                  const std::function<result<bool>(const json& body, const std::string& next)>& page) {
  std::string href = first;
  for (;;) {
    if (s_.cancelled()) return make_error(error_kind::cancelled, "constant_contact " + describe + ": cancelled");
    auto body = get(href, describe);
    if (!body) return std::move(body).error();
    if (!body->is_object() || !body->contains(list_key) || !(*body)[list_key].is_array())
      return make_error(error_kind::bad_payload, "constant_contact " + describe + ": expected \"" + list_key +
                                                     "\" to be an array: \"" + body->dump().substr(0, 120) + "\"");
    std::string next;
    if (const auto p = json::json_pointer("/_links/next/href"); body->contains(p) && (*body)[p].is_string())
      next = (*body)[p].get<std::string>();
    // An href is a path on the API's own host: the bearer token goes nowhere else.
    if (!next.empty() && (next.front() != '/' || next.rfind("//", 0) == 0))
      return make_error(error_kind::bad_payload,
                        "constant_contact " + describe + ": _links.next.href is not a path: \"" +
                            next.substr(0, 80) + "\"");
    auto more = page(*body, next);
    if (!more) return std::move(more).error();
    if (!*more || next.empty()) return {};
    href = next;
  }
}

} // namespace quarry::connectors::constant_contact
