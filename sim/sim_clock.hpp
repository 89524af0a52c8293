#pragma once

// The simulator's idea of "now": real UTC time plus an adjustable offset, so a
// test can jump to the next quota day or to the moment a mutation happened
// without waiting. Thread-safe; every reader sees one offset at a time.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace quarry::sim {

class sim_clock {
 public:
  using time_point = std::chrono::system_clock::time_point;

  time_point now() const {
    return std::chrono::system_clock::now() +
           std::chrono::microseconds{offset_us_.load(std::memory_order_relaxed)};
  }
  std::int64_t now_unix_seconds() const {
    return std::chrono::floor<std::chrono::seconds>(now().time_since_epoch()).count();
  }

  // From now on, now() continues from `at`.
  void set_now(time_point at) {
    const auto offset = at - std::chrono::system_clock::now();
    offset_us_.store(std::chrono::duration_cast<std::chrono::microseconds>(offset).count(),
                     std::memory_order_relaxed);
  }
  void advance(std::chrono::microseconds by) {
    offset_us_.fetch_add(by.count(), std::memory_order_relaxed);
  }
  // Back to real time.
  void reset() { offset_us_.store(0, std::memory_order_relaxed); }

  std::chrono::microseconds offset() const {
    return std::chrono::microseconds{offset_us_.load(std::memory_order_relaxed)};
  }

 private:
  std::atomic<std::int64_t> offset_us_{0};
};

} // namespace quarry::sim
