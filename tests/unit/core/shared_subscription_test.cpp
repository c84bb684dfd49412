// Shared subscriptions "$share/{group}/{filter}" [MQTT-4.8.2]: one member of
// a group gets each message, by the configured strategy; members offline are
// passed over; what a leaving member held goes to another.
#include "tests/unit/core/v5_harness.h"

namespace edgemq::core::testing {
namespace {

std::vector<std::string> payloads(const FakeLink& l) {
  std::vector<std::string> out;
  for (const auto& p : l.all<mqtt::Publish>()) out.push_back(p.payload);
  return out;
}

TEST(SharedSubscription, RoundRobinSpreadsMessagesOverTheGroup_MQTT_4_8_2) {
  V5Harness h;
  FakeLink a(1), b(2), plain(3), pub(4);
  h.connect_v5(a, "a");
  h.connect(b, "b");  // a 3.1.1 client may join too
  h.connect_v5(plain, "plain");
  h.subscribe(a, "$share/g/t/+", 1);
  h.subscribe(b, "$share/g/t/+", 1);
  h.subscribe(plain, "t/+", 1);
  h.connect(pub, "pub");
  for (int i = 0; i < 6; ++i) h.publish(pub, "t/x", std::to_string(i), 1, static_cast<uint16_t>(i + 1));
  h.settle();
  EXPECT_EQ(payloads(a).size(), 3u);
  EXPECT_EQ(payloads(b).size(), 3u);
  EXPECT_EQ(payloads(plain).size(), 6u) << "an ordinary subscription gets every message";
}

TEST(SharedSubscription, TwoGroupsEachGetEveryMessage) {
  V5Harness h;
  FakeLink a(1), b(2), pub(3);
  h.connect_v5(a, "a");
  h.connect_v5(b, "b");
  h.subscribe(a, "$share/one/t", 0);
  h.subscribe(b, "$share/two/t", 0);
  h.connect(pub, "pub");
  h.publish(pub, "t", "m", 0);
  EXPECT_EQ(payloads(a).size(), 1u);
  EXPECT_EQ(payloads(b).size(), 1u);
}

TEST(SharedSubscription, StickyKeepsToOneMemberWhileItStays) {
  Limits limits;
  limits.share_strategy = ShareStrategy::Sticky;
  V5Harness h(limits);
  FakeLink a(1), b(2), pub(3);
  h.connect_v5(a, "a");
  h.connect_v5(b, "b");
  h.subscribe(a, "$share/g/t", 0);
  h.subscribe(b, "$share/g/t", 0);
  h.connect(pub, "pub");
  for (int i = 0; i < 5; ++i) h.publish(pub, "t", std::to_string(i), 0);
  const size_t to_a = payloads(a).size();
  EXPECT_TRUE((to_a == 5 && payloads(b).empty()) || (to_a == 0 && payloads(b).size() == 5));
}

TEST(SharedSubscription, RandomStillGivesEachMessageToExactlyOneMember) {
  Limits limits;
  limits.share_strategy = ShareStrategy::Random;
  V5Harness h(limits);
  FakeLink a(1), b(2), pub(3);
  h.connect_v5(a, "a");
  h.connect_v5(b, "b");
  h.subscribe(a, "$share/g/t", 0);
  h.subscribe(b, "$share/g/t", 0);
  h.connect(pub, "pub");
  for (int i = 0; i < 50; ++i) h.publish(pub, "t", std::to_string(i), 0);
  EXPECT_EQ(payloads(a).size() + payloads(b).size(), 50u);
}

TEST(SharedSubscription, NoRetainedMessagesForASharedSubscription) {
  V5Harness h;
  FakeLink pub(1), a(2);
  h.connect(pub, "pub");
  h.publish(pub, "t", "kept", 0, 0, true);
  h.connect_v5(a, "a");
  h.subscribe(a, "$share/g/t", 0);
  EXPECT_TRUE(payloads(a).empty());
}

TEST(SharedSubscription, AnOfflineMemberIsPassedOverWhileOthersAreOnline) {
  V5Harness h;
  FakeLink a(1), b(2), pub(3), back(4);
  h.connect_v5(a, "a", with_expiry(600), false);
  h.connect_v5(b, "b");
  h.subscribe(a, "$share/g/t", 1);
  h.subscribe(b, "$share/g/t", 1);
  h.disconnect(a);
  h.connect(pub, "pub");
  for (int i = 0; i < 4; ++i) h.publish(pub, "t", std::to_string(i), 1, static_cast<uint16_t>(i + 1));
  h.settle();
  EXPECT_EQ(payloads(b).size(), 4u);
  h.connect_v5(back, "a", with_expiry(600), false);
  EXPECT_TRUE(payloads(back).empty()) << "nothing was queued for it";
}

TEST(SharedSubscription, UnacknowledgedMessagesOfALeavingMemberGoToAnother) {
  Limits limits;
  limits.max_inflight = 1;
  V5Harness h(limits);
  FakeLink a(1), b(2), pub(3);
  h.connect_v5(a, "a");
  h.subscribe(a, "$share/g/t", 1);
  h.connect(pub, "pub");
  for (int i = 0; i < 3; ++i) h.publish(pub, "t", std::to_string(i), 1, static_cast<uint16_t>(i + 1));
  h.settle();
  ASSERT_EQ(payloads(a), (std::vector<std::string>{"0"})) << "one in flight, two queued";
  h.connect_v5(b, "b");
  h.subscribe(b, "$share/g/t", 1);
  h.shard().on_link_closed(a.id(), false);  // gone without acknowledging
  h.settle();
  auto got = payloads(b);
  // The window (1) lets one out; the rest wait in b's queue in order.
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "0");
  for (int i = 1; i <= 2; ++i) {
    auto pubs = b.all<mqtt::Publish>();
    ASSERT_EQ(h.shard().on_packet(b.id(), mqtt::Puback{pubs.back().packet_id}), 0);
  }
  EXPECT_EQ(payloads(b), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(h.broker().stats().shared_redirected.load(), 3u);
}

// A persistent member alone in its group while offline gets its messages
// queued on disk; when its session ends (here: it comes back with a clean
// start) and another member has joined, those go to that member.
TEST(SharedSubscription, MessagesOnDiskOfAMemberWhoseSessionEndsGoToAnother) {
  V5Harness h;
  FakeLink a(1), pub(2), b(3), a2(4);
  h.connect_v5(a, "a", with_expiry(600), false);
  h.subscribe(a, "$share/g/t", 1);
  h.disconnect(a);
  h.connect(pub, "pub");
  for (int i = 0; i < 40; ++i) h.publish(pub, "t", std::to_string(i), 1, static_cast<uint16_t>(i + 1));
  h.settle();
  ASSERT_TRUE(h.shard().find_session("a")->backlog);
  EXPECT_EQ(h.shard().find_session("a")->queued(), 40u) << "alone in the group: all queued for it, on disk";
  h.connect_v5(b, "b");
  h.subscribe(b, "$share/g/t", 1);
  h.connect_v5(a2, "a", {}, true);  // clean start: the old session ends
  std::vector<std::string> got;
  for (size_t n = 1; n <= 40; ++n) {
    auto pubs = h.await_publishes(b, n);
    ASSERT_GE(pubs.size(), n) << "message " << n << " of the ended session's queue";
    got.push_back(pubs[n - 1].payload);
    ASSERT_EQ(h.shard().on_packet(b.id(), mqtt::Puback{pubs[n - 1].packet_id}), 0);
  }
  for (int i = 0; i < 40; ++i) EXPECT_EQ(got[static_cast<size_t>(i)], std::to_string(i));
  EXPECT_EQ(h.broker().stats().shared_redirected.load(), 40u);
  EXPECT_TRUE(payloads(a2).empty());
}

TEST(SharedSubscription, MembershipOfAPersistentSessionSurvivesARestart) {
  V5Harness h;
  storage::SessionRecord r{"a", {{"$share/g/t", 1}}, 600, 0};
  h.shard().restore_session(std::move(r));
  FakeLink pub(1), a(2);
  h.connect(pub, "pub");
  h.publish(pub, "t", "queued for the only member", 1, 1);
  h.settle();
  h.connect_v5(a, "a", with_expiry(600), false);
  h.await_publishes(a, 1);
  EXPECT_EQ(payloads(a), (std::vector<std::string>{"queued for the only member"}));
}

}  // namespace
}  // namespace edgemq::core::testing
