#include "storage/keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace edgemq::storage::keys {
namespace {

using namespace std::string_literals;

TEST(Keys, QueueKeyLayoutIsClientNulSeqBigEndian) {
  const std::string expected =
      "c1"s            // client id
      "\x00"s          // separator
      "\x00\x00\x00\x00\x00\x00\x01\x02"s;  // seq 0x0102, 8 bytes big-endian
  EXPECT_EQ(queue_key("c1", 0x0102), expected);
}

TEST(Keys, SeqsSortNumericallyUnderBytewiseOrder) {
  const std::vector<uint64_t> seqs = {0, 1, 255, 256, 65535, 65536, 1ull << 32, 1ull << 56,
                                      std::numeric_limits<uint64_t>::max()};
  for (size_t i = 1; i < seqs.size(); ++i) {
    EXPECT_LT(queue_key("a", seqs[i - 1]), queue_key("a", seqs[i])) << seqs[i];
  }
  std::mt19937_64 rng(42);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = rng(), y = rng();
    EXPECT_EQ(x < y, queue_key("dev", x) < queue_key("dev", y));
  }
}

TEST(Keys, QueueRangeHoldsExactlyOneClient) {
  const std::string begin = queue_begin("a"), end = queue_end("a");
  EXPECT_EQ(begin, "a\0"s);
  EXPECT_EQ(end, "a\x01"s);
  // All of "a"'s keys fall inside, whatever the seq bytes are.
  for (uint64_t seq : {0ull, 1ull, 0x0100000000000000ull, ~0ull}) {
    const std::string k = queue_key("a", seq);
    EXPECT_LE(begin, k);
    EXPECT_LT(k, end);
  }
  // Neighbours that share the prefix "a" fall outside.
  for (const std::string& other : {"ab"s, "a\x01"s, "a0"s, "b"s, ""s}) {
    for (uint64_t seq : {0ull, ~0ull}) {
      const std::string k = queue_key(other, seq);
      EXPECT_FALSE(begin <= k && k < end) << "client " << other.size() << " bytes";
    }
  }
  EXPECT_LT(queue_key("a", ~0ull), queue_key("ab", 0));
}

TEST(Keys, QueueKeysGroupByClient) {
  std::vector<std::string> ks = {queue_key("ab", 1), queue_key("a", 300), queue_key("b", 0),
                                 queue_key("a", 2)};
  std::sort(ks.begin(), ks.end());
  EXPECT_EQ(ks, (std::vector<std::string>{queue_key("a", 2), queue_key("a", 300),
                                          queue_key("ab", 1), queue_key("b", 0)}));
}

TEST(Keys, ParseRoundTrips) {
  for (const std::string& client : {"a"s, "sensor/42"s, "\xc3\xa9t\xc3\xa9"s, ""s}) {
    for (uint64_t seq : {0ull, 7ull, 0xff00ff00ff00ff00ull, ~0ull}) {
      const std::string k = queue_key(client, seq);
      const auto parsed = parse_queue_key(k);
      ASSERT_TRUE(parsed.has_value());
      EXPECT_EQ(parsed->client_id, client);
      EXPECT_EQ(parsed->seq, seq);
    }
  }
}

TEST(Keys, ParseRejectsWhatIsNotAQueueKey) {
  EXPECT_FALSE(parse_queue_key(""));
  EXPECT_FALSE(parse_queue_key("\0\0\0\0\0\0\0\0"s));               // 8 bytes: no room
  EXPECT_FALSE(parse_queue_key("ab\x01\0\0\0\0\0\0\0\x01"s));        // wrong separator
  EXPECT_FALSE(parse_queue_key("a\0b\0\0\0\0\0\0\0\0\x01"s));        // NUL inside client id
  EXPECT_FALSE(parse_queue_key("last_seq"));
}

TEST(Keys, U64RoundTrip) {
  for (uint64_t v : {0ull, 1ull, 0x0123456789abcdefull, ~0ull}) {
    std::string s;
    append_u64_be(s, v);
    ASSERT_EQ(s.size(), kSeqBytes);
    EXPECT_EQ(read_u64_be(s), v);
  }
}

TEST(Keys, OtherLayouts) {
  EXPECT_EQ(retained_key("a/b"), "a/b");
  EXPECT_EQ(session_key("c1"), "c1");
  EXPECT_EQ(kLastSeqKey, "last_seq");
}

TEST(Keys, FamilyNamesInFamilyOrder) {
  EXPECT_EQ(family_name(Family::Retained), "retained");
  EXPECT_EQ(family_name(Family::Sessions), "sessions");
  EXPECT_EQ(family_name(Family::Queue), "queue");
  EXPECT_EQ(family_name(Family::Meta), "meta");
}

}  // namespace
}  // namespace edgemq::storage::keys
