#include "connectors/core/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace quarry::http {

std::chrono::milliseconds backoff_delay(const backoff_policy& policy, int attempt,
                                        std::mt19937_64& rng) {
  using rep = std::chrono::milliseconds::rep;
  const rep cap = std::max<rep>(0, policy.cap.count());
  rep ceiling = std::clamp<rep>(policy.base.count(), 0, cap);
  // Double until the cap is reached; stopping there keeps 2^(attempt-1) from
  // overflowing for large attempt numbers.
  for (int n = 1; n < attempt && ceiling > 0 && ceiling < cap; ++n) {
    ceiling = ceiling > cap / 2 ? cap : ceiling * 2;
  }
  std::uniform_int_distribution<rep> pick(0, ceiling);
  return std::chrono::milliseconds{pick(rng)};
}

std::chrono::milliseconds retry_delay(const backoff_policy& policy, int attempt,
                                      double retry_after_s, std::mt19937_64& rng) {
  const std::chrono::milliseconds jittered = backoff_delay(policy, attempt, rng);
  if (std::isnan(retry_after_s) || retry_after_s < 0) return jittered;
  const double limit_ms = static_cast<double>(std::max<std::chrono::milliseconds::rep>(
      0, policy.max_retry_after.count()));
  const double asked_ms = std::min(std::ceil(retry_after_s * 1000.0), limit_ms);
  const std::chrono::milliseconds asked{static_cast<std::chrono::milliseconds::rep>(asked_ms)};
  return std::max(asked, jittered);
}

} // namespace quarry::http
