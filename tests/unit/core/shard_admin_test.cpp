// What the admin endpoint changes in a shard: kicking a client (with or
// without its session) and clearing a retained message without publishing.
#include <gtest/gtest.h>

#include "gateway/core/client.h"
#include "tests/unit/core/shard_harness.h"

namespace edgemq::core {
namespace {

using testing::FakeLink;
using testing::ShardHarness;

size_t stored_sessions(ShardHarness& h) {
  h.settle();
  size_t n = 0;
  EXPECT_TRUE(h.store().load_sessions([&](storage::SessionRecord&&) { ++n; }).ok);
  return n;
}

TEST(ShardKick, ClosesTheConnectionAndTheWillGoesOutAsForAnyServerClose) {
  ShardHarness h;
  FakeLink watcher(1), dev(2);
  h.connect(watcher, "watcher");
  h.subscribe(watcher, "wills/#", 0);
  h.connect(dev, "dev", false, mqtt::Will{"wills/dev", "gone", 0, false, {}});
  h.subscribe(dev, "cmd", 1);

  EXPECT_EQ(h.shard().kick("dev", false), Shard::KickOutcome::Disconnected);
  EXPECT_TRUE(dev.closed);
  EXPECT_TRUE(dev.all<mqtt::Disconnect>().empty()) << "a 3.1.1 client has no DISCONNECT from the server";
  h.shard().on_link_closed(dev.id(), false);  // what the net layer reports once the socket is closed
  h.run_until([&] { return !watcher.all<mqtt::Publish>().empty(); });
  EXPECT_EQ(watcher.all<mqtt::Publish>().front().payload, "gone") << "[MQTT-3.1.2-8]";

  // The persistent session stays, with its subscription, for the next connection.
  ASSERT_NE(h.shard().find_session("dev"), nullptr);
  EXPECT_EQ(h.shard().find_session("dev")->client, nullptr);
  EXPECT_EQ(h.shard().find_session("dev")->subscriptions.size(), 1u);
  EXPECT_EQ(stored_sessions(h), 2u - 1u) << "the watcher's session is not persistent; dev's is stored";
  EXPECT_EQ(h.shard().kick("dev", false), Shard::KickOutcome::NotConnected);
  EXPECT_EQ(h.shard().kick("nobody", false), Shard::KickOutcome::NotFound);
}

TEST(ShardKick, AVersion5ClientIsToldAdministrativeAction) {
  ShardHarness h;
  FakeLink dev(1);
  h.connect_v5(dev, "dev5");
  EXPECT_EQ(h.shard().kick("dev5", false), Shard::KickOutcome::Disconnected);
  const auto d = dev.all<mqtt::Disconnect>();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].reason_code, mqtt::reason::kAdministrativeAction) << "0x98 [MQTT-3.14.2.1]";
  EXPECT_TRUE(dev.closed);
}

TEST(ShardKick, WithSessionTheSessionEndsAtOnce) {
  ShardHarness h;
  FakeLink dev(1), again(2), pub(3);
  h.connect(dev, "dev", false);
  h.subscribe(dev, "cmd", 1);
  ASSERT_EQ(stored_sessions(h), 1u);
  EXPECT_EQ(h.shard().kick("dev", true), Shard::KickOutcome::SessionDiscarded);
  EXPECT_TRUE(dev.closed);
  EXPECT_EQ(h.shard().find_session("dev"), nullptr)
      << "gone at once: a client reconnecting while the old socket still closes finds no session";
  h.shard().on_link_closed(dev.id(), false);
  EXPECT_EQ(stored_sessions(h), 0u) << "gone from the store too: a restart does not bring it back";
  EXPECT_FALSE(h.connect(again, "dev", false).session_present);
  h.connect(pub, "pub");
  h.publish(pub, "cmd", "x", 1, 1);
  h.settle();
  EXPECT_TRUE(again.all<mqtt::Publish>().empty()) << "its subscription went with the session";
}

TEST(ShardKick, AnOfflineSessionIsDiscardedAtOnceWithItsDelayedWill) {
  ShardHarness h;
  FakeLink watcher(1), dev(2);
  h.connect(watcher, "watcher");
  h.subscribe(watcher, "wills/#", 0);
  mqtt::Properties props;
  props.session_expiry = 3600;
  mqtt::Will will{"wills/dev", "late", 0, false, {}};
  will.props.mut().will_delay = 600;
  h.connect_v5(dev, "dev", props, true, will);
  h.shard().on_link_closed(dev.id(), false);
  h.settle();
  EXPECT_TRUE(watcher.all<mqtt::Publish>().empty()) << "the will waits out its delay";
  EXPECT_EQ(h.shard().kick("dev", false), Shard::KickOutcome::NotConnected);
  EXPECT_EQ(h.shard().kick("dev", true), Shard::KickOutcome::SessionDiscarded);
  EXPECT_EQ(h.shard().find_session("dev"), nullptr);
  h.run_until([&] { return !watcher.all<mqtt::Publish>().empty(); });
  EXPECT_EQ(watcher.all<mqtt::Publish>().front().payload, "late") << "the session ended first [MQTT-3.1.3-9]";
  EXPECT_EQ(stored_sessions(h), 0u);
}

TEST(BrokerClearRetained, ForgetsTheMessageInMemoryAndStoreWithoutPublishing) {
  ShardHarness h;
  FakeLink pub(1), sub(2);
  h.connect(pub, "pub");
  h.connect(sub, "sub");
  h.subscribe(sub, "plant/#", 0);
  h.publish(pub, "plant/a", "21", 0, 0, true);
  h.run_until([&] { return sub.all<mqtt::Publish>().size() == 1; });
  h.settle();

  bool done = false;
  storage::Status status;
  ASSERT_TRUE(h.broker().clear_retained("plant/a", [&](const storage::Status& st) {
    status = st;
    done = true;
  }));
  h.run_until([&] { return done; });
  EXPECT_TRUE(status.ok);
  EXPECT_EQ(h.broker().retained().size(), 0u);
  size_t stored = 0;
  ASSERT_TRUE(h.store().load_retained([&](storage::RetainedMessage&&) { ++stored; }).ok);
  EXPECT_EQ(stored, 0u);
  h.settle();
  EXPECT_EQ(sub.all<mqtt::Publish>().size(), 1u) << "subscribers get no empty message, unlike a client's clear";
  EXPECT_FALSE(h.broker().clear_retained("plant/a", nullptr)) << "nothing retained there any more";
}

}  // namespace
}  // namespace edgemq::core
