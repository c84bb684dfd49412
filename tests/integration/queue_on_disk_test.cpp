// Queues on disk against a real gateway process: a device offline far
// longer than max_queued_messages allows gets every acknowledged message,
// in order, across a kill -9 in the middle of its outage; a persistent
// subscriber that takes its messages slowly holds no publisher's PUBACK
// back. (Mosquitto drops past max_queued_messages and holds nothing on
// disk across SIGKILL, so these are edgemq's alone.)
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "tests/integration/fixture.h"
#include "tests/integration/paho_client.h"
#include "tests/integration/raw_client.h"

namespace edgemq::itest {
namespace {

using Clock = std::chrono::steady_clock;

// QoS 1 PUBLISHes with up to `window` unacknowledged, as a real device
// library pipelines them; returns how many were acknowledged, each PUBACK's
// wait appended to `waits` when given.
int publish_windowed(RawClient& pub, const std::string& topic, int from, int count, int window,
                     std::vector<double>* waits_ms = nullptr) {
  std::vector<Clock::time_point> sent_at(65536);
  int next = from, acked = 0;
  uint16_t id = 1;
  std::vector<uint16_t> ids;  // in flight, oldest first
  while (acked < count) {
    while (next < from + count && static_cast<int>(ids.size()) < window) {
      mqtt::Publish p{false, 1, false, topic, id, "m" + std::to_string(next)};
      if (!pub.send(p)) return acked;
      sent_at[id] = Clock::now();
      ids.push_back(id);
      id = static_cast<uint16_t>(id % 60000 + 1);
      ++next;
    }
    mqtt::Packet in;
    if (pub.read(in, std::chrono::seconds(10)) != ReadStatus::Packet) return acked;
    auto* ack = std::get_if<mqtt::Puback>(&in);
    if (ack == nullptr || ids.empty() || ack->packet_id != ids.front()) return acked;  // in order [MQTT-4.6.0-2]
    if (waits_ms != nullptr) {
      waits_ms->push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent_at[ack->packet_id]).count());
    }
    ids.erase(ids.begin());
    ++acked;
  }
  return acked;
}

class QueueOnDisk : public GatewayTest {};

TEST_F(QueueOnDisk, AnOfflineDeviceGetsEveryMessageInOrderAcrossAKill9) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("mosquitto drops past max_queued_messages and loses its queue on SIGKILL");
  // 20x the default max_queued_messages (1,000): the day-long outage of the
  // benchmark, scaled down for CI.
  constexpr int kHalf = 10'000;
  const std::string t = topic("telemetry");
  {
    PahoClient dev(uri(), "it-disk-device");
    ASSERT_TRUE(dev.connect(false));
    ASSERT_TRUE(dev.subscribe(t, 1));
    ASSERT_TRUE(dev.disconnect());
  }
  RawClient pub;
  ASSERT_TRUE(pub.open_and_connect(port(), "it-disk-pub"));
  ASSERT_EQ(publish_windowed(pub, t, 1, kHalf, 32), kHalf);
  pub.close();
  gw().kill9();  // every one of them was acknowledged: none may be lost
  ASSERT_TRUE(gw().restart());
  RawClient pub2;
  ASSERT_TRUE(pub2.open_and_connect(port(), "it-disk-pub"));
  ASSERT_EQ(publish_windowed(pub2, t, kHalf + 1, kHalf, 32), kHalf);
  ASSERT_TRUE(pub2.disconnect());

  PahoClient dev(uri(), "it-disk-device");
  bool present = false;
  ASSERT_TRUE(dev.connect(false, &present));
  EXPECT_TRUE(present) << "[MQTT-3.2.2-2]";
  for (int i = 1; i <= 2 * kHalf; ++i) {
    auto msg = dev.receive(std::chrono::seconds(10));
    ASSERT_TRUE(msg) << "m" << i << " never arrived";
    ASSERT_EQ(msg->get_payload_str(), "m" + std::to_string(i)) << "[MQTT-4.6.0-5]: in publish order";
  }
  EXPECT_FALSE(dev.receive(std::chrono::milliseconds(500))) << "one too many: a message came twice";
  ASSERT_TRUE(dev.disconnect());
}

TEST_F(QueueOnDisk, ASubscriberThatStopsAcknowledgingHoldsNoPublisherBack) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq's queue on disk");
  // 3x max_queued_messages: with the queue in memory, the publisher's
  // PUBACKs were held at 1,000 until ack_hold_timeout (5 s) called it stuck.
  constexpr int kMessages = 3'000;
  const std::string t = topic("commands");
  RawClient sub;
  ASSERT_TRUE(sub.open_and_connect(port(), "it-disk-slow", /*clean_session=*/false));
  ASSERT_TRUE(sub.subscribe(topic("#"), 1));
  // It reads what comes and acknowledges nothing.
  RawClient pub;
  ASSERT_TRUE(pub.open_and_connect(port(), "it-disk-fast"));
  std::vector<double> waits;
  ASSERT_EQ(publish_windowed(pub, t, 1, kMessages, 1, &waits), kMessages);
  std::sort(waits.begin(), waits.end());
  EXPECT_LT(waits.back(), 1000.0) << "a PUBACK waited for the slow subscriber (p50 " << waits[waits.size() / 2]
                                   << " ms)";
  ASSERT_TRUE(pub.disconnect());

  // It comes back to life: every message, in order, at its own pace.
  std::vector<mqtt::Publish> got;
  auto take = [&](Clock::time_point until) {
    while (static_cast<int>(got.size()) < kMessages && Clock::now() < until) {
      mqtt::Packet in;
      if (sub.read(in, std::chrono::seconds(2)) != ReadStatus::Packet) return;
      auto* p = std::get_if<mqtt::Publish>(&in);
      if (p == nullptr) continue;
      if (!p->dup) got.push_back(*p);
      ASSERT_TRUE(sub.send(mqtt::Puback{p->packet_id}));
    }
  };
  take(Clock::now() + std::chrono::seconds(60));
  ASSERT_EQ(static_cast<int>(got.size()), kMessages);
  for (int i = 0; i < kMessages; ++i) ASSERT_EQ(got[i].payload, "m" + std::to_string(i + 1));
}

// A clean session has no queue on disk: past max_queued_messages its
// publishers' PUBACKs wait, but no longer than ack_hold_timeout (100 ms,
// checked every 100 ms); then it drops past its limit (counted) instead.
TEST_F(QueueOnDisk, ACleanSubscriberThatStopsAcknowledgingHoldsAPublisherOnlyBriefly) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq's ack_hold_timeout");
  constexpr int kMessages = 3'000;
  RawClient sub;
  ASSERT_TRUE(sub.open_and_connect(port(), "it-clean-slow"));
  ASSERT_TRUE(sub.subscribe(topic("#"), 1));
  RawClient pub;
  ASSERT_TRUE(pub.open_and_connect(port(), "it-clean-fast"));
  std::vector<double> waits;
  ASSERT_EQ(publish_windowed(pub, topic("t"), 1, kMessages, 1, &waits), kMessages);
  std::sort(waits.begin(), waits.end());
  // The hold is measured from the worker's last tick, so it may end anywhere
  // up to ack_hold_timeout plus a tick; that it happened shows below: the
  // session dropped past its limit.
  EXPECT_LT(waits.back(), 1000.0) << "held past ack_hold_timeout and a tick";
  // What it was sent before it went quiet, and what its queue took, in order.
  int in_order = 0;
  for (;;) {
    mqtt::Packet in;
    if (sub.read(in, std::chrono::seconds(2)) != ReadStatus::Packet) break;
    auto* p = std::get_if<mqtt::Publish>(&in);
    if (p == nullptr) continue;
    ASSERT_EQ(p->payload, "m" + std::to_string(in_order + 1));
    ++in_order;
    ASSERT_TRUE(sub.send(mqtt::Puback{p->packet_id}));
  }
  EXPECT_GE(in_order, 1000) << "max_queued_messages (1,000) were kept";
  EXPECT_LT(in_order, kMessages) << "past its limit a slow clean session drops";
}

}  // namespace
}  // namespace edgemq::itest
