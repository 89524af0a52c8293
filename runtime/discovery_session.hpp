#pragma once

// The session `quarry discover` hands to connector::discover: HTTP on the
// calling thread with the same retries as a worker's, each attempt paid for
// with a permit of the account's quota actor (so discovery counts against
// the account's budget like any other call and waits for its windows), and
// no output: emit() and checkpoint() fail, spawn() and declare() are ignored.
//
// Owned and used by one thread, which may block (never a CAF scheduler
// thread). Holds a scoped actor: the quota actor monitors it and reclaims its
// permits if the session dies holding one.

#include "connectors/core/session.hpp"
#include "proto/interfaces.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace quarry::runtime {

// `quota` may be an invalid handle: calls then go out unmetered.
std::unique_ptr<connectors::session> make_discovery_session(caf::actor_system& system,
                                                            quota_actor quota,
                                                            connectors::job_context context,
                                                            http::client_options http);

} // namespace quarry::runtime
