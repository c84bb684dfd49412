// Packet type names and the variant-to-type mapping.
#include "protocols/mqtt/packet.h"

#include <type_traits>

namespace edgemq::mqtt {

namespace {

// type_of() relies on the variant listing the packets in wire-type order
// (Connect = 1 at index 0 ... Auth = 15 at index 14), so a mistake in
// packet.h fails the build instead of mislabelling packets at run time.
static_assert(std::variant_size_v<Packet> == 15);
static_assert(std::is_same_v<std::variant_alternative_t<0, Packet>, Connect>);
static_assert(std::is_same_v<std::variant_alternative_t<1, Packet>, Connack>);
static_assert(std::is_same_v<std::variant_alternative_t<2, Packet>, Publish>);
static_assert(std::is_same_v<std::variant_alternative_t<3, Packet>, Puback>);
static_assert(std::is_same_v<std::variant_alternative_t<4, Packet>, Pubrec>);
static_assert(std::is_same_v<std::variant_alternative_t<5, Packet>, Pubrel>);
static_assert(std::is_same_v<std::variant_alternative_t<6, Packet>, Pubcomp>);
static_assert(std::is_same_v<std::variant_alternative_t<7, Packet>, Subscribe>);
static_assert(std::is_same_v<std::variant_alternative_t<8, Packet>, Suback>);
static_assert(std::is_same_v<std::variant_alternative_t<9, Packet>, Unsubscribe>);
static_assert(std::is_same_v<std::variant_alternative_t<10, Packet>, Unsuback>);
static_assert(std::is_same_v<std::variant_alternative_t<11, Packet>, Pingreq>);
static_assert(std::is_same_v<std::variant_alternative_t<12, Packet>, Pingresp>);
static_assert(std::is_same_v<std::variant_alternative_t<13, Packet>, Disconnect>);
static_assert(std::is_same_v<std::variant_alternative_t<14, Packet>, Auth>);

}  // namespace

PacketType type_of(const Packet& p) {
  return static_cast<PacketType>(p.index() + 1);
}

const char* name_of(PacketType t) {
  switch (t) {
    case PacketType::Connect: return "CONNECT";
    case PacketType::Connack: return "CONNACK";
    case PacketType::Publish: return "PUBLISH";
    case PacketType::Puback: return "PUBACK";
    case PacketType::Pubrec: return "PUBREC";
    case PacketType::Pubrel: return "PUBREL";
    case PacketType::Pubcomp: return "PUBCOMP";
    case PacketType::Subscribe: return "SUBSCRIBE";
    case PacketType::Suback: return "SUBACK";
    case PacketType::Unsubscribe: return "UNSUBSCRIBE";
    case PacketType::Unsuback: return "UNSUBACK";
    case PacketType::Pingreq: return "PINGREQ";
    case PacketType::Pingresp: return "PINGRESP";
    case PacketType::Disconnect: return "DISCONNECT";
    case PacketType::Auth: return "AUTH";
  }
  // Values outside the enum (e.g. a raw wire nibble cast in) still get a name.
  return "UNKNOWN";
}

}  // namespace edgemq::mqtt
