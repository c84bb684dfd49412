// MQTT 5.0 subscription options and identifiers, as the subscriber sees
// them: no local, retain as published, and the identifiers each delivery
// carries [MQTT-3.8.3.1, 3.3.4-3].
#include "tests/unit/core/v5_harness.h"

namespace edgemq::core::testing {
namespace {

mqtt::Subscription option(const std::string& filter, uint8_t qos, bool no_local = false, bool rap = false) {
  mqtt::Subscription s{filter, qos};
  s.no_local = no_local;
  s.retain_as_published = rap;
  return s;
}

TEST(V5SubscriptionOptions, NoLocalKeepsAClientsOwnMessagesFromIt_MQTT_3_8_3_3) {
  V5Harness h;
  FakeLink self(1), other(2);
  h.connect_v5(self, "self");
  h.connect_v5(other, "other");
  ASSERT_EQ(h.shard().on_packet(self.id(), subscribe_v5(1, option("t", 1, true))), 0);
  ASSERT_EQ(h.shard().on_packet(other.id(), subscribe_v5(1, option("t", 1, true))), 0);
  h.settle();
  ASSERT_EQ(h.shard().on_packet(self.id(), publish_v5("t", 1, 5, {}, "mine")), 0);
  h.settle();
  EXPECT_TRUE(self.all<mqtt::Publish>().empty()) << "its own message";
  ASSERT_EQ(other.all<mqtt::Publish>().size(), 1u) << "no local is about the publisher only";
}

TEST(V5SubscriptionOptions, NoLocalOnOneFilterDoesNotHideWhatAnotherMatches) {
  V5Harness h;
  FakeLink self(1);
  h.connect_v5(self, "self");
  ASSERT_EQ(h.shard().on_packet(self.id(), subscribe_v5(1, option("t", 0, true))), 0);
  ASSERT_EQ(h.shard().on_packet(self.id(), subscribe_v5(2, option("#", 0, false))), 0);
  h.settle();
  ASSERT_EQ(h.shard().on_packet(self.id(), publish_v5("t", 0, 0, {}, "echo")), 0);
  EXPECT_EQ(self.all<mqtt::Publish>().size(), 1u);
}

TEST(V5SubscriptionOptions, RetainAsPublishedKeepsTheFlagOnLiveMessages_MQTT_3_3_1_12) {
  V5Harness h;
  FakeLink kept(1), plain(2), pub(3);
  h.connect_v5(kept, "kept");
  h.connect_v5(plain, "plain");
  ASSERT_EQ(h.shard().on_packet(kept.id(), subscribe_v5(1, option("t", 1, false, true))), 0);
  ASSERT_EQ(h.shard().on_packet(plain.id(), subscribe_v5(1, option("t", 1))), 0);
  h.settle();
  h.connect(pub, "pub");
  h.publish(pub, "t", "r", 1, 1, /*retain=*/true);
  h.publish(pub, "t", "n", 1, 2, /*retain=*/false);
  h.settle();
  auto k = kept.all<mqtt::Publish>();
  auto p = plain.all<mqtt::Publish>();
  ASSERT_EQ(k.size(), 2u);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_TRUE(k[0].retain);
  EXPECT_FALSE(k[1].retain);
  EXPECT_FALSE(p[0].retain) << "retain 0 on a live message without the option [MQTT-3.3.1-13]";
}

TEST(V5SubscriptionIds, EachDeliveryCarriesTheIdsOfTheMatchingSubscriptions_MQTT_3_3_4_3) {
  V5Harness h;
  FakeLink sub(1), pub(2);
  h.connect_v5(sub, "sub");
  ASSERT_EQ(h.shard().on_packet(sub.id(), subscribe_v5(1, option("a/+", 1), 7)), 0);
  ASSERT_EQ(h.shard().on_packet(sub.id(), subscribe_v5(2, option("a/#", 0), 300)), 0);
  ASSERT_EQ(h.shard().on_packet(sub.id(), subscribe_v5(3, option("b", 0))), 0);
  h.settle();
  h.connect(pub, "pub");
  h.publish(pub, "a/x", "both", 1, 1);
  h.publish(pub, "b", "none", 0);
  h.settle();
  auto got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 2u) << "one copy for overlapping subscriptions [MQTT-3.3.4-2]";
  auto ids = got[0].props->subscription_ids;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<uint32_t>{7, 300}));
  EXPECT_EQ(got[0].qos, 1);
  EXPECT_TRUE(got[1].props->subscription_ids.empty());
}

TEST(V5SubscriptionIds, RetainedMessagesOnSubscribeCarryTheId) {
  V5Harness h;
  FakeLink pub(1), sub(2);
  h.connect(pub, "pub");
  h.publish(pub, "t", "kept", 0, 0, true);
  h.connect_v5(sub, "sub");
  ASSERT_EQ(h.shard().on_packet(sub.id(), subscribe_v5(1, option("t", 0), 42)), 0);
  h.settle();
  auto got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].retain);
  EXPECT_EQ(got[0].props->subscription_ids, (std::vector<uint32_t>{42}));
}

TEST(V5SubscriptionIds, IdsAndOptionsOfAPersistentSessionSurviveInTheStore) {
  V5Harness h;
  FakeLink sub(1);
  h.connect_v5(sub, "sub", with_expiry(600), false);
  ASSERT_EQ(h.shard().on_packet(sub.id(), subscribe_v5(1, option("t", 1, true, true), 9)), 0);
  h.settle();
  std::vector<storage::SessionRecord> sessions;
  ASSERT_TRUE(h.store().load_sessions([&](storage::SessionRecord&& r) { sessions.push_back(std::move(r)); }).ok);
  ASSERT_EQ(sessions.size(), 1u);
  ASSERT_EQ(sessions[0].subscriptions.size(), 1u);
  const auto& r = sessions[0].subscriptions[0];
  EXPECT_TRUE(r.no_local);
  EXPECT_TRUE(r.retain_as_published);
  EXPECT_EQ(r.subscription_id, 9u);
}

}  // namespace
}  // namespace edgemq::core::testing
