#pragma once

// An account's quota policy: the source's documented limits
// (connector::default_quota) with the account's `quota` config over them.
// The window guard itself (how long a call holds its window place) is the
// ledger's: see quota_ledger.hpp, "Windows".

#include "actors/quota_ledger.hpp"
#include "config/config.hpp"
#include "connectors/core/connector.hpp"

namespace quarry::quota {

// The account's daily calls, zone, reset, concurrency and bytes replace the
// source's; its windows replace the source's general windows, never its
// scoped ones (Kustomer's searches).
policy policy_of(const connectors::quota_defaults& source, const config::quota_config& account);

} // namespace quarry::quota
