#pragma once

// How long to wait before the next attempt of a failed request.
//
// Exponential backoff with "full jitter": the wait before retry n is drawn
// uniformly from [0, min(cap, base * 2^(n-1))]. Spreading the waits over the
// whole window keeps many workers that failed together from retrying
// together. A server's Retry-After (429, 503) is honoured on top of that.
//
// Pure functions; the caller owns the random engine (one per thread).

#include <chrono>
#include <random>

namespace quarry::http {

struct backoff_policy {
  // Attempts in total, the first one included (1 = no retries).
  int max_attempts = 5;
  // Upper bound of the jitter window before the first retry.
  std::chrono::milliseconds base{250};
  // The jitter window never grows beyond this.
  std::chrono::milliseconds cap{30'000};
  // A server's Retry-After is honoured even above `cap`, but no further than
  // this: a misconfigured server must not park a worker for hours.
  std::chrono::milliseconds max_retry_after{600'000};
  // rate_limited answers do not use up attempts; their waits together are
  // bounded by this (then the rate_limited error is returned).
  std::chrono::milliseconds max_rate_limited_wait{3'600'000};
};

// The wait after failed attempt `attempt` (1-based; values below 1 count as
// 1): uniform in [0, min(cap, base * 2^(attempt-1))]. Never overflows, never
// negative (a negative base or cap counts as 0).
std::chrono::milliseconds backoff_delay(const backoff_policy& policy, int attempt,
                                        std::mt19937_64& rng);

// The wait after failed attempt `attempt` when the server may have named one:
// max(retry_after, backoff_delay(...)), with retry_after limited to
// policy.max_retry_after. `retry_after_s` < 0 (or NaN) means the server named
// none, and the result is backoff_delay(...) alone.
std::chrono::milliseconds retry_delay(const backoff_policy& policy, int attempt,
                                      double retry_after_s, std::mt19937_64& rng);

} // namespace quarry::http
