// One TLS connection, server side, run through memory BIOs: ciphertext from
// the socket in, plaintext out, and the other way round, all on the worker's
// loop without blocking and without a socket of its own. The handshake runs
// as the client's bytes arrive. OpenSSL's state (about 15 KB per connection,
// docs/benchmarks.md) is made only when the first bytes come, so a client
// that connects and says nothing costs a pointer until connect_timeout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct ssl_st;
struct ssl_ctx_st;

namespace edgemq::net {

class TlsSession {
 public:
  explicit TlsSession(std::shared_ptr<ssl_ctx_st> ctx);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Ciphertext from the socket. Decrypted bytes are appended to `plain`,
  // what must go back (handshake messages, tickets, alerts) to `wire`.
  // False once the session is over: the handshake failed (see failure()),
  // the peer broke the protocol or sent close_notify.
  bool on_read(std::span<const uint8_t> in, std::string& plain, std::string& wire);
  // Encrypts `plain` into records appended to `wire`; false if the session
  // cannot send (not established, or failed).
  bool encrypt(std::string_view plain, std::string& wire);
  // Our close_notify, once, into `wire`.
  void close_notify(std::string& wire);

  bool established() const;
  // Our close_notify is out and the peer's has not come.
  bool awaiting_close() const;
  // Why the session ended, for the log; empty if it did not fail.
  const std::string& failure() const { return failure_; }
  // The verified client certificate's subject CN; empty without one.
  std::string peer_common_name() const;
  // "TLSv1.3", for the log.
  const char* version() const;

 private:
  // Makes the SSL, on the first bytes; false (and failure()) if it cannot.
  bool begin();
  // Moves what OpenSSL wrote into `wire`.
  void drain(std::string& wire);
  // Swaps an empty BIO whose buffer grew past `keep` bytes for a fresh one.
  void trim(size_t keep);
  bool fail(int ssl_error);

  std::shared_ptr<ssl_ctx_st> ctx_;  // until begin()
  ssl_st* ssl_ = nullptr;
  std::string failure_;
  bool closed_ = false;
};

}  // namespace edgemq::net
