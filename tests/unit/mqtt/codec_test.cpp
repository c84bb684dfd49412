// Annotated wire bytes for each of the 14 MQTT 3.1.1 packet types: the bytes
// decode to the expected struct and the struct encodes back to the same bytes.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocols/mqtt/codec.h"
#include "protocols/mqtt/packet.h"

namespace edgemq::mqtt {
namespace {

using Bytes = std::vector<uint8_t>;
using Status = DecodeResult::Status;

constexpr size_t kNoLimit = 1u << 30;

Bytes encode_bytes(const Packet& p) {
  std::string s;
  encode(p, s);
  return Bytes(s.begin(), s.end());
}

// Decodes `wire`, expecting exactly one packet of type T covering all of it.
template <class T>
T decode_as(const Bytes& wire) {
  const DecodeResult r = decode(wire, kNoLimit);
  EXPECT_EQ(r.status, Status::Packet) << describe(r.error);
  EXPECT_EQ(r.consumed, wire.size());
  const T* p = std::get_if<T>(&r.packet);
  EXPECT_NE(p, nullptr) << "decoded a " << name_of(type_of(r.packet));
  return p ? *p : T{};
}

void expect_encodes_to(const Packet& p, const Bytes& wire) {
  EXPECT_EQ(encode_bytes(p), wire);
  EXPECT_EQ(encoded_size(p), wire.size());
}

Bytes concat(Bytes a, const std::string& tail) {
  a.insert(a.end(), tail.begin(), tail.end());
  return a;
}

// ---- CONNECT ---------------------------------------------------------------

TEST(CodecConnect, MinimalV311) {
  const Bytes wire = {
      0x10, 0x0D,                          // CONNECT, remaining length 13
      0x00, 0x04, 'M', 'Q', 'T', 'T',      // protocol name
      0x04,                                // level 4 = 3.1.1
      0x02,                                // flags: clean session
      0x00, 0x3C,                          // keep-alive 60 s
      0x00, 0x01, 'c',                     // client id "c"
  };
  const Connect c = decode_as<Connect>(wire);
  EXPECT_EQ(c.level, ProtocolLevel::V311);
  EXPECT_TRUE(c.clean_session);
  EXPECT_EQ(c.keep_alive, 60);
  EXPECT_EQ(c.client_id, "c");
  EXPECT_FALSE(c.will);
  EXPECT_FALSE(c.username);
  EXPECT_FALSE(c.password);
  expect_encodes_to(c, wire);
}

TEST(CodecConnect, WillUsernamePassword) {
  const Bytes wire = {
      0x10, 0x20,                          // CONNECT, remaining length 32
      0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04,
      0xEC,                                // user|pass|will retain|will QoS 1|will; not clean
      0x00, 0x00,                          // keep-alive 0 (disabled)
      0x00, 0x04, 'd', 'e', 'v', '1',      // client id
      0x00, 0x03, 'a', '/', 'b',           // will topic
      0x00, 0x02, 0xFF, 0x00,              // will payload: binary, not UTF-8
      0x00, 0x01, 'u',                     // username
      0x00, 0x02, 0x00, 0xFE,              // password: binary
  };
  const Connect c = decode_as<Connect>(wire);
  EXPECT_FALSE(c.clean_session);
  EXPECT_EQ(c.keep_alive, 0);
  EXPECT_EQ(c.client_id, "dev1");
  ASSERT_TRUE(c.will);
  EXPECT_EQ(c.will->topic, "a/b");
  EXPECT_EQ(c.will->payload, std::string("\xFF\x00", 2));
  EXPECT_EQ(c.will->qos, 1);
  EXPECT_TRUE(c.will->retain);
  EXPECT_EQ(c.username, "u");
  EXPECT_EQ(c.password, std::string("\x00\xFE", 2));
  expect_encodes_to(c, wire);
}

TEST(CodecConnect, Mqisdp31Level3) {
  const Bytes wire = {
      0x10, 0x10,                                    // CONNECT, remaining length 16
      0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p',      // MQTT 3.1 protocol name
      0x03,                                          // level 3
      0x02, 0x00, 0x0A,                              // clean session, keep-alive 10
      0x00, 0x02, 'i', 'd',
  };
  const Connect c = decode_as<Connect>(wire);
  EXPECT_EQ(c.level, ProtocolLevel::V31);
  EXPECT_EQ(c.keep_alive, 10);
  EXPECT_EQ(c.client_id, "id");
  expect_encodes_to(c, wire);
}

// 3.1 does not reserve bit 0 of the connect flags as 3.1.1 does
// [MQTT-3.1.2-3]; it is ignored (MQTT V3.1, section 3.1, connect flags).
TEST(CodecConnect, Mqisdp31IgnoresConnectFlagBit0) {
  const Bytes wire = {
      0x10, 0x10,                                    // CONNECT, remaining length 16
      0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p',      // MQTT 3.1 protocol name
      0x03,                                          // level 3
      0x03, 0x00, 0x0A,                              // bit 0 and clean session, keep-alive 10
      0x00, 0x02, 'i', 'd',
  };
  const Connect c = decode_as<Connect>(wire);
  EXPECT_EQ(c.level, ProtocolLevel::V31);
  EXPECT_TRUE(c.clean_session);
  EXPECT_FALSE(c.will);
  EXPECT_EQ(c.client_id, "id");
}

TEST(CodecConnect, EmptyClientIdIsNotTheDecodersBusiness) {
  const Bytes wire = {0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x00, 0x00, 0x05,
                      0x00, 0x00};  // not clean, empty client id
  const Connect c = decode_as<Connect>(wire);
  EXPECT_FALSE(c.clean_session);
  EXPECT_EQ(c.client_id, "");
  expect_encodes_to(c, wire);
}

TEST(CodecConnect, UsernameWithoutPassword) {
  const Bytes wire = {0x10, 0x10, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x82, 0x00, 0x00,
                      0x00, 0x01, 'c', 0x00, 0x01, 'u'};
  const Connect c = decode_as<Connect>(wire);
  EXPECT_EQ(c.username, "u");
  EXPECT_FALSE(c.password);
  expect_encodes_to(c, wire);
}

TEST(CodecConnect, Level5IsReadAsMqtt5) {
  // Level 5 used to be refused (the test tools sent it to see CONNACK 0x01);
  // now it is 5.0, with a property length after the keep-alive
  // (codec_v5_test.cpp covers 5.0 itself).
  Connect c;
  c.level = ProtocolLevel::V5;
  c.client_id = "c";
  const Bytes wire = {0x10, 0x0E, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x00,
                      0x00, 0x00, 0x01, 'c'};
  expect_encodes_to(c, wire);
  EXPECT_EQ(decode_as<Connect>(wire).level, ProtocolLevel::V5);
}

// ---- CONNACK ---------------------------------------------------------------

TEST(CodecConnack, SessionPresentAccepted) {
  const Bytes wire = {0x20, 0x02, 0x01, 0x00};  // CONNACK, session present, accepted
  const Connack c = decode_as<Connack>(wire);
  EXPECT_TRUE(c.session_present);
  EXPECT_EQ(c.code, ConnackCode::Accepted);
  expect_encodes_to(c, wire);
}

TEST(CodecConnack, Refused) {
  const Bytes wire = {0x20, 0x02, 0x00, 0x05};  // not authorized
  const Connack c = decode_as<Connack>(wire);
  EXPECT_FALSE(c.session_present);
  EXPECT_EQ(c.code, ConnackCode::NotAuthorized);
  expect_encodes_to(c, wire);
}

// ---- PUBLISH ---------------------------------------------------------------

TEST(CodecPublish, Qos0) {
  const Bytes wire = {
      0x30, 0x07,                  // PUBLISH QoS 0, remaining length 7
      0x00, 0x03, 'a', '/', 'b',   // topic
      'h', 'i',                    // payload; no packet id at QoS 0 [MQTT-2.3.1-5]
  };
  const Publish p = decode_as<Publish>(wire);
  EXPECT_FALSE(p.dup);
  EXPECT_EQ(p.qos, 0);
  EXPECT_FALSE(p.retain);
  EXPECT_EQ(p.topic, "a/b");
  EXPECT_EQ(p.packet_id, 0);
  EXPECT_EQ(p.payload, "hi");
  expect_encodes_to(p, wire);
}

TEST(CodecPublish, Qos1DupRetain) {
  const Bytes wire = {
      0x3B, 0x08,                  // PUBLISH, DUP=1 QoS=1 RETAIN=1
      0x00, 0x03, 'a', '/', 'b',
      0x00, 0x0A,                  // packet id 10
      'x',
  };
  const Publish p = decode_as<Publish>(wire);
  EXPECT_TRUE(p.dup);
  EXPECT_EQ(p.qos, 1);
  EXPECT_TRUE(p.retain);
  EXPECT_EQ(p.packet_id, 10);
  EXPECT_EQ(p.payload, "x");
  expect_encodes_to(p, wire);
}

TEST(CodecPublish, Qos2EmptyPayload) {
  const Bytes wire = {0x34, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x12, 0x34};  // QoS 2, id 0x1234
  const Publish p = decode_as<Publish>(wire);
  EXPECT_EQ(p.qos, 2);
  EXPECT_EQ(p.packet_id, 0x1234);
  EXPECT_EQ(p.payload, "");
  expect_encodes_to(p, wire);
}

TEST(CodecPublish, MultibyteUtf8TopicAndBinaryPayload) {
  const Bytes wire = {
      0x30, 0x0E,
      0x00, 0x09, 0xC3, 0xA9, '/', 0xF0, 0x9F, 0x98, 0x80, '/', '$',  // "é/😀/$"
      0x00, 0xFF, 0x80,                                              // payload
  };
  const Publish p = decode_as<Publish>(wire);
  EXPECT_EQ(p.topic, "\xC3\xA9/\xF0\x9F\x98\x80/$");
  EXPECT_EQ(p.payload, std::string("\x00\xFF\x80", 3));
  expect_encodes_to(p, wire);
}

// ---- packet-id-only acknowledgements -----------------------------------------

TEST(CodecIdOnly, Puback) {
  const Bytes wire = {0x40, 0x02, 0x00, 0x01};
  EXPECT_EQ(decode_as<Puback>(wire).packet_id, 1);
  expect_encodes_to(Puback{1}, wire);
}

TEST(CodecIdOnly, Pubrec) {
  const Bytes wire = {0x50, 0x02, 0xFF, 0xFF};
  EXPECT_EQ(decode_as<Pubrec>(wire).packet_id, 0xFFFF);
  expect_encodes_to(Pubrec{0xFFFF}, wire);
}

TEST(CodecIdOnly, PubrelHasFlags0010) {
  const Bytes wire = {0x62, 0x02, 0x01, 0x00};  // [MQTT-3.6.1-1]
  EXPECT_EQ(decode_as<Pubrel>(wire).packet_id, 0x0100);
  expect_encodes_to(Pubrel{0x0100}, wire);
}

TEST(CodecIdOnly, Pubcomp) {
  const Bytes wire = {0x70, 0x02, 0x00, 0x07};
  EXPECT_EQ(decode_as<Pubcomp>(wire).packet_id, 7);
  expect_encodes_to(Pubcomp{7}, wire);
}

TEST(CodecIdOnly, Unsuback) {
  const Bytes wire = {0xB0, 0x02, 0x00, 0x0B};
  EXPECT_EQ(decode_as<Unsuback>(wire).packet_id, 11);
  expect_encodes_to(Unsuback{11}, wire);
}

// ---- SUBSCRIBE / SUBACK / UNSUBSCRIBE ------------------------------------------

TEST(CodecSubscribe, TwoFilters) {
  const Bytes wire = {
      0x82, 0x0C,                  // SUBSCRIBE, flags 0010 [MQTT-3.8.1-1]
      0x00, 0x0A,                  // packet id 10
      0x00, 0x03, 'a', '/', '+',   // filter
      0x01,                        // requested QoS 1
      0x00, 0x01, '#',
      0x02,
  };
  const Subscribe s = decode_as<Subscribe>(wire);
  EXPECT_EQ(s.packet_id, 10);
  ASSERT_EQ(s.subscriptions.size(), 2u);
  EXPECT_EQ(s.subscriptions[0].filter, "a/+");
  EXPECT_EQ(s.subscriptions[0].qos, 1);
  EXPECT_EQ(s.subscriptions[1].filter, "#");
  EXPECT_EQ(s.subscriptions[1].qos, 2);
  expect_encodes_to(s, wire);
}

TEST(CodecSuback, GrantedAndFailure) {
  const Bytes wire = {0x90, 0x05, 0x00, 0x0A, 0x00, 0x02, 0x80};
  const Suback s = decode_as<Suback>(wire);
  EXPECT_EQ(s.packet_id, 10);
  EXPECT_EQ(s.return_codes, (std::vector<uint8_t>{0x00, 0x02, kSubackFailure}));
  expect_encodes_to(s, wire);
}

TEST(CodecUnsubscribe, TwoFilters) {
  const Bytes wire = {
      0xA2, 0x0A,                  // UNSUBSCRIBE, flags 0010 [MQTT-3.10.1-1]
      0x00, 0x0B,
      0x00, 0x03, 'a', '/', '+',
      0x00, 0x01, '#',
  };
  const Unsubscribe u = decode_as<Unsubscribe>(wire);
  EXPECT_EQ(u.packet_id, 11);
  EXPECT_EQ(u.filters, (std::vector<std::string>{"a/+", "#"}));
  expect_encodes_to(u, wire);
}

// ---- empty bodies --------------------------------------------------------------

TEST(CodecEmpty, Pingreq) {
  const Bytes wire = {0xC0, 0x00};
  decode_as<Pingreq>(wire);
  expect_encodes_to(Pingreq{}, wire);
}

TEST(CodecEmpty, Pingresp) {
  const Bytes wire = {0xD0, 0x00};
  decode_as<Pingresp>(wire);
  expect_encodes_to(Pingresp{}, wire);
}

TEST(CodecEmpty, Disconnect) {
  const Bytes wire = {0xE0, 0x00};
  decode_as<Disconnect>(wire);
  expect_encodes_to(Disconnect{}, wire);
}

// ---- remaining length [MQTT-2.2.3] ---------------------------------------------

struct LengthCase {
  size_t remaining;
  Bytes length_bytes;
};

// PUBLISH to topic "t" (3 body bytes) with a payload filling the rest.
TEST(CodecRemainingLength, Boundaries) {
  const LengthCase cases[] = {
      {0x7F, {0x7F}},                              // 127: last 1-byte length
      {0x80, {0x80, 0x01}},                        // 128: first 2-byte length
      {16'383, {0xFF, 0x7F}},                      // last 2-byte length
      {16'384, {0x80, 0x80, 0x01}},                // first 3-byte length
      {2'097'151, {0xFF, 0xFF, 0x7F}},             // last 3-byte length
      {2'097'152, {0x80, 0x80, 0x80, 0x01}},       // first 4-byte length
  };
  for (const LengthCase& c : cases) {
    SCOPED_TRACE(c.remaining);
    Publish p;
    p.topic = "t";
    p.payload.assign(c.remaining - 3, 'p');
    // Built front to back by concat: GCC 12 at -O2 misreads insert() into a
    // one-byte vector as an out-of-bounds copy (-Warray-bounds).
    Bytes wire = concat({0x30}, std::string(c.length_bytes.begin(), c.length_bytes.end()) +
                                    std::string("\x00\x01t", 3) + p.payload);
    expect_encodes_to(p, wire);
    const Publish back = decode_as<Publish>(wire);
    EXPECT_EQ(back.payload.size(), c.remaining - 3);
  }
}

TEST(CodecRemainingLength, MaximumIsKnownFromTheHeaderAlone) {
  const Bytes header = {0x30, 0xFF, 0xFF, 0xFF, 0x7F};  // 268,435,455
  const DecodeResult r = decode(header, kNoLimit);
  EXPECT_EQ(r.status, Status::NeedMore);
  EXPECT_EQ(r.needed, 5u + 268'435'455u);
}

TEST(CodecRemainingLength, NonMinimalEncodingIsAccepted) {
  // 3.1.1 does not require the shortest form; the consumed count must still
  // cover the longer header.
  const Bytes wire = {0xC0, 0x80, 0x00};
  const DecodeResult r = decode(wire, kNoLimit);
  EXPECT_EQ(r.status, Status::Packet);
  EXPECT_EQ(r.consumed, 3u);
}

// ---- incremental behaviour -----------------------------------------------------

TEST(CodecIncremental, NeedMoreReportsTotalOnceLengthIsKnown) {
  const Bytes wire = {0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'h', 'i'};
  EXPECT_EQ(decode(std::span(wire).first(0), kNoLimit).needed, 0u);
  EXPECT_EQ(decode(std::span(wire).first(1), kNoLimit).needed, 0u);
  for (size_t n = 2; n < wire.size(); ++n) {
    const DecodeResult r = decode(std::span(wire).first(n), kNoLimit);
    EXPECT_EQ(r.status, Status::NeedMore);
    EXPECT_EQ(r.needed, wire.size());
  }
}

TEST(CodecIncremental, DecodesOnlyTheFirstPacket) {
  const Bytes wire = {0xC0, 0x00, 0xD0, 0x00, 0xE0};
  const DecodeResult r = decode(wire, kNoLimit);
  EXPECT_EQ(r.status, Status::Packet);
  EXPECT_EQ(r.consumed, 2u);
  EXPECT_TRUE(std::holds_alternative<Pingreq>(r.packet));
}

TEST(CodecIncremental, MaxPacketSizeCountsTheFixedHeader) {
  const Bytes wire = {0x40, 0x02, 0x00, 0x01};
  EXPECT_EQ(decode(wire, 4).status, Status::Packet);
  EXPECT_EQ(decode(wire, 3).error, DecodeError::PacketTooLarge);
}

// ---- names ---------------------------------------------------------------------

TEST(CodecNames, TypeOfAndNameOf) {
  EXPECT_EQ(type_of(Connect{}), PacketType::Connect);
  EXPECT_EQ(type_of(Pubrel{}), PacketType::Pubrel);
  EXPECT_EQ(type_of(Unsuback{}), PacketType::Unsuback);
  EXPECT_EQ(type_of(Disconnect{}), PacketType::Disconnect);
  EXPECT_STREQ(name_of(PacketType::Subscribe), "SUBSCRIBE");
  EXPECT_STREQ(name_of(PacketType::Pingresp), "PINGRESP");
  EXPECT_STREQ(name_of(static_cast<PacketType>(0)), "UNKNOWN");
  EXPECT_STREQ(describe(DecodeError::None), "no error");
  EXPECT_STREQ(describe(DecodeError::ZeroPacketId), "packet identifier is zero");
}

}  // namespace
}  // namespace edgemq::mqtt
