// The WebSocket opening handshake [RFC 6455 4.2] as MQTT over WebSocket needs
// it [MQTT-6.0.0]: what a request gets back, however it is split.
#include "protocols/ws/handshake.h"

#include <gtest/gtest.h>

#include <string>

namespace edgemq::ws {
namespace {

using Status = HandshakeResult::Status;

std::string request(const std::string& extra_headers, const std::string& path = "/mqtt",
                    const std::string& first_line_tail = " HTTP/1.1") {
  return "GET " + path + first_line_tail + "\r\n" +
         "Host: gw.example:8083\r\n"
         "Upgrade: websocket\r\n"
         "Connection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
         "Sec-WebSocket-Version: 13\r\n" +
         extra_headers + "\r\n";
}

HandshakeResult feed_all(const std::string& bytes, HandshakePolicy policy = {}) {
  HandshakeParser p(std::move(policy));
  return p.feed({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}

int status_code(const HandshakeResult& r) { return std::stoi(r.response.substr(9, 3)); }

TEST(WsAcceptKey, MatchesTheRfcExample_RFC6455_1_3) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, AValidRequestIsUpgradedWithTheMqttSubprotocol_MQTT_6_0_0_4) {
  const std::string req = request("Sec-WebSocket-Protocol: mqtt\r\nOrigin: http://app.example\r\n");
  const auto r = feed_all(req + "\x10\x0c");  // the stream's first bytes follow at once
  ASSERT_EQ(r.status, Status::Accepted) << r.error;
  EXPECT_EQ(r.consumed, req.size()) << "the WebSocket bytes after the request are not the handshake's";
  EXPECT_EQ(r.subprotocol, "mqtt");
  EXPECT_EQ(r.response,
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n");
}

TEST(WsHandshake, EverySplitOfTheRequestGivesTheSameAnswer) {
  const std::string req = request("Sec-WebSocket-Protocol: mqtt\r\n");
  const auto whole = feed_all(req);
  for (size_t cut = 1; cut < req.size(); ++cut) {
    HandshakeParser p({});
    const auto first = p.feed({reinterpret_cast<const uint8_t*>(req.data()), cut});
    ASSERT_EQ(first.status, Status::NeedMore) << "cut at " << cut;
    const auto second = p.feed({reinterpret_cast<const uint8_t*>(req.data()) + cut, req.size() - cut});
    ASSERT_EQ(second.status, Status::Accepted) << "cut at " << cut;
    EXPECT_EQ(second.consumed, whole.consumed);
    EXPECT_EQ(second.response, whole.response);
  }
}

TEST(WsHandshake, SubprotocolNegotiation_MQTT_6_0_0_3) {
  EXPECT_EQ(feed_all(request("Sec-WebSocket-Protocol: mqttv3.1\r\n")).subprotocol, "mqttv3.1");
  EXPECT_EQ(feed_all(request("Sec-WebSocket-Protocol: chat, mqtt\r\n")).subprotocol, "mqtt");
  EXPECT_EQ(feed_all(request("Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: mqtt\r\n")).subprotocol,
            "mqtt")
      << "a repeated header is one list";
  const auto none = feed_all(request(""));
  ASSERT_EQ(none.status, Status::Accepted) << "a client offering none gets none";
  EXPECT_EQ(none.subprotocol, "");
  EXPECT_EQ(none.response.find("Sec-WebSocket-Protocol"), std::string::npos);
  const auto other = feed_all(request("Sec-WebSocket-Protocol: chat, superchat\r\n"));
  EXPECT_EQ(other.status, Status::Refused);
  EXPECT_EQ(status_code(other), 400);
}

TEST(WsHandshake, OnlyConfiguredPathsLeadToMqtt) {
  HandshakePolicy policy;
  policy.paths = {"/mqtt", "/ws"};
  EXPECT_EQ(feed_all(request("", "/ws"), policy).status, Status::Accepted);
  EXPECT_EQ(feed_all(request("", "/mqtt?token=1"), policy).status, Status::Accepted) << "the query is not the path";
  const auto r = feed_all(request("", "/other"), policy);
  EXPECT_EQ(r.status, Status::Refused);
  EXPECT_EQ(status_code(r), 404);
}

TEST(WsHandshake, APlainHttpRequestIsToldToUpgrade_RFC6455_4_2_1) {
  const auto r = feed_all("GET /mqtt HTTP/1.1\r\nHost: gw\r\n\r\n");
  ASSERT_EQ(r.status, Status::Refused);
  EXPECT_EQ(status_code(r), 426);
  EXPECT_NE(r.response.find("Upgrade: websocket\r\n"), std::string::npos);
  EXPECT_NE(r.response.find("Connection: close\r\n"), std::string::npos);
}

TEST(WsHandshake, AnotherVersionIsToldWhichOneWeSpeak_RFC6455_4_4) {
  std::string req = request("");
  req.replace(req.find("Version: 13"), 11, "Version: 8");
  const auto r = feed_all(req);
  ASSERT_EQ(r.status, Status::Refused);
  EXPECT_EQ(status_code(r), 426);
  EXPECT_NE(r.response.find("Sec-WebSocket-Version: 13\r\n"), std::string::npos);
}

TEST(WsHandshake, AMalformedKeyIsABadRequest) {
  std::string req = request("");
  req.replace(req.find("dGhl"), 4, "####");
  EXPECT_EQ(status_code(feed_all(req)), 400);
  std::string short_key = request("");
  short_key.replace(short_key.find("dGhlIHNhbXBsZSBub25jZQ=="), 24, "c2hvcnQ=");
  EXPECT_EQ(status_code(feed_all(short_key)), 400);
}

TEST(WsHandshake, OriginsOutsideTheAllowListAreForbidden) {
  HandshakePolicy policy;
  policy.allowed_origins = {"https://dashboard.example"};
  EXPECT_EQ(feed_all(request("Origin: https://dashboard.example\r\n"), policy).status, Status::Accepted);
  EXPECT_EQ(feed_all(request(""), policy).status, Status::Accepted) << "no Origin: not a browser";
  const auto r = feed_all(request("Origin: https://evil.example\r\n"), policy);
  EXPECT_EQ(r.status, Status::Refused);
  EXPECT_EQ(status_code(r), 403);
}

TEST(WsHandshake, OnlyGetOverHttp11) {
  std::string post = request("");
  post.replace(0, 3, "POST");
  EXPECT_EQ(status_code(feed_all(post)), 405);
  EXPECT_EQ(status_code(feed_all(request("", "/mqtt", " HTTP/1.0"))), 400);
}

TEST(WsHandshake, HeaderNamesAndTokensAreCaseInsensitive) {
  const auto r = feed_all(
      "GET /mqtt HTTP/1.1\r\nhost: gw\r\nUPGRADE: WebSocket\r\nconnection: keep-alive, upgrade\r\n"
      "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n");
  EXPECT_EQ(r.status, Status::Accepted) << r.error;
}

TEST(WsHandshake, AnOversizeRequestIsRefusedBeforeItEnds) {
  HandshakePolicy policy;
  policy.max_request_bytes = 256;
  HandshakeParser p(policy);
  const std::string start = "GET /mqtt HTTP/1.1\r\nX-Padding: " + std::string(300, 'a');
  const auto r = p.feed({reinterpret_cast<const uint8_t*>(start.data()), start.size()});
  ASSERT_EQ(r.status, Status::Refused) << "no need to wait for the end of a request already too large";
  EXPECT_EQ(status_code(r), 431);
  const auto whole = feed_all(request("X-Padding: " + std::string(300, 'a') + "\r\n"), policy);
  EXPECT_EQ(status_code(whole), 431) << "nor when it arrives in one read";
}

TEST(WsHandshake, GarbageIsABadRequestAndStaysRefused) {
  HandshakeParser p({});
  const std::string junk = "\x16\x03\x01\x02\x00 not http\r\n\r\n";  // e.g. a TLS hello on the plain port
  const auto r = p.feed({reinterpret_cast<const uint8_t*>(junk.data()), junk.size()});
  ASSERT_EQ(r.status, Status::Refused);
  EXPECT_EQ(status_code(r), 400);
  const auto again = p.feed({reinterpret_cast<const uint8_t*>("GET"), 3});
  EXPECT_EQ(again.status, Status::Refused);
  EXPECT_EQ(again.response, r.response);
}

}  // namespace
}  // namespace edgemq::ws
