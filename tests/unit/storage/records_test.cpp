// Golden bytes for every v1 record, and every corrupt case we know of.
// Byte arrays are annotated msgpack: fixarray 0x9N, fixstr 0xaN, bin8 0xc4,
// uint16 0xcd, uint32 0xce, true 0xc3, false 0xc2, positive fixint 0x00-0x7f.
#include "storage/records.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>

#include "test_support.h"

namespace edgemq::storage::records {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

// ---- retained ---------------------------------------------------------------

const std::string kRetainedV1 = bytes({
    0x93,                    // array of 3
    0x01,                    //   version 1
    0x01,                    //   qos 1
    0xc4, 0x02, 'h', 'i',    //   payload: bin8, 2 bytes
});

TEST(RetainedRecord, GoldenV1) {
  EXPECT_EQ(encode_retained({"a/b", "hi", 1}), kRetainedV1);
  RetainedMessage m;
  ASSERT_TRUE(decode_retained("a/b", kRetainedV1, m).ok);
  EXPECT_EQ(m, (RetainedMessage{"a/b", "hi", 1}));
}

TEST(RetainedRecord, EmptyPayloadStaysBin) {
  EXPECT_EQ(encode_retained({"t", "", 0}), bytes({0x93, 0x01, 0x00, 0xc4, 0x00}));
}

// v2: what MQTT 5 adds, the properties as an opaque block and an expiry.
const std::string kRetainedV2 = bytes({
    0x95,                          // array of 5
    0x02,                          //   version 2
    0x00,                          //   qos 0
    0xc4, 0x01, 'x',               //   payload: bin8, 1 byte
    0xc4, 0x03, 0x02, 0x01, 0x01,  //   properties: a block (length 2: payload format 1)
    0xcf, 0x00, 0x00, 0x01, 0x8b,  //   expires_at_ms 1,700,000,000,000 (uint64)
    0xcf, 0xe5, 0x68, 0x00,
});

TEST(RetainedRecord, GoldenV2KeepsPropertiesAndExpiry) {
  const RetainedMessage m{"t", "x", 0, std::string("", 3), 1'700'000'000'000};
  EXPECT_EQ(encode_retained(m), kRetainedV2);
  RetainedMessage out;
  ASSERT_TRUE(decode_retained("t", kRetainedV2, out).ok);
  EXPECT_EQ(out, m);
}

TEST(RetainedRecord, WithoutPropertiesOrExpiryItStaysV1) {
  EXPECT_EQ(encode_retained({"a/b", "hi", 1, "", 0}), kRetainedV1);
}

// ---- session ----------------------------------------------------------------

const std::string kSessionV1 = bytes({
    0x92,                          // array of 2
    0x01,                          //   version 1
    0x92,                          //   subscriptions: array of 2
    0x92, 0xa3, 'a', '/', '+',     //     [ "a/+" (fixstr 3),
    0x01,                          //       qos 1 ]
    0x92, 0xa1, '#',               //     [ "#" (fixstr 1),
    0x00,                          //       qos 0 ]
});

TEST(SessionRecord, GoldenV1) {
  const SessionRecord s{"c1", {{"a/+", 1}, {"#", 0}}};
  EXPECT_EQ(encode_session(s), kSessionV1);
  SessionRecord out;
  ASSERT_TRUE(decode_session("c1", kSessionV1, out).ok);
  EXPECT_EQ(out, s);
}

TEST(SessionRecord, NoSubscriptions) {
  const std::string golden = bytes({0x92, 0x01, 0x90});  // [1, []]
  EXPECT_EQ(encode_session({"c", {}}), golden);
  SessionRecord out;
  ASSERT_TRUE(decode_session("c", golden, out).ok);
  EXPECT_TRUE(out.subscriptions.empty());
}

TEST(SessionRecord, GoldenV2KeepsExpiry) {
  const std::string golden = bytes({
      0x94,                          // array of 4
      0x02,                          //   version 2
      0x90,                          //   no subscriptions
      0x3c,                          //   expiry 60 s
      0xce, 0x65, 0x53, 0xf1, 0x00,  //   expires at 1,700,000,000 (uint32 form)
  });
  const SessionRecord s{"c", {}, 60, 1'700'000'000};
  EXPECT_EQ(encode_session(s), golden);
  SessionRecord out;
  ASSERT_TRUE(decode_session("c", golden, out).ok);
  EXPECT_EQ(out, s);
}

TEST(SessionRecord, V2KeepsSubscriptionOptions) {
  const std::string golden = bytes({
      0x94, 0x02,                    // [2,
      0x92,                          //   two subscriptions:
      0x94, 0xa1, 'a', 0x01,         //     ["a", qos 1,
      0x03, 0xcd, 0x01, 0x2c,        //      no local + retain as published, id 300],
      0x92, 0xa1, 'b', 0x00,         //     ["b", qos 0],
      0xce, 0xff, 0xff, 0xff, 0xff,  //   expiry: never (uint32)
      0x00,                          //   not counting down]
  });
  const SessionRecord s{"c", {{"a", 1, true, true, 300}, {"b", 0}}, kSessionNeverExpires, 0};
  EXPECT_EQ(encode_session(s), golden);
  SessionRecord out;
  ASSERT_TRUE(decode_session("c", golden, out).ok);
  EXPECT_EQ(out, s);
  std::string v1_with_options = golden;
  v1_with_options[1] = 0x01;
  EXPECT_FALSE(decode_session("c", v1_with_options, out).ok) << "v1 has no options";
}

TEST(SessionRecord, V1MeansNeverExpires) {
  SessionRecord out;
  ASSERT_TRUE(decode_session("c1", kSessionV1, out).ok);
  EXPECT_EQ(out.expiry_s, kSessionNeverExpires);
  EXPECT_EQ(out.expires_at_s, 0u);
}

// ---- queued -----------------------------------------------------------------

const std::string kQueuedV1 = bytes({
    0x97,                    // array of 7
    0x01,                    //   version 1
    0xa1, 't',               //   topic "t"
    0xc4, 0x02, 0x00, 0xff,  //   payload: bin8, 2 bytes 00 ff
    0x02,                    //   qos 2
    0xc3,                    //   retain true
    0xcd, 0x01, 0x2c,        //   packet_id 300 (uint16)
    0x01,                    //   state Sent
});

QueuedMessage golden_queued() {
  QueuedMessage m;
  m.seq = 7;
  m.topic = "t";
  m.payload = std::string("\x00\xff", 2);
  m.qos = 2;
  m.retain = true;
  m.packet_id = 300;
  m.state = DeliveryState::Sent;
  return m;
}

TEST(QueuedRecord, GoldenV1) {
  EXPECT_EQ(encode_queued(golden_queued()), kQueuedV1);
  QueuedMessage out;
  ASSERT_TRUE(decode_queued(7, kQueuedV1, out).ok);
  EXPECT_EQ(out, golden_queued());
}

TEST(QueuedRecord, V2AppendsPropertiesAndExpiry) {
  QueuedMessage m = golden_queued();
  m.properties = std::string("\x02\x01\x01", 3);
  m.expires_at_ms = 5;
  m.shared_filter = "$share/g/t";
  std::string golden = kQueuedV1;
  golden[0] = static_cast<char>(0x9a);  // array of 10
  golden[1] = 0x02;                     // version 2
  golden += bytes({0xc4, 0x03, 0x02, 0x01, 0x01,  // properties
                   0x05,                          // expires_at_ms 5
                   0xaa, '$', 's', 'h', 'a', 'r', 'e', '/', 'g', '/', 't'});
  EXPECT_EQ(encode_queued(m), golden);
  QueuedMessage out;
  ASSERT_TRUE(decode_queued(7, golden, out).ok);
  EXPECT_EQ(out, m);
  std::string bad_expiry = golden;
  bad_expiry[kQueuedV1.size() + 5] = static_cast<char>(0xc2);  // expiry: false
  const Status bad = decode_queued(7, bad_expiry, out);
  EXPECT_NE(bad.message.find("bad expiry time"), std::string::npos) << bad.message;
}

TEST(QueuedRecord, SmallPacketIdAndFalseRetain) {
  QueuedMessage m = golden_queued();
  m.retain = false;
  m.packet_id = 5;
  m.state = DeliveryState::Received;
  const std::string golden =
      bytes({0x97, 0x01, 0xa1, 't', 0xc4, 0x02, 0x00, 0xff, 0x02, 0xc2, 0x05, 0x02});
  EXPECT_EQ(encode_queued(m), golden);
  QueuedMessage out;
  ASSERT_TRUE(decode_queued(7, golden, out).ok);
  EXPECT_EQ(out, m);
}

// ---- last_seq ---------------------------------------------------------------

TEST(LastSeqRecord, GoldenV1) {
  const std::string golden = bytes({
      0x92,                          // array of 2
      0x01,                          //   version 1
      0xce, 0x00, 0x01, 0x11, 0x70,  //   70000 (uint32)
  });
  EXPECT_EQ(encode_last_seq(70000), golden);
  uint64_t seq = 0;
  ASSERT_TRUE(decode_last_seq(golden, seq).ok);
  EXPECT_EQ(seq, 70000u);
  ASSERT_TRUE(decode_last_seq(encode_last_seq(~0ull), seq).ok);
  EXPECT_EQ(seq, ~0ull);
}

// ---- corrupt cases ----------------------------------------------------------

// Replaces the byte at `at` in a golden record.
std::string patched(std::string s, size_t at, int byte) {
  s[at] = static_cast<char>(byte);
  return s;
}

Status retained(const std::string& v) {
  RetainedMessage m;
  return decode_retained("t", v, m);
}
Status session(const std::string& v) {
  SessionRecord s;
  return decode_session("c", v, s);
}
Status queued(const std::string& v) {
  QueuedMessage m;
  return decode_queued(1, v, m);
}
Status last_seq(const std::string& v) {
  uint64_t seq = 0;
  return decode_last_seq(v, seq);
}

TEST(CorruptRecords, EveryTruncationIsAnError) {
  for (const auto& [golden, decode] :
       {std::pair{kRetainedV1, &retained}, std::pair{kSessionV1, &session},
        std::pair{kQueuedV1, &queued}, std::pair{encode_last_seq(70000), &last_seq}}) {
    for (size_t n = 0; n < golden.size(); ++n) {
      const Status s = decode(golden.substr(0, n));
      EXPECT_FALSE(s.ok) << "prefix of " << n << " bytes";
    }
  }
  EXPECT_NE(retained(kRetainedV1.substr(0, 4)).message.find("truncated"), std::string::npos);
}

TEST(CorruptRecords, UnknownVersionsAreRejected) {
  const Status s = retained(patched(kRetainedV1, 1, 0x03));
  EXPECT_FALSE(s.ok);
  EXPECT_NE(s.message.find("unsupported version 3"), std::string::npos) << s.message;
  EXPECT_FALSE(session(patched(kSessionV1, 1, 0x03)).ok);
  EXPECT_FALSE(queued(patched(kQueuedV1, 1, 0x03)).ok);
  EXPECT_FALSE(last_seq(patched(encode_last_seq(1), 1, 0x02)).ok);
  // Version 2 with version 1's fields is not a v2 record.
  EXPECT_NE(retained(patched(kRetainedV1, 1, 0x02)).message.find("expected 5 fields, got 3"), std::string::npos);
  EXPECT_FALSE(session(patched(kSessionV1, 1, 0x02)).ok);
  EXPECT_FALSE(queued(patched(kQueuedV1, 1, 0x02)).ok);
  EXPECT_FALSE(retained(patched(kRetainedV1, 1, 0x00)).ok);  // version 0
  EXPECT_FALSE(retained(patched(kRetainedV1, 1, 0xa1)).ok);  // version is a string
}

// The error names the reason, so a test cannot pass for the wrong one.
void expect_error(const Status& s, const std::string& why) {
  EXPECT_FALSE(s.ok);
  EXPECT_NE(s.message.find(why), std::string::npos) << "got: " << s.message;
}

TEST(CorruptRecords, WrongTypes) {
  expect_error(retained(bytes({0x01})), "not a versioned array");
  expect_error(retained(bytes({0x90})), "not a versioned array");
  expect_error(retained(bytes({0x81, 0x01, 0x01})), "malformed");  // maps are never used
  expect_error(retained(bytes({0x93, 0x01, 0xc3, 0xc4, 0x00})), "bad qos");      // qos: true
  expect_error(retained(bytes({0x93, 0x01, 0x01, 0xa2, 'h', 'i'})), "bad payload");  // str
  expect_error(session(bytes({0x92, 0x01, 0x01})), "subscriptions is not an array");
  expect_error(session(bytes({0x92, 0x01, 0x91, 0xa1, '#'})), "bad subscription 0");
  expect_error(session(bytes({0x92, 0x01, 0x91, 0x92, 0x01, 0x01})), "bad subscription 0");
  expect_error(session(bytes({0x92, 0x01, 0x92, 0x92, 0xa1, '#', 0x00, 0x91, 0xa1, '#'})),
               "bad subscription 1");  // second one lacks its qos
  expect_error(queued(bytes({0x97, 0x01, 0xc4, 0x01, 't',  // topic is bin
                             0xc4, 0x02, 0x00, 0xff, 0x02, 0xc3, 0xcd, 0x01, 0x2c, 0x01})),
               "bad topic");
  expect_error(queued(bytes({0x97, 0x01, 0xa1, 't', 0xa2, 0x00, 0xff,  // payload is str
                             0x02, 0xc3, 0xcd, 0x01, 0x2c, 0x01})),
               "bad payload");
  expect_error(queued(patched(kQueuedV1, 9, 0x01)), "bad retain");  // retain is an int
  expect_error(queued(patched(kQueuedV1, 10, 0xc2).substr(0, 11) + bytes({0x01})),
               "bad packet_id");                                    // packet_id is false
  expect_error(last_seq(bytes({0x92, 0x01, 0xff})), "bad seq");     // negative
}

TEST(CorruptRecords, OutOfRangeValues) {
  expect_error(retained(patched(kRetainedV1, 2, 0x03)), "bad qos");  // qos 3
  expect_error(retained(patched(kRetainedV1, 2, 0xff)), "bad qos");  // qos -1
  expect_error(session(patched(kSessionV1, 8, 0x03)), "bad subscription 0");  // qos 3
  expect_error(queued(patched(kQueuedV1, 8, 0x03)), "bad qos");      // qos 3
  expect_error(queued(patched(kQueuedV1, 13, 0x03)), "bad state");   // state 3
  // packet_id 70000 does not fit in 16 bits: uint32 0xce 00 01 11 70.
  const std::string big = kQueuedV1.substr(0, 10) + bytes({0xce, 0x00, 0x01, 0x11, 0x70, 0x01});
  expect_error(queued(big), "bad packet_id");
}

TEST(CorruptRecords, WrongShape) {
  expect_error(retained(kRetainedV1 + bytes({0x00})), "trailing bytes");
  expect_error(retained(patched(kRetainedV1, 0, 0x94) + bytes({0x00})), "expected 3 fields");
  expect_error(retained(bytes({0x92, 0x01, 0x01})), "expected 3 fields");
  expect_error(queued(kSessionV1), "expected 7 fields");  // another kind of record
}

TEST(CorruptRecords, HugeLengthsFailWithoutHugeAllocations) {
  // array32 claiming 4 billion elements, str32 and bin32 claiming 4 GB.
  EXPECT_FALSE(retained(bytes({0xdd, 0xff, 0xff, 0xff, 0xff, 0x01})).ok);
  EXPECT_FALSE(session(bytes({0x92, 0x01, 0xdd, 0xff, 0xff, 0xff, 0xff})).ok);
  EXPECT_FALSE(queued(bytes({0x97, 0x01, 0xdb, 0xff, 0xff, 0xff, 0xff})).ok);
  EXPECT_FALSE(retained(bytes({0x93, 0x01, 0x01, 0xc6, 0xff, 0xff, 0xff, 0xff})).ok);
  // Deep nesting.
  EXPECT_FALSE(session(std::string(64, static_cast<char>(0x91))).ok);
}

TEST(CorruptRecords, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string v(rng() % 24, '\0');
    for (char& c : v) c = static_cast<char>(rng());
    if (rng() % 2) v[0] = static_cast<char>(0x90 + rng() % 8);  // look like a record
    if (v.size() > 1 && rng() % 2) v[1] = 0x01;
    (void)retained(v);
    (void)session(v);
    (void)queued(v);
    (void)last_seq(v);
  }
}

TEST(CorruptRecords, BitFlipsInGoldenRecordsNeverCrash) {
  for (const std::string& golden : {kRetainedV1, kSessionV1, kQueuedV1}) {
    for (size_t i = 0; i < golden.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string v = golden;
        v[i] = static_cast<char>(v[i] ^ (1 << bit));
        (void)retained(v);
        (void)session(v);
        (void)queued(v);
      }
    }
  }
}

}  // namespace
}  // namespace edgemq::storage::records
