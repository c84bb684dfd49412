// Annotated MQTT 5.0 wire bytes for every packet type: the bytes decode to
// the expected struct on a 5.0 connection and the struct encodes back to the
// same bytes (or, where the input took a longer form than needed, to the
// shortest one).
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocols/mqtt/codec.h"
#include "protocols/mqtt/packet.h"
#include "tests/unit/mqtt/wire_helpers.h"

namespace edgemq::mqtt {
namespace {

using namespace test;  // NOLINT: wire-building helpers

using UserProps = UserProperties;

// ---- CONNECT [MQTT-3.1] ----------------------------------------------------

TEST(CodecV5Connect, EveryPropertyAndWillProperties) {
  const Bytes wire = {
      0x10, 0x6B,                              // CONNECT, remaining length 107
      0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,    // protocol name, level 5
      0xCE,                                    // user|pass|will QoS 1|will|clean start
      0x00, 0x3C,                              // keep alive 60 s
      0x27,                                    // property length 39 [3.1.2.11]
      0x11, 0x00, 0x00, 0x0E, 0x10,            //   session expiry 3600
      0x15, 0x00, 0x04, 'T', 'O', 'K', 'N',    //   authentication method
      0x16, 0x00, 0x02, 0xAB, 0x00,            //   authentication data (binary)
      0x17, 0x01,                              //   request problem information
      0x19, 0x01,                              //   request response information
      0x21, 0x00, 0x0A,                        //   receive maximum 10
      0x22, 0x00, 0x05,                        //   topic alias maximum 5
      0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  //   user property k=v
      0x27, 0x00, 0x00, 0x10, 0x00,            //   maximum packet size 4096
      0x00, 0x01, 'c',                         // client id
      0x25,                                    // will property length 37 [3.1.3.2]
      0x01, 0x01,                              //   payload format: UTF-8
      0x02, 0x00, 0x00, 0x00, 0x3C,            //   message expiry 60
      0x03, 0x00, 0x04, 't', 'e', 'x', 't',    //   content type
      0x08, 0x00, 0x03, 'r', '/', '1',         //   response topic
      0x09, 0x00, 0x02, 0x01, 0x02,            //   correlation data
      0x18, 0x00, 0x00, 0x00, 0x05,            //   will delay 5
      0x26, 0x00, 0x01, 'a', 0x00, 0x01, 'b',  //   user property a=b
      0x00, 0x03, 'w', '/', 't',               // will topic
      0x00, 0x02, 'o', 'k',                    // will payload
      0x00, 0x01, 'u',                         // user name
      0x00, 0x02, 'p', 'w',                    // password
  };
  // A CONNECT names its own level, so the connection's does not matter.
  const Connect c = decode_as<Connect>(wire, kV311);
  EXPECT_EQ(c.level, ProtocolLevel::V5);
  EXPECT_TRUE(c.clean_session);
  EXPECT_EQ(c.keep_alive, 60);
  EXPECT_EQ(c.client_id, "c");
  Properties want;
  want.session_expiry = 3600;
  want.auth_method = "TOKN";
  want.auth_data = std::string("\xAB\x00", 2);
  want.request_problem_info = 1;
  want.request_response_info = 1;
  want.receive_maximum = 10;
  want.topic_alias_maximum = 5;
  want.user_properties = UserProps{{"k", "v"}};
  want.maximum_packet_size = 4096;
  EXPECT_EQ(c.props.get(), want);
  ASSERT_TRUE(c.will);
  EXPECT_EQ(c.will->qos, 1);
  EXPECT_FALSE(c.will->retain);
  EXPECT_EQ(c.will->topic, "w/t");
  EXPECT_EQ(c.will->payload, "ok");
  Properties will;
  will.payload_format = 1;
  will.message_expiry = 60;
  will.content_type = "text";
  will.response_topic = "r/1";
  will.correlation_data = std::string("\x01\x02", 2);
  will.will_delay = 5;
  will.user_properties = UserProps{{"a", "b"}};
  EXPECT_EQ(c.will->props.get(), will);
  EXPECT_EQ(c.username, "u");
  EXPECT_EQ(c.password, "pw");
  expect_encodes_to(c, kV311, wire);
  expect_encodes_to(c, kV5, wire);
}

TEST(CodecV5Connect, EarlierLevelsOnA5Connection) {
  // The CONNECT's own level decides, not the connection's.
  const Bytes v311 = {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x00,
                      0x00, 0x01, 'c'};
  EXPECT_EQ(decode_as<Connect>(v311, kV5).level, kV311);
  expect_encodes_to(decode_as<Connect>(v311, kV5), kV5, v311);
  const Bytes v31 = {0x10, 0x0F, 0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x03, 0x02, 0x00,
                     0x00, 0x00, 0x01, 'c'};
  EXPECT_EQ(decode_as<Connect>(v31, kV5).level, ProtocolLevel::V31);
  expect_encodes_to(decode_as<Connect>(v31, kV5), kV5, v31);
}

TEST(CodecV5Connect, Minimal) {
  const Bytes wire = {
      0x10, 0x0E, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,
      0x00,              // not clean start
      0x00, 0x00,        // keep alive off
      0x00,              // no properties
      0x00, 0x01, 'c',
  };
  const Connect c = decode_as<Connect>(wire, kV5);
  EXPECT_FALSE(c.clean_session);
  EXPECT_TRUE(c.props.null());  // nothing allocated for an empty block
  expect_encodes_to(c, kV5, wire);
}

TEST(CodecV5Connect, PasswordWithoutUserNameIsAllowed) {
  // 3.1.1 refused this [MQTT-3.1.2-22]; 5.0 allows it [3.1.2.9].
  const Bytes wire = {0x10, 0x12, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,
                      0x42,        // password | clean start
                      0x00, 0x00, 0x00,
                      0x00, 0x01, 'c',
                      0x00, 0x02, 'p', 'w'};
  const Connect c = decode_as<Connect>(wire, kV5);
  EXPECT_FALSE(c.username);
  EXPECT_EQ(c.password, "pw");
  expect_encodes_to(c, kV5, wire);
}

TEST(CodecV5Connect, WillWithoutProperties) {
  const Bytes wire = {0x10, 0x16, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,
                      0x26,                    // will retain | will | clean start
                      0x00, 0x00, 0x00,
                      0x00, 0x01, 'c',
                      0x00,                    // will property length 0
                      0x00, 0x01, 't',
                      0x00, 0x02, 0xFF, 0x00}; // binary will payload
  const Connect c = decode_as<Connect>(wire, kV5);
  ASSERT_TRUE(c.will);
  EXPECT_TRUE(c.will->retain);
  EXPECT_TRUE(c.will->props.null());
  EXPECT_EQ(c.will->payload, std::string("\xFF\x00", 2));
  expect_encodes_to(c, kV5, wire);
}

// ---- CONNACK [MQTT-3.2] ------------------------------------------------------

TEST(CodecV5Connack, EveryServerProperty) {
  const Bytes wire = {
      0x20, 0x4C,                              // CONNACK, remaining length 76
      0x01,                                    // session present
      0x00,                                    // success
      0x49,                                    // property length 73
      0x11, 0x00, 0x00, 0x00, 0x78,            //   session expiry 120
      0x12, 0x00, 0x03, 'i', 'd', '1',         //   assigned client identifier
      0x13, 0x00, 0x1E,                        //   server keep alive 30
      0x15, 0x00, 0x04, 'T', 'O', 'K', 'N',    //   authentication method
      0x16, 0x00, 0x01, 0x7F,                  //   authentication data
      0x1A, 0x00, 0x04, 'r', 'e', 's', 'p',    //   response information
      0x1C, 0x00, 0x05, 'o', 't', 'h', 'e', 'r',  // server reference
      0x1F, 0x00, 0x02, 'o', 'k',              //   reason string
      0x21, 0x00, 0x14,                        //   receive maximum 20
      0x22, 0x00, 0x0A,                        //   topic alias maximum 10
      0x24, 0x01,                              //   maximum QoS 1
      0x25, 0x00,                              //   retain not available
      0x26, 0x00, 0x01, 'x', 0x00, 0x01, 'y',  //   user property
      0x27, 0x00, 0x01, 0x00, 0x00,            //   maximum packet size 65536
      0x28, 0x00,                              //   no wildcard subscriptions
      0x29, 0x01,                              //   subscription identifiers available
      0x2A, 0x00,                              //   no shared subscriptions
  };
  const Connack c = decode_as<Connack>(wire, kV5);
  EXPECT_TRUE(c.session_present);
  EXPECT_EQ(c.code, ConnackCode::Accepted);
  Properties want;
  want.session_expiry = 120;
  want.assigned_client_id = "id1";
  want.server_keep_alive = 30;
  want.auth_method = "TOKN";
  want.auth_data = "\x7F";
  want.response_info = "resp";
  want.server_reference = "other";
  want.reason_string = "ok";
  want.receive_maximum = 20;
  want.topic_alias_maximum = 10;
  want.maximum_qos = 1;
  want.retain_available = 0;
  want.user_properties = UserProps{{"x", "y"}};
  want.maximum_packet_size = 65536;
  want.wildcard_sub_available = 0;
  want.sub_id_available = 1;
  want.shared_sub_available = 0;
  EXPECT_EQ(c.props.get(), want);
  expect_encodes_to(c, kV5, wire);
}

TEST(CodecV5Connack, RefusedWithReasonCode) {
  const Bytes wire = {0x20, 0x03, 0x00, 0x8A, 0x00};  // banned, no properties
  const Connack c = decode_as<Connack>(wire, kV5);
  EXPECT_EQ(c.code, static_cast<ConnackCode>(reason::kBanned));
  expect_encodes_to(c, kV5, wire);
}

TEST(CodecV5Connack, EncodesFor311WithoutProperties) {
  Connack c;
  c.code = ConnackCode::NotAuthorized;
  c.props.mut().reason_string = "no";  // 5.0 only: left out
  expect_encodes_to(c, kV311, {0x20, 0x02, 0x00, 0x05});
}

// ---- PUBLISH [MQTT-3.3] --------------------------------------------------------

TEST(CodecV5Publish, EveryPublishProperty) {
  const Bytes wire = {
      0x3B, 0x3F,                              // PUBLISH DUP QoS 1 RETAIN, length 63
      0x00, 0x03, 'a', '/', 'b',               // topic
      0x00, 0x07,                              // packet id 7
      0x34,                                    // property length 52
      0x01, 0x01,                              //   payload format: UTF-8
      0x02, 0x00, 0x00, 0x01, 0x2C,            //   message expiry 300
      0x03, 0x00, 0x04, 'j', 's', 'o', 'n',    //   content type
      0x08, 0x00, 0x05, 'r', 'e', 'p', 'l', 'y',  // response topic
      0x09, 0x00, 0x03, 0x00, 0xFF, 0x10,      //   correlation data (binary)
      0x0B, 0x01,                              //   subscription identifier 1
      0x0B, 0xFF, 0xFF, 0xFF, 0x7F,            //   subscription identifier 268,435,455
      0x23, 0x00, 0x04,                        //   topic alias 4
      0x26, 0x00, 0x01, 'z', 0x00, 0x01, '1',  //   user property z=1
      0x26, 0x00, 0x01, 'a', 0x00, 0x01, '2',  //   user property a=2 (order kept)
      'h', 0xC3, 0xA9,                         // payload "hé"
  };
  const Publish p = decode_as<Publish>(wire, kV5);
  EXPECT_TRUE(p.dup);
  EXPECT_EQ(p.qos, 1);
  EXPECT_TRUE(p.retain);
  EXPECT_EQ(p.topic, "a/b");
  EXPECT_EQ(p.packet_id, 7);
  EXPECT_EQ(p.payload, "h\xC3\xA9");
  Properties want;
  want.payload_format = 1;
  want.message_expiry = 300;
  want.content_type = "json";
  want.response_topic = "reply";
  want.correlation_data = std::string("\x00\xFF\x10", 3);
  want.subscription_ids = {1, 268'435'455};
  want.topic_alias = 4;
  want.user_properties = UserProps{{"z", "1"}, {"a", "2"}};
  EXPECT_EQ(p.props.get(), want);
  expect_encodes_to(p, kV5, wire);
}

TEST(CodecV5Publish, Qos0WithoutPropertiesStillHasPropertyLength) {
  const Bytes wire = {0x30, 0x07, 0x00, 0x01, 't', 0x00, 'h', 'i', '!'};
  const Publish p = decode_as<Publish>(wire, kV5);
  EXPECT_EQ(p.topic, "t");
  EXPECT_EQ(p.payload, "hi!");
  EXPECT_TRUE(p.props.null());
  expect_encodes_to(p, kV5, wire);
}

TEST(CodecV5Publish, EmptyTopicWithTopicAlias) {
  // [3.3.2.3.4]: the alias stands for a topic set earlier on the connection.
  const Bytes wire = {0x30, 0x07, 0x00, 0x00, 0x03, 0x23, 0x00, 0x02, 'x'};
  const Publish p = decode_as<Publish>(wire, kV5);
  EXPECT_EQ(p.topic, "");
  EXPECT_EQ(p.props->topic_alias, 2);
  expect_encodes_to(p, kV5, wire);
}

TEST(CodecV5Publish, Utf8PayloadMayHoldNulAndExceed64KiB) {
  // The payload is character data [3.3.2.3.2], not a string field: the
  // U+0000 and 65535-byte rules of [MQTT-1.5.4] do not apply.
  Publish p;
  p.topic = "t";
  p.props.mut().payload_format = 1;
  p.payload = std::string("a\0b", 3) + std::string(70'000, 'x');
  const Bytes wire = encode_bytes(p, kV5);
  EXPECT_EQ(decode_as<Publish>(wire, kV5).payload, p.payload);
}

TEST(CodecV5Publish, EncodesFor311WithoutProperties) {
  Publish p;
  p.topic = "a";
  p.payload = "x";
  p.props.mut().topic_alias = 1;
  expect_encodes_to(p, kV311, {0x30, 0x04, 0x00, 0x01, 'a', 'x'});
}

// ---- PUBACK, PUBREC, PUBREL, PUBCOMP [MQTT-3.4-3.7] ---------------------------------

TEST(CodecV5Ack, PacketIdAloneMeansSuccess) {
  // [3.4.2.1]: reason code and properties may be left out on success.
  const Bytes wire = {0x40, 0x02, 0x00, 0x01};
  const Puback a = decode_as<Puback>(wire, kV5);
  EXPECT_EQ(a.packet_id, 1);
  EXPECT_EQ(a.reason_code, reason::kSuccess);
  EXPECT_TRUE(a.props.null());
  expect_encodes_to(a, kV5, wire);
}

TEST(CodecV5Ack, ReasonCodeWithoutProperties) {
  // Remaining length 3: no property length [3.4.2.2.1].
  const Bytes wire = {0x40, 0x03, 0x00, 0x01, 0x10};  // no matching subscribers
  const Puback a = decode_as<Puback>(wire, kV5);
  EXPECT_EQ(a.reason_code, reason::kNoMatchingSubscribers);
  expect_encodes_to(a, kV5, wire);
}

TEST(CodecV5Ack, LongFormsEncodeShortest) {
  // Success with an empty property block, and an error code with one: both
  // valid, but the encoder drops what is empty.
  EXPECT_EQ(encode_bytes(decode_as<Pubrec>({0x50, 0x04, 0x00, 0x02, 0x00, 0x00}, kV5), kV5),
            (Bytes{0x50, 0x02, 0x00, 0x02}));
  EXPECT_EQ(encode_bytes(decode_as<Pubrec>({0x50, 0x04, 0x00, 0x02, 0x97, 0x00}, kV5), kV5),
            (Bytes{0x50, 0x03, 0x00, 0x02, 0x97}));
}

TEST(CodecV5Ack, PubrecWithReasonString) {
  const Bytes wire = {
      0x50, 0x0A,                         // PUBREC, remaining length 10
      0x00, 0x02,                         // packet id 2
      0x80,                               // unspecified error
      0x06,                               // property length 6
      0x1F, 0x00, 0x03, 'b', 'a', 'd',    //   reason string
  };
  const Pubrec a = decode_as<Pubrec>(wire, kV5);
  EXPECT_EQ(a.packet_id, 2);
  EXPECT_EQ(a.reason_code, reason::kUnspecified);
  EXPECT_EQ(a.props->reason_string, "bad");
  expect_encodes_to(a, kV5, wire);
}

TEST(CodecV5Ack, PubrelPacketIdNotFound) {
  const Bytes wire = {0x62, 0x03, 0x00, 0x03, 0x92};  // flags 0010 [MQTT-3.6.1-1]
  const Pubrel a = decode_as<Pubrel>(wire, kV5);
  EXPECT_EQ(a.reason_code, reason::kPacketIdNotFound);
  expect_encodes_to(a, kV5, wire);
}

TEST(CodecV5Ack, PubcompSuccessWithUserProperty) {
  const Bytes wire = {0x70, 0x0B, 0x00, 0x04, 0x00,
                      0x07, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v'};
  const Pubcomp a = decode_as<Pubcomp>(wire, kV5);
  EXPECT_EQ(a.reason_code, reason::kSuccess);
  EXPECT_EQ(a.props->user_properties, (UserProps{{"k", "v"}}));
  // Properties keep the reason code on the wire even when it is success.
  expect_encodes_to(a, kV5, wire);
}

TEST(CodecV5Ack, EncodesFor311AsPacketIdOnly) {
  Puback a;
  a.packet_id = 9;
  a.reason_code = reason::kQuotaExceeded;
  a.props.mut().reason_string = "full";
  expect_encodes_to(a, kV311, {0x40, 0x02, 0x00, 0x09});
}

// ---- SUBSCRIBE, SUBACK [MQTT-3.8, 3.9] -------------------------------------------

TEST(CodecV5Subscribe, OptionsAndProperties) {
  const Bytes wire = {
      0x82, 0x1F,                               // SUBSCRIBE, remaining length 31
      0x00, 0x0A,                               // packet id 10
      0x09,                                     // property length 9
      0x0B, 0x05,                               //   subscription identifier 5
      0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',   //   user property
      0x00, 0x03, 'a', '/', '+',                // filter
      0x2D,                                     // QoS 1, no local, retain as published,
                                                //   retain handling 2 [3.8.3.1]
      0x00, 0x0A, '$', 's', 'h', 'a', 'r', 'e', '/', 'g', '/', 'x',
      0x12,                                     // QoS 2, retain handling 1
  };
  const Subscribe s = decode_as<Subscribe>(wire, kV5);
  EXPECT_EQ(s.packet_id, 10);
  EXPECT_EQ(s.props->subscription_ids, (std::vector<uint32_t>{5}));
  EXPECT_EQ(s.props->user_properties, (UserProps{{"k", "v"}}));
  ASSERT_EQ(s.subscriptions.size(), 2u);
  EXPECT_EQ(s.subscriptions[0].filter, "a/+");
  EXPECT_EQ(s.subscriptions[0].qos, 1);
  EXPECT_TRUE(s.subscriptions[0].no_local);
  EXPECT_TRUE(s.subscriptions[0].retain_as_published);
  EXPECT_EQ(s.subscriptions[0].retain_handling, RetainHandling::Never);
  EXPECT_EQ(s.subscriptions[1].filter, "$share/g/x");
  EXPECT_EQ(s.subscriptions[1].qos, 2);
  EXPECT_FALSE(s.subscriptions[1].no_local);
  EXPECT_FALSE(s.subscriptions[1].retain_as_published);
  EXPECT_EQ(s.subscriptions[1].retain_handling, RetainHandling::OnNewSubscribe);
  expect_encodes_to(s, kV5, wire);
}

TEST(CodecV5Subscribe, EncodesFor311WithQosOnly) {
  Subscribe s;
  s.packet_id = 1;
  s.subscriptions.push_back({"a", 1, true, true, RetainHandling::Never});
  s.props.mut().subscription_ids = {3};
  expect_encodes_to(s, kV311, {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x01});
}

TEST(CodecV5Suback, EveryReasonCode) {
  const Bytes wire = {
      0x90, 0x13,                          // SUBACK, remaining length 19
      0x00, 0x0A,                          // packet id
      0x04, 0x1F, 0x00, 0x01, '!',         // properties: reason string
      0x00, 0x01, 0x02,                    // granted QoS 0, 1, 2
      0x80, 0x83, 0x87, 0x8F, 0x91, 0x97,  // failures [3.9.3]
      0x9E, 0xA1, 0xA2,
  };
  const Suback s = decode_as<Suback>(wire, kV5);
  EXPECT_EQ(s.packet_id, 10);
  EXPECT_EQ(s.props->reason_string, "!");
  EXPECT_EQ(s.return_codes, (std::vector<uint8_t>{0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F,
                                                  0x91, 0x97, 0x9E, 0xA1, 0xA2}));
  expect_encodes_to(s, kV5, wire);
}

// ---- UNSUBSCRIBE, UNSUBACK [MQTT-3.10, 3.11] ------------------------------------------

TEST(CodecV5Unsubscribe, PropertiesThenFilters) {
  const Bytes wire = {
      0xA2, 0x0D,                                // UNSUBSCRIBE, remaining length 13
      0x00, 0x0B,                                // packet id 11
      0x07, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property
      0x00, 0x01, '#',                           // filter
  };
  const Unsubscribe u = decode_as<Unsubscribe>(wire, kV5);
  EXPECT_EQ(u.packet_id, 11);
  EXPECT_EQ(u.props->user_properties, (UserProps{{"k", "v"}}));
  EXPECT_EQ(u.filters, (std::vector<std::string>{"#"}));
  expect_encodes_to(u, kV5, wire);
}

TEST(CodecV5Unsuback, EveryReasonCode) {
  const Bytes wire = {
      0xB0, 0x0A,                                // UNSUBACK, remaining length 10
      0x00, 0x0B,                                // packet id
      0x00,                                      // no properties
      0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91,  // [3.11.3]
  };
  const Unsuback u = decode_as<Unsuback>(wire, kV5);
  EXPECT_EQ(u.packet_id, 11);
  EXPECT_EQ(u.reason_codes, (std::vector<uint8_t>{0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91}));
  expect_encodes_to(u, kV5, wire);
}

TEST(CodecV5Unsuback, EncodesFor311AsPacketIdOnly) {
  Unsuback u;
  u.packet_id = 11;
  u.reason_codes = {0x00, 0x11};
  expect_encodes_to(u, kV311, {0xB0, 0x02, 0x00, 0x0B});
  EXPECT_TRUE(decode_as<Unsuback>({0xB0, 0x02, 0x00, 0x0B}, kV311).reason_codes.empty());
}

// ---- DISCONNECT [MQTT-3.14] -------------------------------------------------------------

TEST(CodecV5Disconnect, EmptyIsNormalDisconnection) {
  const Bytes wire = {0xE0, 0x00};
  const Disconnect d = decode_as<Disconnect>(wire, kV5);
  EXPECT_EQ(d.reason_code, reason::kSuccess);
  expect_encodes_to(d, kV5, wire);
}

TEST(CodecV5Disconnect, ReasonCodeAlone) {
  // Remaining length 1: the property length is taken as 0 [3.14.2.2.1].
  const Bytes wire = {0xE0, 0x01, 0x04};  // disconnect with will message
  EXPECT_EQ(decode_as<Disconnect>(wire, kV5).reason_code, reason::kDisconnectWithWill);
  expect_encodes_to(Disconnect{reason::kDisconnectWithWill, {}}, kV5, wire);
}

TEST(CodecV5Disconnect, EmptyPropertyBlockEncodesShortest) {
  const Disconnect d = decode_as<Disconnect>({0xE0, 0x02, 0x8E, 0x00}, kV5);
  EXPECT_EQ(d.reason_code, reason::kSessionTakenOver);
  expect_encodes_to(d, kV5, {0xE0, 0x01, 0x8E});
}

TEST(CodecV5Disconnect, WithProperties) {
  const Bytes wire = {
      0xE0, 0x14,                              // DISCONNECT, remaining length 20
      0x9C,                                    // use another server
      0x12,                                    // property length 18
      0x11, 0x00, 0x00, 0x00, 0x00,            //   session expiry 0
      0x1C, 0x00, 0x03, 'a', ':', '1',         //   server reference
      0x1F, 0x00, 0x04, 'm', 'o', 'v', 'e',    //   reason string
  };
  const Disconnect d = decode_as<Disconnect>(wire, kV5);
  EXPECT_EQ(d.reason_code, reason::kUseAnotherServer);
  EXPECT_EQ(d.props->session_expiry, 0u);
  EXPECT_EQ(d.props->server_reference, "a:1");
  EXPECT_EQ(d.props->reason_string, "move");
  expect_encodes_to(d, kV5, wire);
}

TEST(CodecV5Disconnect, EncodesFor311Empty) {
  Disconnect d;
  d.reason_code = reason::kServerShuttingDown;
  expect_encodes_to(d, kV311, {0xE0, 0x00});
}

// ---- AUTH [MQTT-3.15] ----------------------------------------------------------------

TEST(CodecV5Auth, EmptyIsSuccess) {
  const Bytes wire = {0xF0, 0x00};
  const Auth a = decode_as<Auth>(wire, kV5);
  EXPECT_EQ(a.reason_code, reason::kSuccess);
  expect_encodes_to(a, kV5, wire);
}

TEST(CodecV5Auth, ContinueWithMethodAndData) {
  const Bytes wire = {
      0xF0, 0x10,                              // AUTH, remaining length 16
      0x18,                                    // continue authentication
      0x0E,                                    // property length 14
      0x15, 0x00, 0x05, 'S', 'C', 'R', 'A', 'M',  // authentication method
      0x16, 0x00, 0x03, 0x01, 0x02, 0x03,      //   authentication data
  };
  const Auth a = decode_as<Auth>(wire, kV5);
  EXPECT_EQ(a.reason_code, reason::kContinueAuthentication);
  EXPECT_EQ(a.props->auth_method, "SCRAM");
  EXPECT_EQ(a.props->auth_data, std::string("\x01\x02\x03", 3));
  expect_encodes_to(a, kV5, wire);
}

TEST(CodecV5Auth, ReauthenticateWithoutPropertiesKeepsPropertyLength) {
  // No one-byte form for AUTH: the property length follows the code [3.15.2.2.1].
  const Bytes wire = {0xF0, 0x02, 0x19, 0x00};
  EXPECT_EQ(decode_as<Auth>(wire, kV5).reason_code, reason::kReauthenticate);
  expect_encodes_to(Auth{reason::kReauthenticate, {}}, kV5, wire);
}

// ---- unchanged in 5.0 ----------------------------------------------------------------

TEST(CodecV5Ping, PingreqAndPingresp) {
  decode_as<Pingreq>({0xC0, 0x00}, kV5);
  decode_as<Pingresp>({0xD0, 0x00}, kV5);
  expect_encodes_to(Pingreq{}, kV5, {0xC0, 0x00});
  expect_encodes_to(Pingresp{}, kV5, {0xD0, 0x00});
}

TEST(CodecV5Names, Auth) {
  EXPECT_EQ(type_of(Auth{}), PacketType::Auth);
  EXPECT_STREQ(name_of(PacketType::Auth), "AUTH");
}

}  // namespace
}  // namespace edgemq::mqtt
