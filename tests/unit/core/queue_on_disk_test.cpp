// A persistent session's queue on disk (docs/architecture.md, "Queues on
// disk"): memory holds the inflight window and a short read-ahead, the rest
// stays in the store and comes back in order as the client acknowledges;
// a slow persistent subscriber never holds a publisher's PUBACK; a delivery
// that reaches its session after its record was read back is not sent twice.
#include <string>
#include <vector>

#include "tests/unit/core/shard_harness.h"

namespace edgemq::core::testing {
namespace {

Limits window_of(uint32_t inflight) {
  Limits l;
  l.max_inflight = inflight;
  l.max_queued_messages = 4;  // memory queues of clean sessions; must not bound the disk
  return l;
}

std::vector<std::string> payloads(const std::vector<mqtt::Publish>& pubs) {
  std::vector<std::string> out;
  for (const auto& p : pubs) out.push_back(p.payload);
  return out;
}

// Turns of the workers' loops: hand-offs, posted work, commits.
void turns(ShardHarness& h, int n = 3) {
  for (int i = 0; i < n; ++i) {
    h.flush();
    h.run_posted();
  }
  h.settle();
}

// Waits for the commits submitted so far, running posted work but handing
// no delivery over (a worker whose loop turn has not ended yet).
void settle_without_handoff(ShardHarness& h) {
  bool done = false;
  h.broker().commit({}, 0, [&](Shard&, const storage::Status&) { done = true; });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done && std::chrono::steady_clock::now() < deadline) {
    h.run_posted();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(done);
}

class QueueOnDisk : public ::testing::TestWithParam<bool> {
 protected:
  // Subscriber on shard 1; publisher on shard 1 too, or on shard 0 (param).
  size_t pub_shard() const { return GetParam() ? 0 : 1; }
  ShardHarness h{window_of(2), storage::make_memory_store(), 2};
};

TEST_P(QueueOnDisk, AnOfflineSessionKeepsItsQueueOnDiskNotInMemory) {
  FakeLink sub(1), pub(2), back(3);
  const std::string id = h.id_on(1, "dev");
  h.connect(sub, id, false);
  h.subscribe(sub, "t", 1);
  h.shard(1).on_link_closed(sub.id(), false);
  h.connect(pub, h.id_on(pub_shard(), "pub"));
  constexpr int kMessages = 500;  // far past max_queued_messages (4)
  for (int i = 0; i < kMessages; ++i) {
    h.publish(pub, "t", std::to_string(i), 1, static_cast<uint16_t>(i % 60000 + 1));
    if (i % 50 == 0) turns(h, 1);
  }
  turns(h);
  EXPECT_EQ(pub.all<mqtt::Puback>().size(), static_cast<size_t>(kMessages));
  EXPECT_EQ(h.broker().stats().dropped_queue_full.load(), 0u);
  const Session* s = h.shard(1).find_session(id);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->queue.size(), 0u) << "nothing of an offline queue is held in memory";
  ASSERT_TRUE(s->backlog);
  EXPECT_EQ(s->backlog->count, static_cast<uint64_t>(kMessages));
  EXPECT_EQ(s->queued(), static_cast<size_t>(kMessages));

  // Back: everything, in order, never more in memory than window + read-ahead.
  h.connect(back, id, false);
  std::vector<std::string> got;
  size_t most_in_memory = 0;
  for (int i = 0; i < kMessages; ++i) {
    auto pubs = h.await_publishes(back, static_cast<size_t>(i) + 1);
    ASSERT_GE(pubs.size(), static_cast<size_t>(i) + 1);
    const mqtt::Publish& p = pubs[static_cast<size_t>(i)];
    got.push_back(p.payload);
    most_in_memory = std::max(most_in_memory, s->queue.size() + s->inflight.size());
    ASSERT_EQ(h.shard(1).on_packet(back.id(), mqtt::Puback{p.packet_id}), 0);
  }
  std::vector<std::string> want;
  for (int i = 0; i < kMessages; ++i) want.push_back(std::to_string(i));
  EXPECT_EQ(got, want) << "[MQTT-4.6.0-5]: in publish order";
  EXPECT_LE(most_in_memory, 2u + Shard::kMinReadAhead) << "the window and the read-ahead";
  turns(h);
  EXPECT_EQ(back.all<mqtt::Publish>().size(), static_cast<size_t>(kMessages)) << "none twice";
  EXPECT_EQ(s->queued(), 0u);
  size_t left = 0;
  ASSERT_TRUE(h.store().load_queues([&](std::string_view, storage::QueuedMessage&&) { ++left; }).ok);
  EXPECT_EQ(left, 0u) << "every acknowledged record deleted";
  EXPECT_EQ(h.broker().backlog_bytes().load(), 0u);
}

TEST_P(QueueOnDisk, ASlowPersistentSubscriberHoldsNoPublisherBack) {
  FakeLink sub(1), pub(2);
  const std::string id = h.id_on(1, "slow");
  h.connect(sub, id, false);
  h.subscribe(sub, "t", 1);
  h.connect(pub, h.id_on(pub_shard(), "pub"));
  for (uint16_t i = 1; i <= 200; ++i) {
    h.publish(pub, "t", std::to_string(i), 1, i);
    turns(h, 1);
  }
  turns(h);
  EXPECT_EQ(pub.all<mqtt::Puback>().size(), 200u) << "every PUBACK out though the subscriber took 2";
  EXPECT_EQ(h.broker().stats().acks_held.load(), 0u);
  EXPECT_TRUE(h.broker().congested().empty());
  EXPECT_EQ(sub.all<mqtt::Publish>().size(), 2u);
  const Session* s = h.shard(1).find_session(id);
  EXPECT_LE(s->queue.size(), Shard::kMinReadAhead);

  // It catches up at its own pace, in order; then new messages go straight out.
  std::vector<std::string> got;
  for (size_t n = 1; n <= 200; ++n) {
    auto pubs = h.await_publishes(sub, n);
    ASSERT_GE(pubs.size(), n);
    got.push_back(pubs[n - 1].payload);
    ASSERT_EQ(h.shard(1).on_packet(sub.id(), mqtt::Puback{pubs[n - 1].packet_id}), 0);
  }
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], std::to_string(i + 1));
  turns(h);
  EXPECT_FALSE(s->backlog->active) << "drained: back to memory";
  h.publish(pub, "t", "live", 1, 201);
  turns(h, 1);
  EXPECT_EQ(sub.all<mqtt::Publish>().back().payload, "live");
}

INSTANTIATE_TEST_SUITE_P(SameAndOtherShard, QueueOnDisk, ::testing::Bool(),
                         [](const auto& p) { return p.param ? "PublisherOnOtherShard" : "PublisherOnSameShard"; });

// The publisher's shard submits the record, then hands the delivery over at
// the end of its loop turn. A read of the subscriber's queue in between gets
// the record; the delivery that comes after must not be sent again.
TEST(QueueOnDiskRace, ADeliveryThatComesAfterItsRecordWasReadIsNotSentTwice) {
  ShardHarness h(window_of(8), storage::make_memory_store(), 2);
  FakeLink sub(1), pub(2), back(3);
  const std::string id = h.id_on(1, "dev");
  h.connect(sub, id, false);
  h.subscribe(sub, "t", 1);
  h.shard(1).on_link_closed(sub.id(), false);
  h.connect(pub, h.id_on(0, "pub"));
  h.publish(pub, "t", "first", 1, 1);
  turns(h);  // delivered while offline: the session is in store mode
  h.publish(pub, "t", "second", 1, 2);
  settle_without_handoff(h);  // committed, but its delivery still waits in shard 0's outbox
  h.connect(back, id, false);
  // The read runs and delivers both records; the outbox is not handed over yet.
  for (int i = 0; i < 3; ++i) settle_without_handoff(h);
  auto got = back.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(payloads(got), (std::vector<std::string>{"first", "second"}));
  turns(h);  // now the late delivery arrives
  EXPECT_EQ(payloads(back.all<mqtt::Publish>()), (std::vector<std::string>{"first", "second"}))
      << "the late delivery is known as read back";
}

// What the session holds in memory when it asks for a read is left out of
// it: by the time the read runs the client may have acknowledged one of
// them, with its delete still behind the read, and it must not come back.
TEST(QueueOnDiskRead, LeavesOutWhatTheSessionHeldAndSaysWhereToGoOn) {
  ShardHarness h;
  storage::WriteSet ws;
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    ws.put_queued("dev", {seq, "t", std::to_string(seq), 1, false, 0, storage::DeliveryState::Pending});
  }
  ws.put_queued("other", {6, "t", "not dev's", 1, false, 0, storage::DeliveryState::Pending});
  h.broker().restored_seq(6);
  h.broker().commit(std::move(ws), 0, nullptr);
  auto read = [&](uint64_t from, size_t max, std::vector<uint64_t> skip) {
    Broker::QueueRead got;
    bool done = false;
    h.broker().read_queue("dev", from, max, std::move(skip), 0, [&](Shard&, Broker::QueueRead&& r) {
      got = std::move(r);
      done = true;
    });
    h.run_until([&] { return done; });
    return got;
  };
  auto seqs = [](const Broker::QueueRead& r) {
    std::vector<uint64_t> out;
    for (const auto& m : r.messages) out.push_back(m.seq);
    return out;
  };
  Broker::QueueRead r = read(0, 3, {2});
  EXPECT_EQ(seqs(r), (std::vector<uint64_t>{1, 3, 4}));
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.next, 5u);
  r = read(r.next, 3, {});
  EXPECT_EQ(seqs(r), (std::vector<uint64_t>{5}));
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.next, 7u) << "past the horizon: every seq up to 6 was visible";
}

TEST(QueueOnDiskRestore, ARestartLoadsNoPendingMessageIntoMemory) {
  auto store = storage::make_memory_store();
  {
    storage::WriteSet ws;
    ws.put_session({"dev", {{"s/#", 1}}});
    ws.put_queued("dev", {7, "s/a", "in flight at the crash", 1, false, 9, storage::DeliveryState::Sent});
    for (uint64_t seq = 10; seq < 110; ++seq) {
      ws.put_queued("dev", {seq, "s/b", std::to_string(seq), 1, false, 0, storage::DeliveryState::Pending});
    }
    ASSERT_TRUE(store->apply(ws, false).ok);
  }
  storage::Store& raw = *store;
  ShardHarness h(window_of(4), std::move(store));
  ASSERT_TRUE(raw.load_sessions([&](storage::SessionRecord&& r) { h.shard().restore_session(std::move(r)); }).ok);
  ASSERT_TRUE(raw.load_queues([&](std::string_view id, storage::QueuedMessage&& q) {
                   h.shard().restore_queued(id, std::move(q));
                 }).ok);
  const Session* s = h.shard().find_session("dev");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->queue.size(), 0u);
  EXPECT_EQ(s->inflight.size(), 1u) << "what was in flight keeps its packet id";
  EXPECT_EQ(s->queued(), 100u);

  FakeLink a(1);
  EXPECT_TRUE(h.connect(a, "dev", false).session_present);
  auto first = h.await_publishes(a, 4);
  ASSERT_EQ(first.size(), 4u) << "window 4: the resent one and three read back";
  EXPECT_TRUE(first[0].dup);
  EXPECT_EQ(first[0].packet_id, 9);
  EXPECT_EQ(first[1].payload, "10");
  for (size_t i = 1; i < first.size(); ++i) EXPECT_NE(first[i].packet_id, 9) << "[MQTT-2.3.1-2]";
  // New messages queue behind the restored ones.
  FakeLink pub(2);
  h.connect(pub, "pub");
  h.publish(pub, "s/c", "new", 1, 1);
  h.settle();
  std::vector<std::string> rest;
  for (size_t n = 1; n <= 102; ++n) {
    auto pubs = h.await_publishes(a, n);
    ASSERT_GE(pubs.size(), n);
    if (n > 1) rest.push_back(pubs[n - 1].payload);
    ASSERT_EQ(h.shard().on_packet(a.id(), mqtt::Puback{pubs[n - 1].packet_id}), 0);
  }
  ASSERT_EQ(rest.size(), 101u);
  EXPECT_EQ(rest.front(), "10");
  EXPECT_EQ(rest[99], "109");
  EXPECT_EQ(rest.back(), "new");
}

}  // namespace
}  // namespace edgemq::core::testing
