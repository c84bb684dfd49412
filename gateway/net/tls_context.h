// The server side of TLS for the MQTTS and WSS listeners: certificate, key
// and, for client certificates, the CA they must chain to. One SSL_CTX is
// current at a time; reload() builds a new one from the same files (SIGHUP),
// so new connections get the new certificate while open ones keep the
// context they started with (each SSL holds a reference to its SSL_CTX).
// Thread-safe: workers take current() on accept, the main thread reloads.
#pragma once

#include <memory>
#include <mutex>
#include <string>

struct ssl_ctx_st;

namespace edgemq::net {

struct TlsOptions {
  std::string cert_file;  // PEM, the server certificate and its chain
  std::string key_file;   // PEM private key
  std::string ca_file;    // PEM CA(s) client certificates are verified against; empty: none asked for
  bool require_client_cert = false;  // mTLS: no valid client certificate, no handshake
  bool cn_as_username = false;       // the client certificate's CN replaces CONNECT's username
};

class TlsContext {
 public:
  using Ctx = std::shared_ptr<ssl_ctx_st>;

  explicit TlsContext(TlsOptions options) : options_(std::move(options)) {}

  // Loads the files; false with `error` naming the file and OpenSSL's reason.
  // On failure the current context (if any) stays.
  bool reload(std::string& error);
  Ctx current() const;
  const TlsOptions& options() const { return options_; }
  // The subject line of the current certificate, for the log.
  std::string describe() const;

 private:
  const TlsOptions options_;
  mutable std::mutex mu_;
  Ctx current_;
  std::string subject_;
};

}  // namespace edgemq::net
