// The WebSocket data stream as MQTT uses it [RFC 6455 5, MQTT-6.0.0]: what
// reaches MQTT from client frames, and what goes back on the wire.
#include "protocols/ws/ws_stream.h"

#include <gtest/gtest.h>

#include <string>

namespace edgemq::ws {
namespace {

constexpr uint8_t kContinuation = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9;

// A client frame: masked with a fixed key unless `masked` is false [RFC 6455 5.2].
std::string frame(uint8_t opcode, const std::string& payload, bool fin = true, bool masked = true) {
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
  const size_t n = payload.size();
  const char mask_bit = masked ? static_cast<char>(0x80) : 0;
  if (n < 126) {
    f.push_back(static_cast<char>(mask_bit | static_cast<char>(n)));
  } else {
    f.push_back(static_cast<char>(mask_bit | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xFF));
  }
  const char key[4] = {0x11, 0x22, 0x33, 0x44};
  if (masked) f.append(key, 4);
  for (size_t i = 0; i < n; ++i) f.push_back(masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  return f;
}

std::string close_payload(uint16_t code) {
  return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
}

struct Fed {
  bool open;
  std::string app;
  std::string wire;
};

Fed feed(WsStream& s, const std::string& bytes) {
  Fed f;
  f.open = s.on_wire({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, f.app, f.wire);
  return f;
}

// The close code of a server close frame at the start of `wire` (unmasked).
uint16_t close_code_in(const std::string& wire) {
  if (wire.size() < 4 || static_cast<uint8_t>(wire[0]) != (0x80 | kClose)) return 0;
  return static_cast<uint16_t>((static_cast<uint8_t>(wire[2]) << 8) | static_cast<uint8_t>(wire[3]));
}

const std::string kConnect("\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00", 14);
const std::string kPing2("\xc0\x00\xc0\x00", 4);  // two PINGREQs

TEST(WsStream, BinaryMessagesCarryTheMqttStream_MQTT_6_0_0_2) {
  WsStream s(1 << 20);
  // A packet split over two frames, then two packets in one frame.
  auto f = feed(s, frame(kBinary, kConnect.substr(0, 5)) + frame(kBinary, kConnect.substr(5)) + frame(kBinary, kPing2));
  EXPECT_TRUE(f.open);
  EXPECT_EQ(f.app, kConnect + kPing2);
  EXPECT_EQ(f.wire, "");
}

TEST(WsStream, EverySplitOfTheWireGivesTheSameStream) {
  const std::string wire = frame(kBinary, kConnect) + frame(kBinary, std::string(300, 'x'));
  for (size_t cut = 1; cut < wire.size(); ++cut) {
    WsStream s(1 << 20);
    std::string app, out;
    ASSERT_TRUE(s.on_wire({reinterpret_cast<const uint8_t*>(wire.data()), cut}, app, out));
    ASSERT_TRUE(s.on_wire({reinterpret_cast<const uint8_t*>(wire.data()) + cut, wire.size() - cut}, app, out));
    ASSERT_EQ(app, kConnect + std::string(300, 'x')) << "cut at " << cut;
  }
}

TEST(WsStream, FragmentsAreReassembledAndAPingBetweenThemIsAnswered_RFC6455_5_4) {
  WsStream s(1 << 20);
  auto f = feed(s, frame(kBinary, kConnect.substr(0, 3), false) + frame(kPing, "hb") +
                       frame(kContinuation, kConnect.substr(3), true));
  EXPECT_TRUE(f.open);
  EXPECT_EQ(f.app, kConnect);
  EXPECT_EQ(f.wire, std::string("\x8a\x02hb", 4)) << "a pong with the ping's data [RFC 6455 5.5.3]";
}

TEST(WsStream, APartialMessageIsCountedUntilItEnds) {
  // The gateway's partial packet budget charges what wslay holds.
  WsStream s(1 << 20);
  const std::string big = frame(kBinary, std::string(20000, 'x'));
  auto f = feed(s, big.substr(0, 12000));
  EXPECT_TRUE(f.app.empty());
  EXPECT_GE(s.partial_message_bytes(), 8000u) << "all but up to one 4 KiB read of it";
  EXPECT_LE(s.partial_message_bytes(), 12000u);
  f = feed(s, big.substr(12000));
  EXPECT_EQ(f.app.size(), 20000u);
  EXPECT_EQ(s.partial_message_bytes(), 0u) << "whole: nothing held";
  // Fragments: held across a ping until the last one.
  f = feed(s, frame(kBinary, std::string(5000, 'a'), false) + frame(kPing, "hb"));
  EXPECT_GT(s.partial_message_bytes(), 0u);
  f = feed(s, frame(kContinuation, "b", true));
  EXPECT_EQ(f.app.size(), 5001u);
  EXPECT_EQ(s.partial_message_bytes(), 0u);
}

TEST(WsStream, AnUnmaskedClientFrameClosesWithProtocolError_RFC6455_5_1) {
  WsStream s(1 << 20);
  auto f = feed(s, frame(kBinary, kConnect, true, false));
  EXPECT_FALSE(f.open);
  EXPECT_EQ(f.app, "");
  EXPECT_EQ(close_code_in(f.wire), kCloseProtocolError);
}

TEST(WsStream, ATextFrameClosesWithUnsupportedData_MQTT_6_0_0_1) {
  WsStream s(1 << 20);
  auto f = feed(s, frame(kText, "hello"));
  EXPECT_EQ(f.app, "");
  EXPECT_EQ(close_code_in(f.wire), kCloseUnsupportedData);
  EXPECT_EQ(s.close_code(), kCloseUnsupportedData);
}

TEST(WsStream, AMessageAboveTheLimitClosesWithMessageTooBig_RFC6455_7_4_1) {
  WsStream s(100);
  auto f = feed(s, frame(kBinary, std::string(101, 'x')));
  EXPECT_FALSE(f.open);
  EXPECT_EQ(f.app, "");
  EXPECT_EQ(close_code_in(f.wire), kCloseMessageTooBig);
}

TEST(WsStream, TheClientsCloseIsAnsweredAndEndsTheStream_RFC6455_5_5_1) {
  WsStream s(1 << 20);
  auto f = feed(s, frame(kBinary, kPing2) + frame(kClose, close_payload(kCloseNormal)));
  EXPECT_FALSE(f.open);
  EXPECT_EQ(f.app, kPing2) << "data before the close still counts";
  EXPECT_EQ(close_code_in(f.wire), kCloseNormal);
  EXPECT_EQ(s.close_code(), kCloseNormal);
}

// wslay 1.1.1 checks a close reason's UTF-8 per chunk it reads, skipping
// the first two bytes of every chunk as if each held the status code; the
// stream hands it control frames whole so that a cut cannot change the verdict.
TEST(WsStream, ACloseReasonIsJudgedTheSameWhereverTheReadsCutIt_RFC6455_5_5_1) {
  const std::string good = frame(kBinary, kPing2) + frame(kClose, close_payload(kCloseNormal) + "h\xc3\xa9llo w\xc3\xb6rld");
  const std::string bad = frame(kBinary, kPing2) + frame(kClose, close_payload(kCloseNormal) + "ok\xe9\xda bad");
  for (const auto& [wire, code] : {std::pair{good, kCloseNormal}, std::pair{bad, uint16_t{1007}}}) {
    for (size_t cut = 1; cut < wire.size(); ++cut) {
      WsStream s(1 << 20);
      std::string app, out;
      const bool open = s.on_wire({reinterpret_cast<const uint8_t*>(wire.data()), cut}, app, out) &&
                        s.on_wire({reinterpret_cast<const uint8_t*>(wire.data()) + cut, wire.size() - cut}, app, out);
      EXPECT_FALSE(open) << "cut at " << cut;
      EXPECT_EQ(app, kPing2) << "cut at " << cut;
      EXPECT_EQ(close_code_in(out), code) << "cut at " << cut;
    }
  }
}

TEST(WsStream, ACloseFrameAcrossWslaysReadBufferIsJudgedWhole) {
  // One read, but wslay takes it 4 KiB at a time: the close frame lands on
  // that edge for some of these sizes.
  for (size_t n = 4070; n < 4100; ++n) {
    WsStream s(1 << 20);
    auto f = feed(s, frame(kBinary, std::string(n, 'x')) + frame(kClose, close_payload(kCloseNormal) + "\xc3\xa9\xc3\xa9\xc3\xa9"));
    EXPECT_FALSE(f.open) << n;
    EXPECT_EQ(f.app.size(), n);
    EXPECT_EQ(close_code_in(f.wire), kCloseNormal) << n;
  }
}

TEST(WsStream, APingCutAcrossReadsIsAnsweredOnce_RFC6455_5_5_2) {
  const std::string wire = frame(kBinary, kPing2) + frame(kPing, "heartbeat") + frame(kBinary, kPing2);
  for (size_t cut = 1; cut < wire.size(); ++cut) {
    WsStream s(1 << 20);
    std::string app, out;
    ASSERT_TRUE(s.on_wire({reinterpret_cast<const uint8_t*>(wire.data()), cut}, app, out));
    ASSERT_TRUE(s.on_wire({reinterpret_cast<const uint8_t*>(wire.data()) + cut, wire.size() - cut}, app, out));
    EXPECT_EQ(app, kPing2 + kPing2) << "cut at " << cut;
    EXPECT_EQ(out, std::string("\x8a\x09heartbeat", 11)) << "cut at " << cut;
  }
}

// Between whole messages the stream holds no wslay context (about 9 KB);
// what follows must read as if it had never been let go.
TEST(WsStream, ParksBetweenMessagesAndPicksUpWhereItWas) {
  WsStream s(1 << 20);
  EXPECT_TRUE(s.parked()) << "nothing read yet";
  auto f = feed(s, frame(kBinary, kConnect));
  EXPECT_EQ(f.app, kConnect);
  EXPECT_TRUE(s.parked());
  f = feed(s, frame(kBinary, kPing2.substr(0, 2), false) + frame(kPing, "hb"));
  EXPECT_FALSE(s.parked()) << "a fragmented message is open";
  EXPECT_EQ(f.wire, std::string("\x8a\x02hb", 4));
  const std::string rest = frame(kContinuation, kPing2.substr(2), true);
  f = feed(s, rest.substr(0, 3));
  EXPECT_FALSE(s.parked()) << "in the middle of a frame";
  f = feed(s, rest.substr(3));
  EXPECT_EQ(f.app, kPing2.substr(0, 2) + kPing2.substr(2)) << "the message, whole";
  EXPECT_TRUE(s.parked());
  std::string wire;
  s.close(kCloseGoingAway, "bye", wire);
  EXPECT_EQ(close_code_in(wire), kCloseGoingAway) << "a parked stream still closes properly";
  EXPECT_TRUE(s.awaiting_close());
  f = feed(s, frame(kClose, close_payload(kCloseGoingAway)));
  EXPECT_FALSE(f.open);
  EXPECT_FALSE(s.awaiting_close());
}

TEST(WsStream, OutgoingMqttBytesAreOneUnmaskedBinaryFrame_RFC6455_5_2) {
  WsStream s(1 << 20);
  std::string wire;
  s.send(std::string(10, 'a'), wire);
  EXPECT_EQ(wire.substr(0, 2), std::string("\x82\x0a", 2));
  EXPECT_EQ(wire.size(), 12u);
  wire.clear();
  s.send(std::string(200, 'b'), wire);
  EXPECT_EQ(wire.substr(0, 4), std::string("\x82\x7e\x00\xc8", 4));
  wire.clear();
  s.send(std::string(70000, 'c'), wire);
  EXPECT_EQ(wire.substr(0, 10), std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x11\x70", 10));
  EXPECT_EQ(wire.size(), 70010u);
}

TEST(WsStream, AfterTheServerClosesNothingMoreIsSent) {
  WsStream s(1 << 20);
  std::string wire;
  s.close(kCloseGoingAway, "bye", wire);
  EXPECT_EQ(close_code_in(wire), kCloseGoingAway);
  EXPECT_EQ(wire.substr(4), "bye");
  const size_t before = wire.size();
  s.send("late", wire);
  EXPECT_EQ(wire.size(), before);
  auto f = feed(s, frame(kClose, close_payload(kCloseGoingAway)));
  EXPECT_FALSE(f.open) << "the client's reply completes the handshake";
}

}  // namespace
}  // namespace edgemq::ws
