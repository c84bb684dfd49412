// The property codec [MQTT-2.2.2]: table 2-4 (which identifier may appear in
// which packet), duplicates, and the writer's order. The table is written out
// here again, from the spec, so the decoder's copy is checked against it.
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocols/mqtt/codec.h"
#include "tests/unit/mqtt/wire_helpers.h"

namespace edgemq::mqtt {
namespace {

using namespace test;  // NOLINT: wire-building helpers

enum class Where { Connect, Will, Connack, Publish, Ack, Subscribe, Suback, Unsubscribe,
                   Unsuback, Disconnect, Auth };

const Where kEverywhere[] = {Where::Connect,   Where::Will,        Where::Connack,
                             Where::Publish,   Where::Ack,         Where::Subscribe,
                             Where::Suback,    Where::Unsubscribe, Where::Unsuback,
                             Where::Disconnect, Where::Auth};

// A 5.0 packet carrying the property block `p` in context `w`, otherwise valid.
Bytes carrier(Where w, const Bytes& p) {
  const Bytes block = props(p);
  switch (w) {
    case Where::Connect:
      return packet(0x10, cat({str("MQTT"), {0x05, 0x02, 0x00, 0x00}, block, str("c")}));
    case Where::Will:
      return packet(0x10, cat({str("MQTT"), {0x05, 0x06, 0x00, 0x00, 0x00}, str("c"), block,
                               str("t"), str("m")}));
    case Where::Connack: return packet(0x20, cat({{0x00, 0x00}, block}));
    case Where::Publish: return packet(0x30, cat({str("t"), block}));
    case Where::Ack: return packet(0x40, cat({{0x00, 0x01, 0x00}, block}));
    case Where::Subscribe: return packet(0x82, cat({{0x00, 0x01}, block, str("a"), {0x00}}));
    case Where::Suback: return packet(0x90, cat({{0x00, 0x01}, block, {0x00}}));
    case Where::Unsubscribe: return packet(0xA2, cat({{0x00, 0x01}, block, str("a")}));
    case Where::Unsuback: return packet(0xB0, cat({{0x00, 0x01}, block, {0x00}}));
    case Where::Disconnect: return packet(0xE0, cat({{0x00}, block}));
    case Where::Auth: return packet(0xF0, cat({{0x00}, block}));
  }
  return {};
}

// Table 2-4 [MQTT-2.2.2.2]: identifier, a valid encoded value, and where it
// may appear.
struct Row {
  uint8_t id;
  Bytes value;
  std::set<Where> where;
};

const std::vector<Row>& table_2_4() {
  using W = Where;
  const Bytes u8 = {0x01};
  const Bytes u16 = {0x00, 0x01};
  const Bytes u32 = {0x00, 0x00, 0x00, 0x01};
  const Bytes text = str("x");
  const Bytes pair = cat({str("k"), str("v")});
  static const std::vector<Row> rows = {
      {0x01, u8, {W::Publish, W::Will}},                      // payload format indicator
      {0x02, u32, {W::Publish, W::Will}},                     // message expiry interval
      {0x03, text, {W::Publish, W::Will}},                    // content type
      {0x08, text, {W::Publish, W::Will}},                    // response topic
      {0x09, text, {W::Publish, W::Will}},                    // correlation data
      {0x0B, {0x01}, {W::Publish, W::Subscribe}},             // subscription identifier
      {0x11, u32, {W::Connect, W::Connack, W::Disconnect}},   // session expiry interval
      {0x12, text, {W::Connack}},                             // assigned client identifier
      {0x13, u16, {W::Connack}},                              // server keep alive
      {0x15, text, {W::Connect, W::Connack, W::Auth}},        // authentication method
      {0x16, text, {W::Connect, W::Connack, W::Auth}},        // authentication data
      {0x17, u8, {W::Connect}},                               // request problem information
      {0x18, u32, {W::Will}},                                 // will delay interval
      {0x19, u8, {W::Connect}},                               // request response information
      {0x1A, text, {W::Connack}},                             // response information
      {0x1C, text, {W::Connack, W::Disconnect}},              // server reference
      {0x1F, text, {W::Connack, W::Ack, W::Suback, W::Unsuback, W::Disconnect, W::Auth}},
      {0x21, u16, {W::Connect, W::Connack}},                  // receive maximum
      {0x22, u16, {W::Connect, W::Connack}},                  // topic alias maximum
      {0x23, u16, {W::Publish}},                              // topic alias
      {0x24, u8, {W::Connack}},                               // maximum QoS
      {0x25, u8, {W::Connack}},                               // retain available
      {0x26, pair, std::set<W>(std::begin(kEverywhere), std::end(kEverywhere))},
      {0x27, u32, {W::Connect, W::Connack}},                  // maximum packet size
      {0x28, u8, {W::Connack}},                               // wildcard subscription available
      {0x29, u8, {W::Connack}},                               // subscription ids available
      {0x2A, u8, {W::Connack}},                               // shared subscription available
  };
  return rows;
}

Bytes property(const Row& row) { return cat({{row.id}, row.value}); }

// Authentication data needs a method in CONNECT [3.1.2.11.10]; alone it is
// allowed there but refused for that reason.
DecodeError alone_error(const Row& row, Where w) {
  if (!row.where.count(w)) return DecodeError::MalformedProperty;
  if (row.id == 0x16 && w == Where::Connect) return DecodeError::PropertyValue;
  return DecodeError::None;
}

TEST(Properties, MQTT_2_2_2_2_EachIdentifierOnlyWhereTable2_4AllowsIt) {
  for (const Row& row : table_2_4()) {
    for (Where w : kEverywhere) {
      SCOPED_TRACE(testing::Message() << "id " << int(row.id) << " where " << int(w));
      EXPECT_EQ(decode(carrier(w, property(row)), kNoLimit, kV5).error, alone_error(row, w));
    }
  }
}

TEST(Properties, UndefinedIdentifiersAreMalformedEverywhere) {
  std::set<uint8_t> defined;
  for (const Row& row : table_2_4()) defined.insert(row.id);
  for (int id = 0; id < 0x80; ++id) {
    if (defined.count(static_cast<uint8_t>(id))) continue;
    for (Where w : kEverywhere) {
      SCOPED_TRACE(testing::Message() << "id " << id << " where " << int(w));
      EXPECT_EQ(decode(carrier(w, {static_cast<uint8_t>(id), 0x00}), kNoLimit, kV5).error,
                DecodeError::MalformedProperty);
    }
  }
}

TEST(Properties, MQTT_2_2_2_2_OnlyUserPropertyAndPublishSubscriptionIdsRepeat) {
  for (const Row& row : table_2_4()) {
    for (Where w : row.where) {
      SCOPED_TRACE(testing::Message() << "id " << int(row.id) << " where " << int(w));
      const bool may_repeat = row.id == 0x26 || (row.id == 0x0B && w == Where::Publish);
      const Bytes twice = cat({property(row), property(row)});
      const DecodeError want = may_repeat ? DecodeError::None : DecodeError::DuplicateProperty;
      EXPECT_EQ(decode(carrier(w, twice), kNoLimit, kV5).error, want);
    }
  }
}

TEST(Properties, DecodedValuesOfEachWireType) {
  const Bytes wire = carrier(Where::Publish, {
      0x01, 0x00,                              // byte
      0x02, 0xDE, 0xAD, 0xBE, 0xEF,            // four-byte integer, big-endian
      0x03, 0x00, 0x02, 0xC3, 0xA9,            // UTF-8 string "é"
      0x09, 0x00, 0x02, 0x00, 0x00,            // binary data: NULs allowed
      0x0B, 0x80, 0x80, 0x01,                  // variable byte integer 16384
      0x23, 0xAB, 0xCD,                        // two-byte integer, big-endian
      0x26, 0x00, 0x00, 0x00, 0x00,            // string pair, both empty
  });
  const Publish p = decode_as<Publish>(wire, kV5);
  EXPECT_EQ(p.props->payload_format, 0);
  EXPECT_EQ(p.props->message_expiry, 0xDEADBEEFu);
  EXPECT_EQ(p.props->content_type, "\xC3\xA9");
  EXPECT_EQ(p.props->correlation_data, std::string(2, '\0'));
  EXPECT_EQ(p.props->subscription_ids, (std::vector<uint32_t>{16384}));
  EXPECT_EQ(p.props->topic_alias, 0xABCD);
  EXPECT_EQ(p.props->user_properties, (UserProperties{{"", ""}}));
}

TEST(Properties, SubscriptionIdentifierBoundaries) {
  // Variable Byte Integer boundaries [MQTT-1.5.5] through the one property
  // that has that type; each decodes and encodes back byte for byte.
  const std::map<uint32_t, Bytes> cases = {
      {1, {0x01}},
      {127, {0x7F}},
      {128, {0x80, 0x01}},
      {16'383, {0xFF, 0x7F}},
      {16'384, {0x80, 0x80, 0x01}},
      {2'097'151, {0xFF, 0xFF, 0x7F}},
      {2'097'152, {0x80, 0x80, 0x80, 0x01}},
      {268'435'455, {0xFF, 0xFF, 0xFF, 0x7F}},
  };
  for (const auto& [value, vbi] : cases) {
    SCOPED_TRACE(value);
    const Bytes wire = carrier(Where::Publish, cat({{0x0B}, vbi}));
    const Publish p = decode_as<Publish>(wire, kV5);
    EXPECT_EQ(p.props->subscription_ids, (std::vector<uint32_t>{value}));
    expect_encodes_to(p, kV5, wire);
  }
}

TEST(Properties, WriterPutsEveryPropertyInIdentifierOrder) {
  // The encoder trusts its input, so a DISCONNECT can carry every property
  // at once; what matters is the order and the encoding of each.
  Disconnect d;
  Properties& p = d.props.mut();
  p.shared_sub_available = 1;  // set in reverse order on purpose
  p.sub_id_available = 0;
  p.wildcard_sub_available = 1;
  p.maximum_packet_size = 0x01020304;
  p.user_properties = {{"b", "2"}, {"a", "1"}};
  p.retain_available = 1;
  p.maximum_qos = 0;
  p.topic_alias = 7;
  p.topic_alias_maximum = 8;
  p.receive_maximum = 9;
  p.reason_string = "r";
  p.server_reference = "s";
  p.response_info = "i";
  p.request_response_info = 1;
  p.will_delay = 5;
  p.request_problem_info = 0;
  p.auth_data = std::string(1, '\0');
  p.auth_method = "m";
  p.server_keep_alive = 10;
  p.assigned_client_id = "c";
  p.session_expiry = 0xFFFFFFFF;
  p.subscription_ids = {300, 2};
  p.correlation_data = "d";
  p.response_topic = "t";
  p.content_type = "y";
  p.message_expiry = 60;
  p.payload_format = 1;
  const Bytes properties = {
      0x01, 0x01,
      0x02, 0x00, 0x00, 0x00, 0x3C,
      0x03, 0x00, 0x01, 'y',
      0x08, 0x00, 0x01, 't',
      0x09, 0x00, 0x01, 'd',
      0x0B, 0xAC, 0x02,                // 300, in the order given
      0x0B, 0x02,
      0x11, 0xFF, 0xFF, 0xFF, 0xFF,
      0x12, 0x00, 0x01, 'c',
      0x13, 0x00, 0x0A,
      0x15, 0x00, 0x01, 'm',
      0x16, 0x00, 0x01, 0x00,
      0x17, 0x00,
      0x18, 0x00, 0x00, 0x00, 0x05,
      0x19, 0x01,
      0x1A, 0x00, 0x01, 'i',
      0x1C, 0x00, 0x01, 's',
      0x1F, 0x00, 0x01, 'r',
      0x21, 0x00, 0x09,
      0x22, 0x00, 0x08,
      0x23, 0x00, 0x07,
      0x24, 0x00,
      0x25, 0x01,
      0x26, 0x00, 0x01, 'b', 0x00, 0x01, '2',  // user properties in their order
      0x26, 0x00, 0x01, 'a', 0x00, 0x01, '1',
      0x27, 0x01, 0x02, 0x03, 0x04,
      0x28, 0x01,
      0x29, 0x00,
      0x2A, 0x01,
  };
  ASSERT_EQ(properties.size(), 103u);
  // Property length 103 is one VBI byte; the remaining length is 1 + 1 + 103.
  expect_encodes_to(d, kV5, cat({{0xE0, 0x69, 0x00, 0x67}, properties}));
}

TEST(Properties, PropertyLengthOver127TakesTwoBytes) {
  Publish p;
  p.topic = "t";
  p.props.mut().content_type = std::string(200, 'c');  // 1 + 2 + 200 = 203
  const Bytes wire = encode_bytes(p, kV5);
  // 0x30, remaining length 208 in two bytes, topic "t", property length.
  ASSERT_GT(wire.size(), 8u);
  EXPECT_EQ(wire[1], 0xD0);
  EXPECT_EQ(wire[2], 0x01);
  EXPECT_EQ(wire[6], 0xCB);  // 203 = 0x4B | 0x80, then 0x01
  EXPECT_EQ(wire[7], 0x01);
  EXPECT_EQ(decode_as<Publish>(wire, kV5).props->content_type, std::string(200, 'c'));
}

TEST(Properties, EmptySetAllocatedOrNotEncodesTheSame) {
  Publish a;
  a.topic = "t";
  Publish b = a;
  b.props.mut();  // allocated, nothing set
  EXPECT_FALSE(b.props.null());
  EXPECT_EQ(encode_bytes(a, kV5), encode_bytes(b, kV5));
  EXPECT_EQ(encode_bytes(a, kV5), (Bytes{0x30, 0x04, 0x00, 0x01, 't', 0x00}));
}

TEST(PropertyBlock, StandaloneBlockRoundTrips) {
  // encode_property_block / decode_property_block (codec.h): a PUBLISH's
  // block outside a packet, as the store keeps it.
  Props props;
  props.mut().payload_format = 1;
  props.mut().subscription_ids = {3, 200};
  props.mut().user_properties = {{"b", "1"}, {"a", "2"}};
  const std::string block = encode_property_block(props);
  EXPECT_EQ(block, std::string("\x15\x01\x01\x0B\x03\x0B\xC8\x01"
                               "\x26\x00\x01" "b" "\x00\x01" "1"
                               "\x26\x00\x01" "a" "\x00\x01" "2", 22));
  Props back;
  const auto* data = reinterpret_cast<const uint8_t*>(block.data());
  ASSERT_EQ(decode_property_block(std::span(data, block.size()), back), DecodeError::None);
  EXPECT_EQ(back, props);
  EXPECT_EQ(encode_property_block(Props{}), "");
}

TEST(PropertyBlock, StandaloneBlockFollowsPublishRules) {
  Props out;
  const Bytes trailing = {0x02, 0x23, 0x00, 0x01};  // topic alias cut short
  EXPECT_EQ(decode_property_block(trailing, out), DecodeError::MalformedProperty);
  const Bytes not_publish = {0x02, 0x24, 0x01};  // maximum QoS is CONNACK's
  EXPECT_EQ(decode_property_block(not_publish, out), DecodeError::MalformedProperty);
  const Bytes extra = {0x00, 0xFF};
  EXPECT_EQ(decode_property_block(extra, out), DecodeError::TrailingBytes);
}

}  // namespace
}  // namespace edgemq::mqtt
