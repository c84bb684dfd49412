// QoS 1 flow control at a full subscriber queue: an online subscriber whose
// queue is at max_queued_messages holds the publishers' PUBACKs back until it
// has room again, so nothing acknowledged is dropped; a subscriber that makes
// no room within ack_hold_timeout, or goes away, lets them go.
#include <string>
#include <vector>

#include "tests/unit/core/shard_harness.h"

namespace edgemq::core::testing {
namespace {

std::vector<uint16_t> puback_ids(const FakeLink& link) {
  std::vector<uint16_t> ids;
  for (const auto& a : link.all<mqtt::Puback>()) ids.push_back(a.packet_id);
  return ids;
}

std::vector<std::string> payloads(const FakeLink& link) {
  std::vector<std::string> out;
  for (const auto& p : link.all<mqtt::Publish>()) out.push_back(p.payload);
  return out;
}

Limits small_window() {
  Limits l;
  l.max_inflight = 1;
  l.max_queued_messages = 2;
  l.ack_hold_timeout_ms = 1000;
  return l;
}

class FlowControl : public ::testing::TestWithParam<bool> {
 protected:
  // The subscriber on shard 1; the publisher on shard 1 as well (GetParam()
  // false) or on shard 0, so that the gate crosses shards (true).
  void SetUp() override {
    for (size_t i = 0; i < 2; ++i) h.shard(i).on_tick(10'000);
    h.connect(sub, h.id_on(1, "sub"));
    h.subscribe(sub, "t", 1);
    h.connect(pub, h.id_on(GetParam() ? 0 : 1, "pub"));
  }
  // One message per loop turn, each delivered before the next is routed
  // (messages routed in the same turn as the queue fills are not gated: the
  // second half of the limit is for them).
  void publish(uint16_t from, uint16_t to) {
    for (uint16_t i = from; i <= to; ++i) {
      h.publish(pub, "t", std::to_string(i), 1, i);
      for (int turn = 0; turn < 3; ++turn) {
        h.flush();
        h.run_posted();
      }
    }
  }
  // The subscriber acknowledges the last PUBLISH it got.
  void sub_acks_last() {
    auto got = sub.all<mqtt::Publish>();
    ASSERT_FALSE(got.empty());
    ASSERT_EQ(h.shard(1).on_packet(sub.id(), mqtt::Puback{got.back().packet_id}), 0);
    for (int turn = 0; turn < 3; ++turn) {
      h.flush();
      h.run_posted();
    }
  }
  void tick(uint64_t now_ms) {
    for (size_t i = 0; i < 2; ++i) h.shard(i).on_tick(now_ms);
    h.flush();
    h.run_posted();
  }

  ShardHarness h{small_window(), storage::make_memory_store(), 2};
  FakeLink sub{1}, pub{2};
};

TEST_P(FlowControl, FullQueueHoldsPubacksUntilThereIsRoomAndDropsNothing) {
  // 1 goes out (window 1), 2 and 3 fill the queue (limit 2); 4 and 5 are
  // taken past the limit with their PUBACKs held.
  publish(1, 5);
  EXPECT_EQ(puback_ids(pub), (std::vector<uint16_t>{1, 2, 3}));
  EXPECT_EQ(h.broker().stats().acks_held.load(), 2u);
  EXPECT_EQ(payloads(sub), (std::vector<std::string>{"1"}));

  sub_acks_last();  // 2 goes out, queue 3
  sub_acks_last();  // 3 goes out, queue 2
  EXPECT_EQ(puback_ids(pub), (std::vector<uint16_t>{1, 2, 3})) << "still above half the limit";
  sub_acks_last();  // 4 goes out, queue 1: room again
  EXPECT_EQ(puback_ids(pub), (std::vector<uint16_t>{1, 2, 3, 4, 5}));
  sub_acks_last();
  EXPECT_EQ(payloads(sub), (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(h.broker().stats().dropped_queue_full.load(), 0u);
  EXPECT_TRUE(h.broker().congested().empty());

  publish(6, 6);  // no longer congested: acknowledged at once
  EXPECT_EQ(puback_ids(pub).back(), 6);
}

// Slow is not stuck, but holds publishers back all the same: a subscriber
// that takes a message now and then still lets held acknowledgements go
// once the oldest has waited ack_hold_timeout.
TEST_P(FlowControl, ASlowSubscriberHoldsNoAckLongerThanTheTimeout) {
  publish(1, 5);
  EXPECT_EQ(puback_ids(pub), (std::vector<uint16_t>{1, 2, 3}));
  tick(10'600);
  sub_acks_last();  // progress: the queue moved
  tick(10'900);
  EXPECT_EQ(puback_ids(pub).size(), 3u) << "within ack_hold_timeout";
  tick(11'000);
  EXPECT_EQ(puback_ids(pub), (std::vector<uint16_t>{1, 2, 3, 4, 5})) << "moving, but too slowly";
  EXPECT_EQ(h.broker().stats().ack_hold_timeouts.load(), 1u);
  EXPECT_TRUE(h.broker().congested().empty());
}

TEST_P(FlowControl, AStuckSubscriberReleasesHeldAcksAfterTheTimeoutThenDrops) {
  publish(1, 5);
  tick(10'500);
  EXPECT_EQ(puback_ids(pub), (std::vector<uint16_t>{1, 2, 3})) << "held for up to ack_hold_timeout";
  tick(11'000);
  EXPECT_EQ(puback_ids(pub), (std::vector<uint16_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(h.broker().stats().ack_hold_timeouts.load(), 1u);
  EXPECT_TRUE(h.broker().congested().empty()) << "a stuck session no longer gates publishers";

  publish(6, 6);  // past the limit of a stuck session: dropped, counted, acknowledged
  EXPECT_EQ(puback_ids(pub).back(), 6);
  EXPECT_EQ(h.broker().stats().dropped_queue_full.load(), 1u);
  // What was taken is still delivered, in order.
  for (int i = 0; i < 5; ++i) sub_acks_last();
  EXPECT_EQ(payloads(sub), (std::vector<std::string>{"1", "2", "3", "4", "5"}));
}

TEST_P(FlowControl, ASubscriberThatLeavesReleasesHeldAcks) {
  publish(1, 5);
  EXPECT_EQ(puback_ids(pub).size(), 3u);
  h.shard(1).on_link_closed(sub.id(), false);
  h.flush();
  h.run_posted();
  EXPECT_EQ(puback_ids(pub), (std::vector<uint16_t>{1, 2, 3, 4, 5}));
  EXPECT_TRUE(h.broker().congested().empty());
}

INSTANTIATE_TEST_SUITE_P(SameAndOtherShard, FlowControl, ::testing::Bool(),
                         [](const auto& p) { return p.param ? "PublisherOnOtherShard" : "PublisherOnSameShard"; });

TEST(FlowControlOffline, AnOfflinePersistentSessionQueuesOnDiskPastItsLimitAndHoldsNothing) {
  ShardHarness h(small_window());
  h.shard().on_tick(10'000);
  FakeLink sub(1), pub(2), back(3);
  h.connect(sub, "sub", false);
  h.subscribe(sub, "t", 1);
  h.shard().on_link_closed(sub.id(), false);
  h.connect(pub, "pub");
  for (uint16_t i = 1; i <= 5; ++i) h.publish(pub, "t", std::to_string(i), 1, i);
  h.settle();
  EXPECT_EQ(puback_ids(pub), (std::vector<uint16_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(h.broker().stats().acks_held.load(), 0u);
  EXPECT_EQ(h.broker().stats().dropped_queue_full.load(), 0u) << "max_queued_messages bounds memory, not disk";
  h.connect(back, "sub", false);
  std::vector<std::string> got;
  for (uint16_t i = 0; i < 5; ++i) {
    auto pubs = h.await_publishes(back, i + 1u);
    ASSERT_EQ(pubs.size(), i + 1u) << "one at a time: the window is 1";
    got.push_back(pubs.back().payload);
    ASSERT_EQ(h.shard().on_packet(back.id(), mqtt::Puback{pubs.back().packet_id}), 0);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
}

}  // namespace
}  // namespace edgemq::core::testing
