#include "gateway/net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace edgemq::net {

namespace {

// OpenSSL's queued errors as one line (and the queue emptied).
std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown error" : out;
}

std::string subject_of(SSL_CTX* ctx) {
  X509* cert = SSL_CTX_get0_certificate(ctx);
  if (cert == nullptr) return {};
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

}  // namespace

bool TlsContext::reload(std::string& error) {
  if (options_.require_client_cert && options_.ca_file.empty()) {
    error = "TLS: client certificates are required but no CA file (tls_ca) says which to trust";
    return false;
  }
  ERR_clear_error();
  TlsContext::Ctx ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) {
    error = "TLS: " + openssl_errors();
    return false;
  }
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  // No renegotiation (a cheap way to make a server work hard); the
  // server's cipher order; record buffers freed while a connection is idle,
  // which is most of the time for a device.
  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(c, options_.cert_file.c_str()) != 1) {
    error = "TLS certificate " + options_.cert_file + ": " + openssl_errors();
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(c, options_.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    // A renewed certificate with the old key is the usual slip: say so.
    const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    error = "TLS key " + options_.key_file +
            (mismatch ? " does not match certificate " + options_.cert_file : std::string()) + ": " +
            openssl_errors();
    return false;
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    error = "TLS key " + options_.key_file + " does not match certificate " + options_.cert_file + ": " +
            openssl_errors();
    return false;
  }
  if (!options_.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(c, options_.ca_file.c_str(), nullptr) != 1) {
      error = "TLS CA " + options_.ca_file + ": " + openssl_errors();
      return false;
    }
    // Clients are asked for a certificate signed by these CAs; one that is
    // sent is verified, and with require_client_cert one must be sent.
    SSL_CTX_set_client_CA_list(c, SSL_load_client_CA_file(options_.ca_file.c_str()));
    int mode = SSL_VERIFY_PEER;
    if (options_.require_client_cert) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(c, mode, nullptr);
    // Sessions resumed with a client certificate must stay in this context.
    static constexpr unsigned char kSessionContext[] = "edgemq";
    SSL_CTX_set_session_id_context(c, kSessionContext, sizeof kSessionContext - 1);
  }
  std::lock_guard lock(mu_);
  current_ = std::move(ctx);
  subject_ = subject_of(current_.get());
  return true;
}

TlsContext::Ctx TlsContext::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

std::string TlsContext::describe() const {
  std::lock_guard lock(mu_);
  return subject_;
}

}  // namespace edgemq::net
