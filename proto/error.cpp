#include "proto/error.hpp"

namespace quarry {

std::string_view to_string(error_kind kind) noexcept {
  switch (kind) {
    case error_kind::retriable: return "retriable";
    case error_kind::rate_limited: return "rate_limited";
    case error_kind::quota_exhausted: return "quota_exhausted";
    case error_kind::auth_expired: return "auth_expired";
    case error_kind::fatal: return "fatal";
    case error_kind::bad_payload: return "bad_payload";
    case error_kind::cancelled: return "cancelled";
  }
  return "unknown";
}

std::string error::describe() const {
  std::string out{to_string(kind)};
  out += ": ";
  out += message;
  return out;
}

} // namespace quarry
