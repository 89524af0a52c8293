#pragma once

// One bearer token shared by every task of an account in this process,
// refreshed before it expires and after the API refuses it, and the call
// that re-authenticates once on auth_expired. Marketo's client-credentials
// token and Constant Contact's rotating OAuth pair both sit on it; what is
// theirs is only how a token is fetched.
//
//   token(): cached and > margin left? -> it
//            else fetch() (under the lock: concurrent tasks wait for one
//            fetch instead of each asking the identity server)
//   authorized_call(): token -> call -> auth_expired? invalidate(token),
//            fetch again, call once more -> its outcome
//
// Thread-safe. The token is a secret: never logged, never in error text.

#include "connectors/core/session.hpp"

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

namespace quarry::connectors {

// A fetched token and how long the server says it lives.
struct fetched_token {
  std::string token;
  std::chrono::seconds lifetime{0};
};

class token_holder {
 public:
  using clock = std::function<std::chrono::steady_clock::time_point()>;
  using fetch_fn = std::function<result<fetched_token>()>;

  // A token is refreshed `margin` before it expires (never later than a
  // quarter of its life before, so that short-lived tokens are not fetched
  // for every call).
  explicit token_holder(std::chrono::seconds margin = std::chrono::seconds{60}, clock now = {});

  // The current token, from `fetch` when there is none, it is about to
  // expire, or it was invalidated. `fetch`'s error is returned as it is.
  result<std::string> token(const fetch_fn& fetch);
  // Forgets `stale` (the API refused it); a newer token is kept.
  void invalidate(const std::string& stale);
  // Sets the token (e.g. one another process fetched and shared), with the
  // time it has left.
  void adopt(const std::string& token, std::chrono::seconds left);
  int fetches() const;

 private:
  std::chrono::milliseconds renew_after(std::chrono::seconds life) const;

  std::chrono::seconds margin_;
  clock now_;
  mutable std::mutex mutex_;
  std::string token_;
  std::chrono::steady_clock::time_point expires_{};
  int fetches_ = 0;
};

// `req` with "Authorization: Bearer <token>" through s.call (or s.download
// when `on_chunk` is given); on auth_expired the token is invalidated and
// the request sent once more with a fresh one.
result<http::response> authorized_call(session& s, token_holder& tokens, const token_holder::fetch_fn& fetch,
                                       const http::request& req, const http::classifier& extra = {},
                                       const std::function<bool(std::string_view)>* on_chunk = nullptr);

} // namespace quarry::connectors
