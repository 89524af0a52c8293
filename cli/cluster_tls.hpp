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

namespace quarry::cli::cluster_tls {

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

// From now on, every incoming cluster connection whose TLS handshake fails is
// logged once, as a warning naming the peer's address and OpenSSL's reason
// ("wrong version number" for a plain client, "unknown CA" for a certificate
// from another CA), and counted in quarry_cluster_connections_refused_total.
// Process-wide (an OpenSSL ex_data hook on every SSL object; outgoing
// connections are not logged); idempotent.
void log_refused_handshakes();

} // namespace quarry::cli::cluster_tls
