// Deliveries between shards travel in batches, one per origin, target and
// loop turn: they reach another shard only after the origin's flush, in
// publish order per publisher, all of them however many, and a shard torn
// down with batches on their way leaks nothing (run under ASan).
#include <map>

#include "tests/unit/core/shard_harness.h"

namespace edgemq::core::testing {
namespace {

std::vector<std::string> payloads(const FakeLink& link) {
  std::vector<std::string> out;
  for (const auto& p : link.all<mqtt::Publish>()) out.push_back(p.payload);
  return out;
}

class Handoff : public ::testing::Test {
 protected:
  // `sub` subscribed to "t" from its home shard `sub_on`; `pub` connected on `pub_on`.
  void connect(size_t sub_on, size_t pub_on, uint8_t qos = 0, bool clean = true) {
    h.connect(sub, h.id_on(sub_on, "sub"), clean);
    h.subscribe(sub, "t", qos);
    h.connect(pub, h.id_on(pub_on, "pub"));
  }

  ShardHarness h{{}, storage::make_memory_store(), 3};
  FakeLink sub{1}, pub{2};
};

TEST_F(Handoff, RemoteDeliveriesWaitForTheOriginsFlush) {
  connect(1, 0);
  const size_t before = h.hand_offs();
  for (const char* m : {"1", "2", "3"}) h.publish(pub, "t", m, 0);
  h.run_posted();
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty()) << "nothing leaves the outbox before the flush";
  h.flush();
  EXPECT_EQ(h.hand_offs() - before, 1u) << "one batch for the whole turn";
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty()) << "handed over, not yet drained by the target";
  h.run_posted();
  EXPECT_EQ(payloads(sub), (std::vector<std::string>{"1", "2", "3"}));
  h.flush();
  EXPECT_EQ(h.hand_offs() - before, 1u) << "an empty outbox is not handed over";
}

TEST_F(Handoff, LocalDeliveriesAreImmediate) {
  connect(1, 1);
  const size_t before = h.hand_offs();
  h.publish(pub, "t", "m", 0);
  EXPECT_EQ(payloads(sub), (std::vector<std::string>{"m"}));
  h.flush();
  EXPECT_EQ(h.hand_offs(), before);
}

// Two publishers on each of two shards, one wildcard subscriber on a third;
// turns flush and drain in an uneven rhythm, so the target sometimes gets a
// second batch from an origin before it drained the first.
TEST_F(Handoff, EachPublishersOrderIsKeptAcrossShards_MQTT_4_6_0_5) {
  FakeLink a0(3), b0(4), a1(5), b1(6);
  h.connect(sub, h.id_on(2, "sub"));
  h.subscribe(sub, "p/#", 0);
  std::vector<std::pair<FakeLink*, std::string>> pubs = {
      {&a0, h.id_on(0, "a")}, {&b0, h.id_on(0, "b")}, {&a1, h.id_on(1, "a")}, {&b1, h.id_on(1, "b")}};
  for (auto& [link, id] : pubs) h.connect(*link, id);
  constexpr int kPerPublisher = 500;
  for (int i = 0; i < kPerPublisher; ++i) {
    for (auto& [link, id] : pubs) h.publish(*link, "p/" + id, id + "/" + std::to_string(i), 0);
    if (i % 3 == 0) h.flush();
    if (i % 7 == 0) h.run_posted();
  }
  h.flush();
  h.run_posted();
  std::map<std::string, int> next;  // publisher id -> the index expected next
  for (const auto& p : sub.all<mqtt::Publish>()) {
    const std::string id = p.payload.substr(0, p.payload.find('/'));
    ASSERT_EQ(p.payload, id + "/" + std::to_string(next[id]++)) << "out of order";
  }
  for (auto& [link, id] : pubs) EXPECT_EQ(next[id], kPerPublisher) << id;
}

TEST_F(Handoff, LargeBatchesLoseNothing) {
  connect(1, 0);
  // Far past the capacity a batch keeps, twice: the second round reuses
  // whatever the first left behind.
  constexpr int kPerTurn = 20000;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < kPerTurn; ++i) h.publish(pub, "t", std::to_string(round * kPerTurn + i), 0);
    h.flush();
    h.run_posted();
  }
  const auto got = payloads(sub);
  ASSERT_EQ(got.size(), 2u * kPerTurn);
  for (int i = 0; i < 2 * kPerTurn; ++i) ASSERT_EQ(got[i], std::to_string(i));
}

TEST_F(Handoff, StoredDeliveriesCrossShardsAndAreAcknowledged) {
  connect(1, 0, 1, false);
  h.publish(pub, "t", "m", 1, 7);
  h.run_until([&] { return !sub.all<mqtt::Publish>().empty() && !pub.all<mqtt::Puback>().empty(); });
  const auto got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].qos, 1);
  ASSERT_EQ(h.shard(1).on_packet(sub.id(), mqtt::Puback{got[0].packet_id}), 0);
  h.settle();
}

TEST_F(Handoff, TearDownWithBatchesInFlightLeaksNothing) {
  connect(1, 0);
  for (int i = 0; i < 100; ++i) h.publish(pub, "t", "handed over", 0);
  h.flush();  // in the target's inbox, never drained
  for (int i = 0; i < 100; ++i) h.publish(pub, "t", "still in the outbox", 0);
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty());
  // The harness, its broker and both shards are destroyed with both batches full.
}

}  // namespace
}  // namespace edgemq::core::testing
