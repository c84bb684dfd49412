// The MQTT 3.1.1 flows of one shard, observed as the packets each client gets.
#include "tests/unit/core/shard_harness.h"

namespace edgemq::core::testing {
namespace {

using mqtt::ConnackCode;

TEST(ShardConnect, CleanSessionGetsNoSessionPresent_MQTT_3_2_2_1) {
  ShardHarness h;
  FakeLink a(1);
  auto ack = h.connect(a, "dev");
  EXPECT_EQ(ack.code, ConnackCode::Accepted);
  EXPECT_FALSE(ack.session_present);
  EXPECT_EQ(h.broker().stats().clients_connected.load(), 1);
}

TEST(ShardLinks, ALinkIsKnownFromAttachUntilClosedConnectedOrNot) {
  ShardHarness h;
  FakeLink idle(1), connected(2);
  h.shard().attach(idle);  // accepted, no CONNECT yet
  h.connect(connected, "dev");
  EXPECT_EQ(h.shard().link(idle.id()), &idle);
  EXPECT_EQ(h.shard().link(connected.id()), &connected);
  EXPECT_EQ(h.shard().client(idle.id()), nullptr);
  EXPECT_NE(h.shard().client(connected.id()), nullptr);

  h.shard().on_link_closed(idle.id(), false);
  EXPECT_EQ(h.shard().link(idle.id()), nullptr);
  EXPECT_EQ(h.broker().stats().clients_connected.load(), 1) << "a link that never connected is not a client";

  h.shard().on_link_closed(connected.id(), false);
  EXPECT_EQ(h.shard().link(connected.id()), nullptr);
  EXPECT_EQ(h.broker().stats().clients_connected.load(), 0);
  EXPECT_EQ(h.shard().session_count(), 0u) << "a clean session ends with its connection [MQTT-3.1.2-6]";
  EXPECT_NE(h.shard().on_packet(connected.id(), mqtt::Pingreq{}), 0) << "packets for a closed link are refused";
}

TEST(ShardConnect, SecondConnectIsAProtocolViolation_MQTT_3_1_0_2) {
  ShardHarness h;
  FakeLink a(1);
  h.connect(a, "dev");
  mqtt::Connect again;
  again.client_id = "dev";
  EXPECT_NE(h.shard().on_packet(a.id(), std::move(again)), 0);
}

TEST(ShardConnect, EmptyIdWithoutCleanSessionIsRejected_MQTT_3_1_3_8) {
  ShardHarness h;
  FakeLink a(1);
  auto ack = h.connect(a, "", false);
  EXPECT_EQ(ack.code, ConnackCode::IdentifierRejected);
  EXPECT_TRUE(a.closed);
}

TEST(ShardConnect, EmptyIdWithCleanSessionIsAssignedOne_MQTT_3_1_3_6) {
  ShardHarness h;
  FakeLink a(1), b(2);
  EXPECT_EQ(h.connect(a, "").code, ConnackCode::Accepted);
  EXPECT_EQ(h.connect(b, "").code, ConnackCode::Accepted);
  EXPECT_FALSE(a.closed) << "two assigned ids must differ, or b would take over a";
  EXPECT_EQ(h.shard().session_count(), 2u);
}

// The server closes the old connection without a DISCONNECT from it, so its
// will goes out, once (every case: takeover_will_test.cpp).
TEST(ShardConnect, TakeoverClosesTheOldConnectionAndPublishesItsWill_MQTT_3_1_4_2_and_3_1_2_8) {
  ShardHarness h;
  FakeLink watcher(1), old_link(2), new_link(3);
  h.connect(watcher, "watcher");
  h.subscribe(watcher, "will/#", 0);
  h.connect(old_link, "dev", true, mqtt::Will{"will/dev", "gone", 0, false});
  h.connect(new_link, "dev");
  EXPECT_TRUE(old_link.closed);
  EXPECT_FALSE(new_link.closed);
  h.shard().on_link_closed(old_link.id(), false);
  ASSERT_EQ(watcher.all<mqtt::Publish>().size(), 1u);
  EXPECT_EQ(watcher.all<mqtt::Publish>()[0].payload, "gone");
  EXPECT_EQ(h.broker().stats().clients_connected.load(), 2);
}

TEST(ShardWill, PublishedOnAbnormalCloseNotAfterDisconnect_MQTT_3_1_2_8_and_3_14_4_3) {
  ShardHarness h;
  FakeLink watcher(1), a(2), b(3);
  h.connect(watcher, "watcher");
  h.subscribe(watcher, "will/#", 1);
  h.connect(a, "a", true, mqtt::Will{"will/a", "a died", 1, false});
  h.connect(b, "b", true, mqtt::Will{"will/b", "b died", 1, false});
  ASSERT_EQ(h.shard().on_packet(b.id(), mqtt::Disconnect{}), 0);
  h.shard().on_link_closed(b.id(), true);
  h.shard().on_link_closed(a.id(), false);
  auto got = watcher.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "will/a");
  EXPECT_EQ(got[0].payload, "a died");
  EXPECT_EQ(got[0].qos, 1);
}

TEST(ShardPublish, GrantedQosIsTheMinimumOfSubscriptionAndPublish_MQTT_3_8_4_6) {
  ShardHarness h;
  FakeLink sub(1), pub(2);
  h.connect(sub, "sub");
  h.subscribe(sub, "t/+", 1);
  h.connect(pub, "pub");
  h.publish(pub, "t/0", "zero", 0);
  h.publish(pub, "t/2", "two", 2, 7);
  auto got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].qos, 0);
  EXPECT_EQ(got[0].packet_id, 0);
  EXPECT_EQ(got[1].qos, 1);
  EXPECT_NE(got[1].packet_id, 0);
  EXPECT_FALSE(got[1].retain) << "a live delivery has RETAIN 0 [MQTT-3.3.1-9]";
  auto recs = pub.all<mqtt::Pubrec>();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].packet_id, 7);
}

TEST(ShardPublish, InboundQos2IsDeliveredOnceUntilPubrel_MQTT_4_3_3_2) {
  ShardHarness h;
  FakeLink sub(1), pub(2);
  h.connect(sub, "sub");
  h.subscribe(sub, "q2", 2);
  h.connect(pub, "pub");
  h.publish(pub, "q2", "once", 2, 5);
  h.publish(pub, "q2", "once", 2, 5);  // resent before PUBREL
  EXPECT_EQ(sub.all<mqtt::Publish>().size(), 1u);
  EXPECT_EQ(pub.all<mqtt::Pubrec>().size(), 2u);
  ASSERT_EQ(h.shard().on_packet(pub.id(), mqtt::Pubrel{5}), 0);
  ASSERT_EQ(pub.all<mqtt::Pubcomp>().size(), 1u);
  h.publish(pub, "q2", "again", 2, 5);  // the id is free again
  EXPECT_EQ(sub.all<mqtt::Publish>().size(), 2u);
}

TEST(ShardPublish, OutboundQos2FlowFreesTheIdOnPubcomp_MQTT_4_3_3) {
  ShardHarness h;
  FakeLink sub(1), pub(2);
  h.connect(sub, "sub");
  h.subscribe(sub, "q2", 2);
  h.connect(pub, "pub");
  h.publish(pub, "q2", "x", 2, 1);
  auto p = sub.all<mqtt::Publish>().at(0);
  ASSERT_EQ(h.shard().on_packet(sub.id(), mqtt::Pubrec{p.packet_id}), 0);
  auto rel = sub.all<mqtt::Pubrel>();
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].packet_id, p.packet_id);
  ASSERT_EQ(h.shard().on_packet(sub.id(), mqtt::Pubcomp{p.packet_id}), 0);
}

TEST(ShardPublish, InflightWindowHoldsBackTheRestUntilAcked) {
  Limits limits;
  limits.max_inflight = 2;
  ShardHarness h(limits);
  FakeLink sub(1), pub(2);
  h.connect(sub, "sub");
  h.subscribe(sub, "w", 1);
  h.connect(pub, "pub");
  for (uint16_t i = 1; i <= 5; ++i) h.publish(pub, "w", std::to_string(i), 1, i);
  auto got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 2u);
  ASSERT_EQ(h.shard().on_packet(sub.id(), mqtt::Puback{got[0].packet_id}), 0);
  got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].payload, "3") << "order kept through the queue";
}

TEST(ShardPublish, PubacksLeaveInTheOrderPublishesArrived_MQTT_4_6_0_2) {
  ShardHarness h;
  FakeLink sub(1), pub(2);
  h.connect(sub, "durable", false);
  h.subscribe(sub, "stored", 1);
  h.connect(pub, "pub");
  h.publish(pub, "stored", "needs a commit", 1, 1);
  h.publish(pub, "nobody", "needs nothing", 1, 2);
  EXPECT_TRUE(pub.all<mqtt::Puback>().empty()) << "the second waits behind the first";
  h.run_until([&] { return pub.all<mqtt::Puback>().size() == 2; });
  auto acks = pub.all<mqtt::Puback>();
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0].packet_id, 1);
  EXPECT_EQ(acks[1].packet_id, 2);
}

TEST(ShardPublish, RepliesWaitingForTheStoreAreCountedForBackPressure) {
  ShardHarness h;
  FakeLink sub(1), pub(2);
  h.connect(sub, "durable", false);
  h.subscribe(sub, "stored", 1);
  h.connect(pub, "pub");
  for (uint16_t i = 1; i <= 3; ++i) h.publish(pub, "stored", "x", 1, i);
  // Commit completions run only when the harness runs posted work.
  EXPECT_EQ(h.shard().pending_acks(pub.id()), 3u);
  h.run_until([&] { return pub.all<mqtt::Puback>().size() == 3; });
  EXPECT_EQ(h.shard().pending_acks(pub.id()), 0u);
}

TEST(ShardRetained, DeliveredOnSubscribeWithRetainFlagAndClearedByEmptyPayload_MQTT_3_3_1_5_to_11) {
  ShardHarness h;
  FakeLink pub(1), s1(2), s2(3);
  h.connect(pub, "pub");
  h.publish(pub, "r/a", "one", 1, 1, true);
  h.publish(pub, "r/a", "two", 1, 2, true);  // replaces
  h.publish(pub, "r/b", "bee", 0, 0, true);
  h.settle();
  h.connect(s1, "s1");
  h.subscribe(s1, "r/#", 1);
  auto got = s1.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 2u);
  for (const auto& p : got) EXPECT_TRUE(p.retain);
  EXPECT_EQ(got[0].payload, "two");
  EXPECT_EQ(got[0].qos, 1);
  EXPECT_EQ(got[1].payload, "bee");
  EXPECT_EQ(got[1].qos, 0) << "min(retained QoS, granted QoS)";
  h.publish(pub, "r/a", "", 0, 0, true);  // clears
  h.connect(s2, "s2");
  h.subscribe(s2, "r/#", 1);
  got = s2.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "r/b");
}

TEST(ShardPersistence, OfflineMessagesArriveOnResumeAndUnackedOnesAgainWithDup_MQTT_4_4_0_1) {
  ShardHarness h;
  FakeLink sub1(1), pub(2), sub2(3), sub3(4);
  h.connect(sub1, "dev", false);
  h.subscribe(sub1, "p/#", 1);
  h.shard().on_link_closed(sub1.id(), false);
  h.connect(pub, "pub");
  for (uint16_t i = 1; i <= 3; ++i) h.publish(pub, "p/x", "m" + std::to_string(i), 1, i);
  h.run_until([&] { return pub.all<mqtt::Puback>().size() == 3; });

  auto ack = h.connect(sub2, "dev", false);
  EXPECT_TRUE(ack.session_present) << "[MQTT-3.2.2-2]";
  auto got = h.await_publishes(sub2, 3);
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].payload, "m" + std::to_string(i + 1));
    EXPECT_FALSE(got[i].dup);
  }
  ASSERT_EQ(h.shard().on_packet(sub2.id(), mqtt::Puback{got[0].packet_id}), 0);
  h.shard().on_link_closed(sub2.id(), false);

  h.connect(sub3, "dev", false);
  auto again = h.await_publishes(sub3, 2);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_TRUE(again[0].dup);
  EXPECT_EQ(again[0].packet_id, got[1].packet_id);
  EXPECT_EQ(again[1].payload, "m3");
}

TEST(ShardPersistence, CleanSessionDiscardsTheStoredSession_MQTT_3_1_2_6) {
  ShardHarness h;
  FakeLink a(1), b(2), pub(3);
  h.connect(a, "dev", false);
  h.subscribe(a, "p", 1);
  h.shard().on_link_closed(a.id(), false);
  h.connect(b, "dev", true);
  EXPECT_FALSE(b.all<mqtt::Connack>().back().session_present);
  h.connect(pub, "pub");
  h.publish(pub, "p", "x", 1, 1);
  EXPECT_TRUE(b.all<mqtt::Publish>().empty()) << "the old subscription went with the session";
  h.settle();
  size_t sessions = 0;
  ASSERT_TRUE(h.store().load_sessions([&](storage::SessionRecord&&) { ++sessions; }).ok);
  EXPECT_EQ(sessions, 0u);
}

// A queue on disk at max_queued_bytes: drop-newest keeps the oldest
// messages, drop-oldest the newest; either way the count is exact and the
// survivors arrive in order.
std::vector<std::string> survivors_at_bound(Limits::QueueFullPolicy policy, uint64_t& dropped) {
  Limits limits;
  limits.max_queued_messages = 2;  // memory only: a queue on disk is bounded by bytes
  limits.max_queued_bytes = 2 * queued_bytes(1, 1);
  limits.queue_full_policy = policy;
  ShardHarness h(limits);
  FakeLink a(1), pub(2), b(3);
  h.connect(a, "dev", false);
  h.subscribe(a, "q", 1);
  h.shard().on_link_closed(a.id(), false);
  h.connect(pub, "pub");
  for (uint16_t i = 1; i <= 5; ++i) {
    h.publish(pub, "q", std::to_string(i), 1, i);
    h.settle();
  }
  EXPECT_EQ(pub.all<mqtt::Puback>().size(), 5u) << "dropping at the bound holds no publisher back";
  dropped = h.broker().stats().dropped_queue_bytes.load();
  EXPECT_EQ(h.shard().find_session("dev")->backlog->dropped, dropped);
  h.connect(b, "dev", false);
  std::vector<std::string> got;
  for (const auto& p : h.await_publishes(b, 2)) got.push_back(p.payload);
  return got;
}

TEST(ShardPersistence, QueueOnDiskAtItsBoundDropsTheNewestOrTheOldestAndCountsThem) {
  uint64_t dropped = 0;
  EXPECT_EQ(survivors_at_bound(Limits::QueueFullPolicy::DropNewest, dropped),
            (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(dropped, 3u);
  EXPECT_EQ(survivors_at_bound(Limits::QueueFullPolicy::DropOldest, dropped),
            (std::vector<std::string>{"4", "5"}));
  EXPECT_EQ(dropped, 3u);
}

TEST(ShardPersistence, RestoredSessionResumesFromTheStore) {
  auto store = storage::make_memory_store();
  {
    storage::WriteSet ws;
    ws.put_session({"dev", {{"s/#", 1}}});
    ws.put_queued("dev", {10, "s/a", "sent before the crash", 1, false, 4, storage::DeliveryState::Sent});
    ws.put_queued("dev", {11, "s/b", "never sent", 1, false, 0, storage::DeliveryState::Pending});
    ASSERT_TRUE(store->apply(ws, false).ok);
  }
  storage::Store& raw = *store;
  ShardHarness h({}, std::move(store));
  ASSERT_TRUE(raw.load_sessions([&](storage::SessionRecord&& r) { h.shard().restore_session(std::move(r)); }).ok);
  ASSERT_TRUE(raw.load_queues([&](std::string_view id, storage::QueuedMessage&& q) {
                   h.shard().restore_queued(id, std::move(q));
                 }).ok);
  FakeLink a(1);
  EXPECT_TRUE(h.connect(a, "dev", false).session_present);
  auto got = h.await_publishes(a, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].dup);
  EXPECT_EQ(got[0].packet_id, 4);
  EXPECT_FALSE(got[1].dup);
  EXPECT_NE(got[1].packet_id, 4);
  // The restored subscription routes new messages too.
  FakeLink pub(2);
  h.connect(pub, "pub");
  h.publish(pub, "s/c", "new", 0);
  EXPECT_EQ(a.all<mqtt::Publish>().size(), 3u);
}

TEST(ShardPersistence, InboundQos2IdSurvivesARestartSoTheResendIsNotRoutedAgain_MQTT_4_3_3_2) {
  auto store = storage::make_memory_store();
  storage::Store& raw = *store;
  {
    // First life: a persistent publisher sends QoS 2 id 9; PUBREC goes out, then the gateway dies.
    ShardHarness h1({}, std::move(store));
    FakeLink pub(1);
    h1.connect(pub, "pub", false);
    h1.publish(pub, "t", "exactly once", 2, 9);
    h1.run_until([&] { return pub.all<mqtt::Pubrec>().size() == 1; });
    // PUBREC went out, so the id is already in the store.
    std::vector<std::pair<std::string, uint16_t>> ids;
    ASSERT_TRUE(raw.load_inbound_qos2([&](std::string_view id, uint16_t p) { ids.emplace_back(id, p); }).ok);
    ASSERT_EQ(ids.size(), 1u);
    EXPECT_EQ(ids[0].second, 9);
    // Second life: a store holding what the first one left (the harness owns
    // its store, so the records are written again rather than shared).
    ShardHarness h2({}, storage::make_memory_store());
    storage::WriteSet copy;
    copy.put_session({"pub", {}});
    copy.put_inbound_qos2("pub", 9);
    copy.put_session({"sub", {{"t", 2}}});
    ASSERT_TRUE(h2.store().apply(copy, false).ok);
    ASSERT_TRUE(h2.store().load_sessions([&](storage::SessionRecord&& r) { h2.shard().restore_session(std::move(r)); }).ok);
    ASSERT_TRUE(h2.store().load_inbound_qos2([&](std::string_view id, uint16_t p) {
                           h2.shard().restore_inbound_qos2(id, p);
                         }).ok);
    FakeLink sub(2), pub2(3);
    h2.connect(sub, "sub", false);
    h2.connect(pub2, "pub", false);
    mqtt::Publish resend{true, 2, false, "t", 9, "exactly once"};
    ASSERT_EQ(h2.shard().on_packet(pub2.id(), std::move(resend)), 0);
    EXPECT_TRUE(sub.all<mqtt::Publish>().empty()) << "the resend is a duplicate, not a new message";
    EXPECT_EQ(pub2.all<mqtt::Pubrec>().size(), 1u);
    ASSERT_EQ(h2.shard().on_packet(pub2.id(), mqtt::Pubrel{9}), 0);
    h2.run_until([&] { return pub2.all<mqtt::Pubcomp>().size() == 1; });
    size_t left = 0;
    h2.settle();
    ASSERT_TRUE(h2.store().load_inbound_qos2([&](std::string_view, uint16_t) { ++left; }).ok);
    EXPECT_EQ(left, 0u) << "PUBCOMP only after the id is forgotten durably";
  }
}

TEST(ShardPublish, SlowSubscriberLosesQos0NotMemory) {
  ShardHarness h;
  FakeLink sub(1), pub(2);
  h.connect(sub, "sub");
  h.subscribe(sub, "t", 0);
  sub.queued = h.broker().limits().max_outbound_bytes + 1;
  h.connect(pub, "pub");
  h.publish(pub, "t", "x", 0);
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty());
  EXPECT_EQ(h.broker().stats().dropped_qos0_slow.load(), 1u);
}

}  // namespace
}  // namespace edgemq::core::testing
