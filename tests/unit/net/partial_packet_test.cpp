// The partial packet buffer: charged by capacity, so it must not grow past
// the packet it holds, and must not keep a large buffer for a few bytes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/net/partial_packet.h"

namespace edgemq::net {
namespace {

std::vector<uint8_t> bytes(size_t n) { return std::vector<uint8_t>(n, 'x'); }

TEST(PartialPacket, GrowsToThePacketsSizeAndNoFurther) {
  std::string b;
  const size_t packet = 600 * 1024;
  append_partial(b, bytes(64 * 1024), packet);
  EXPECT_EQ(b.capacity(), 64u * 1024);
  size_t got = b.size();
  while (got < packet) {
    const size_t n = std::min<size_t>(64 * 1024, packet - got);
    append_partial(b, bytes(n), packet);
    got += n;
    EXPECT_LE(b.capacity(), packet) << "doubling would have taken 1 MiB for a 600 KiB packet";
  }
  EXPECT_EQ(b.size(), packet);
  EXPECT_EQ(b.capacity(), packet);
}

TEST(PartialPacket, SizeUnknownDoubles) {
  std::string b;
  append_partial(b, bytes(3000), 0);
  append_partial(b, bytes(100), 0);
  EXPECT_EQ(b.size(), 3100u);
  EXPECT_GE(b.capacity(), 6000u) << "geometric growth: appends stay amortised O(1)";
}

TEST(PartialPacket, BytesBeyondTheExpectedSizeStillFit) {
  // The read brought the packet's end and the start of the next one.
  std::string b;
  append_partial(b, bytes(1000), 1500);
  append_partial(b, bytes(900), 1500);
  EXPECT_EQ(b.size(), 1900u);
}

TEST(PartialPacket, DroppingEverythingFreesTheBuffer) {
  std::string b;
  append_partial(b, bytes(100 * 1024), 0);
  drop_front(b, b.size());
  EXPECT_TRUE(b.empty());
  EXPECT_LT(b.capacity(), 100u) << "no heap buffer left";
}

TEST(PartialPacket, ASmallRemainderMovesToASmallBuffer) {
  std::string b;
  append_partial(b, bytes(256 * 1024), 0);
  b.back() = 'y';
  drop_front(b, 256 * 1024 - 10);
  EXPECT_EQ(b, "xxxxxxxxxy");
  EXPECT_LT(b.capacity(), 4096u);
}

TEST(PartialPacket, ALargeRemainderStaysWhereItIs) {
  std::string b;
  append_partial(b, bytes(8192), 0);
  const size_t cap = b.capacity();
  drop_front(b, 1000);
  EXPECT_EQ(b.size(), 7192u);
  EXPECT_EQ(b.capacity(), cap);
}

}  // namespace
}  // namespace edgemq::net
