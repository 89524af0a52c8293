#include "runtime/cluster_tls.hpp"

#include "telemetry/metrics.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>

namespace quarry::runtime::cluster_tls {
namespace {

// The reason of the last OpenSSL error on this thread, or `fallback`.
std::string openssl_reason(const char* fallback) {
  const unsigned long e = ERR_peek_last_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? reason : fallback;
}

quarry::error file_error(const std::string& what, const std::string& path, const char* fallback) {
  return make_error(error_kind::fatal,
                    "cluster TLS: " + what + " " + path + ": " + openssl_reason(fallback));
}

// ---- refused handshakes ----------------------------------------------------

// Per incoming connection, in an ex_data slot: who, and whether it is
// settled (handshake done, or its refusal logged).
struct connection_note {
  std::string peer;
  bool settled = false;
};
int note_index = -1;

std::string peer_of(const SSL* ssl) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  const int fd = SSL_get_fd(ssl);
  if (fd < 0 || getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return "an unknown peer";
  char host[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(a->sin_port));
  }
  const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
  inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
  return "[" + std::string(host) + "]:" + std::to_string(ntohs(a->sin6_port));
}

void refuse(connection_note& note, const std::string& reason) {
  note.settled = true;
  telemetry::metrics().cluster_refused.Add({}).Increment();
  spdlog::warn("refused a cluster connection from {}: {}", note.peer, reason);
}

// Why this handshake failed: OpenSSL's reason, with the certificate check's
// verdict when there is one ("certificate verify failed: self-signed
// certificate").
std::string failure_of(const SSL* ssl, const char* fallback) {
  std::string reason = openssl_reason(fallback);
  if (const long v = SSL_get_verify_result(ssl); v != X509_V_OK)
    reason += std::string(": ") + X509_verify_cert_error_string(v);
  return reason;
}

// Before each socket read and write of a connection: OpenSSL requires the
// thread's error queue to be empty before an I/O operation, because
// SSL_get_error() reads any error in it as this operation's failure. CAF 0.17
// never drains it (its error logging is compiled out), so without this one
// peer's broken connection (OpenSSL 3 queues "unexpected eof") made the next
// would-block read of every other connection on the middleman's thread fail,
// dropping every remote worker at once.
long clear_stale_errors(BIO*, int oper, const char*, std::size_t, int, long, int ret,
                        std::size_t*) {
  if (oper == BIO_CB_READ || oper == BIO_CB_WRITE) ERR_clear_error();
  return ret;
}

void guard_error_queue(const SSL* ssl) {
  for (BIO* bio : {SSL_get_rbio(ssl), SSL_get_wbio(ssl)})
    if (bio != nullptr && BIO_get_callback_ex(bio) == nullptr)
      BIO_set_callback_ex(bio, clear_stale_errors);
}

void on_info(const SSL* ssl, int where, int ret) {
  // Whoever set a context-wide callback still gets called.
  if (auto* chained = SSL_CTX_get_info_callback(SSL_get_SSL_CTX(ssl))) chained(ssl, where, ret);
  // Called before the handshake reads or writes anything.
  if ((where & SSL_CB_HANDSHAKE_START) != 0) guard_error_queue(ssl);
  if (!SSL_is_server(ssl)) return;
  auto* note = static_cast<connection_note*>(SSL_get_ex_data(ssl, note_index));
  if (note == nullptr) {
    note = new connection_note{peer_of(ssl)};
    SSL_set_ex_data(const_cast<SSL*>(ssl), note_index, note);
  }
  if (note->settled) return;
  if ((where & SSL_CB_HANDSHAKE_DONE) != 0) {
    note->settled = true;
  } else if ((where & SSL_CB_ALERT) != 0 && (ret >> 8) == SSL3_AL_FATAL) {
    refuse(*note, (where & SSL_CB_READ) != 0
                      ? std::string("the peer refused the handshake: ") +
                            SSL_alert_desc_string_long(ret)
                      : failure_of(ssl, SSL_alert_desc_string_long(ret)));
  } else if ((where & SSL_CB_EXIT) != 0 && ret <= 0 && SSL_want_nothing(ssl)) {
    refuse(*note, failure_of(ssl, "TLS handshake failed"));
  }
}

void on_new_ssl(void* parent, void*, CRYPTO_EX_DATA*, int, long, void*) {
  if (parent != nullptr) SSL_set_info_callback(static_cast<SSL*>(parent), on_info);
}

// A connection closed before its handshake settled: a plain TCP client
// (CAF's non-TLS handshake bytes are no TLS record), or one that hung up.
void on_free_ssl(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  auto* note = static_cast<connection_note*>(ptr);
  if (note == nullptr) return;
  if (!note->settled) refuse(*note, openssl_reason("closed before the TLS handshake finished (a plain TCP client?)"));
  delete note;
}

} // namespace

status check_files(const config::tls_config& tls, role side) {
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_method()), SSL_CTX_free};
  if (!ctx) return make_error(error_kind::fatal, "cluster TLS: cannot create an OpenSSL context");
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), tls.cert.c_str()) != 1)
    return file_error("cannot load the certificate", tls.cert, "not a PEM certificate");
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return make_error(error_kind::fatal, "cluster TLS: the private key " + tls.key_file +
                                               " does not belong to the certificate " + tls.cert);
    }
    return file_error("cannot load the private key", tls.key_file,
                      "not an unencrypted PEM private key");
  }
  if (SSL_CTX_load_verify_locations(ctx.get(), tls.ca.c_str(), nullptr) != 1)
    return file_error("cannot load the CA certificates", tls.ca, "not a PEM certificate");
  // The certificate as a peer will verify it.
  X509* cert = SSL_CTX_get0_certificate(ctx.get());
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx.get(), &chain);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> verify{X509_STORE_CTX_new(),
                                                                          X509_STORE_CTX_free};
  if (!verify || X509_STORE_CTX_init(verify.get(), SSL_CTX_get_cert_store(ctx.get()), cert, chain) != 1)
    return make_error(error_kind::fatal, "cluster TLS: cannot set up certificate verification");
  X509_STORE_CTX_set_purpose(verify.get(), side == role::coordinator ? X509_PURPOSE_SSL_SERVER
                                                                     : X509_PURPOSE_SSL_CLIENT);
  if (X509_verify_cert(verify.get()) != 1) {
    const int code = X509_STORE_CTX_get_error(verify.get());
    ERR_clear_error();
    std::string message = "cluster TLS: the certificate " + tls.cert + " does not verify against " +
                          tls.ca + ": " + X509_verify_cert_error_string(code);
    if (code == X509_V_ERR_INVALID_PURPOSE)
      message += side == role::coordinator
                     ? " (the coordinator's certificate needs extended key usage serverAuth)"
                     : " (a worker's certificate needs extended key usage clientAuth)";
    return make_error(error_kind::fatal, std::move(message));
  }
  return {};
}

void configure(caf::actor_system_config& cfg, const config::tls_config& tls) {
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = tls.cert;
  cfg.openssl_key = tls.key_file;
  cfg.openssl_cafile = tls.ca;
}

void watch_connections() {
  static std::once_flag once;
  std::call_once(once, [] {
    note_index = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, 0, nullptr, on_new_ssl, nullptr,
                                         on_free_ssl);
  });
}

} // namespace quarry::runtime::cluster_tls
