#pragma once

// Mutual TLS on the cluster channel between `quarry serve` and `quarry
// worker` (serve.tls, worker.tls), through CAF's OpenSSL module.
//
// Trust model: a peer is admitted when its certificate chains to the
// configured CA, on both sides (CAF sets SSL_VERIFY_PEER and
// SSL_VERIFY_FAIL_IF_NO_PEER_CERT); host names are not checked, so the CA
// should issue certificates for this cluster only. CAF reads the three files
// at every new connection: a rotated certificate applies to the next one,
// and files that became unreadable fail that connection's set-up, which
// check_files() makes unlikely by refusing bad files at start.

#include "config/config.hpp"
#include "proto/error.hpp"

namespace caf {
class actor_system_config;
}

namespace quarry::runtime::cluster_tls {

// Which side a certificate is for: its extended key usage, when present,
// must allow TLS server (coordinator) or client (worker) authentication.
enum class role { coordinator, worker };

// Checks the files as CAF will use them: the certificate chain and the key
// parse, the key belongs to the certificate, and the certificate verifies
// against the CA now (dates and key usage included). Errors name the file
// and OpenSSL's reason, never key material.
status check_files(const config::tls_config& tls, role side);

// Loads CAF's OpenSSL module with these files. Call after loading the
// middleman, before the actor system starts.
void configure(caf::actor_system_config& cfg, const config::tls_config& tls);

// Process-wide hooks on every OpenSSL connection (through an ex_data slot
// whose constructor sets an info callback); idempotent. Call before the
// actor system starts, in every process using TLS on the cluster channel.
//  - Each connection's socket reads and writes start with an empty OpenSSL
//    error queue. CAF 0.17 never drains it, and OpenSSL 3 reads a stale
//    error as the failure of the next operation on the thread: one peer
//    killed with -9 dropped every other peer of the process.
//  - Every incoming connection whose TLS handshake fails is logged once, as
//    a warning naming the peer's address and OpenSSL's reason ("wrong
//    version number" for a plain client, "certificate verify failed:
//    self-signed certificate"), and counted in
//    quarry_cluster_connections_refused_total. Outgoing ones are not logged.
void watch_connections();

} // namespace quarry::runtime::cluster_tls
