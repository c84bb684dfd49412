// Stream properties of the decoder, with random (but seeded, so repeatable)
// input:
//  - Chunking: however a stream of packets is split, a connection-style spill
//    buffer yields exactly the packets one-shot decoding yields.
//  - Robustness: mutated encodings and random bytes never crash the decoder or
//    make it read out of bounds (run under ASan/UBSan), and every result is
//    one of Packet / NeedMore / Error with consistent sizes.
// Both hold on 3.1.1 and on 5.0 connections; the 5.0 generator adds
// properties, reason codes, subscription options and AUTH, and draws nothing
// extra for 3.1.1, so the 3.1.1 streams are what they always were.
#include <cstdint>
#include <random>
#include <set>
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

constexpr size_t kMaxPacket = 1u << 20;

// ---- random valid packets ----------------------------------------------------

class PacketGen {
 public:
  explicit PacketGen(uint32_t seed, ProtocolLevel level = ProtocolLevel::V311)
      : rng_(seed), v5_(level == ProtocolLevel::V5) {}

  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  std::mt19937& rng() { return rng_; }

  Packet next() {
    switch (below(v5_ ? 15 : 14)) {
      case 0: return connect();
      case 1: return connack();
      case 2: return publish();
      case 3: return ack<Puback>(kPubackCodes);
      case 4: return ack<Pubrec>(kPubackCodes);
      case 5: return ack<Pubrel>(kPubrelCodes);
      case 6: return ack<Pubcomp>(kPubrelCodes);
      case 7: return subscribe();
      case 8: return suback();
      case 9: return unsubscribe();
      case 10: return unsuback();
      case 11: return Pingreq{};
      case 12: return Pingresp{};
      case 13: return disconnect();
      default: return auth();
    }
  }

 private:
  uint16_t id() { return static_cast<uint16_t>(1 + below(65535)); }
  uint8_t qos() { return static_cast<uint8_t>(below(3)); }

  // Levels of ASCII, a two-byte and a four-byte character; empty levels too.
  std::string topic(bool wildcards) {
    static constexpr const char* kPieces[] = {"a", "sensor", "\xC3\xA9", "\xF0\x9F\x98\x80",
                                              "", "x1", "$SYS"};
    std::string t;
    const size_t levels = 1 + below(4);
    for (size_t i = 0; i < levels; ++i) {
      if (i) t += '/';
      if (wildcards && below(4) == 0) {
        t += (i + 1 == levels && below(2)) ? "#" : "+";
      } else {
        t += kPieces[below(std::size(kPieces))];
      }
    }
    return t.empty() ? "t" : t;
  }

  // 5.0 reason codes per packet [MQTT-2.4].
  static constexpr uint8_t kConnackCodes[] = {0x00, 0x80, 0x85, 0x86, 0x87, 0x8A, 0x9C, 0x9F};
  static constexpr uint8_t kPubackCodes[] = {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97,
                                             0x99};
  static constexpr uint8_t kPubrelCodes[] = {0x00, 0x92};
  static constexpr uint8_t kSubackCodes[] = {0x00, 0x01, 0x02, 0x80, 0x87, 0x8F, 0x9E, 0xA2};
  static constexpr uint8_t kUnsubackCodes[] = {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
  static constexpr uint8_t kDisconnectCodes[] = {0x00, 0x04, 0x81, 0x8B, 0x8E, 0x93, 0x9C, 0xA2};
  static constexpr uint8_t kAuthCodes[] = {0x00, 0x18, 0x19};

  template <size_t N>
  uint8_t pick(const uint8_t (&codes)[N]) { return codes[below(N)]; }
  // Mostly success, which 5.0 may leave off the wire.
  template <size_t N>
  uint8_t reason(const uint8_t (&codes)[N]) { return below(2) ? codes[0] : pick(codes); }
  bool maybe() { return below(2) == 1; }
  uint32_t u32() { return static_cast<uint32_t>(rng_()); }
  uint16_t u16() { return static_cast<uint16_t>(below(65536)); }
  std::string text() { return topic(false); }

  void user_properties(Properties& p) {
    for (size_t n = below(3); n > 0; --n) p.user_properties.emplace_back(text(), text());
  }

  // Properties for a packet, each present or not; a third of the packets
  // carry none (and allocate none). Only values the decoder accepts.
  enum class Kind { Connect, Will, Connack, Publish, Ack, Subscribe, Unsubscribe, Disconnect,
                    Auth };
  Props props(Kind kind) {
    Props out;
    if (!v5_ || below(3) == 0) return out;
    Properties& p = out.mut();
    switch (kind) {
      case Kind::Connect:
        if (maybe()) p.session_expiry = u32();
        if (maybe()) p.receive_maximum = static_cast<uint16_t>(1 + below(65535));
        if (maybe()) p.maximum_packet_size = 1 + u32() % 0xFFFFFFFE;
        if (maybe()) p.topic_alias_maximum = u16();
        if (maybe()) p.request_problem_info = static_cast<uint8_t>(below(2));
        if (maybe()) p.request_response_info = static_cast<uint8_t>(below(2));
        if (maybe()) {
          p.auth_method = text();
          if (maybe()) p.auth_data = blob(50);
        }
        break;
      case Kind::Will:
        if (maybe()) p.will_delay = u32();
        [[fallthrough]];
      case Kind::Publish:
        if (maybe()) p.message_expiry = u32();
        if (maybe()) p.content_type = text();
        if (maybe()) p.response_topic = topic(false);
        if (maybe()) p.correlation_data = blob(50);
        if (kind == Kind::Publish) {
          for (size_t n = below(3); n > 0; --n) p.subscription_ids.push_back(1 + u32() % 268'435'455);
          if (maybe()) p.topic_alias = static_cast<uint16_t>(1 + below(65535));
        }
        break;
      case Kind::Connack:
        if (maybe()) p.session_expiry = u32();
        if (maybe()) p.assigned_client_id = text();
        if (maybe()) p.server_keep_alive = u16();
        if (maybe()) p.response_info = text();
        if (maybe()) p.server_reference = text();
        if (maybe()) p.reason_string = text();
        if (maybe()) p.receive_maximum = static_cast<uint16_t>(1 + below(65535));
        if (maybe()) p.maximum_qos = static_cast<uint8_t>(below(2));
        if (maybe()) p.retain_available = static_cast<uint8_t>(below(2));
        if (maybe()) p.wildcard_sub_available = static_cast<uint8_t>(below(2));
        if (maybe()) p.shared_sub_available = static_cast<uint8_t>(below(2));
        break;
      case Kind::Subscribe:
        if (maybe()) p.subscription_ids.push_back(1 + u32() % 268'435'455);
        break;
      case Kind::Disconnect:
        if (maybe()) p.session_expiry = u32();
        if (maybe()) p.server_reference = text();
        [[fallthrough]];
      case Kind::Ack:
        if (maybe()) p.reason_string = text();
        break;
      case Kind::Auth:
        if (maybe()) p.auth_method = text();
        if (maybe()) p.auth_data = blob(50);
        if (maybe()) p.reason_string = text();
        break;
      case Kind::Unsubscribe:
        break;
    }
    user_properties(p);
    return out;
  }

  Connack connack() {
    Connack c{below(2) == 1, static_cast<ConnackCode>(below(6))};
    if (v5_) {
      c.code = static_cast<ConnackCode>(pick(kConnackCodes));
      c.props = props(Kind::Connack);
    }
    return c;
  }

  template <class A, size_t N>
  A ack(const uint8_t (&codes)[N]) {
    A a{id()};
    if (v5_) {
      a.reason_code = reason(codes);
      a.props = props(Kind::Ack);
    }
    return a;
  }

  Unsuback unsuback() {
    Unsuback u{id()};
    if (v5_) {
      for (size_t n = 1 + below(4); n > 0; --n) u.reason_codes.push_back(pick(kUnsubackCodes));
      u.props = props(Kind::Ack);
    }
    return u;
  }

  Disconnect disconnect() {
    Disconnect d;
    if (v5_) {
      d.reason_code = reason(kDisconnectCodes);
      d.props = props(Kind::Disconnect);
    }
    return d;
  }

  Auth auth() {
    Auth a;
    a.reason_code = reason(kAuthCodes);
    a.props = props(Kind::Auth);
    return a;
  }

  std::string blob(size_t max) {
    // Mostly small, sometimes large enough for 2- and 3-byte remaining lengths.
    const size_t n = below(8) == 0 ? below(max) : below(64);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(below(256));
    return s;
  }

  Connect connect() {
    Connect c;
    c.level = below(4) == 0 ? ProtocolLevel::V31 : ProtocolLevel::V311;
    // A CONNECT names its own level, so 3.1.1 ones may turn up here too.
    if (v5_ && below(4) != 0) c.level = ProtocolLevel::V5;
    c.clean_session = below(2);
    c.keep_alive = static_cast<uint16_t>(below(65536));
    c.client_id = "dev-" + std::to_string(below(100000));
    if (below(2)) {
      c.will = Will{topic(false), blob(300), qos(), below(2) == 1};
      if (c.level == ProtocolLevel::V5) c.will->props = props(Kind::Will);
    }
    if (below(2)) {
      c.username = "user";
      if (below(2)) c.password = blob(100);
    }
    if (c.level == ProtocolLevel::V5) c.props = props(Kind::Connect);
    return c;
  }

  Publish publish() {
    Publish p;
    p.qos = qos();
    p.dup = p.qos > 0 && below(2);
    p.retain = below(2);
    p.topic = topic(false);
    if (p.qos > 0) p.packet_id = id();
    p.payload = blob(20000);
    if (v5_) {
      p.props = props(Kind::Publish);
      // An alias may stand in for the topic [3.3.2.3.4].
      if (p.props->topic_alias && maybe()) p.topic.clear();
      if (maybe()) p.props.mut().payload_format = 0;
      if (maybe()) {
        p.props.mut().payload_format = 1;
        p.payload = text();
      }
    }
    return p;
  }

  Subscribe subscribe() {
    Subscribe s{id(), {}};
    for (size_t n = 1 + below(4); n > 0; --n) {
      s.subscriptions.push_back({topic(true), qos()});
      if (!v5_) continue;
      Subscription& sub = s.subscriptions.back();
      if (below(4) == 0) sub.filter = "$share/g/" + sub.filter;
      sub.no_local = !sub.filter.starts_with("$share/") && maybe();
      sub.retain_as_published = maybe();
      sub.retain_handling = static_cast<RetainHandling>(below(3));
    }
    s.props = props(Kind::Subscribe);
    return s;
  }

  Suback suback() {
    Suback s{id(), {}};
    for (size_t n = 1 + below(4); n > 0; --n) {
      s.return_codes.push_back(v5_ ? pick(kSubackCodes) : (below(4) == 3 ? kSubackFailure : qos()));
    }
    s.props = props(Kind::Ack);
    return s;
  }

  Unsubscribe unsubscribe() {
    Unsubscribe u{id(), {}};
    for (size_t n = 1 + below(4); n > 0; --n) u.filters.push_back(topic(true));
    u.props = props(Kind::Unsubscribe);
    return u;
  }

  std::mt19937 rng_;
  bool v5_;
};

std::string encode_one(const Packet& p, ProtocolLevel level = ProtocolLevel::V311) {
  std::string s;
  encode(p, s, level);
  return s;
}

// Packets compare by their canonical encoding.
std::vector<std::string> canonical(const std::vector<Packet>& packets,
                                   ProtocolLevel level = ProtocolLevel::V311) {
  std::vector<std::string> out;
  for (const Packet& p : packets) out.push_back(encode_one(p, level));
  return out;
}

Bytes encode_stream(const std::vector<Packet>& packets,
                    ProtocolLevel level = ProtocolLevel::V311) {
  std::string s;
  for (const Packet& p : packets) encode(p, s, level);
  return Bytes(s.begin(), s.end());
}

// ---- a connection-style reader ---------------------------------------------------

// Decodes in place from each arriving chunk and keeps only an unfinished tail
// (the spill), the way a connection would.
class SpillReader {
 public:
  explicit SpillReader(ProtocolLevel level = ProtocolLevel::V311) : level_(level) {}

  // Returns false on a decode error.
  bool feed(std::span<const uint8_t> chunk, std::vector<Packet>& out) {
    std::span<const uint8_t> data = chunk;
    if (!spill_.empty()) {
      spill_.insert(spill_.end(), chunk.begin(), chunk.end());
      data = spill_;
    }
    size_t off = 0;
    for (;;) {
      DecodeResult r = decode(data.subspan(off), kMaxPacket, level_);
      if (r.status == Status::Error) return false;
      if (r.status == Status::NeedMore) {
        // A known total is always beyond what is buffered.
        EXPECT_TRUE(r.needed == 0 || r.needed > data.size() - off);
        break;
      }
      EXPECT_GT(r.consumed, 0u);
      off += r.consumed;
      out.push_back(std::move(r.packet));
    }
    keep_tail(data, off);
    return true;
  }

  bool idle() const { return spill_.empty(); }

 private:
  // Keeps data[off..] as the spill without copying it onto itself.
  void keep_tail(std::span<const uint8_t> data, size_t off) {
    const auto skip = static_cast<std::ptrdiff_t>(off);
    if (data.data() == spill_.data()) {
      spill_.erase(spill_.begin(), spill_.begin() + skip);
    } else {
      spill_.assign(data.begin() + skip, data.end());
    }
  }

  ProtocolLevel level_;
  Bytes spill_;
};

std::vector<Packet> decode_one_shot(const Bytes& stream,
                                    ProtocolLevel level = ProtocolLevel::V311) {
  SpillReader reader(level);
  std::vector<Packet> out;
  EXPECT_TRUE(reader.feed(stream, out));
  EXPECT_TRUE(reader.idle());
  return out;
}

std::vector<Packet> make_packets(uint32_t seed, size_t n,
                                 ProtocolLevel level = ProtocolLevel::V311) {
  PacketGen gen(seed, level);
  std::vector<Packet> packets;
  for (size_t i = 0; i < n; ++i) packets.push_back(gen.next());
  return packets;
}

TEST(Chunking, OneShotDecodesWhatWasEncoded) {
  const std::vector<Packet> packets = make_packets(1, 400);
  const std::vector<Packet> decoded = decode_one_shot(encode_stream(packets));
  EXPECT_EQ(canonical(decoded), canonical(packets));
}

TEST(Chunking, RandomSplitsMatchOneShot) {
  const std::vector<Packet> packets = make_packets(2, 400);
  const Bytes stream = encode_stream(packets);
  const std::vector<std::string> expected = canonical(decode_one_shot(stream));
  std::mt19937 rng(3);
  for (int round = 0; round < 5; ++round) {
    // Small chunks cut headers apart; large ones carry many packets at once.
    const size_t max_chunk = round % 2 ? 7 : 3000;
    std::uniform_int_distribution<size_t> len(1, max_chunk);
    SpillReader reader;
    std::vector<Packet> out;
    for (size_t off = 0; off < stream.size();) {
      const size_t n = std::min(len(rng), stream.size() - off);
      ASSERT_TRUE(reader.feed(std::span(stream).subspan(off, n), out));
      off += n;
    }
    EXPECT_TRUE(reader.idle());
    EXPECT_EQ(canonical(out), expected) << "round " << round;
  }
}

TEST(Chunking, ByteAtATimeMatchesOneShot) {
  const std::vector<Packet> packets = make_packets(4, 300);
  const Bytes stream = encode_stream(packets);
  SpillReader reader;
  std::vector<Packet> out;
  for (size_t off = 0; off < stream.size(); ++off) {
    ASSERT_TRUE(reader.feed(std::span(stream).subspan(off, 1), out));
  }
  EXPECT_TRUE(reader.idle());
  EXPECT_EQ(canonical(out), canonical(packets));
}

// ---- robustness ---------------------------------------------------------------------

// Checks one decode result's invariants; a decoded packet must also survive an
// encode/decode round trip, since the decoder only accepts valid packets.
void check_result(const DecodeResult& r, size_t input_size,
                  ProtocolLevel level = ProtocolLevel::V311) {
  switch (r.status) {
    case Status::Packet: {
      ASSERT_GT(r.consumed, 0u);
      ASSERT_LE(r.consumed, input_size);
      const std::string wire = encode_one(r.packet, level);
      const DecodeResult again = decode(std::span(reinterpret_cast<const uint8_t*>(wire.data()),
                                                  wire.size()),
                                        kMaxPacket, level);
      ASSERT_EQ(again.status, Status::Packet) << describe(again.error);
      ASSERT_EQ(encode_one(again.packet, level), wire);
      break;
    }
    case Status::NeedMore:
      ASSERT_TRUE(r.needed == 0 || r.needed > input_size);
      ASSERT_EQ(r.error, DecodeError::None);
      break;
    case Status::Error:
      ASSERT_NE(r.error, DecodeError::None);
      break;
    default:
      FAIL() << "unknown status";
  }
}

// Decodes packet after packet, as a connection would, until it must stop.
// Each decode sees an exact-size heap copy so ASan catches any over-read.
void decode_all(std::span<const uint8_t> in, ProtocolLevel level = ProtocolLevel::V311) {
  size_t off = 0;
  while (off < in.size()) {
    const Bytes copy(in.begin() + static_cast<std::ptrdiff_t>(off), in.end());
    const DecodeResult r = decode(copy, 4096, level);
    check_result(r, copy.size(), level);
    if (r.status != Status::Packet) return;
    off += r.consumed;
  }
}

uint8_t random_byte(PacketGen& gen) { return static_cast<uint8_t>(gen.below(256)); }

// One to three edits: flip a bit, overwrite, insert or delete a byte, or cut.
void mutate(Bytes& b, PacketGen& gen) {
  const size_t edits = 1 + gen.below(3);
  for (size_t i = 0; i < edits; ++i) {
    if (b.empty()) {
      b.push_back(random_byte(gen));
      continue;
    }
    const size_t at = gen.below(b.size());
    const auto it = b.begin() + static_cast<std::ptrdiff_t>(at);
    switch (gen.below(5)) {
      case 0: b[at] ^= static_cast<uint8_t>(1u << gen.below(8)); break;
      case 1: b[at] = random_byte(gen); break;
      case 2: b.insert(it, random_byte(gen)); break;
      case 3: b.erase(it); break;
      default: b.resize(at); break;
    }
  }
}

TEST(Robustness, MutatedEncodingsNeverBreakTheDecoder) {
  PacketGen gen(5);
  for (int i = 0; i < 50000; ++i) {
    const std::string wire = encode_one(gen.next());
    Bytes b(wire.begin(), wire.end());
    if (b.size() > 600) b.resize(600);  // keep it fast; cut packets are interesting too
    mutate(b, gen);
    decode_all(b);
    if (testing::Test::HasFatalFailure()) return;
  }
}

TEST(Robustness, RandomBytesNeverBreakTheDecoder) {
  PacketGen gen(6);
  for (int i = 0; i < 50000; ++i) {
    Bytes b(gen.below(64));
    for (uint8_t& x : b) x = random_byte(gen);
    // Bias byte 0 towards real types and flags so bodies get exercised too.
    if (!b.empty() && gen.below(2)) {
      b[0] = static_cast<uint8_t>((1 + gen.below(14)) << 4 | (gen.below(2) ? 0x02 : 0x00));
    }
    decode_all(b);
    if (testing::Test::HasFatalFailure()) return;
  }
}

// ---- 5.0 streams ------------------------------------------------------------------

constexpr ProtocolLevel kV5 = ProtocolLevel::V5;

TEST(ChunkingV5, OneShotDecodesWhatWasEncoded) {
  const std::vector<Packet> packets = make_packets(11, 400, kV5);
  const std::vector<Packet> decoded = decode_one_shot(encode_stream(packets, kV5), kV5);
  EXPECT_EQ(canonical(decoded, kV5), canonical(packets, kV5));
}

TEST(ChunkingV5, StreamHasEveryPacketTypeAndProperties) {
  // Guards the tests below against a generator that stopped producing 5.0.
  const std::vector<Packet> packets = make_packets(11, 400, kV5);
  std::set<PacketType> types;
  size_t with_props = 0;
  for (const Packet& p : packets) {
    types.insert(type_of(p));
    if (const auto* pub = std::get_if<Publish>(&p); pub && !pub->props.null()) ++with_props;
  }
  EXPECT_EQ(types.size(), 15u);
  EXPECT_GT(with_props, 5u);
}

TEST(ChunkingV5, RandomSplitsMatchOneShot) {
  const std::vector<Packet> packets = make_packets(12, 400, kV5);
  const Bytes stream = encode_stream(packets, kV5);
  const std::vector<std::string> expected = canonical(decode_one_shot(stream, kV5), kV5);
  std::mt19937 rng(13);
  for (int round = 0; round < 5; ++round) {
    const size_t max_chunk = round % 2 ? 7 : 3000;
    std::uniform_int_distribution<size_t> len(1, max_chunk);
    SpillReader reader(kV5);
    std::vector<Packet> out;
    for (size_t off = 0; off < stream.size();) {
      const size_t n = std::min(len(rng), stream.size() - off);
      ASSERT_TRUE(reader.feed(std::span(stream).subspan(off, n), out));
      off += n;
    }
    EXPECT_TRUE(reader.idle());
    EXPECT_EQ(canonical(out, kV5), expected) << "round " << round;
  }
}

TEST(ChunkingV5, ByteAtATimeMatchesOneShot) {
  const std::vector<Packet> packets = make_packets(14, 300, kV5);
  const Bytes stream = encode_stream(packets, kV5);
  SpillReader reader(kV5);
  std::vector<Packet> out;
  for (size_t off = 0; off < stream.size(); ++off) {
    ASSERT_TRUE(reader.feed(std::span(stream).subspan(off, 1), out));
  }
  EXPECT_TRUE(reader.idle());
  EXPECT_EQ(canonical(out, kV5), canonical(packets, kV5));
}

TEST(RobustnessV5, MutatedEncodingsNeverBreakTheDecoder) {
  PacketGen gen(15, kV5);
  for (int i = 0; i < 50000; ++i) {
    const std::string wire = encode_one(gen.next(), kV5);
    Bytes b(wire.begin(), wire.end());
    if (b.size() > 600) b.resize(600);
    mutate(b, gen);
    decode_all(b, kV5);
    if (testing::Test::HasFatalFailure()) return;
  }
}

TEST(RobustnessV5, RandomBytesNeverBreakTheDecoder) {
  PacketGen gen(16, kV5);
  for (int i = 0; i < 50000; ++i) {
    Bytes b(gen.below(64));
    for (uint8_t& x : b) x = random_byte(gen);
    // Bias byte 0 towards real types, AUTH included.
    if (!b.empty() && gen.below(2)) {
      b[0] = static_cast<uint8_t>((1 + gen.below(15)) << 4 | (gen.below(2) ? 0x02 : 0x00));
    }
    decode_all(b, kV5);
    if (testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace edgemq::mqtt
