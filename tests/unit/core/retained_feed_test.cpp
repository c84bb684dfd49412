// Retained messages on SUBSCRIBE go out as the client takes them: none is
// dropped for want of room, a client that stops reading holds its place in
// the index, and a message set after the SUBSCRIBE goes out once, live.
#include <gtest/gtest.h>

#include "gateway/core/retained_index.h"
#include "tests/unit/core/shard_harness.h"

namespace edgemq::core::testing {
namespace {

std::vector<std::string> topics_of(const FakeLink& l) {
  std::vector<std::string> out;
  for (const auto& p : l.all<mqtt::Publish>()) out.push_back(p.topic);
  return out;
}

std::string padded(int i) {
  std::string n = std::to_string(i);
  return "r/" + std::string(5 - n.size(), '0') + n;
}

TEST(RetainedIndexCursor, LiteralPrefixIsTheLevelsBeforeTheFirstWildcard) {
  EXPECT_EQ(literal_prefix("a/b/#"), "a/b");  // "a/b" itself matches
  EXPECT_EQ(literal_prefix("a/+/c"), "a/");
  EXPECT_EQ(literal_prefix("#"), "");
  EXPECT_EQ(literal_prefix("+/x"), "");
  EXPECT_EQ(literal_prefix("a/b"), "a/b");
  EXPECT_EQ(literal_prefix("a/b+/#"), "a/b+") << "'+' inside a level is no wildcard";
}

TEST(RetainedIndexCursor, ReadsInPiecesInTopicOrderAndBoundsEachScan) {
  RetainedIndex index;
  for (int i = 0; i < 100; ++i) index.set(make_message(padded(i), "p", 0, true));
  index.set(make_message("s/other", "p", 0, true));
  RetainedCursor c = index.cursor();
  std::vector<MessagePtr> out;
  EXPECT_EQ(index.next("r/#", c, 30, 1000, out), 30u);
  ASSERT_EQ(out.size(), 30u);
  EXPECT_EQ(out.front()->topic, padded(0));
  EXPECT_EQ(out.back()->topic, padded(29));
  EXPECT_FALSE(c.done);
  // At most 10 looked at, matches or not.
  out.clear();
  EXPECT_EQ(index.next("r/#", c, 30, 10, out), 10u);
  EXPECT_EQ(out.size(), 10u);
  RetainedCursor none = index.cursor();
  EXPECT_EQ(index.next("r/+/x", none, 30, 10, out), 10u) << "no match among the 10 looked at";
  EXPECT_EQ(out.size(), 10u);
  EXPECT_FALSE(none.done);
  out.clear();
  index.next("r/#", c, 1000, 1000, out);
  EXPECT_EQ(out.size(), 60u);
  EXPECT_EQ(out.back()->topic, padded(99));
  EXPECT_TRUE(c.done);
}

TEST(RetainedIndexCursor, WhatIsSetAfterTheCursorBeganIsSkipped) {
  RetainedIndex index;
  index.set(make_message("a/1", "old", 0, true));
  index.set(make_message("a/3", "old", 0, true));
  RetainedCursor c = index.cursor();
  index.set(make_message("a/2", "new", 0, true));
  index.set(make_message("a/3", "newer", 0, true));
  std::vector<MessagePtr> out;
  index.next("a/#", c, 100, 100, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->topic, "a/1");
}

TEST(RetainedFeed, AClientThatDoesNotReadGetsNothingDroppedAndAllOnceItReads) {
  Limits limits;
  limits.max_outbound_bytes = 1024;
  ShardHarness h(limits);
  FakeLink pub(1), sub(2);
  h.connect(pub, "pub");
  for (int i = 0; i < 200; ++i) h.publish(pub, padded(i), std::string(100, 'x'), 0, 0, true);
  h.connect(sub, "sub");
  sub.queued = 4096;  // the client is not reading
  h.subscribe(sub, "r/#", 0);
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty());
  h.shard().pump_retained();
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty()) << "waits, however many turns";
  EXPECT_EQ(Stats::get(h.broker().stats().dropped_retained_on_subscribe), 0u);
  sub.queued = 0;  // it reads again
  h.shard().pump_retained();
  const auto got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 200u);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(got[i].topic, padded(i));
    EXPECT_TRUE(got[i].retain) << "[MQTT-3.3.1-8]";
  }
  EXPECT_FALSE(h.shard().feeding_retained());
}

TEST(RetainedFeed, QoS1RetainedMessagesGoOutAsTheWindowDrains) {
  ShardHarness h;
  FakeLink pub(1), sub(2);
  h.connect(pub, "pub");
  for (int i = 0; i < 1000; ++i) h.publish(pub, padded(i), "m", 1, static_cast<uint16_t>(i % 60000 + 1), true);
  h.settle();
  h.connect(sub, "sub");
  h.subscribe(sub, "r/#", 1);
  // The window (max_inflight 32) and a short queue behind it: not 1,000 queued.
  EXPECT_LE(sub.all<mqtt::Publish>().size(), 32u);
  EXPECT_TRUE(h.shard().feeding_retained());
  size_t acked = 0;
  for (int turn = 0; turn < 10000 && acked < 1000; ++turn) {
    const auto got = sub.all<mqtt::Publish>();
    for (; acked < got.size(); ++acked) {
      ASSERT_EQ(h.shard().on_packet(sub.id(), mqtt::Puback{got[acked].packet_id}), 0);
    }
    h.shard().pump_retained();
  }
  EXPECT_EQ(topics_of(sub).size(), 1000u);
  EXPECT_EQ(topics_of(sub).back(), padded(999));
  EXPECT_FALSE(h.shard().feeding_retained());
}

TEST(RetainedFeed, AMessageRetainedAfterTheSubscribeGoesOutOnceLive) {
  Limits limits;
  limits.max_outbound_bytes = 1024;
  ShardHarness h(limits);
  FakeLink pub(1), sub(2);
  h.connect(pub, "pub");
  for (int i = 0; i < 20; ++i) h.publish(pub, padded(i), "old", 0, 0, true);
  h.connect(sub, "sub");
  sub.queued = 4096;
  h.subscribe(sub, "r/#", 0);
  sub.queued = 0;
  h.publish(pub, padded(10), "new", 0, 0, true);  // live, while the feed waits
  h.shard().pump_retained();
  size_t tens = 0;
  for (const auto& p : sub.all<mqtt::Publish>()) tens += p.topic == padded(10);
  EXPECT_EQ(tens, 1u) << "not again as a retained message";
  EXPECT_EQ(sub.all<mqtt::Publish>().size(), 20u);
}

TEST(RetainedFeed, UnsubscribingStopsItsFeed) {
  ShardHarness h;
  FakeLink pub(1), sub(2);
  h.connect(pub, "pub");
  for (int i = 0; i < 20; ++i) h.publish(pub, padded(i), "m", 0, 0, true);
  h.connect(sub, "sub");
  sub.queued = 1 << 30;
  h.subscribe(sub, "r/#", 0);
  ASSERT_EQ(h.shard().on_packet(sub.id(), mqtt::Unsubscribe{2, {"r/#"}}), 0);
  h.run_until([&] { return !sub.all<mqtt::Unsuback>().empty(); });
  EXPECT_FALSE(h.shard().feeding_retained());
  sub.queued = 0;
  h.shard().pump_retained();
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty());
}

TEST(RetainedFeed, LargeRetainedMessagesStopAtTheBudgetOneByOneAndResumeWithoutGapsOrRepeats) {
  Limits limits;
  limits.max_outbound_bytes = 4096;  // room while under 2048
  ShardHarness h(limits);
  FakeLink pub(1), sub(2);
  h.connect(pub, "pub");
  for (int i = 0; i < 100; ++i) h.publish(pub, padded(i), std::string(1000, 'x'), 0, 0, true);
  h.connect(sub, "sub");
  sub.queued_per_publish = 1000;
  h.subscribe(sub, "r/#", 0);
  EXPECT_EQ(sub.all<mqtt::Publish>().size(), 3u) << "0, 1000, 2000 bytes queued before each: the third fills it";
  for (int round = 0; round < 100 && h.shard().feeding_retained(); ++round) {
    sub.queued = 0;  // it read everything
    h.shard().pump_retained();
  }
  EXPECT_EQ(topics_of(sub).size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(topics_of(sub)[i], padded(i));
}

TEST(RetainedFeed, AnUnsubscribeBeforeTheSubackWentOutLeavesNothingOwed_MQTT_3_10_4_2) {
  ShardHarness h;
  FakeLink pub(1), sub(2);
  h.connect(pub, "pub");
  for (int i = 0; i < 20; ++i) h.publish(pub, padded(i), "m", 0, 0, true);
  h.connect(sub, "sub", false);  // persistent: the SUBACK waits for the session's commit
  ASSERT_EQ(h.shard().on_packet(sub.id(), mqtt::Subscribe{1, {{"r/#", 0}}}), 0);
  ASSERT_EQ(h.shard().on_packet(sub.id(), mqtt::Unsubscribe{2, {"r/#"}}), 0);
  h.run_until([&] { return !sub.all<mqtt::Unsuback>().empty(); });
  h.shard().pump_retained();
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty());
  EXPECT_FALSE(h.shard().feeding_retained());
}

}  // namespace
}  // namespace edgemq::core::testing
