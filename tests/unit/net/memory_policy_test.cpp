// The memory watermark's hysteresis and when the heap is trimmed: pure
// decisions, fed made-up samples.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "gateway/net/heap_trim.h"
#include "gateway/net/heap_trim_policy.h"
#include "gateway/net/memory_watermark.h"
#include "gateway/net/process_rss.h"

namespace edgemq::net {
namespace {

constexpr uint64_t kMiB = 1 << 20;
using Change = MemoryWatermark::Change;

TEST(MemoryWatermark, RisesAtTheWatermarkAndFallsBelowNinetyPercent) {
  MemoryWatermark w;
  EXPECT_EQ(w.observe(99 * kMiB, 100 * kMiB), Change::None);
  EXPECT_EQ(w.observe(100 * kMiB, 100 * kMiB), Change::Rose);
  EXPECT_TRUE(w.high());
  EXPECT_EQ(w.observe(120 * kMiB, 100 * kMiB), Change::None) << "one line per crossing";
  EXPECT_EQ(w.observe(95 * kMiB, 100 * kMiB), Change::None) << "below the mark, above 90 %: still high";
  EXPECT_EQ(w.observe(91 * kMiB, 100 * kMiB), Change::None);
  EXPECT_EQ(w.observe(89 * kMiB, 100 * kMiB), Change::Fell);
  EXPECT_FALSE(w.high());
  EXPECT_EQ(w.observe(95 * kMiB, 100 * kMiB), Change::None) << "not high again until the mark";
}

TEST(MemoryWatermark, OffIsNeverHighAndTurningItOffClears) {
  MemoryWatermark w;
  EXPECT_EQ(w.observe(1ull << 40, 0), Change::None);
  EXPECT_EQ(w.observe(200 * kMiB, 100 * kMiB), Change::Rose);
  EXPECT_EQ(w.observe(200 * kMiB, 0), Change::Fell);
}

TEST(MemoryWatermark, ARaisedWatermarkClearsOnTheNextSample) {
  MemoryWatermark w;
  EXPECT_EQ(w.observe(150 * kMiB, 100 * kMiB), Change::Rose);
  EXPECT_EQ(w.observe(150 * kMiB, 200 * kMiB), Change::Fell);
}

TEST(HeapTrimPolicy, TrimsOnceMuchWasFreedAtMostOnceASecond) {
  HeapTrimPolicy p;
  const uint64_t t = 1'000'000;
  EXPECT_FALSE(p.due(t, 4 * kMiB, false));
  EXPECT_TRUE(p.due(t + 100, 4 * kMiB, false)) << "8 MiB released in all";
  EXPECT_FALSE(p.due(t + 200, 64 * kMiB, false)) << "too soon after the last";
  EXPECT_TRUE(p.due(t + 1100, 0, false)) << "what was released meanwhile still counts";
  EXPECT_FALSE(p.due(t + 5000, 0, false)) << "nothing released, memory not high: no trim";
}

TEST(HeapTrimPolicy, WhileMemoryIsHighTrimsEveryFewSeconds) {
  HeapTrimPolicy p;
  const uint64_t t = 1'000'000;
  EXPECT_TRUE(p.due(t, 0, true));
  EXPECT_FALSE(p.due(t + 4000, 0, true));
  EXPECT_TRUE(p.due(t + HeapTrimPolicy::kHighIntervalMs, 0, true));
}

TEST(HeapTrimPolicy, LooksAtTheHeapsFreeBytesEveryTenSeconds) {
  HeapTrimPolicy p;
  const uint64_t t = 1'000'000;
  EXPECT_TRUE(p.free_check_due(t));
  EXPECT_FALSE(p.free_check_due(t + HeapTrimPolicy::kFreeCheckIntervalMs - 1));
  EXPECT_TRUE(p.free_check_due(t + HeapTrimPolicy::kFreeCheckIntervalMs));
}

TEST(HeapTrimPolicy, TheFreeHeapCountsOnlyOnceABurstIsOver) {
  EXPECT_EQ(HeapTrimPolicy::idle_release(300 * kMiB, 30 * kMiB), 300 * kMiB) << "after the burst";
  EXPECT_EQ(HeapTrimPolicy::idle_release(300 * kMiB, 200 * kMiB), 0u) << "under load: reused anyway";
  EXPECT_EQ(HeapTrimPolicy::idle_release(16 * kMiB, 1 * kMiB), 0u) << "too little to be worth a trim";
}

// What glibc says it holds free grows when a burst is freed: the reading
// the ten-second check relies on.
TEST(HeapTrim, FreeHeapBytesSeeABurstFreed) {
  std::vector<std::unique_ptr<char[]>> burst;
  for (int i = 0; i < 4096; ++i) {
    burst.emplace_back(new char[16 * 1024]);
    burst.back()[0] = 1;
  }
  const HeapUsage before = heap_usage();
  for (size_t i = 0; i + 1 < burst.size(); ++i) burst[i].reset();  // the last one pins the top
  const HeapUsage after = heap_usage();
  if (after.free == 0 && after.used == 0) GTEST_SKIP() << "this C library does not say";
  EXPECT_GE(after.free, before.free + 32 * kMiB) << "64 MiB of 16 KiB blocks freed";
  EXPECT_LE(after.used + 32 * kMiB, before.used);
}

TEST(ProcessRss, ReadsThisProcesssResidentMemory) {
  ProcessRss rss;
  const uint64_t before = rss.read();
  EXPECT_GT(before, 1 * kMiB);
  std::vector<char> touched(64 * kMiB, 1);
  EXPECT_GE(rss.read(), before + 60 * kMiB) << "a 64 MiB buffer, every page written";
  EXPECT_EQ(touched[12345], 1);
}

}  // namespace
}  // namespace edgemq::net
