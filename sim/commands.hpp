#pragma once

// `quarry sim ...`: runs a simulator in the foreground until SIGINT/SIGTERM.
// cli/ creates the `sim` subcommand and calls add_sim_commands on it; each
// simulator adds one subcommand here (synthetic, marketo).

#include "proto/error.hpp"
#include "sim/call_stats.hpp"

#include <string_view>

namespace CLI { class App; }

namespace quarry::sim {

// Adds `synthetic` (flags: --port (required), --host, --seed, --accounts,
// --events-per-account, --users, --latency-ms, --fault-rate, --fault-stall-ms,
// --daily-limit, --window CALLS/SECONDS (repeatable), --concurrency,
// --api-key, --malformed-path (repeatable)) and `marketo` (the shared flags plus
// --seed, --leads, --activities, --campaigns, --lists, --programs, --client-id,
// --client-secret, --token-ttl-s, --export-daily-mb, --export-seconds-per-mb,
// --export-fail-rate, --no-updated-at-filter; --daily-limit, --window and
// --concurrency default to Marketo's 50000, 100/20 and 10). Its callback prints
// "synthetic simulator listening on http://HOST:PORT" and blocks until
// SIGINT or SIGTERM; it blocks those signals in the calling thread (and the
// server threads it starts) and waits with sigwait. A failure to start is
// printed to stderr and thrown as CLI::RuntimeError(1).
void add_sim_commands(CLI::App& sim);

// "100/20" -> {calls 100, seconds 20}; seconds may be fractional.
result<window_limit> parse_window_limit(std::string_view text);

} // namespace quarry::sim
