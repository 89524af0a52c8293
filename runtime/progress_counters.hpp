#pragma once

// Live counts of a running engine, for `quarry demo`'s progress display:
// records committed per (job, stream), and quota permits taken per
// (job, stream), i.e. API call attempts. The run summary stays the
// authoritative count; these exist only while a run is under way.
//
// Both are taps on paths the engine already has, so no actor or connector
// knows about them:
//  - counting_sink_factory wraps the workers' sink factory: each worker's
//    sink counts the records it writes and adds them to the shared totals
//    when its commit succeeds (an abort drops them, as the output does);
//  - spawn_counting_relay puts an actor in front of an account's quota actor
//    that counts each quota_acquire by its fairness key ("job/stream") and
//    delegates every message unchanged, so the quota actor still sees (and
//    monitors) the worker that asked. It has the quota actor's interface.
//
// Threading: progress_counters is shared by the worker threads (sinks), the
// relay actors and the reader (the engine's progress thread); one mutex.

#include "proto/interfaces.hpp"
#include "sinks/record_sink.hpp"

#include <caf/actor_system.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace quarry::runtime {

class progress_counters {
 public:
  using stream_key = std::pair<std::string, std::string>;  // (job, stream)
  struct counts {
    std::uint64_t records = 0;  // committed
    std::uint64_t calls = 0;    // quota permits asked for
  };

  void add_records(const stream_key& key, std::uint64_t n);
  void add_call(const std::string& fairness_key);  // "job/stream"
  std::map<stream_key, counts> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<stream_key, counts> counts_;
};

std::shared_ptr<sinks::sink_factory> make_counting_sink_factory(
    std::shared_ptr<sinks::sink_factory> inner, std::shared_ptr<progress_counters> counters);

// Stands in for `quota` in the job directory; lives as long as `quota` is
// referenced by it (it holds a handle) and is stopped with an exit message.
quota_actor spawn_counting_relay(caf::actor_system& system, quota_actor quota,
                                std::shared_ptr<progress_counters> counters);

} // namespace quarry::runtime
