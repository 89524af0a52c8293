#pragma once

// Constant Contact v3 as a connector sees it: the OAuth2 token pair with
// rotating refresh tokens, the 429 bodies, and cursor paging.
//
// Answers read here (apis.md 5.1-5.3):
//   429 {"error_key":"throttled",..}       rate_limited, retry after 1 s (4 calls/s)
//   429 {"error_key":"quota_exceeded",..}  quota_exhausted (10,000 calls a day, 00:00 UTC)
//   429 with any other body                rate_limited, 1 s
//   401 "The Access Token used is invalid." auth_expired: api refreshes once and retries
//   token 400 invalid_grant                fatal: the refresh token is dead (see below)
//
// Refresh tokens rotate: every refresh returns a new one and kills the old.
// One token_pair per account in the process, so one refresh at a time and
// every task reuses its outcome. Across processes sharing the credential
// file (worker pods on one volume), a flock on "<file>.lock" does the same:
// under it a process first reads the file's refresh token (another process
// may have rotated it) and "<file>.access", the access token the last
// refresh got with its expiry, and uses that if it is still good. Otherwise
// it refreshes:
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

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace quarry::connectors::constant_contact {

// The Constant Contact reading of an accepted answer (429 bodies; see above).
std::optional<quarry::error> classify(const http::request& req, const http::response& res);

// The access token and the newest refresh token of one account, shared by
// every task of that account in this process. Thread-safe.
class token_pair {
 public:
  // The process's pair of the job's account (made on first use).
  static token_pair& of(const job_context& job);

  // The current access token, refreshed through `s` (quota-paid) when there
  // is none or it is about to expire.
  result<std::string> access_token(session& s);
  // Forgets `stale` after a 401; a newer token is kept.
  void invalidate(const std::string& stale);

 private:
  result<std::string> refresh(session& s, std::chrono::steady_clock::time_point now);
  // Under the file lock: takes the file's refresh token and, if still good,
  // the access token another process stored. True when that one is used.
  result<bool> adopt_shared(const std::string& file, std::chrono::steady_clock::time_point now);

  std::mutex mutex_;  // held through a refresh: one at a time
  std::string access_;
  std::string refused_;  // the last access token the API answered 401 to
  bool unstored_ = false;  // refresh_ is newer than the file: its store failed
  std::chrono::steady_clock::time_point expires_{};
  std::string refresh_;  // "" until the first rotation: the job's credential
};

// One task's view of the API: URLs from the job's endpoint, the bearer
// token, classification, one refresh and retry on 401.
class api {
 public:
  explicit api(session& s);

  // GET `path_query` ("/v3/contacts?limit=500", or a _links.next.href) as a
  // JSON value; `describe` names the request in errors (no ids needed).
  result<nlohmann::json> get(const std::string& path_query, const std::string& describe);

  // Reads a cursor-paged list from `first`: `page` gets each page's body and
  // the href of the next page ("" on the last) and returns false to stop
  // early. A page without `list_key` as an array is bad_payload.
  status pages(const std::string& first, const std::string& describe, const std::string& list_key,
               const std::function<result<bool>(const nlohmann::json& body, const std::string& next)>& page);

  // The server's clock at the last answer (its Date header), unix seconds.
  std::optional<std::int64_t> server_time() const { return server_time_; }

  session& s() { return s_; }

 private:
  session& s_;
  token_pair& tokens_;
  std::optional<std::int64_t> server_time_;
};

} // namespace quarry::connectors::constant_contact
