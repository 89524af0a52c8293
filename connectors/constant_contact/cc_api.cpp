#include "connectors/constant_contact/cc_api.hpp"

#include "connectors/core/credential_file.hpp"
#include "connectors/core/paginator.hpp"
#include "connectors/core/timestamp.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

namespace quarry::connectors::constant_contact {
namespace {

using nlohmann::json;

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

refresh_token_chain& refresh_token_chain::of(const job_context& job) {
  static std::mutex registry_mutex;
  static std::map<std::string, std::unique_ptr<refresh_token_chain>> registry;
  std::lock_guard lock(registry_mutex);
  auto& slot = registry[job.account + '\n' + job.credential("client_id")];
  if (!slot) slot = std::make_unique<refresh_token_chain>();
  return *slot;
}

namespace {

using ms = std::chrono::milliseconds;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<ms>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A shared token is taken while more than a quarter of its life (at most
// 60 s) is left: token_holder's margin, so that a token the holder lets go
// of is never taken back from the file.
ms margin_of(ms life) { return std::min<ms>(std::chrono::seconds{60}, life / 4); }

} // namespace

result<std::optional<fetched_token>> refresh_token_chain::adopt_shared(const std::string& file) {
  auto on_disk = read_credential_file(file, "refresh_token");
  if (!on_disk) return std::move(on_disk).error();
  // The file has the newest token, unless storing ours failed: then the file's
  // is the one the server already killed.
  if (!unstored_ && !on_disk->empty()) refresh_ = *on_disk;
  // "<file>.access" is missing before the first refresh, and only ever an
  // optimisation: anything unreadable in it means "refresh".
  auto text = read_credential_file(file + ".access", "refresh_token's access token");
  if (!text) return std::optional<fetched_token>{};
  const auto shared = json::parse(*text, nullptr, false);
  const auto access = json_text(shared, "access_token");
  // The token this process was last handed is asked for again only when the
  // API refused it or it is about to expire: never take it back.
  if (access.empty() || access == handed_ || !shared.contains("expires_at_ms") ||
      !shared["expires_at_ms"].is_number_integer() || !shared.contains("life_ms") ||
      !shared["life_ms"].is_number_integer())
    return std::optional<fetched_token>{};
  const ms left{shared["expires_at_ms"].get<std::int64_t>() - unix_ms_now()};
  if (left <= margin_of(ms{shared["life_ms"].get<std::int64_t>()})) return std::optional<fetched_token>{};
  // Whole seconds for the holder, rounded up: a token used a fraction of a
  // second past its end is answered 401, and the holder then fetches anew.
  return std::optional<fetched_token>{
      fetched_token{access, std::chrono::ceil<std::chrono::seconds>(left)}};
}

result<fetched_token> refresh_token_chain::fetch(session& s) {
  const auto& job = s.job();
  std::optional<credential_file_lock> shared_lock;
  const std::string* file = job.credential_file("refresh_token");
  if (file) {
    auto lock = credential_file_lock::acquire(*file, "refresh_token");
    if (!lock) return std::move(lock).error();
    shared_lock.emplace(std::move(lock).value());
    auto adopted = adopt_shared(*file);
    if (!adopted) return std::move(adopted).error();
    if (*adopted) {
      handed_ = (*adopted)->token;
      return std::move(**adopted);
    }
  }
  const auto current = refresh_.empty() ? job.credential("refresh_token") : refresh_;
  http::request req;
  req.method = "POST";
  req.url = auth_origin(job) + token_path + "?refresh_token=" + http::url_encode(current) +
            "&grant_type=refresh_token";
  req.describe = std::string("POST ") + token_path;
  req.headers = {{"Authorization", http::basic_authorization(job.credential("client_id") + ":" +
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
  const std::chrono::seconds life{std::max<std::int64_t>(0, body["expires_in"].get<std::int64_t>())};
  if (file) {
    const json shared = {{"access_token", access},
                         {"expires_at_ms", unix_ms_now() + ms{life}.count()},
                         {"life_ms", ms{life}.count()}};
    if (auto st = write_credential_file(*file + ".access", shared.dump(), "refresh_token's access token"); !st)
      s.warn("other processes sharing the credential file will refresh for themselves: " + st.error().message);
  }
  handed_ = access;
  return fetched_token{access, life};
}

api::api(session& s) : s_(s), chain_(refresh_token_chain::of(s.job())) {}

result<json> api::get(const std::string& path_query, const std::string& describe) {
  http::request req;
  req.url = api_origin(s_.job()) + path_query;
  req.describe = describe;
  req.headers = {{"Accept", "application/json"}};
  req.also_accept = {429};
  auto res = authorized_call(s_, chain_.tokens(), [this] { return chain_.fetch(s_); }, req, classify);
  if (!res) {
    auto err = std::move(res).error();
    if (err.message.rfind("constant_contact", 0) != 0) err.message = "constant_contact " + err.message;
    return err;
  }
  if (const auto date = res->header("date"))
    if (const auto t = parse_http_date(*date)) server_time_ = *t;
  auto body = json::parse(res->body, nullptr, false);
  if (body.is_discarded())
    return make_error(error_kind::bad_payload, "constant_contact " + describe + ": not JSON: \"" +
                                                   res->body.substr(0, 120) + "\"");
  return body;
}

status api::pages(const std::string& first, const std::string& describe, const std::string& list_key,
                  const std::function<result<bool>(const json& body, const std::string& next)>& page) {
  auto pager = paginator::next_link("constant_contact " + describe, first);
  for (;;) {
    if (s_.cancelled()) return make_error(error_kind::cancelled, "constant_contact " + describe + ": cancelled");
    auto body = get(pager.cursor(), describe);
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
    if (!*more) return {};
    auto advanced = pager.next_cursor(next);
    if (!advanced) return std::move(advanced).error();
    if (!*advanced) return {};
  }
}

} // namespace quarry::connectors::constant_contact
