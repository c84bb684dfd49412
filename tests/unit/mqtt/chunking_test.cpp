// Stream properties of the decoder, with random (but seeded, so repeatable)
// input:
//  - Chunking: however a stream of packets is split, a connection-style spill
//    buffer yields exactly the packets one-shot decoding yields.
//  - Robustness: mutated encodings and random bytes never crash the decoder or
//    make it read out of bounds (run under ASan/UBSan), and every result is
//    one of Packet / NeedMore / Error with consistent sizes.
#include <cstdint>
#include <random>
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
  explicit PacketGen(uint32_t seed) : rng_(seed) {}

  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  std::mt19937& rng() { return rng_; }

  Packet next() {
    switch (below(14)) {
      case 0: return connect();
      case 1: return Connack{below(2) == 1, static_cast<ConnackCode>(below(6))};
      case 2: return publish();
      case 3: return Puback{id()};
      case 4: return Pubrec{id()};
      case 5: return Pubrel{id()};
      case 6: return Pubcomp{id()};
      case 7: return subscribe();
      case 8: return suback();
      case 9: return unsubscribe();
      case 10: return Unsuback{id()};
      case 11: return Pingreq{};
      case 12: return Pingresp{};
      default: return Disconnect{};
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
    c.clean_session = below(2);
    c.keep_alive = static_cast<uint16_t>(below(65536));
    c.client_id = "dev-" + std::to_string(below(100000));
    if (below(2)) c.will = Will{topic(false), blob(300), qos(), below(2) == 1};
    if (below(2)) {
      c.username = "user";
      if (below(2)) c.password = blob(100);
    }
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
    return p;
  }

  Subscribe subscribe() {
    Subscribe s{id(), {}};
    for (size_t n = 1 + below(4); n > 0; --n) s.subscriptions.push_back({topic(true), qos()});
    return s;
  }

  Suback suback() {
    Suback s{id(), {}};
    for (size_t n = 1 + below(4); n > 0; --n) {
      s.return_codes.push_back(below(4) == 3 ? kSubackFailure : qos());
    }
    return s;
  }

  Unsubscribe unsubscribe() {
    Unsubscribe u{id(), {}};
    for (size_t n = 1 + below(4); n > 0; --n) u.filters.push_back(topic(true));
    return u;
  }

  std::mt19937 rng_;
};

std::string encode_one(const Packet& p) {
  std::string s;
  encode(p, s);
  return s;
}

// Packets compare by their canonical encoding.
std::vector<std::string> canonical(const std::vector<Packet>& packets) {
  std::vector<std::string> out;
  for (const Packet& p : packets) out.push_back(encode_one(p));
  return out;
}

Bytes encode_stream(const std::vector<Packet>& packets) {
  std::string s;
  for (const Packet& p : packets) encode(p, s);
  return Bytes(s.begin(), s.end());
}

// ---- a connection-style reader ---------------------------------------------------

// Decodes in place from each arriving chunk and keeps only an unfinished tail
// (the spill), the way a connection would.
class SpillReader {
 public:
  // Returns false on a decode error.
  bool feed(std::span<const uint8_t> chunk, std::vector<Packet>& out) {
    std::span<const uint8_t> data = chunk;
    if (!spill_.empty()) {
      spill_.insert(spill_.end(), chunk.begin(), chunk.end());
      data = spill_;
    }
    size_t off = 0;
    for (;;) {
      DecodeResult r = decode(data.subspan(off), kMaxPacket);
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

  Bytes spill_;
};

std::vector<Packet> decode_one_shot(const Bytes& stream) {
  SpillReader reader;
  std::vector<Packet> out;
  EXPECT_TRUE(reader.feed(stream, out));
  EXPECT_TRUE(reader.idle());
  return out;
}

std::vector<Packet> make_packets(uint32_t seed, size_t n) {
  PacketGen gen(seed);
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
void check_result(const DecodeResult& r, size_t input_size) {
  switch (r.status) {
    case Status::Packet: {
      ASSERT_GT(r.consumed, 0u);
      ASSERT_LE(r.consumed, input_size);
      const std::string wire = encode_one(r.packet);
      const DecodeResult again = decode(std::span(reinterpret_cast<const uint8_t*>(wire.data()),
                                                  wire.size()),
                                        kMaxPacket);
      ASSERT_EQ(again.status, Status::Packet) << describe(again.error);
      ASSERT_EQ(encode_one(again.packet), wire);
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
void decode_all(std::span<const uint8_t> in) {
  size_t off = 0;
  while (off < in.size()) {
    const Bytes copy(in.begin() + static_cast<std::ptrdiff_t>(off), in.end());
    const DecodeResult r = decode(copy, 4096);
    check_result(r, copy.size());
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

}  // namespace
}  // namespace edgemq::mqtt
