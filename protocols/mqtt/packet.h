// MQTT control packets as plain values. One struct per packet type; the protocol
// version travels with the connection, not with each packet (MQTT 5 properties
// will join these structs in their own issue).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace edgemq::mqtt {

enum class PacketType : uint8_t {
  Connect = 1, Connack = 2, Publish = 3, Puback = 4, Pubrec = 5, Pubrel = 6, Pubcomp = 7,
  Subscribe = 8, Suback = 9, Unsubscribe = 10, Unsuback = 11, Pingreq = 12, Pingresp = 13,
  Disconnect = 14,
};

// Protocol level byte of CONNECT: 3 = MQTT 3.1 ("MQIsdp"), 4 = 3.1.1 ("MQTT").
enum class ProtocolLevel : uint8_t { V31 = 3, V311 = 4, V5 = 5 };

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
};

struct Connect {
  ProtocolLevel level = ProtocolLevel::V311;
  bool clean_session = true;
  uint16_t keep_alive = 0;  // seconds; 0 disables
  std::string client_id;
  std::optional<Will> will;
  std::optional<std::string> username;
  std::optional<std::string> password;  // binary data
};

struct Connack {
  bool session_present = false;
  ConnackCode code = ConnackCode::Accepted;
};

struct Publish {
  bool dup = false;
  uint8_t qos = 0;
  bool retain = false;
  std::string topic;
  uint16_t packet_id = 0;  // present only when qos > 0
  std::string payload;
};

// PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK carry nothing but a packet id.
template <PacketType T>
struct IdOnly {
  static constexpr PacketType kType = T;
  uint16_t packet_id = 0;
};
using Puback = IdOnly<PacketType::Puback>;
using Pubrec = IdOnly<PacketType::Pubrec>;
using Pubrel = IdOnly<PacketType::Pubrel>;
using Pubcomp = IdOnly<PacketType::Pubcomp>;
using Unsuback = IdOnly<PacketType::Unsuback>;

struct Subscription {
  std::string filter;
  uint8_t qos = 0;
};

struct Subscribe {
  uint16_t packet_id = 0;
  std::vector<Subscription> subscriptions;  // never empty once decoded [MQTT-3.8.3-3]
};

struct Suback {
  uint16_t packet_id = 0;
  std::vector<uint8_t> return_codes;  // granted QoS 0..2 or kSubackFailure
};

struct Unsubscribe {
  uint16_t packet_id = 0;
  std::vector<std::string> filters;  // never empty once decoded [MQTT-3.10.3-2]
};

struct Pingreq {};
struct Pingresp {};
struct Disconnect {};

using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe,
                            Suback, Unsubscribe, Unsuback, Pingreq, Pingresp, Disconnect>;

PacketType type_of(const Packet& p);
const char* name_of(PacketType t);

}  // namespace edgemq::mqtt
