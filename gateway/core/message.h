// A routed application message: immutable once built and shared by every
// delivery of it, so fan-out to many subscribers shares one payload; only the
// packet id, QoS and flags of each outgoing PUBLISH differ.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "protocols/mqtt/properties.h"

namespace edgemq::core {

struct Message {
  std::string topic;
  std::string payload;
  uint8_t qos = 0;      // as published
  bool retain = false;  // as published
  // What a 5.0 publisher set that goes to 5.0 subscribers unchanged: payload
  // format, content type, response topic, correlation data, user properties
  // [MQTT-3.3.2-4, 3.3.2-15..20]. Topic alias, subscription ids and the
  // expiry interval are per delivery, so they are not kept here. Null for a
  // 3.1.1 publisher, and never sent to 3.1.1 subscribers.
  mqtt::Props props;
  // Wall-clock time (ms since the epoch) after which the message is no longer
  // delivered [MQTT-3.3.2-5]; 0: never.
  uint64_t expires_at_ms = 0;
};

using MessagePtr = std::shared_ptr<const Message>;

inline MessagePtr make_message(std::string topic, std::string payload, uint8_t qos, bool retain,
                               mqtt::Props props = {}, uint64_t expires_at_ms = 0) {
  return std::make_shared<const Message>(Message{std::move(topic), std::move(payload), qos, retain,
                                                 std::move(props), expires_at_ms});
}

}  // namespace edgemq::core
