// MQTT over TLS (MQTTS) and over WebSocket in TLS (WSS) through the
// gateway's TLS listeners, with mosquitto_pub/sub, Paho and MQTT.js verifying
// the server's certificate as deployed clients do: devices on TCP, TLS, WS
// and WSS share one topic space. Certificates come from tests/tls/make_certs.sh.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/integration/cli.h"
#include "tests/integration/fixture.h"
#include "tests/integration/mqttjs.h"
#include "tests/integration/paho_client.h"
#include "tests/integration/tls_certs.h"

namespace edgemq::itest {
namespace {

bool port_open(int port) {
  const int fd = connect_loopback(port);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

// Paho's TLS options: the test CA as trust store, and a client certificate
// (`name`.pem/.key) when `name` is given.
::mqtt::ssl_options paho_tls(const std::string& name = {}) {
  ::mqtt::ssl_options ssl;
  ssl.set_trust_store(cert_file("ca.pem"));
  ssl.set_enable_server_cert_auth(true);
  ssl.set_verify(true);  // the host name too
  if (!name.empty()) {
    ssl.set_key_store(cert_file(name + ".pem"));
    ssl.set_private_key(cert_file(name + ".key"));
  }
  return ssl;
}

class Tls : public GatewayTest {
 protected:
  GatewayOptions options() const override {
    GatewayOptions o;
    mqtts_port_ = pick_free_port();
    wss_port_ = pick_free_port();
    ws_port_ = pick_free_port();
    o.extra_args = {"--listen-mqtts", "127.0.0.1:" + std::to_string(mqtts_port_),
                    "--listen-wss",   "127.0.0.1:" + std::to_string(wss_port_),
                    "--listen-ws",    "127.0.0.1:" + std::to_string(ws_port_)};
    const auto tls = tls_args();
    o.extra_args.insert(o.extra_args.end(), tls.begin(), tls.end());
    return o;
  }
  // The certificate options; a fixture for mTLS adds to them.
  virtual std::vector<std::string> tls_args() const {
    return {"--tls-cert", cert_file("server.pem"), "--tls-key", cert_file("server.key")};
  }
  void SetUp() override {
    if (under_mosquitto()) GTEST_SKIP() << "edgemq's TLS listener flags";
    ASSERT_FALSE(test_certs().empty());
    GatewayTest::SetUp();
    ASSERT_TRUE(wait_until([&] { return port_open(mqtts_port_) && port_open(wss_port_); }, 5s))
        << "TLS ports not listening";
  }

  // "localhost": the name in the server certificate, which clients verify.
  std::string ssl_uri() const { return "ssl://localhost:" + std::to_string(mqtts_port_); }
  std::string wss_uri() const { return "wss://127.0.0.1:" + std::to_string(wss_port_) + "/mqtt"; }
  std::string ws_uri() const { return "ws://127.0.0.1:" + std::to_string(ws_port_) + "/mqtt"; }
  // mosquitto_pub/sub over TLS, verifying the server against the test CA.
  std::vector<std::string> mosquitto_tls(const std::string& id, const std::vector<std::string>& more = {}) const {
    std::vector<std::string> a = {"-h", "localhost", "-p", std::to_string(mqtts_port_), "-i", id,
                                  "--cafile", cert_file("ca.pem")};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }

  mutable int mqtts_port_ = 0;
  mutable int wss_port_ = 0;
  mutable int ws_port_ = 0;
};

TEST_F(Tls, MosquittoClientsOverTlsAndTcpShareTopics) {
  CliProcess sub;
  std::vector<std::string> args = mosquitto_tls("it-tls-sub", {"-t", topic("#"), "-q", "1", "-C", "1", "-v", "-d",
                                                               "-W", "10"});
  ASSERT_TRUE(sub.start("mosquitto_sub", args));
  ASSERT_TRUE(sub.wait_for_output("Subscribed (mid: 1)", 5s)) << sub.out() << sub.err();
  const CliResult pub = run_cli("mosquitto_pub", {"-h", "127.0.0.1", "-p", std::to_string(port()), "-t",
                                                  topic("a"), "-m", "from tcp", "-q", "1"},
                                5s);
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  const CliResult got = sub.wait(5s);
  EXPECT_NE(got.out.find(topic("a") + " from tcp"), std::string::npos) << got.out << got.err;

  // And the other way: a TLS publisher, a TCP subscriber.
  PahoClient tcp(uri(), "it-tls-tcp-sub");
  ASSERT_TRUE(tcp.connect(true));
  ASSERT_TRUE(tcp.subscribe(topic("b"), 1));
  const CliResult tls_pub = run_cli("mosquitto_pub", mosquitto_tls("it-tls-pub", {"-t", topic("b"), "-m",
                                                                                   "from tls", "-q", "1"}),
                                    5s);
  ASSERT_EQ(tls_pub.exit_code, 0) << tls_pub.err;
  auto m = tcp.receive(5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "from tls");
  EXPECT_EQ(m->get_qos(), 1);
}

TEST_F(Tls, TlsVersions1_2And1_3AreBothSpoken) {
  for (const std::string version : {"tlsv1.2", "tlsv1.3"}) {
    const CliResult r = run_cli("mosquitto_pub", mosquitto_tls("it-tls-" + version, {"--tls-version", version,
                                                                                      "-t", topic("v"), "-m", version,
                                                                                      "-q", "1", "-d"}),
                                5s);
    EXPECT_EQ(r.exit_code, 0) << version << ": " << r.out << r.err;
    EXPECT_NE(r.out.find("received PUBACK"), std::string::npos) << version << ": " << r.out;
  }
}

// Paho C++ over ssl:// and wss://, and plain ws:// and tcp://, in one topic
// space. The large message goes to the ssl:// subscriber only: Paho 1.3's
// WebSocket client stalls its other clients while it receives a frame of
// that size (see websocket_test.cpp), which made this test time out under load.
TEST_F(Tls, PahoOverTlsWssWsAndTcpExchangeMessages) {
  PahoClient tls_sub(ssl_uri(), "it-tls-paho-sub");
  tls_sub.use_tls(paho_tls());
  ASSERT_TRUE(tls_sub.connect(true));
  ASSERT_TRUE(tls_sub.subscribe(topic("all"), 1));
  ASSERT_TRUE(tls_sub.subscribe(topic("big"), 1));
  PahoClient wss_sub(wss_uri(), "it-wss-paho-sub", MQTTVERSION_5);
  wss_sub.use_tls(paho_tls());
  ASSERT_TRUE(wss_sub.connect(true));
  ASSERT_TRUE(wss_sub.subscribe(topic("all"), 2));

  PahoClient ws_pub(ws_uri(), "it-ws-paho-pub");
  ASSERT_TRUE(ws_pub.connect(true));
  // The admin endpoint counts each client under its listener and protocol.
  const CliResult stats = run_cli(
      "curl", {"-s", "http://127.0.0.1:" + std::to_string(gw().admin_port()) + "/api/v1/stats"}, 10s);
  const auto counted = nlohmann::json::parse(stats.out)["connections"];
  EXPECT_EQ(counted["by_listener"]["mqtts"], 1) << counted;
  EXPECT_EQ(counted["by_listener"]["wss"], 1);
  EXPECT_EQ(counted["by_listener"]["ws"], 1);
  EXPECT_EQ(counted["by_protocol"]["5.0"], 1);
  EXPECT_EQ(counted["by_protocol"]["3.1.1"], 2);
  ASSERT_TRUE(ws_pub.publish(topic("all"), "from ws", 1));
  PahoClient tcp_pub(uri(), "it-tcp-paho-pub");
  ASSERT_TRUE(tcp_pub.connect(true));
  ASSERT_TRUE(tcp_pub.publish(topic("all"), "from tcp", 2));
  PahoClient wss_pub(wss_uri(), "it-wss-paho-pub");
  wss_pub.use_tls(paho_tls());
  ASSERT_TRUE(wss_pub.connect(true));
  ASSERT_TRUE(wss_pub.publish(topic("all"), "from wss", 1));
  const std::string big(100'000, 'z');  // several TLS records, one WebSocket message
  ASSERT_TRUE(wss_pub.publish(topic("big"), big, 1));

  for (PahoClient* sub : {&tls_sub, &wss_sub}) {
    auto a = sub->receive(5s), b = sub->receive(5s), c = sub->receive(5s);
    ASSERT_TRUE(a && b && c) << "a subscriber missed a message";
    EXPECT_EQ(a->to_string(), "from ws");
    EXPECT_EQ(a->get_qos(), 1);
    EXPECT_EQ(b->to_string(), "from tcp");
    EXPECT_EQ(b->get_qos(), sub == &wss_sub ? 2 : 1) << "published at 2, the lower of that and the grant";
    EXPECT_EQ(c->to_string(), "from wss");
  }
  auto m = tls_sub.receive(5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), big);
}

class TlsMqttJs : public Tls, public ::testing::WithParamInterface<int> {};

TEST_P(TlsMqttJs, OverWssAndMqtts) {
  expect_mqttjs_roundtrip(uri(), wss_uri(), topic("wss"), GetParam(), cert_file("ca.pem"));
  expect_mqttjs_roundtrip(uri(), "mqtts://localhost:" + std::to_string(mqtts_port_), topic("mqtts"), GetParam(),
                          cert_file("ca.pem"));
}

INSTANTIATE_TEST_SUITE_P(Versions, TlsMqttJs, ::testing::Values(4, 5),
                         [](const auto& p) { return p.param == 4 ? "mqtt311" : "mqtt5"; });

// A web page in headless Chromium, MQTT.js in it, over ws:// and wss://, with
// a Paho client on TCP: the browser case the WebSocket listeners are for.
TEST_F(Tls, ABrowserPageExchangesMessagesOverWsAndWss) {
  expect_mqttjs_roundtrip(uri(), ws_uri(), topic("ws"), 4, {}, JsHost::Chromium);
  expect_mqttjs_roundtrip(uri(), "wss://localhost:" + std::to_string(wss_port_) + "/mqtt", topic("wss"), 5,
                          cert_file("server.pem"), JsHost::Chromium);
}

// Sends `bytes` on a new plain connection to `port`; returns what comes back
// until the gateway closes, or "(timeout)" if it does not within 5 s.
std::string send_and_read_to_close(int port, const std::string& bytes) {
  const int fd = connect_loopback(port);
  if (fd < 0) return "(no connection)";
  std::string got;
  if (::send(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size())) {
    char buf[512];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<size_t>(n));
    if (n < 0) got = "(timeout)";
  }
  ::close(fd);
  return got;
}

// What is not TLS is closed at once, with the reason in the log; a broken
// handshake gets an alert. Others connect as before.
TEST_F(Tls, ClientsThatDoNotSpeakTlsAreClosedAtOnce) {
  // A device pointed at the TLS port with plain MQTT, and a browser-ish GET:
  // OpenSSL sends no alert to what is not TLS.
  const std::string connect("\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00", 14);
  EXPECT_EQ(send_and_read_to_close(mqtts_port_, connect), "");
  EXPECT_EQ(send_and_read_to_close(wss_port_, "GET /mqtt HTTP/1.1\r\nHost: localhost\r\n\r\n"), "");
  // A handshake record whose ClientHello is cut short.
  const std::string got = send_and_read_to_close(mqtts_port_, std::string("\x16\x03\x01\x00\x05hello", 10));
  ASSERT_EQ(got.size(), 7u) << got;
  EXPECT_EQ(static_cast<uint8_t>(got[0]), 0x15) << "an alert record";
  EXPECT_EQ(static_cast<uint8_t>(got[5]), 2) << "fatal";
  ASSERT_TRUE(wait_until([&] { return gw().log().find("TLS: ") != std::string::npos; }, 2s));
  EXPECT_NE(gw().log().find("wrong version number"), std::string::npos) << "the plain MQTT client, in the log";
  PahoClient still(ssl_uri(), "it-tls-after-garbage");
  still.use_tls(paho_tls());
  EXPECT_TRUE(still.connect(true));
}

// A client that opens the connection and never starts the handshake is
// closed after connect_timeout (2 s here), like one that never sends CONNECT.
// (Not for every test: Paho's WebSocket clients take about 2 s to start.)
class TlsShortTimeout : public Tls {
 protected:
  GatewayOptions options() const override {
    GatewayOptions o = Tls::options();
    o.extra_args.insert(o.extra_args.end(), {"--connect-timeout", "2"});
    return o;
  }
};

TEST_F(TlsShortTimeout, ASilentClientIsClosedAfterTheConnectTimeout) {
  const int fd = connect_loopback(mqtts_port_, 10);
  ASSERT_GE(fd, 0);
  const auto start = std::chrono::steady_clock::now();
  char b;
  const ssize_t n = ::recv(fd, &b, 1, 0);
  const auto waited = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_EQ(n, 0) << "closed by the gateway";
  EXPECT_GE(waited, 1500ms);
  EXPECT_LT(waited, 8s);
}

// mTLS: a client certificate signed by the CA is required, and its CN is the
// username.
class MutualTls : public Tls {
 protected:
  std::vector<std::string> tls_args() const override {
    auto a = Tls::tls_args();
    a.insert(a.end(), {"--tls-ca", cert_file("ca.pem"), "--tls-require-client-cert", "--tls-cn-as-username"});
    return a;
  }
  CliResult publish_with(const std::string& id, const std::string& cert) {
    std::vector<std::string> more = {"-t", topic("m"), "-m", id, "-q", "1"};
    if (!cert.empty()) more.insert(more.end(), {"--cert", cert_file(cert + ".pem"), "--key", cert_file(cert + ".key")});
    return run_cli("mosquitto_pub", mosquitto_tls(id, more), 5s);
  }
};

TEST_F(MutualTls, OnlyClientsWithATrustedCertificateGetIn) {
  PahoClient tcp(uri(), "it-mtls-watch");
  ASSERT_TRUE(tcp.connect(true));
  ASSERT_TRUE(tcp.subscribe(topic("m"), 1));

  EXPECT_NE(publish_with("it-mtls-none", "").exit_code, 0) << "no certificate";
  EXPECT_NE(publish_with("it-mtls-stranger", "stranger").exit_code, 0) << "signed by an untrusted CA";
  const CliResult good = publish_with("it-mtls-device", "client");
  EXPECT_EQ(good.exit_code, 0) << good.err;
  auto m = tcp.receive(5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "it-mtls-device");
  EXPECT_FALSE(tcp.receive(300ms)) << "only the trusted client's message";
  EXPECT_NE(gw().log().find("username 'device-1' from the client certificate"), std::string::npos);
}

TEST_F(MutualTls, ACertificateWithoutCnIsRefusedWhenItMustBeTheUsername) {
  const CliResult r = publish_with("it-mtls-nocn", "nocn");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not authori"), std::string::npos) << "CONNACK 5 (3.1.1) / 0x87 (5.0): " << r.err;
}

TEST_F(MutualTls, PahoWithAClientCertificate) {
  PahoClient sub(ssl_uri(), "it-mtls-paho-sub", MQTTVERSION_5);
  sub.use_tls(paho_tls("client"));
  ASSERT_TRUE(sub.connect(true));
  ASSERT_TRUE(sub.subscribe(topic("p"), 1));
  PahoClient pub(wss_uri(), "it-mtls-paho-pub");
  pub.use_tls(paho_tls("client"));
  ASSERT_TRUE(pub.connect(true));
  ASSERT_TRUE(pub.publish(topic("p"), "mutual", 1));
  auto m = sub.receive(5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "mutual");
}

// SIGHUP rereads the certificate: new clients see the new one, connected
// clients keep their sessions and their traffic. A bad file keeps the old one.
class TlsReload : public Tls {
 protected:
  std::vector<std::string> tls_args() const override {
    dir_ = make_temp_dir("edgemq-reload");
    std::filesystem::copy_file(cert_file("server.pem"), dir_ + "/cert.pem");
    std::filesystem::copy_file(cert_file("server.key"), dir_ + "/key.pem");
    return {"--tls-cert", dir_ + "/cert.pem", "--tls-key", dir_ + "/key.pem"};
  }
  void TearDown() override {
    Tls::TearDown();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  // The subject of the certificate a new TLS client is shown.
  std::string served_subject() const {
    const CliResult r = run_cli("openssl", {"s_client", "-connect", "127.0.0.1:" + std::to_string(mqtts_port_),
                                            "-CAfile", cert_file("ca.pem"), "-verify_return_error"},
                                10s);
    const size_t at = r.out.find("subject=");
    return at == std::string::npos ? "(none: " + r.err + ")" : r.out.substr(at, r.out.find('\n', at) - at);
  }
  void replace(const std::string& file, const std::string& with) const {
    std::filesystem::copy_file(with, dir_ + "/" + file, std::filesystem::copy_options::overwrite_existing);
  }
  mutable std::string dir_;
};

TEST_F(TlsReload, SighupServesTheNewCertificateWithoutDroppingConnections) {
  PahoClient sub(ssl_uri(), "it-reload-sub");
  sub.use_tls(paho_tls());
  ASSERT_TRUE(sub.connect(true));
  ASSERT_TRUE(sub.subscribe(topic("r"), 1));
  EXPECT_EQ(served_subject(), "subject=O = edgemq, CN = localhost");

  replace("cert.pem", cert_file("renewed.pem"));
  replace("key.pem", cert_file("renewed.key"));
  ASSERT_EQ(::kill(gw().pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_until([&] { return gw().log().find("tls certificate reloaded") != std::string::npos; }, 5s));
  EXPECT_EQ(served_subject(), "subject=O = edgemq renewed, CN = localhost");

  // The client connected before the reload is still there and served.
  PahoClient pub(ssl_uri(), "it-reload-pub");
  pub.use_tls(paho_tls());
  ASSERT_TRUE(pub.connect(true));
  ASSERT_TRUE(pub.publish(topic("r"), "after reload", 1));
  auto m = sub.receive(5s);
  ASSERT_TRUE(m) << "the connection from before the reload lost its traffic";
  EXPECT_EQ(m->to_string(), "after reload");

  // A key that does not match: refused, the renewed certificate stays.
  replace("key.pem", cert_file("client.key"));
  ASSERT_EQ(::kill(gw().pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_until([&] { return gw().log().find("tls certificate not reloaded") != std::string::npos; }, 5s));
  EXPECT_NE(gw().log().find("does not match certificate"), std::string::npos);
  EXPECT_EQ(served_subject(), "subject=O = edgemq renewed, CN = localhost");
}

// Start-up with a TLS listener and a bad certificate fails with the file's name.
TEST(TlsStartup, AMissingCertificateStopsStartUpWithItsName) {
  if (under_mosquitto()) GTEST_SKIP() << "edgemq's TLS flags";
  GatewayOptions o;
  o.extra_args = {"--listen-mqtts", "127.0.0.1:" + std::to_string(pick_free_port()), "--tls-cert",
                  "/nonexistent/cert.pem", "--tls-key", cert_file("server.key")};
  GatewayProcess gw(o);
  EXPECT_FALSE(gw.start());
  EXPECT_NE(gw.log().find("TLS certificate /nonexistent/cert.pem"), std::string::npos) << gw.log();
}

}  // namespace
}  // namespace edgemq::itest
