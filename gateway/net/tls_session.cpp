#include "gateway/net/tls_session.h"

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace edgemq::net {

namespace {

// A memory BIO keeps the largest buffer it ever held; one that grew past
// this for a big message is swapped for a fresh one once empty, so an idle
// connection holds no more than that.
constexpr size_t kBioKeepBytes = 16 * 1024;

BIO* new_read_bio() {
  BIO* b = BIO_new(BIO_s_mem());
  // An empty read BIO means "wait for more bytes", not end of file.
  if (b != nullptr) BIO_set_mem_eof_return(b, -1);
  return b;
}

bool oversized_and_empty(BIO* b, size_t keep) {
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(b, &mem);
  return BIO_ctrl_pending(b) == 0 && mem != nullptr && mem->max > keep;
}

}  // namespace

TlsSession::TlsSession(std::shared_ptr<SSL_CTX> ctx) : ctx_(std::move(ctx)) {}

bool TlsSession::begin() {
  ssl_ = SSL_new(ctx_.get());  // holds its own reference to the context
  ctx_.reset();
  BIO* rbio = new_read_bio();
  BIO* wbio = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || rbio == nullptr || wbio == nullptr) {
    BIO_free(rbio);
    BIO_free(wbio);
    failure_ = "out of memory";
    return false;
  }
  SSL_set_bio(ssl_, rbio, wbio);  // the SSL owns both now
  SSL_set_accept_state(ssl_);
  return true;
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

bool TlsSession::established() const { return ssl_ != nullptr && SSL_is_init_finished(ssl_) && failure_.empty(); }

void TlsSession::drain(std::string& wire) {
  BIO* wbio = SSL_get_wbio(ssl_);
  char* data = nullptr;
  const long n = BIO_get_mem_data(wbio, &data);
  if (n <= 0) return;
  wire.append(data, static_cast<size_t>(n));
  (void)BIO_reset(wbio);
  trim(kBioKeepBytes);
}

void TlsSession::trim(size_t keep) {
  if (oversized_and_empty(SSL_get_wbio(ssl_), keep)) {
    if (BIO* fresh = BIO_new(BIO_s_mem())) SSL_set0_wbio(ssl_, fresh);
  }
  if (oversized_and_empty(SSL_get_rbio(ssl_), keep)) {
    if (BIO* fresh = new_read_bio()) SSL_set0_rbio(ssl_, fresh);
  }
}

bool TlsSession::fail(int ssl_error) {
  if (ssl_error == SSL_ERROR_ZERO_RETURN) {
    closed_ = true;  // the peer's close_notify: an orderly end, not a failure
    return false;
  }
  const unsigned long e = ERR_peek_error();
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    failure_ = buf;
    if (!SSL_is_init_finished(ssl_)) {
      const long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) {
        failure_ += std::string(" (client certificate: ") + X509_verify_cert_error_string(verify) + ")";
      }
    }
  } else {
    failure_ = ssl_error == SSL_ERROR_SYSCALL ? std::string("unexpected end of the TLS stream")
                                              : "TLS error " + std::to_string(ssl_error);
  }
  ERR_clear_error();
  return false;
}

bool TlsSession::on_read(std::span<const uint8_t> in, std::string& plain, std::string& wire) {
  if (!failure_.empty() || closed_) return false;
  if (ssl_ == nullptr) {
    if (in.empty()) return true;
    if (!begin()) return false;
  }
  ERR_clear_error();
  const int n_in = static_cast<int>(in.size());
  if (!in.empty() && BIO_write(SSL_get_rbio(ssl_), in.data(), n_in) != n_in) {
    failure_ = "out of memory";
    return false;
  }
  bool ok = true;
  const bool handshaking = !SSL_is_init_finished(ssl_);
  if (handshaking) {
    const int rc = SSL_do_handshake(ssl_);
    if (rc != 1) {
      const int err = SSL_get_error(ssl_, rc);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) ok = fail(err);
    }
  }
  // Records the handshake left in the BIO (a client's first data may come
  // with its Finished) are read now, not on the next socket read.
  thread_local char buf[16384];
  while (ok && SSL_is_init_finished(ssl_)) {
    const int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      plain.append(buf, static_cast<size_t>(n));
      continue;
    }
    const int err = SSL_get_error(ssl_, n);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) ok = fail(err);
    break;
  }
  drain(wire);  // handshake messages, tickets, or the alert that says why it failed
  // The handshake's flight (certificate chain, tickets) left its size in the
  // BIOs' buffers; most devices go quiet now, so those go (~1.4 KB each).
  if (ok && handshaking && SSL_is_init_finished(ssl_)) trim(0);
  return ok;
}

bool TlsSession::encrypt(std::string_view plain, std::string& wire) {
  if (!established() || closed_) return false;
  if (plain.empty()) return true;
  ERR_clear_error();
  // A memory BIO takes everything, so one call writes it all (as records
  // of at most 16 KiB).
  const int n = SSL_write(ssl_, plain.data(), static_cast<int>(plain.size()));
  drain(wire);
  if (n != static_cast<int>(plain.size())) return fail(SSL_get_error(ssl_, n));
  return true;
}

bool TlsSession::awaiting_close() const {
  return ssl_ != nullptr && failure_.empty() && !closed_ && (SSL_get_shutdown(ssl_) & SSL_SENT_SHUTDOWN) != 0;
}

void TlsSession::close_notify(std::string& wire) {
  if (!established() || (SSL_get_shutdown(ssl_) & SSL_SENT_SHUTDOWN) != 0) return;
  ERR_clear_error();
  (void)SSL_shutdown(ssl_);  // one direction is enough: the socket closes after it
  drain(wire);
  ERR_clear_error();
}

std::string TlsSession::peer_common_name() const {
  if (ssl_ == nullptr) return {};
  X509* cert = SSL_get0_peer_certificate(ssl_);
  if (cert == nullptr || SSL_get_verify_result(ssl_) != X509_V_OK) return {};
  char cn[256];
  const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return n > 0 ? std::string(cn, static_cast<size_t>(n)) : std::string();
}

const char* TlsSession::version() const { return ssl_ != nullptr ? SSL_get_version(ssl_) : "?"; }

}  // namespace edgemq::net
