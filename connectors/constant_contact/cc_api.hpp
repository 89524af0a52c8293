#pragma once

// Constant Contact v3 as a connector sees it: the 429 bodies, the OAuth2
// refresh that rotates its refresh token, and next-link paging.
//
// Answers read here (apis.md 5.1-5.3):
//   429 {"error_key":"throttled",..}       rate_limited, retry after 1 s (4 calls/s)
//   429 {"error_key":"quota_exceeded",..}  quota_exhausted (10,000 calls a day, 00:00 UTC)
//   429 with any other body                rate_limited, 1 s
//   401 "The Access Token used is invalid." auth_expired: a new access token, one retry
//                                           (core token_holder + authorized_call)
//   token 400 invalid_grant                fatal: the refresh token is dead (see below)
//
// What core does (connectors/core/token_holder.hpp): the access token's
// cache and expiry, one fetch at a time in the process, forgetting a token
// the API refused and the one retry after it. What is CC's own is how a new
// access token is had, `refresh_token_chain::fetch`:
//
// Refresh tokens rotate: every refresh returns a new one and kills the old.
// Across processes sharing the credential file (worker pods on one volume),
// a flock on "<file>.lock" serialises rotations: under it a process first
// reads the file's refresh token (another process may have rotated it) and
// "<file>.access", the access token the last refresh got with its expiry,
// and takes that one if it is still good and not the one this process was
// last handed (which the API refused or which is expiring). Otherwise it
// refreshes:
//
//   POST token (old RT) --> new AT + new RT --> store_credential(new RT)
//        (durable write to the credential's file) --> new RT kept, AT used
//        --> AT and its expiry to "<file>.access" (0600, beside the RT)
//
// The new RT is on disk before anything uses it or the old one is
// forgotten, so after a crash past the store a restart reads a live token.
// What no client can close is the gap between the server's rotation and the
// store: an answer lost on the wire, or a crash in those milliseconds, kills
// the old RT with no new one kept. Okta (CC's authorization server) can keep
// a rotated token valid for a grace period [GUESS: CC's setting is not
// documented]; the simulator models one (refresh_grace_s), off by default.
//
// Secrets: the client secret goes only into the Basic header, tokens only
// into the token request's query (requests are named by `describe`, never
// by URL) and the Bearer header. No error text carries one.

#include "connectors/core/session.hpp"
#include "connectors/core/token_holder.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>

namespace quarry::connectors::constant_contact {

// The Constant Contact reading of an accepted answer (429 bodies; see above).
std::optional<quarry::error> classify(const http::request& req, const http::response& res);

// One account's access token (core's holder) and the refresh-token chain it
// is fetched from, shared by every task of that account in this process.
class refresh_token_chain {
 public:
  // The process's chain of the job's account (made on first use).
  static refresh_token_chain& of(const job_context& job);

  token_holder& tokens() { return tokens_; }
  // A new access token through `s` (quota-paid): the one another process
  // shared, or a refresh. Called by tokens() under its lock, so never twice
  // at once; the members below are touched only here.
  result<fetched_token> fetch(session& s);

 private:
  // Under the file lock: takes the file's refresh token and, if still good,
  // the access token another process stored.
  result<std::optional<fetched_token>> adopt_shared(const std::string& file);

  token_holder tokens_;
  std::string refresh_;  // "" until the first rotation: the job's credential
  bool unstored_ = false;  // refresh_ is newer than the file: its store failed
  std::string handed_;   // the access token the last fetch returned
};

// One task's view of the API: URLs from the job's endpoint, the bearer
// token, classification.
class api {
 public:
  explicit api(session& s);

  // GET `path_query` ("/v3/contacts?limit=500", or a _links.next.href) as a
  // JSON value; `describe` names the request in errors (no ids needed).
  result<nlohmann::json> get(const std::string& path_query, const std::string& describe);

  // Reads a next-link-paged list from `first` (core paginator: a link the
  // server repeats fails instead of looping): `page` gets each page's body
  // and the href of the next page ("" on the last) and returns false to stop
  // early. A page without `list_key` as an array is bad_payload.
  status pages(const std::string& first, const std::string& describe, const std::string& list_key,
               const std::function<result<bool>(const nlohmann::json& body, const std::string& next)>& page);

  // The server's clock at the last answer (its Date header), unix seconds.
  std::optional<std::int64_t> server_time() const { return server_time_; }

  session& s() { return s_; }

 private:
  session& s_;
  refresh_token_chain& chain_;
  std::optional<std::int64_t> server_time_;
};

} // namespace quarry::connectors::constant_contact
