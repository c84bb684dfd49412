// A routed application message: immutable once built and shared by every
// delivery of it, so fan-out to many subscribers shares one payload; only the
// packet id, QoS and flags of each outgoing PUBLISH differ.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace edgemq::core {

struct Message {
  std::string topic;
  std::string payload;
  uint8_t qos = 0;      // as published
  bool retain = false;  // as published
};

using MessagePtr = std::shared_ptr<const Message>;

inline MessagePtr make_message(std::string topic, std::string payload, uint8_t qos, bool retain) {
  return std::make_shared<const Message>(Message{std::move(topic), std::move(payload), qos, retain});
}

}  // namespace edgemq::core
