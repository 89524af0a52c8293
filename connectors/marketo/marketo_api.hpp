#pragma once

// Marketo's REST envelope, its HTTP-200 errors, and the access token.
//
// Every Marketo answer is HTTP 200, failures included:
//   {"requestId":"..","success":false,"errors":[{"code":"606","message":".."}]}
// `classify` reads that envelope into quarry's taxonomy:
//
//   601, 602                      auth_expired  (api re-authenticates once)
//   606                           rate_limited, retry after 20 s
//   615                           rate_limited, retry after 5 s
//   607                           quota_exhausted (daily calls; resets 00:00 CT)
//   604, 608, 611                 retriable
//   1029 "Too many jobs in queue" rate_limited, retry after 300 s
//   1029 "Export daily quota .."  quota_exhausted (500 MB/day; resets 00:00 CT)
//   1029 "Job already queued"     fatal here; the enqueue step accepts it
//   1035 and every other code     fatal, "<code> <message>" in the text
//   success:false without codes   bad_payload
// Bodies that are not JSON objects (a bulk CSV file) are left alone.
//
// Secrets: the client secret goes only into the identity request's URL
// (which is never logged: requests are named by `describe`), the token only
// into the Authorization header. No error text carries either.

#include "connectors/core/session.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::connectors::marketo {

struct api_error {
  std::string code;
  std::string message;
};

// errors[] of an envelope (empty when none or not an envelope).
std::vector<api_error> api_errors(const nlohmann::json& body);

// The Marketo reading of an accepted HTTP answer (see the table above).
// Codes listed in `accepted` are left to the caller (nullopt).
std::optional<quarry::error> classify(const http::request& req, const http::response& res,
                                      const std::vector<std::string>& accepted = {});

// The access token of one client id, shared by every task of the connector.
// Thread-safe (tasks run on several workers at once).
class token_holder {
 public:
  using clock = std::function<std::chrono::steady_clock::time_point()>;
  // A token is refreshed `margin` before Marketo says it expires.
  explicit token_holder(std::chrono::seconds margin = std::chrono::seconds{60}, clock now = {});

  // The current token, fetched through the session (quota-paid) when there
  // is none or it is about to expire.
  result<std::string> token(session& s);
  // Forgets `stale` (after a 601/602); a newer token is kept.
  void invalidate(const std::string& stale);
  int fetches() const;

 private:
  std::chrono::seconds margin_;
  clock now_;
  mutable std::mutex mutex_;
  std::string token_;
  std::chrono::steady_clock::time_point expires_{};
  int fetches_ = 0;
};

// One task's view of the API: URLs from the job's endpoint, the bearer
// token, classification, and one re-authentication on 601/602.
class api {
 public:
  api(session& s, token_holder& tokens);

  // A JSON envelope (success:true, or a success:false whose first code is in
  // `accepted`, which the caller then reads with api_errors()).
  result<nlohmann::json> get(const std::string& path, const std::string& query = "",
                             const std::vector<std::string>& accepted = {});
  result<nlohmann::json> post(const std::string& path, const nlohmann::json& body,
                              const std::vector<std::string>& accepted = {});
  // Streams a file; `first_byte` > 0 sends Range: bytes=first_byte-.
  result<http::response> download(const std::string& path, std::int64_t first_byte,
                                   const std::function<bool(std::string_view)>& on_chunk);

  session& s() { return s_; }

 private:
  result<http::response> send(http::request req, const std::vector<std::string>& accepted,
                              const std::function<bool(std::string_view)>* on_chunk);
  http::request make(const std::string& method, const std::string& path,
                     const std::string& query) const;

  session& s_;
  token_holder& tokens_;
};


} // namespace quarry::connectors::marketo
