#pragma once

// Marketo's REST envelope, its HTTP-200 errors, and the access token.
//
// Every Marketo answer is HTTP 200, failures included:
//   {"requestId":"..","success":false,"errors":[{"code":"606","message":".."}]}
// `classify` reads that envelope into quarry's taxonomy:
//
//   601, 602                      auth_expired  (authorized_call re-authenticates once)
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
// The same reading applies to every request kind: REST calls, bulk export
// calls, file.json downloads (whose error answer is an HTTP-200 envelope in
// place of the file, held back by http::request::envelope_prefix) and the
// identity request. The session waits out rate_limited answers (606, 615)
// without counting them as attempts (connectors/core/http_client.hpp).
//
// Secrets: the client secret goes only into the identity request's URL
// (which is never logged: requests are named by `describe`), the token only
// into the Authorization header. No error text carries either.

#include "connectors/core/session.hpp"
#include "connectors/core/token_holder.hpp"

#include <nlohmann/json.hpp>

#include <functional>
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

// One task's view of the API: URLs from the job's endpoint, the bearer
// token (core token_holder, shared by every task of the connector),
// classification, and one re-authentication on 601/602 (authorized_call).
class api {
 public:
  api(session& s, token_holder& tokens);

  // A JSON envelope (success:true, or a success:false whose first code is in
  // `accepted`, which the caller then reads with api_errors()).
  result<nlohmann::json> get(const std::string& path, const std::string& query = "",
                             const std::vector<std::string>& accepted = {});
  result<nlohmann::json> post(const std::string& path, const nlohmann::json& body,
                              const std::vector<std::string>& accepted = {});
  // Streams a file; `first_byte` > 0 sends Range: bytes=first_byte-. A JSON
  // envelope in place of the file never reaches on_chunk: it is classified
  // (606/615 waited out before the first byte, 601/602 re-authenticated).
  result<http::response> download(const std::string& path, std::int64_t first_byte,
                                   const std::function<bool(std::string_view)>& on_chunk);

  session& s() { return s_; }

 private:
  result<http::response> send(const http::request& req, const std::vector<std::string>& accepted,
                              const std::function<bool(std::string_view)>* on_chunk);
  // The identity request (client credentials) through the session.
  result<fetched_token> fetch_token();
  http::request make(const std::string& method, const std::string& path,
                     const std::string& query) const;

  session& s_;
  token_holder& tokens_;
};


} // namespace quarry::connectors::marketo
