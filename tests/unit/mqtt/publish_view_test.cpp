// encode(PublishView), the delivery path, against encode(Publish): the same
// bytes for the same fields, on 3.1.1 and 5.0 connections.
#include <string>

#include <gtest/gtest.h>

#include "protocols/mqtt/codec.h"
#include "tests/unit/mqtt/wire_helpers.h"

namespace edgemq::mqtt {
namespace {

using namespace test;  // NOLINT: wire-building helpers

PublishView view(const Publish& p) {
  return PublishView{p.dup, p.qos, p.retain, p.topic, p.packet_id, p.payload,
                     p.props.null() ? nullptr : &p.props.get()};
}

std::string encode_view(const PublishView& v, ProtocolLevel level, std::string out = {}) {
  encode(v, out, level);
  return out;
}

std::string encode_packet(const Publish& p, ProtocolLevel level, std::string out = {}) {
  encode(p, out, level);
  return out;
}

std::vector<Publish> samples() {
  std::vector<Publish> out;
  Publish plain;
  plain.topic = "a/b";
  plain.payload = "hello";
  out.push_back(plain);

  Publish flagged = plain;
  flagged.dup = true;
  flagged.qos = 2;
  flagged.retain = true;
  flagged.packet_id = 0xBEEF;
  out.push_back(flagged);

  Publish with_props = flagged;
  with_props.qos = 1;
  Properties& p = with_props.props.mut();
  p.payload_format = 1;
  p.message_expiry = 30;
  p.content_type = "text/plain";
  p.response_topic = "r";
  p.correlation_data = std::string("\x00\x01", 2);
  p.subscription_ids = {1, 70'000};
  p.user_properties = {{"z", "1"}, {"a", "2"}};
  out.push_back(with_props);

  Publish big;
  big.topic = "big";
  big.payload.assign(20'000, 'x');  // a three-byte remaining length
  out.push_back(big);
  return out;
}

TEST(PublishView, SameBytesAsPublish) {
  for (ProtocolLevel level : {ProtocolLevel::V31, kV311, kV5}) {
    for (const Publish& p : samples()) {
      SCOPED_TRACE(testing::Message() << "level " << int(level) << " topic " << p.topic);
      const std::string want = encode_packet(p, level);
      EXPECT_EQ(encode_view(view(p), level), want);
      EXPECT_EQ(encoded_size(view(p), level), want.size());
      EXPECT_EQ(encoded_size(Packet(p), level), want.size());
    }
  }
}

TEST(PublishView, NullPropertiesStillCarryPropertyLengthIn5) {
  const PublishView v{false, 0, false, "t", 0, "x", nullptr};
  EXPECT_EQ(encode_view(v, kV5), std::string("\x30\x05\x00\x01t\x00x", 7));
  EXPECT_EQ(encode_view(v, kV311), std::string("\x30\x04\x00\x01tx", 6));
}

TEST(PublishView, PropertiesAreLeftOutIn311) {
  Properties props;
  props.topic_alias = 3;
  const PublishView v{false, 1, false, "t", 5, "x", &props};
  EXPECT_EQ(encode_view(v, kV311), std::string("\x32\x06\x00\x01t\x00\x05x", 8));
  EXPECT_EQ(encode_view(v, kV5),
            std::string("\x32\x0A\x00\x01t\x00\x05\x03\x23\x00\x03x", 12));
}

TEST(PublishView, AppendsAfterExistingBytes) {
  const Publish p = samples()[2];
  const std::string prefix = "\xC0\x00";  // what an earlier encode left
  EXPECT_EQ(encode_view(view(p), kV5, prefix), prefix + encode_packet(p, kV5));
  EXPECT_EQ(encode_packet(p, kV5, prefix), prefix + encode_packet(p, kV5));
}

TEST(PublishView, OutputGrowsGeometrically) {
  // Appending many packets to one buffer reallocates O(log n) times: a full
  // buffer at least doubles, on both paths.
  const Publish p = samples()[0];
  std::string a(64, 'x');
  a.resize(a.capacity());
  const size_t before = a.capacity();
  encode(view(p), a, kV5);
  EXPECT_GE(a.capacity(), 2 * before);
  std::string b(64, 'x');
  b.resize(b.capacity());
  encode(Packet(p), b, kV5);
  EXPECT_GE(b.capacity(), 2 * before);
}

}  // namespace
}  // namespace edgemq::mqtt
