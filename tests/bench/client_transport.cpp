#include "tests/bench/client_transport.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstring>

namespace edgemq::bench {

std::shared_ptr<ssl_ctx_st> make_client_tls(const std::string& ca_file, std::string& error) {
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) {
    error = "cannot create a TLS context";
    return nullptr;
  }
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);  // thousands of idle clients
  if (!ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1) {
      error = "cannot load CA file " + ca_file;
      return nullptr;
    }
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  }
  return ctx;
}

ClientTransport::ClientTransport(Transport kind, ssl_ctx_st* tls, const std::string& host, const std::string& path)
    : kind_(kind), host_(host), path_(path) {
  if (uses_tls(kind_)) {
    ssl_ = SSL_new(tls);
    BIO* rbio = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio, -1);
    SSL_set_bio(ssl_, rbio, BIO_new(BIO_s_mem()));
    SSL_set_tlsext_host_name(ssl_, host_.c_str());
    SSL_set_connect_state(ssl_);
  }
}

ClientTransport::~ClientTransport() { SSL_free(ssl_); }

namespace {

void drain(SSL* ssl, std::string& wire) {
  char buf[16384];
  int n;
  while ((n = BIO_read(SSL_get_wbio(ssl), buf, sizeof buf)) > 0) wire.append(buf, static_cast<size_t>(n));
}

}  // namespace

void ClientTransport::start(std::string& wire) {
  if (ssl_ != nullptr) {
    SSL_do_handshake(ssl_);
    drain(ssl_, wire);
    return;
  }
  if (uses_websocket(kind_)) {
    upgrade_request(wire);
    return;
  }
  ready_ = true;
}

void ClientTransport::upgrade_request(std::string& out) const {
  out += "GET " + path_ + " HTTP/1.1\r\nHost: " + host_ +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
         "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
}

bool ClientTransport::tls_read(std::span<const uint8_t> in, std::string& plain, std::string& wire) {
  BIO_write(SSL_get_rbio(ssl_), in.data(), static_cast<int>(in.size()));
  if (!SSL_is_init_finished(ssl_)) {
    const int rc = SSL_do_handshake(ssl_);
    drain(ssl_, wire);
    if (rc != 1) {
      const int e = SSL_get_error(ssl_, rc);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return true;
      char buf[256];
      ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
      error_ = std::string("TLS handshake: ") + buf;
      return false;
    }
    // TLS is up: the WebSocket upgrade, or MQTT, may go.
    if (uses_websocket(kind_)) {
      std::string req;
      upgrade_request(req);
      tls_write(req, wire);
    } else {
      ready_ = true;
    }
  }
  char buf[16384];
  for (;;) {
    const int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      plain.append(buf, static_cast<size_t>(n));
      continue;
    }
    const int e = SSL_get_error(ssl_, n);
    drain(ssl_, wire);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return true;
    error_ = e == SSL_ERROR_ZERO_RETURN ? "TLS closed by the server" : "TLS read failed";
    return false;
  }
}

void ClientTransport::tls_write(std::string_view plain, std::string& wire) {
  if (plain.empty()) return;
  SSL_write(ssl_, plain.data(), static_cast<int>(plain.size()));
  drain(ssl_, wire);
}

bool ClientTransport::on_read(std::span<const uint8_t> in, std::string& app, std::string& wire) {
  if (kind_ == Transport::Tcp) {
    app.append(reinterpret_cast<const char*>(in.data()), in.size());
    return true;
  }
  if (!uses_websocket(kind_)) return tls_read(in, app, wire);
  if (ssl_ == nullptr) return ws_read({reinterpret_cast<const char*>(in.data()), in.size()}, app, wire);
  std::string plain;
  if (!tls_read(in, plain, wire)) return false;
  std::string replies;  // pongs: encrypted below
  const bool ok = ws_read(plain, app, replies);
  tls_write(replies, wire);
  return ok;
}

bool ClientTransport::ws_read(std::string_view in, std::string& app, std::string& wire) {
  ws_in_.append(in);
  if (!upgraded_) {
    const size_t end = ws_in_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (ws_in_.size() < 8192) return true;
      error_ = "upgrade response too long";
      return false;
    }
    if (ws_in_.rfind("HTTP/1.1 101", 0) != 0) {
      error_ = "upgrade refused: " + ws_in_.substr(0, ws_in_.find("\r\n"));
      return false;
    }
    ws_in_.erase(0, end + 4);
    upgraded_ = ready_ = true;
  }
  size_t at = 0;
  for (;;) {
    const auto* p = reinterpret_cast<const uint8_t*>(ws_in_.data()) + at;
    const size_t avail = ws_in_.size() - at;
    if (avail < 2) break;
    const uint8_t opcode = p[0] & 0x0F;
    const bool fin = (p[0] & 0x80) != 0;
    uint64_t len = p[1] & 0x7F;
    size_t header = 2;
    if (len == 126) {
      if (avail < 4) break;
      len = (uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      header = 10;
    }
    if (avail < header + len) break;
    const std::string_view payload(reinterpret_cast<const char*>(p) + header, static_cast<size_t>(len));
    if (opcode == 0x2 || opcode == 0x0) {
      ws_message_.append(payload);
      if (fin) {
        app += ws_message_;
        ws_message_.clear();
      }
    } else if (opcode == 0x9) {
      frame(0xA, payload, wire);  // pong
    } else if (opcode == 0x8) {
      error_ = "WebSocket closed by the server";
      return false;
    }
    at += header + static_cast<size_t>(len);
  }
  ws_in_.erase(0, at);
  return true;
}

void ClientTransport::frame(uint8_t opcode, std::string_view payload, std::string& out) {
  out.push_back(static_cast<char>(0x80 | opcode));
  const uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  // A client masks every frame [RFC 6455 5.3]; a cheap changing key is enough here.
  mask_state_ = mask_state_ * 1664525u + 1013904223u;
  uint8_t key[4];
  std::memcpy(key, &mask_state_, 4);
  out.append(reinterpret_cast<const char*>(key), 4);
  const size_t at = out.size();
  out.append(payload);
  for (size_t i = 0; i < n; ++i) out[at + i] = static_cast<char>(out[at + i] ^ key[i % 4]);
}

void ClientTransport::send(std::string_view app, std::string& wire) {
  if (app.empty()) return;
  if (!uses_websocket(kind_)) {
    if (ssl_ != nullptr) {
      tls_write(app, wire);
    } else {
      wire.append(app);
    }
    return;
  }
  if (ssl_ == nullptr) {
    frame(0x2, app, wire);
    return;
  }
  std::string framed;
  frame(0x2, app, framed);
  tls_write(framed, wire);
}

}  // namespace edgemq::bench
