// TLS through memory, as the TLS listeners run it: a real OpenSSL client
// (also through memory) against TlsSession, TlsContext and Transport.
// Certificates come from tests/tls/make_certs.sh.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "gateway/net/tls_context.h"
#include "gateway/net/tls_session.h"
#include "gateway/net/transport.h"

namespace edgemq::net {
namespace {

class Certs : public ::testing::Environment {
 public:
  static const std::string& dir() { return dir_; }
  void SetUp() override {
    char tmpl[] = "/tmp/edgemq-unit-certs-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    const std::string cmd = std::string("bash ") + EDGEMQ_MAKE_CERTS + " " + dir_ + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  static inline std::string dir_;
};
const auto* const kCerts = ::testing::AddGlobalTestEnvironment(new Certs);

std::string file(const std::string& name) { return Certs::dir() + "/" + name; }

TlsOptions server_options() { return {file("server.pem"), file("server.key"), {}, false, false}; }

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

struct ClientOptions {
  int max_version = 0;  // 0: the newest
  std::string cert;     // "client": client.pem/client.key
};

// An OpenSSL client whose socket is two strings.
class Client {
 public:
  explicit Client(ClientOptions o = {}) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx_, file("ca.pem").c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (o.max_version != 0) {
      SSL_CTX_set_min_proto_version(ctx_, 0);
      SSL_CTX_set_max_proto_version(ctx_, o.max_version);
      SSL_CTX_set_security_level(ctx_, 0);  // let the old version be offered at all
    }
    if (!o.cert.empty()) {
      SSL_CTX_use_certificate_file(ctx_, file(o.cert + ".pem").c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx_, file(o.cert + ".key").c_str(), SSL_FILETYPE_PEM);
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_bio(ssl_, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    BIO_set_mem_eof_return(SSL_get_rbio(ssl_), -1);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    SSL_set1_host(ssl_, "localhost");
    SSL_set_connect_state(ssl_);
  }
  ~Client() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  // Bytes the client wants to send.
  std::string take() {
    std::string out;
    char buf[4096];
    int n;
    while ((n = BIO_read(SSL_get_wbio(ssl_), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  void give(const std::string& from_server) {
    if (!from_server.empty()) BIO_write(SSL_get_rbio(ssl_), from_server.data(), static_cast<int>(from_server.size()));
  }
  bool step_handshake() { return SSL_do_handshake(ssl_) == 1; }
  void write(const std::string& plain) { SSL_write(ssl_, plain.data(), static_cast<int>(plain.size())); }
  // Everything decrypted so far; `closed` is set when the server's close_notify came.
  std::string read(bool* closed = nullptr) {
    std::string out;
    char buf[4096];
    for (;;) {
      const int n = SSL_read(ssl_, buf, sizeof buf);
      if (n > 0) {
        out.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (closed != nullptr) *closed = SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN;
      return out;
    }
  }
  void close_notify() { SSL_shutdown(ssl_); }
  SSL* ssl() { return ssl_; }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

// Runs the handshake to its end (or failure), handing the client's bytes to
// the server `chunk` bytes at a time. Returns whether the server still goes on.
bool handshake(Client& c, TlsSession& s, size_t chunk = SIZE_MAX) {
  std::string plain;
  for (int round = 0; round < 10; ++round) {
    const bool done = c.step_handshake();
    const std::string out = c.take();
    std::string wire;
    for (size_t at = 0; at < out.size(); at += chunk) {
      if (!s.on_read(bytes(out.substr(at, chunk)), plain, wire)) {
        c.give(wire);
        return false;
      }
    }
    c.give(wire);
    if (done && s.established()) return true;
  }
  return false;
}

std::shared_ptr<ssl_ctx_st> context(const TlsOptions& o) {
  TlsContext ctx(o);
  std::string error;
  EXPECT_TRUE(ctx.reload(error)) << error;
  return ctx.current();
}

TEST(TlsSession, HandshakeAndDataBothWaysWhateverTheReadSizes) {
  const auto ctx = context(server_options());
  for (size_t chunk : {size_t{1}, size_t{7}, SIZE_MAX}) {
    Client c;
    TlsSession s(ctx);
    ASSERT_TRUE(handshake(c, s, chunk)) << s.failure();
    EXPECT_STREQ(s.version(), "TLSv1.3");
    c.write("CONNECT bytes");
    const std::string record = c.take();
    std::string plain, wire;
    for (size_t at = 0; at < record.size(); at += chunk) ASSERT_TRUE(s.on_read(bytes(record.substr(at, chunk)), plain, wire));
    EXPECT_EQ(plain, "CONNECT bytes") << "chunk " << chunk;
    ASSERT_TRUE(s.encrypt(std::string(40'000, 'a'), wire));  // more than one record
    c.give(wire);
    EXPECT_EQ(c.read(), std::string(40'000, 'a'));
  }
}

TEST(TlsSession, Tls1_2IsSpokenAndOlderIsRefused) {
  const auto ctx = context(server_options());
  {
    Client c({TLS1_2_VERSION, {}});
    TlsSession s(ctx);
    ASSERT_TRUE(handshake(c, s)) << s.failure();
    EXPECT_STREQ(s.version(), "TLSv1.2");
  }
  Client old({TLS1_1_VERSION, {}});
  TlsSession s(ctx);
  EXPECT_FALSE(handshake(old, s));
  EXPECT_NE(s.failure().find("unsupported protocol"), std::string::npos) << s.failure();
  EXPECT_FALSE(s.established());
}

TEST(TlsSession, BytesThatAreNotTlsEndTheSessionWithTheReason) {
  const auto ctx = context(server_options());
  TlsSession s(ctx);
  std::string plain, wire;
  EXPECT_FALSE(s.on_read(bytes(std::string("\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00", 14)), plain, wire));
  EXPECT_NE(s.failure().find("wrong version number"), std::string::npos) << s.failure();
  EXPECT_EQ(plain, "");
  EXPECT_FALSE(s.on_read(bytes("more"), plain, wire)) << "stays ended";
}

TEST(TlsSession, CloseNotifyBothWays_RFC8446_6_1) {
  const auto ctx = context(server_options());
  Client c;
  TlsSession s(ctx);
  ASSERT_TRUE(handshake(c, s));
  std::string wire, plain;
  s.close_notify(wire);
  EXPECT_TRUE(s.awaiting_close());
  c.give(wire);
  bool closed = false;
  c.read(&closed);
  EXPECT_TRUE(closed) << "the client saw our close_notify";
  c.close_notify();
  EXPECT_FALSE(s.on_read(bytes(c.take()), plain, wire));
  EXPECT_FALSE(s.awaiting_close());
  EXPECT_EQ(s.failure(), "") << "an orderly close is not a failure";
}

TlsOptions mutual(bool cn_as_username = false) {
  TlsOptions o = server_options();
  o.ca_file = file("ca.pem");
  o.require_client_cert = true;
  o.cn_as_username = cn_as_username;
  return o;
}

TEST(TlsSession, MutualTlsGivesTheClientCertificatesCn) {
  const auto ctx = context(mutual());
  Client c({0, "client"});
  TlsSession s(ctx);
  ASSERT_TRUE(handshake(c, s)) << s.failure();
  EXPECT_EQ(s.peer_common_name(), "device-1");
}

TEST(TlsSession, MutualTlsRefusesNoCertificateAndAStrangersOne) {
  const auto ctx = context(mutual());
  for (const std::string cert : {"", "stranger"}) {
    Client c({0, cert});
    TlsSession s(ctx);
    // TLS 1.3: the client's certificate comes after its side of the handshake
    // looks done, so the refusal shows on the server.
    handshake(c, s);
    EXPECT_FALSE(s.established()) << cert;
    EXPECT_NE(s.failure().find("certificate"), std::string::npos) << cert << ": " << s.failure();
    EXPECT_EQ(s.peer_common_name(), "");
  }
}

TEST(TlsContext, BadFilesAreNamedInTheError) {
  std::string error;
  TlsOptions o = server_options();
  o.cert_file = "/nonexistent.pem";
  EXPECT_FALSE(TlsContext(o).reload(error));
  EXPECT_NE(error.find("TLS certificate /nonexistent.pem"), std::string::npos) << error;

  o = server_options();
  o.key_file = file("client.key");
  EXPECT_FALSE(TlsContext(o).reload(error));
  EXPECT_NE(error.find("does not match certificate " + file("server.pem")), std::string::npos) << error;

  o = server_options();
  o.require_client_cert = true;
  EXPECT_FALSE(TlsContext(o).reload(error));
  EXPECT_NE(error.find("tls_ca"), std::string::npos) << error;
}

TEST(TlsContext, AReloadChangesNewSessionsOnlyAndAFailedOneChangesNothing) {
  const std::string dir = Certs::dir() + "/reload";
  std::filesystem::create_directories(dir);
  const auto put = [&](const std::string& from, const std::string& to) {
    std::filesystem::copy_file(file(from), dir + "/" + to, std::filesystem::copy_options::overwrite_existing);
  };
  put("server.pem", "cert.pem");
  put("server.key", "key.pem");
  TlsContext tls({dir + "/cert.pem", dir + "/key.pem", {}, false, false});
  std::string error;
  ASSERT_TRUE(tls.reload(error)) << error;
  EXPECT_EQ(tls.describe(), "/O=edgemq/CN=localhost");
  Client before;
  TlsSession old_session(tls.current());
  ASSERT_TRUE(handshake(before, old_session));

  put("renewed.pem", "cert.pem");
  put("renewed.key", "key.pem");
  ASSERT_TRUE(tls.reload(error)) << error;
  EXPECT_EQ(tls.describe(), "/O=edgemq renewed/CN=localhost");
  put("client.key", "key.pem");
  EXPECT_FALSE(tls.reload(error));
  EXPECT_EQ(tls.describe(), "/O=edgemq renewed/CN=localhost") << "the good one stays";

  // The session from before goes on with its context.
  std::string plain, wire;
  before.write("still here");
  ASSERT_TRUE(old_session.on_read(bytes(before.take()), plain, wire));
  EXPECT_EQ(plain, "still here");
  Client after;
  TlsSession new_session(tls.current());
  ASSERT_TRUE(handshake(after, new_session));
  X509* seen = SSL_get0_peer_certificate(after.ssl());
  char subject[256];
  X509_NAME_oneline(X509_get_subject_name(seen), subject, sizeof subject);
  EXPECT_STREQ(subject, "/O=edgemq renewed/CN=localhost");
}

// WSS: the upgrade and the frames travel inside TLS records.
TEST(Transport, WebSocketInsideTls) {
  const auto ctx = context(server_options());
  Client c;
  Transport t(std::make_unique<TlsSession>(ctx), std::make_unique<WsTransport>(WsOptions{}));
  std::string app, wire;
  for (int round = 0; round < 10 && !c.step_handshake(); ++round) {
    ASSERT_TRUE(t.on_read(bytes(c.take()), app, wire));
    c.give(wire);
    wire.clear();
  }
  ASSERT_TRUE(t.on_read(bytes(c.take()), app, wire));  // the client's Finished
  c.give(wire);
  wire.clear();
  c.write(
      "GET /mqtt HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Protocol: mqtt\r\n\r\n");
  // A masked binary frame with two bytes of MQTT (PINGREQ), right behind it.
  c.write(std::string("\x82\x82\x01\x02\x03\x04\xc1\x02", 8));
  ASSERT_TRUE(t.on_read(bytes(c.take()), app, wire));
  EXPECT_EQ(app, std::string("\xc0\x00", 2));
  c.give(wire);
  const std::string response = c.read();
  EXPECT_EQ(response.rfind("HTTP/1.1 101", 0), 0u) << response;

  wire.clear();
  t.pending().append("\xd0\x00", 2);  // PINGRESP
  t.end_packet(wire);
  EXPECT_EQ(wire, "") << "encrypted at seal(), once per flush";
  t.seal(wire);
  c.give(wire);
  EXPECT_EQ(c.read(), std::string("\x82\x02\xd0\x00", 4)) << "one unmasked binary frame";
}

}  // namespace
}  // namespace edgemq::net
