// When the store takes no new data (its writes fail: a full disk), client
// messages that would add records are refused the way each protocol version
// can say it, and everything else goes on (docs/architecture.md, "Disk full
// and store errors").
#include <gtest/gtest.h>

#include "tests/unit/core/shard_harness.h"

namespace edgemq::core::testing {
namespace {

struct Fixture {
  Fixture() {
    auto s = std::make_unique<FailingStore>();
    store = s.get();
    h = std::make_unique<ShardHarness>(Limits{}, std::move(s));
  }
  // A persistent subscriber: QoS 1 messages to it are queue records.
  void persistent_subscriber() {
    h->connect(sub, "sub", false);
    h->subscribe(sub, "t/#", 1);
  }
  // Fills the disk and lets one write fail, so the store refuses from now on.
  void fill() {
    store->failing = true;
    h->settle_failed();
  }
  FailingStore* store;
  std::unique_ptr<ShardHarness> h;
  FakeLink sub{1};
};

std::vector<uint8_t> puback_codes(const FakeLink& l) {
  std::vector<uint8_t> out;
  for (const auto& a : l.all<mqtt::Puback>()) out.push_back(a.reason_code);
  return out;
}

TEST(StoreRefusal, AFailedCommitGivesA5PublisherQuotaExceededAndKeepsItConnected_Section_3_4_2_1) {
  Fixture f;
  f.persistent_subscriber();
  FakeLink pub(2);
  f.h->connect_v5(pub, "pub5");
  f.store->failing = true;
  ASSERT_EQ(f.h->shard().on_packet(pub.id(), mqtt::Publish{false, 1, false, "t/a", 7, "m1"}), 0);
  f.h->run_until([&] { return !pub.all<mqtt::Puback>().empty(); });
  EXPECT_EQ(puback_codes(pub), std::vector<uint8_t>{mqtt::reason::kQuotaExceeded});
  EXPECT_FALSE(pub.closed);
  EXPECT_TRUE(f.h->broker().store_refusing());
}

TEST(StoreRefusal, WhileRefusingA5PublisherGetsQuotaExceededAtOnceAndNothingIsRouted) {
  Fixture f;
  f.persistent_subscriber();
  f.fill();
  FakeLink pub(2);
  f.h->connect_v5(pub, "pub5");
  ASSERT_EQ(f.h->shard().on_packet(pub.id(), mqtt::Publish{false, 1, false, "t/a", 1, "q1"}), 0);
  ASSERT_EQ(f.h->shard().on_packet(pub.id(), mqtt::Publish{false, 2, false, "t/a", 2, "q2"}), 0);
  EXPECT_EQ(puback_codes(pub), std::vector<uint8_t>{mqtt::reason::kQuotaExceeded});
  const auto recs = pub.all<mqtt::Pubrec>();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].reason_code, mqtt::reason::kQuotaExceeded) << "and the QoS 2 flow ends there";
  // The id is free again: a PUBREL for it is answered "not found" [MQTT-3.7.2.1].
  ASSERT_EQ(f.h->shard().on_packet(pub.id(), mqtt::Pubrel{2}), 0);
  f.h->run_until([&] { return !pub.all<mqtt::Pubcomp>().empty(); });
  EXPECT_EQ(pub.all<mqtt::Pubcomp>()[0].reason_code, mqtt::reason::kPacketIdNotFound);
  f.h->run_posted();
  EXPECT_TRUE(f.sub.all<mqtt::Publish>().empty());
  EXPECT_EQ(Stats::get(f.h->broker().stats().refused_store_unavailable), 2u);
}

TEST(StoreRefusal, WhileRefusingA311PublisherIsClosedWithoutPuback_MQTT_4_4_0_1) {
  Fixture f;
  f.persistent_subscriber();
  f.fill();
  FakeLink pub(2);
  f.h->connect(pub, "pub311");
  f.h->publish(pub, "t/a", "q1", 1, 1);
  EXPECT_TRUE(pub.closed);
  EXPECT_TRUE(pub.all<mqtt::Puback>().empty());
}

TEST(StoreRefusal, QoS2FromAPersistentSessionIsRefusedItsIdNeedsARecord_MQTT_4_3_3_2) {
  Fixture f;
  FakeLink clean_sub(3);
  f.h->connect(clean_sub, "clean-sub");
  f.h->subscribe(clean_sub, "c/#", 2);
  f.fill();
  FakeLink pub(2);
  mqtt::Properties props;
  props.session_expiry = 3600;
  f.h->connect_v5(pub, "pub5", props, false);
  ASSERT_EQ(f.h->shard().on_packet(pub.id(), mqtt::Publish{false, 2, false, "c/x", 1, "q2"}), 0);
  const auto recs = pub.all<mqtt::Pubrec>();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].reason_code, mqtt::reason::kQuotaExceeded);
  f.h->run_posted();
  EXPECT_TRUE(clean_sub.all<mqtt::Publish>().empty()) << "not delivered, so a resend cannot duplicate it";
}

TEST(StoreRefusal, WhatNeedsNoStoreGoesOn) {
  Fixture f;
  FakeLink clean_sub(3);
  f.h->connect(clean_sub, "clean-sub");
  f.h->subscribe(clean_sub, "c/#", 1);
  f.persistent_subscriber();
  f.fill();
  FakeLink pub(2);
  f.h->connect(pub, "pub311");
  // QoS 1 to clean sessions only: no record, so taken and delivered.
  f.h->publish(pub, "c/x", "to-clean", 1, 1);
  f.h->run_until([&] { return !pub.all<mqtt::Puback>().empty(); });
  EXPECT_FALSE(pub.closed);
  ASSERT_EQ(clean_sub.all<mqtt::Publish>().size(), 1u);
  // QoS 0 to the persistent subscriber (online): delivered.
  f.h->publish(pub, "t/a", "qos0", 0);
  f.h->run_posted();
  ASSERT_EQ(f.sub.all<mqtt::Publish>().size(), 1u);
  // QoS 0 retained: delivered, but not retained while the store refuses.
  f.h->publish(pub, "c/r", "retained", 0, 0, true);
  f.h->run_posted();
  EXPECT_EQ(clean_sub.all<mqtt::Publish>().size(), 2u);
  EXPECT_EQ(f.h->broker().retained().size(), 0u);
  EXPECT_EQ(Stats::get(f.h->broker().stats().retained_refused_store), 1u);
}

TEST(StoreRefusal, OnceTheStoreRecoversMessagesAreTakenAgain) {
  Fixture f;
  f.persistent_subscriber();
  f.fill();
  f.store->failing = false;
  // The committer polls by itself while failed (every second) and resumes.
  f.h->run_until([&] { return !f.h->broker().store_refusing(); });
  FakeLink pub(2);
  f.h->connect_v5(pub, "pub5");
  ASSERT_EQ(f.h->shard().on_packet(pub.id(), mqtt::Publish{false, 1, false, "t/a", 1, "ok"}), 0);
  f.h->run_until([&] { return !pub.all<mqtt::Puback>().empty(); });
  EXPECT_EQ(puback_codes(pub), std::vector<uint8_t>{mqtt::reason::kSuccess});
  f.h->run_until([&] { return !f.sub.all<mqtt::Publish>().empty(); });
}

}  // namespace
}  // namespace edgemq::core::testing
