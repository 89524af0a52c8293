#pragma once

// One quota actor per source account, shared by every worker and job that
// uses the account, in this process or others (it is the only place permits
// come from). It wraps a quota::ledger (all the policy lives there) with:
//  - request/response: quota_acquire -> quota_grant (granted or denied); its
//    whole interface is quota_actor (proto/interfaces.hpp);
//  - leases: a holder (worker) that dies is noticed through a monitor and
//    its permits and queued requests are reclaimed; a permit not returned
//    within the lease is reclaimed by the ledger anyway;
//  - durability: usage reservations are written through `usage_store` by a
//    detached helper actor (blocking I/O never runs on the scheduler), and
//    grants wait for the write's acknowledgement;
//  - one timer for the ledger's next wake-up;
//  - a clean stop: shutdown_atom -> bool (true once stored) ends the grants
//    and stores the calls still in each window for the next process.

#include "actors/quota_ledger.hpp"
#include "proto/error.hpp"
#include "proto/interfaces.hpp"

#include <caf/actor_system.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace quarry::actors {

// Durable storage of an account's usage (Kafka compacted topic, or a file).
// Called from a detached actor's thread; may block.
class usage_store {
 public:
  virtual ~usage_store() = default;
  virtual result<std::optional<quota::persisted_usage>> load(const std::string& account) = 0;
  virtual status save(const std::string& account, const quota::persisted_usage& usage) = 0;
};

// The wall clock quota days are counted by. Tests shift it with the
// environment variable QUARRY_CLOCK_OFFSET_S (seconds added to the real time),
// so "tomorrow" can be reached without waiting.
quota::instant quota_now();

// Spawns the quota actor of `account`. `restored` is the usage last stored
// (load it with the store before spawning). Throws std::invalid_argument when
// the policy is invalid.
quota_actor spawn_quota(caf::actor_system& system, std::string account, quota::policy policy,
                       std::optional<quota::persisted_usage> restored,
                       std::shared_ptr<usage_store> store);

} // namespace quarry::actors
