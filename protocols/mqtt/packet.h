// MQTT control packets as plain values, for 3.1, 3.1.1 and 5.0. One struct per
// packet type; the protocol version travels with the connection, not with each
// packet, and the codec takes it as a parameter. Fields that exist only in 5.0
// (properties, reason codes, subscription options) are ignored when encoding
// for 3.1.1 and left at their defaults when decoding it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "protocols/mqtt/properties.h"

namespace edgemq::mqtt {

enum class PacketType : uint8_t {
  Connect = 1, Connack = 2, Publish = 3, Puback = 4, Pubrec = 5, Pubrel = 6, Pubcomp = 7,
  Subscribe = 8, Suback = 9, Unsubscribe = 10, Unsuback = 11, Pingreq = 12, Pingresp = 13,
  Disconnect = 14, Auth = 15,  // AUTH exists only in 5.0
};

// Protocol level byte of CONNECT: 3 = MQTT 3.1 ("MQIsdp"), 4 = 3.1.1 ("MQTT"),
// 5 = 5.0 ("MQTT").
enum class ProtocolLevel : uint8_t { V31 = 3, V311 = 4, V5 = 5 };

// The CONNACK byte after the flags: a 3.1.1 return code below, or in 5.0 a
// reason code (mqtt::reason, e.g. static_cast<ConnackCode>(reason::kBanned)).
enum class ConnackCode : uint8_t {
  Accepted = 0,
  UnacceptableProtocol = 1,
  IdentifierRejected = 2,
  ServerUnavailable = 3,
  BadUsernameOrPassword = 4,
  NotAuthorized = 5,
};

inline constexpr uint8_t kSubackFailure = 0x80;

struct Will {
  std::string topic;
  std::string payload;
  uint8_t qos = 0;
  bool retain = false;
  Props props{};  // 5.0 will properties [MQTT-3.1.3.2]
};

struct Connect {
  ProtocolLevel level = ProtocolLevel::V311;
  bool clean_session = true;  // "Clean Start" in 5.0 [MQTT-3.1.2-4]
  uint16_t keep_alive = 0;  // seconds; 0 disables
  std::string client_id;
  std::optional<Will> will;
  std::optional<std::string> username;
  std::optional<std::string> password;  // binary data
  Props props{};
};

struct Connack {
  bool session_present = false;
  ConnackCode code = ConnackCode::Accepted;
  Props props{};
};

struct Publish {
  bool dup = false;
  uint8_t qos = 0;
  bool retain = false;
  std::string topic;
  uint16_t packet_id = 0;  // present only when qos > 0
  std::string payload;
  Props props{};
};

// PUBACK, PUBREC, PUBREL and PUBCOMP: a packet id, and in 5.0 a reason code
// and properties (omitted on the wire when 0x00 and none [MQTT-3.4.2.1]).
template <PacketType T>
struct Ack {
  static constexpr PacketType kType = T;
  uint16_t packet_id = 0;
  uint8_t reason_code = reason::kSuccess;
  Props props{};
};
using Puback = Ack<PacketType::Puback>;
using Pubrec = Ack<PacketType::Pubrec>;
using Pubrel = Ack<PacketType::Pubrel>;
using Pubcomp = Ack<PacketType::Pubcomp>;

// Retain handling [MQTT-3.8.3.1]: when retained messages go out on SUBSCRIBE.
enum class RetainHandling : uint8_t { OnSubscribe = 0, OnNewSubscribe = 1, Never = 2 };

struct Subscription {
  std::string filter;
  uint8_t qos = 0;
  // 5.0 subscription options; 3.1.1 decodes them as these defaults.
  bool no_local = false;
  bool retain_as_published = false;
  RetainHandling retain_handling = RetainHandling::OnSubscribe;
};

struct Subscribe {
  uint16_t packet_id = 0;
  std::vector<Subscription> subscriptions;  // never empty once decoded [MQTT-3.8.3-3]
  Props props{};
};

struct Suback {
  uint16_t packet_id = 0;
  // Granted QoS 0..2 or kSubackFailure; in 5.0 any SUBACK reason code.
  std::vector<uint8_t> return_codes;
  Props props{};
};

struct Unsubscribe {
  uint16_t packet_id = 0;
  std::vector<std::string> filters;  // never empty once decoded [MQTT-3.10.3-2]
  Props props{};
};

struct Unsuback {
  static constexpr PacketType kType = PacketType::Unsuback;
  uint16_t packet_id = 0;
  std::vector<uint8_t> reason_codes{};  // 5.0 only, one per filter; empty in 3.1.1
  Props props{};
};

struct Pingreq {};
struct Pingresp {};

struct Disconnect {
  uint8_t reason_code = reason::kSuccess;  // 5.0 only
  Props props{};
};

// 5.0 only [MQTT-3.15].
struct Auth {
  uint8_t reason_code = reason::kSuccess;
  Props props{};
};

// A PUBLISH to encode without building a Publish: a delivery of a shared
// message borrows its topic, payload and properties (null: none).
struct PublishView {
  bool dup = false;
  uint8_t qos = 0;
  bool retain = false;
  std::string_view topic;
  uint16_t packet_id = 0;
  std::string_view payload;
  const Properties* props = nullptr;
};

using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe,
                            Suback, Unsubscribe, Unsuback, Pingreq, Pingresp, Disconnect, Auth>;

PacketType type_of(const Packet& p);
const char* name_of(PacketType t);

}  // namespace edgemq::mqtt
