// The partial packet budget's accounting and its rule: who is paused, who
// reads on, and when the paused are read again.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "gateway/net/partial_packet_budget.h"

namespace edgemq::net {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr size_t kSmall = PartialPacketBudget::kSmallRead;

TEST(PartialPacketBudget, ChargesAddUpAndReleasesAreCounted) {
  PartialPacketBudget b(16 * kMiB);
  b.charge(0, 1000);
  b.charge(0, 500);
  b.charge(1000, 4000);
  EXPECT_EQ(b.held(), 4500u);
  EXPECT_EQ(b.take_released(), 0u);
  b.charge(4000, 0);
  b.charge(500, 100);
  EXPECT_EQ(b.held(), 100u);
  EXPECT_EQ(b.take_released(), 4400u);
  EXPECT_EQ(b.take_released(), 0u) << "taken once";
}

TEST(PartialPacketBudget, WorkersChargeConcurrently) {
  PartialPacketBudget b(16 * kMiB);
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&b] {
      for (int i = 0; i < 100000; ++i) {
        b.charge(0, 64);
        b.charge(64, 0);
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(b.held(), 0u);
}

TEST(PartialPacketBudget, BelowTheBudgetNobodyIsPausedAndReadsAreWhole) {
  PartialPacketBudget b(16 * kMiB);
  b.charge(0, 16 * kMiB - 1);
  EXPECT_FALSE(b.over());
  EXPECT_FALSE(b.pauses(kMiB));
  EXPECT_EQ(b.read_size(64 * 1024), 64u * 1024);
}

TEST(PartialPacketBudget, OverItTheLargeHoldersArePausedAndTheSmallReadOn) {
  PartialPacketBudget b(16 * kMiB);
  b.charge(0, 16 * kMiB);
  EXPECT_TRUE(b.over());
  EXPECT_TRUE(b.pauses(256 * 1024)) << "holding the most";
  EXPECT_TRUE(b.pauses(kSmall + 1));
  EXPECT_FALSE(b.pauses(kSmall)) << "a packet that fits in a read";
  EXPECT_FALSE(b.pauses(0)) << "whole packets only";
  EXPECT_EQ(b.read_size(64 * 1024), kSmall) << "one read adds little";
}

TEST(PartialPacketBudget, ThePausedResumeBelowThreeQuartersOnly) {
  PartialPacketBudget b(16 * kMiB);
  b.charge(0, 16 * kMiB);
  EXPECT_TRUE(b.holds_back(kMiB));
  b.charge(16 * kMiB, 13 * kMiB);
  EXPECT_FALSE(b.over());
  EXPECT_TRUE(b.holds_back(kMiB)) << "between three quarters and the budget: still paused (hysteresis)";
  b.charge(13 * kMiB, 12 * kMiB - 1);
  EXPECT_FALSE(b.holds_back(kMiB));
  b.charge(0, 4 * kMiB);
  EXPECT_FALSE(b.holds_back(kSmall)) << "a small holder is never held back";
}

TEST(PartialPacketBudget, HighMemoryCountsAsOverWhateverIsHeld) {
  PartialPacketBudget b(16 * kMiB);
  b.set_memory_high(true);
  EXPECT_TRUE(b.over());
  EXPECT_TRUE(b.pauses(kSmall + 1));
  EXPECT_TRUE(b.holds_back(kSmall + 1));
  b.set_memory_high(false);
  EXPECT_FALSE(b.over());
  EXPECT_FALSE(b.holds_back(kSmall + 1));
}

TEST(PartialPacketBudget, ALowerLimitTakesEffectAtOnce) {
  PartialPacketBudget b(16 * kMiB);
  b.charge(0, 8 * kMiB);
  EXPECT_FALSE(b.over());
  b.set_limit(4 * kMiB);
  EXPECT_TRUE(b.over());
}

}  // namespace
}  // namespace edgemq::net
