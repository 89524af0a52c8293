#include "connectors/core/token_holder.hpp"

#include <algorithm>

namespace quarry::connectors {

token_holder::token_holder(std::chrono::seconds margin, clock now)
    : margin_(margin), now_(now ? std::move(now) : clock{[] { return std::chrono::steady_clock::now(); }}) {}

// Renewed `margin` before expiry, or at three quarters of a short life
// (in milliseconds: a one-second token is renewed after 750 ms).
std::chrono::milliseconds token_holder::renew_after(std::chrono::seconds life) const {
  const std::chrono::milliseconds ms = life;
  return std::max(std::chrono::milliseconds{0}, ms - std::min<std::chrono::milliseconds>(margin_, ms / 4));
}

int token_holder::fetches() const {
  std::lock_guard lock(mutex_);
  return fetches_;
}

void token_holder::invalidate(const std::string& stale) {
  std::lock_guard lock(mutex_);
  if (token_ == stale) token_.clear();
}

void token_holder::adopt(const std::string& token, std::chrono::seconds left) {
  std::lock_guard lock(mutex_);
  token_ = token;
  expires_ = now_() + renew_after(left);
}

result<std::string> token_holder::token(const fetch_fn& fetch) {
  // Held while fetching: concurrent tasks wait for one fetch instead of
  // each asking the identity server for the same token.
  std::lock_guard lock(mutex_);
  if (!token_.empty() && now_() < expires_) return token_;
  auto fetched = fetch();
  if (!fetched) return std::move(fetched).error();
  const auto life = fetched->lifetime;
  token_ = std::move(fetched->token);
  expires_ = now_() + renew_after(life);
  ++fetches_;
  return token_;
}

result<http::response> authorized_call(session& s, token_holder& tokens, const token_holder::fetch_fn& fetch,
                                       const http::request& req, const http::classifier& extra,
                                       const std::function<bool(std::string_view)>* on_chunk) {
  for (int attempt = 1;; ++attempt) {
    auto token = tokens.token(fetch);
    if (!token) return std::move(token).error();
    auto sent = req;
    sent.headers.emplace_back("Authorization", "Bearer " + *token);
    auto res = on_chunk ? s.download(sent, *on_chunk, extra) : s.call(sent, extra);
    if (res || res.error().kind != error_kind::auth_expired || attempt >= 2) return res;
    tokens.invalidate(*token);  // refused: fetch a new token and try once more
  }
}

} // namespace quarry::connectors
