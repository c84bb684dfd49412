// How a 5.0 PUBLISH's (or will's) properties become a routed Message's: the
// ones forwarded to subscribers unchanged, and the expiry interval turned
// into a wall-clock deadline. Pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "protocols/mqtt/codec.h"
#include "protocols/mqtt/properties.h"

namespace edgemq::core {

// Payload format, content type, response topic, correlation data and user
// properties, unchanged [MQTT-3.3.2-4, 3.3.2-15..20]; null when none is set.
inline mqtt::Props forwarded_properties(const mqtt::Props& in) {
  if (in.null()) return {};
  const mqtt::Properties& p = in.get();
  if (!p.payload_format && !p.content_type && !p.response_topic && !p.correlation_data &&
      p.user_properties.empty()) {
    return {};
  }
  mqtt::Properties out;
  out.payload_format = p.payload_format;
  out.content_type = p.content_type;
  out.response_topic = p.response_topic;
  out.correlation_data = p.correlation_data;
  out.user_properties = p.user_properties;
  return out;
}

// When a message with these properties expires, in wall-clock ms; 0: never.
inline uint64_t expiry_time(const mqtt::Props& p, uint64_t now_wall_ms) {
  if (!p->message_expiry) return 0;
  return now_wall_ms + uint64_t{*p->message_expiry} * 1000;
}

// A message's properties as its store records keep them (empty: none),
// with the subscription identifiers of one delivery, if any.
inline std::string stored_properties(const mqtt::Props& props, const std::vector<uint32_t>* ids = nullptr) {
  if (ids == nullptr || ids->empty()) return mqtt::encode_property_block(props);
  mqtt::Props with_ids = props;
  with_ids.mut().subscription_ids = *ids;
  return mqtt::encode_property_block(with_ids);
}

// The reverse: the message's properties, and the delivery's subscription
// identifiers into `ids`. A block that does not decode (it passed the
// decoder once, so only a damaged record) costs the properties, not the
// message.
inline mqtt::Props restored_properties(const std::string& block, std::vector<uint32_t>* ids = nullptr) {
  mqtt::Props out;
  if (block.empty()) return out;
  const auto* data = reinterpret_cast<const uint8_t*>(block.data());
  if (mqtt::decode_property_block(std::span(data, block.size()), out) != mqtt::DecodeError::None) {
    out.reset();
    return out;
  }
  if (!out->subscription_ids.empty()) {
    if (ids != nullptr) *ids = out->subscription_ids;
    out.mut().subscription_ids.clear();
  }
  return out;
}

}  // namespace edgemq::core
