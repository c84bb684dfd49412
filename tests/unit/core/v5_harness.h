// A ShardHarness for MQTT 5.0 flows: a wall clock the test moves, and
// shorthands for 5.0 packets.
#pragma once

#include <string>
#include <utility>

#include "tests/unit/core/shard_harness.h"

namespace edgemq::core::testing {

inline constexpr uint64_t kStart = 1'800'000'000'000;  // a wall-clock time, ms

struct V5Harness : ShardHarness {
  explicit V5Harness(Limits limits = {}, Authenticator* auth = nullptr)
      : ShardHarness(limits, storage::make_memory_store(), 1, auth) {
    broker().wall_clock = [this] { return now; };
  }
  void advance(uint64_t ms) {
    now += ms;
    shard().on_tick(0);
  }
  void disconnect(FakeLink& link, mqtt::Disconnect d = {}) {
    ASSERT_EQ(shard().on_packet(link.id(), std::move(d)), 0);
    shard().on_link_closed(link.id(), true);
  }
  uint64_t now = kStart;
};

inline mqtt::Properties with_expiry(uint32_t s) {
  mqtt::Properties p;
  p.session_expiry = s;
  return p;
}

inline mqtt::Publish publish_v5(const std::string& topic, uint8_t qos, uint16_t id, mqtt::Properties props,
                                std::string payload = "m") {
  return mqtt::Publish{false, qos, false, topic, id, std::move(payload), std::move(props)};
}

// A SUBSCRIBE of one filter with 5.0 options and, if not 0, an identifier.
inline mqtt::Subscribe subscribe_v5(uint16_t packet_id, mqtt::Subscription sub, uint32_t subscription_id = 0) {
  mqtt::Subscribe s{packet_id, {std::move(sub)}, {}};
  if (subscription_id != 0) s.props.mut().subscription_ids = {subscription_id};
  return s;
}

}  // namespace edgemq::core::testing
