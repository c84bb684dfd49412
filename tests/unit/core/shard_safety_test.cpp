// Durability and bounds corners found in review: a QoS 2 resend is never
// acknowledged before the first copy is durable, and never swallowed after a
// failed commit; retained messages on client $-topics are stored; $SYS is the
// gateway's; retained-on-subscribe, subscriptions and retained topics are bounded.
#include "tests/unit/core/shard_harness.h"

namespace edgemq::core::testing {
namespace {

size_t queued_records(storage::Store& store) {
  size_t n = 0;
  store.load_queues([&](std::string_view, storage::QueuedMessage&&) { ++n; });
  return n;
}

size_t retained_records(storage::Store& store) {
  size_t n = 0;
  store.load_retained([&](storage::RetainedMessage&&) { ++n; });
  return n;
}

// [MQTT-4.3.3-2]: the resend of a QoS 2 message whose first copy was not
// stored is a new message: routed, stored, then acknowledged.
TEST(ShardSafety, Qos2ResendAfterFailedCommitIsStoredThenAcknowledged) {
  auto owned = std::make_unique<FailingStore>();
  FailingStore& store = *owned;
  ShardHarness h({}, std::move(owned));
  FakeLink sub(1), pub(2), pub_again(3);
  h.connect(sub, "sub", false);
  h.subscribe(sub, "t", 2);
  h.connect(pub, "pub", false);
  store.failing = true;
  h.publish(pub, "t", "m", 2, 7);
  h.run_until([&] { return pub.closed; });
  EXPECT_TRUE(pub.all<mqtt::Pubrec>().empty()) << "not durable, so not acknowledged";
  h.shard().on_link_closed(pub.id(), false);

  store.failing = false;
  // A failed write makes the store refuse until it has resumed (within a second).
  h.run_until([&] { return !h.broker().store_refusing(); });
  h.connect(pub_again, "pub", false);
  ASSERT_EQ(h.shard().on_packet(pub_again.id(), mqtt::Publish{true, 2, false, "t", 7, "m"}), 0);
  h.run_until([&] { return !pub_again.all<mqtt::Pubrec>().empty(); });
  EXPECT_EQ(queued_records(h.store()), 1u) << "the acknowledged resend is in the store";
}

// A takeover before the first copy's commit completes: the resend on the new
// connection waits for that commit before its PUBREC.
TEST(ShardSafety, Qos2ResendOnNewConnectionWaitsForFirstCommit) {
  ShardHarness h;
  FakeLink sub(1), pub(2), pub_again(3);
  h.connect(sub, "sub", false);
  h.subscribe(sub, "t", 2);
  h.connect(pub, "pub", false);
  h.publish(pub, "t", "m", 2, 7);  // submitted; its completion waits in the harness
  h.connect(pub_again, "pub", false);
  ASSERT_EQ(h.shard().on_packet(pub_again.id(), mqtt::Publish{true, 2, false, "t", 7, "m"}), 0);
  EXPECT_TRUE(pub_again.all<mqtt::Pubrec>().empty()) << "PUBREC before the message was durable";
  h.run_until([&] { return pub_again.all<mqtt::Pubrec>().size() == 1; });
  EXPECT_EQ(queued_records(h.store()), 1u) << "routed once, not twice";
}

TEST(ShardSafety, RetainedOnClientDollarTopicIsStored) {
  ShardHarness h;
  FakeLink pub(1);
  h.connect(pub, "pub");
  h.publish(pub, "$devices/x/state", "on", 1, 3, true);
  h.run_until([&] { return pub.all<mqtt::Puback>().size() == 1; });
  EXPECT_EQ(retained_records(h.store()), 1u);
}

TEST(ShardSafety, ClientPublishToSysIsAcknowledgedButNotRouted) {
  ShardHarness h;
  FakeLink sub(1), pub(2);
  h.connect(sub, "sub");
  h.subscribe(sub, "$SYS/#", 1);
  h.connect(pub, "pub");
  h.publish(pub, "$SYS/broker/uptime", "forged", 1, 3, true);
  h.run_until([&] { return pub.all<mqtt::Puback>().size() == 1; });
  h.settle();
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty());
  EXPECT_EQ(retained_records(h.store()), 0u);
  EXPECT_EQ(Stats::get(h.broker().stats().dropped_sys_publish), 1u);
}

TEST(ShardSafety, SubscriptionsPastTheLimitGetSubackFailure) {
  Limits limits;
  limits.max_subscriptions = 2;
  ShardHarness h(limits);
  FakeLink c(1);
  h.connect(c, "c");
  ASSERT_EQ(h.shard().on_packet(c.id(), mqtt::Subscribe{1, {{"a", 1}, {"b", 1}, {"c", 1}}}), 0);
  h.run_until([&] { return c.all<mqtt::Suback>().size() == 1; });
  EXPECT_EQ(c.all<mqtt::Suback>()[0].return_codes, (std::vector<uint8_t>{1, 1, mqtt::kSubackFailure}));
  h.subscribe(c, "a", 0, 2);  // replacing an existing one is not a new subscription
  EXPECT_EQ(c.all<mqtt::Suback>()[1].return_codes, (std::vector<uint8_t>{0}));
}

TEST(ShardSafety, RetainedTopicsPastTheLimitAreRoutedButNotRetained) {
  Limits limits;
  limits.max_retained_messages = 2;
  ShardHarness h(limits);
  FakeLink pub(1), live(2), late(3);
  h.connect(pub, "pub");
  h.connect(live, "live");
  h.subscribe(live, "r/#", 0);
  for (const char* t : {"r/1", "r/2", "r/3"}) h.publish(pub, t, "v", 0, 0, true);
  h.publish(pub, "r/1", "v2", 0, 0, true);  // replacing works at the limit
  h.settle();
  EXPECT_EQ(live.all<mqtt::Publish>().size(), 4u);
  h.connect(late, "late");
  h.subscribe(late, "r/#", 0);
  const auto got = late.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].topic, "r/1");
  EXPECT_EQ(got[0].payload, "v2");
  EXPECT_EQ(got[1].topic, "r/2");
  EXPECT_EQ(retained_records(h.store()), 2u);
}

}  // namespace
}  // namespace edgemq::core::testing
