// CONNECT [MQTT-3.1]. The packet names its protocol level itself, so it is
// parsed by that level whatever the connection was told; 5.0 adds a property
// block after the keep alive and will properties before the will topic.
#include <string_view>
#include <utility>

#include "protocols/mqtt/field_reader.h"
#include "protocols/mqtt/packet_decoders.h"
#include "protocols/mqtt/property_reader.h"
#include "protocols/mqtt/topic.h"

namespace edgemq::mqtt {

namespace {

// CONNECT flag bits [MQTT-3.1.2.3].
constexpr uint8_t kReservedFlag = 0x01;
constexpr uint8_t kCleanSession = 0x02;
constexpr uint8_t kWillFlag = 0x04;
constexpr uint8_t kWillRetain = 0x20;
constexpr uint8_t kPasswordFlag = 0x40;
constexpr uint8_t kUsernameFlag = 0x80;

// "MQTT" level 4 is 3.1.1 and level 5 is 5.0; "MQIsdp" level 3 is 3.1. A
// known name with any other level is UnsupportedProtocolLevel so the session
// can answer CONNACK 0x01 or 0x84 [MQTT-3.1.2-2]; other names are not MQTT
// at all [MQTT-3.1.2-1].
DecodeError read_protocol(ByteReader& r, ProtocolLevel& level) {
  std::string_view name;
  if (!r.prefixed(name)) return DecodeError::Truncated;
  const bool mqtt = name == "MQTT";
  if (!mqtt && name != "MQIsdp") return DecodeError::BadProtocolName;
  uint8_t byte = 0;
  if (!r.u8(byte)) return DecodeError::Truncated;
  const auto named = static_cast<ProtocolLevel>(byte);
  const bool known = mqtt ? (named == ProtocolLevel::V311 || named == ProtocolLevel::V5)
                          : named == ProtocolLevel::V31;
  if (!known) return DecodeError::UnsupportedProtocolLevel;
  level = named;
  return kOk;
}

DecodeError check_connect_flags(uint8_t flags, ProtocolLevel level) {
  // 3.1.1 reserved bit 0 [MQTT-3.1.2-3]; 3.1 leaves it unused without a rule
  // (MQTT V3.1, 3.1 "Connect flags"), so a 3.1 client may send it set.
  if ((flags & kReservedFlag) && level != ProtocolLevel::V31) return DecodeError::ReservedConnectFlag;
  const uint8_t will_qos = (flags >> 3) & 0x03;
  if (!(flags & kWillFlag) && (will_qos != 0 || (flags & kWillRetain))) {
    return DecodeError::BadWillFlags;  // [MQTT-3.1.2-11/13/15]
  }
  if (will_qos == 3) return DecodeError::BadWillFlags;  // [MQTT-3.1.2-14]
  // 5.0 allows a password without a user name [3.1.2.9]; 3.1.1 did not.
  if (!is_v5(level) && (flags & kPasswordFlag) && !(flags & kUsernameFlag)) {
    return DecodeError::BadUsernamePasswordFlags;  // [MQTT-3.1.2-22]
  }
  return kOk;
}

DecodeError read_will(ByteReader& r, uint8_t flags, ProtocolLevel level, Will& will) {
  will.qos = (flags >> 3) & 0x03;
  will.retain = (flags & kWillRetain) != 0;
  if (is_v5(level)) {
    // [MQTT-3.1.3.2]: the will properties come first.
    if (DecodeError e = read_properties(r, PropertyContext::Will, will.props); e != kOk) return e;
  }
  if (DecodeError e = read_name(r, will.topic); e != kOk) return e;  // [MQTT-3.1.3-10]
  if (!valid_topic_name(will.topic)) return DecodeError::InvalidTopicName;
  if (DecodeError e = read_binary(r, will.payload); e != kOk) return e;
  return check_payload_format(will.props.get(), will.payload);
}

// Payload order: client id, will (properties,) topic and payload, username,
// password, each present only when its flag says so [MQTT-3.1.3-1].
DecodeError read_connect_payload(ByteReader& r, uint8_t flags, Connect& c) {
  if (DecodeError e = read_name(r, c.client_id); e != kOk) return e;  // [MQTT-3.1.3-4]
  if (flags & kWillFlag) {
    if (DecodeError e = read_will(r, flags, c.level, c.will.emplace()); e != kOk) return e;
  }
  if (flags & kUsernameFlag) {
    if (DecodeError e = read_name(r, c.username.emplace()); e != kOk) return e;  // [MQTT-3.1.3-11]
  }
  if (flags & kPasswordFlag) {
    if (DecodeError e = read_binary(r, c.password.emplace()); e != kOk) return e;
  }
  return expect_end(r);
}

DecodeError read_connect_properties(ByteReader& r, Connect& c) {
  if (DecodeError e = read_properties(r, PropertyContext::Connect, c.props); e != kOk) return e;
  // Authentication data belongs to an authentication method [3.1.2.11.10].
  if (c.props->auth_data && !c.props->auth_method) return DecodeError::PropertyValue;
  return kOk;
}

}  // namespace

DecodeError decode_connect(ByteReader& r, Packet& out) {
  Connect c;
  if (DecodeError e = read_protocol(r, c.level); e != kOk) return e;
  uint8_t flags = 0;
  if (!r.u8(flags)) return DecodeError::Truncated;
  if (DecodeError e = check_connect_flags(flags, c.level); e != kOk) return e;
  c.clean_session = (flags & kCleanSession) != 0;
  if (!r.u16(c.keep_alive)) return DecodeError::Truncated;
  if (is_v5(c.level)) {
    if (DecodeError e = read_connect_properties(r, c); e != kOk) return e;
  }
  if (DecodeError e = read_connect_payload(r, flags, c); e != kOk) return e;
  out = std::move(c);
  return kOk;
}

}  // namespace edgemq::mqtt
