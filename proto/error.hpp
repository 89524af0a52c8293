#pragma once

// The one error taxonomy of quarry. Expected failures are values
// (`result<T>`), not exceptions: a connector, the HTTP client and the Kafka
// publisher all answer with these kinds, and the engine decides from the kind
// alone whether to retry, slow down, wait for a quota reset or give up.
//
// Error text carries context (source, stream, request, a short excerpt) and
// never a secret or a URL with credentials in it.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace quarry {

enum class error_kind {
  retriable,        // transient: timeouts, 5xx, broken connections
  rate_limited,     // the server asked us to slow down (429, Marketo 606/615)
  quota_exhausted,  // a daily or byte budget is spent until its reset
  auth_expired,     // credentials or session expired; re-authenticate
  fatal,            // will not succeed by retrying (4xx, bad config)
  bad_payload,      // the server answered something we cannot parse
  cancelled,        // the run or task was cancelled
};

std::string_view to_string(error_kind kind) noexcept;

struct error {
  error_kind kind = error_kind::fatal;
  std::string message;
  // Seconds the server asked us to wait (Retry-After), or -1.
  double retry_after_s = -1;

  bool retriable() const noexcept {
    return kind == error_kind::retriable || kind == error_kind::rate_limited;
  }
  // "<kind>: <message>"
  std::string describe() const;
};

inline error make_error(error_kind kind, std::string message) {
  return error{kind, std::move(message), -1};
}

// A value or an error. Small on purpose: C++20 has no std::expected.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::move(value)) {}
  result(quarry::error err) : v_(std::move(err)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const quarry::error& error() const& { assert(!ok()); return std::get<1>(v_); }
  quarry::error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, quarry::error> v_;
};

// The result of an operation that yields nothing but may fail.
class [[nodiscard]] status {
 public:
  status() = default;
  status(quarry::error err) : err_(std::move(err)), failed_(true) {}

  bool ok() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return ok(); }
  const quarry::error& error() const& { assert(failed_); return err_; }
  quarry::error&& error() && { assert(failed_); return std::move(err_); }

 private:
  quarry::error err_;
  bool failed_ = false;
};

} // namespace quarry
