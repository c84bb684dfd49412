// What SIGHUP would change: live keys taken over and said, the rest named
// as needing a restart and left as they run.
#include <gtest/gtest.h>

#include "gateway/app/reload.h"

namespace edgemq::app {
namespace {

TEST(ReloadPlan, NothingChangedChangesNothing) {
  Config running;
  const ReloadPlan plan = plan_reload(running, running);
  EXPECT_TRUE(plan.applied.empty());
  EXPECT_TRUE(plan.need_restart.empty());
  EXPECT_FALSE(plan.limits);
  EXPECT_FALSE(plan.log_level);
}

TEST(ReloadPlan, LiveKeysAreTakenOverAndSaid) {
  Config running, fresh;
  fresh.log_level = "debug";
  fresh.limits.max_inflight = 64;
  fresh.limits.max_subscriptions = 10;
  fresh.limits.connect_timeout_s = 3;
  const ReloadPlan plan = plan_reload(running, fresh);
  EXPECT_TRUE(plan.log_level);
  EXPECT_TRUE(plan.limits);
  EXPECT_EQ(plan.next.log_level, "debug");
  EXPECT_EQ(plan.next.limits.max_inflight, 64u);
  EXPECT_EQ(plan.next.limits.max_subscriptions, 10u);
  EXPECT_EQ(plan.next.limits.connect_timeout_s, 3u);
  const std::vector<std::string> said = {"log_level info -> debug", "max_inflight 32 -> 64",
                                         "max_subscriptions 1000 -> 10", "connect_timeout 10 -> 3"};
  for (const std::string& line : said) {
    EXPECT_NE(std::find(plan.applied.begin(), plan.applied.end(), line), plan.applied.end()) << line;
  }
  EXPECT_EQ(plan.applied.size(), said.size());
  EXPECT_TRUE(plan.need_restart.empty());
}

TEST(ReloadPlan, WhatCannotChangeLiveKeepsItsRunningValue) {
  Config running, fresh;
  fresh.listen_mqtt = "0.0.0.0:1884";
  fresh.workers = 7;
  fresh.limits.receive_maximum = 10;  // CONNACK told connected 5.0 clients the old one
  fresh.limits.max_packet_size = 1000;
  fresh.limits.max_queued_messages = 5;
  const ReloadPlan plan = plan_reload(running, fresh);
  EXPECT_EQ(plan.next.listen_mqtt, running.listen_mqtt);
  EXPECT_EQ(plan.next.workers, running.workers);
  EXPECT_EQ(plan.next.limits.receive_maximum, running.limits.receive_maximum);
  EXPECT_EQ(plan.next.limits.max_packet_size, running.limits.max_packet_size);
  EXPECT_EQ(plan.next.limits.max_queued_messages, 5u) << "a live key in the same reload still applies";
  const std::vector<std::string> restart = {"listen_mqtt", "workers", "max_packet_size", "receive_maximum"};
  for (const std::string& key : restart) {
    EXPECT_NE(std::find(plan.need_restart.begin(), plan.need_restart.end(), key), plan.need_restart.end()) << key;
  }
  EXPECT_EQ(plan.need_restart.size(), restart.size());
}

TEST(ReloadPlan, MemoryBoundsAreLiveAndGoToTheMemoryGuard) {
  Config running, fresh;
  fresh.partial_packet_budget = 32u << 20;
  fresh.memory_high_watermark = {0, 60};
  fresh.limits.packet_timeout_s = 30;
  const ReloadPlan plan = plan_reload(running, fresh);
  EXPECT_TRUE(plan.memory);
  EXPECT_TRUE(plan.limits) << "packet_timeout is a shard limit";
  EXPECT_TRUE(plan.need_restart.empty());
  EXPECT_EQ(plan.next.partial_packet_budget, 32u << 20);
  EXPECT_EQ(plan.next.memory_high_watermark, (MemoryAmount{0, 60}));
  EXPECT_EQ(plan.next.limits.packet_timeout_s, 30u);
  for (const std::string line : {"partial_packet_budget 67108864 -> 33554432", "memory_high_watermark 75% -> 60%",
                                 "packet_timeout 60 -> 30"}) {
    EXPECT_NE(std::find(plan.applied.begin(), plan.applied.end(), line), plan.applied.end()) << line;
  }
}

}  // namespace
}  // namespace edgemq::app
