// Frame splitting: the fixed header [MQTT-2.2] decides whether a whole packet
// is at the front of the buffer. Everything the header alone can reveal
// (reserved types and flags, a fifth length byte, an oversized or misshapen
// length) fails here, before the body is waited for; the body itself is parsed
// only once it is all present (decode_body.cpp), so a body parser never sees a
// partial packet and the result does not depend on how the stream was split.
#include "protocols/mqtt/codec.h"

#include "protocols/mqtt/decode_body.h"

namespace edgemq::mqtt {

namespace {

constexpr size_t kMaxLengthBytes = 4;  // remaining length up to 268,435,455 [MQTT-2.2.3]

DecodeResult fail(DecodeError e) {
  DecodeResult r;
  r.status = DecodeResult::Status::Error;
  r.error = e;
  return r;
}

// Reserved fixed-header flag values [MQTT-2.2.2-1]: PUBREL, SUBSCRIBE and
// UNSUBSCRIBE carry 0b0010 [MQTT-3.6.1-1, 3.8.1-1, 3.10.1-1]; PUBLISH carries
// DUP/QoS/RETAIN; every other type carries 0b0000.
DecodeError check_flags(PacketType type, uint8_t flags) {
  switch (type) {
    case PacketType::Publish: {
      const uint8_t qos = (flags >> 1) & 0x03;
      if (qos == 3) return DecodeError::InvalidQos;                  // [MQTT-3.3.1-4]
      if ((flags & 0x08) && qos == 0) return DecodeError::ReservedFlags;  // [MQTT-3.3.1-2]
      return DecodeError::None;
    }
    case PacketType::Pubrel:
    case PacketType::Subscribe:
    case PacketType::Unsubscribe:
      return flags == 0x02 ? DecodeError::None : DecodeError::ReservedFlags;
    default:
      return flags == 0 ? DecodeError::None : DecodeError::ReservedFlags;
  }
}

// Packets whose body has a fixed size can be judged by their remaining length
// alone, so a PINGREQ claiming 200 MB is refused without waiting for it.
DecodeError check_shape(PacketType type, size_t remaining) {
  size_t expected = 0;
  switch (type) {
    case PacketType::Connack:
    case PacketType::Puback:
    case PacketType::Pubrec:
    case PacketType::Pubrel:
    case PacketType::Pubcomp:
    case PacketType::Unsuback:
      expected = 2;
      break;
    case PacketType::Pingreq:
    case PacketType::Pingresp:
    case PacketType::Disconnect:
      expected = 0;
      break;
    default:
      return DecodeError::None;  // variable-size bodies are checked when parsed
  }
  if (remaining < expected) return DecodeError::Truncated;
  if (remaining > expected) return DecodeError::TrailingBytes;
  return DecodeError::None;
}

enum class LengthStatus : uint8_t { Done, NeedMore, TooLong };

// Reads the variable-length remaining length after byte 0: seven bits per
// byte, least significant first, high bit = "more follows" [MQTT-2.2.3].
// Fails on the fourth byte if it still says "more follows".
LengthStatus read_remaining_length(std::span<const uint8_t> in, size_t& value,
                                   size_t& header_len) {
  value = 0;
  for (size_t i = 0; i < kMaxLengthBytes; ++i) {
    if (in.size() <= 1 + i) return LengthStatus::NeedMore;
    const uint8_t b = in[1 + i];
    value |= static_cast<size_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      header_len = 2 + i;
      return LengthStatus::Done;
    }
  }
  return LengthStatus::TooLong;
}

}  // namespace

DecodeResult decode(std::span<const uint8_t> in, size_t max_packet_size) {
  DecodeResult r;  // NeedMore with needed = 0 until the length is known
  if (in.empty()) return r;

  const uint8_t type_bits = in[0] >> 4;
  const auto flags = static_cast<uint8_t>(in[0] & 0x0F);
  if (type_bits == 0 || type_bits == 15) return fail(DecodeError::ReservedPacketType);
  const auto type = static_cast<PacketType>(type_bits);
  if (DecodeError e = check_flags(type, flags); e != DecodeError::None) return fail(e);

  size_t remaining = 0;
  size_t header_len = 0;
  switch (read_remaining_length(in, remaining, header_len)) {
    case LengthStatus::NeedMore: return r;
    case LengthStatus::TooLong: return fail(DecodeError::RemainingLengthTooLong);
    case LengthStatus::Done: break;
  }

  const size_t total = header_len + remaining;
  if (total > max_packet_size) return fail(DecodeError::PacketTooLarge);
  if (DecodeError e = check_shape(type, remaining); e != DecodeError::None) return fail(e);
  if (in.size() < total) {
    r.needed = total;
    return r;
  }

  const DecodeError e = decode_body(type, flags, in.subspan(header_len, remaining), r.packet);
  if (e != DecodeError::None) return fail(e);
  r.status = DecodeResult::Status::Packet;
  r.consumed = total;
  return r;
}

const char* describe(DecodeError e) {
  switch (e) {
    case DecodeError::None: return "no error";
    case DecodeError::ReservedPacketType: return "reserved packet type (0 or 15)";
    case DecodeError::ReservedFlags: return "reserved fixed-header flags";
    case DecodeError::RemainingLengthTooLong: return "remaining length longer than 4 bytes";
    case DecodeError::PacketTooLarge: return "packet larger than the maximum packet size";
    case DecodeError::Truncated: return "field runs past the remaining length";
    case DecodeError::TrailingBytes: return "bytes left over after the last field";
    case DecodeError::BadProtocolName: return "unknown protocol name";
    case DecodeError::UnsupportedProtocolLevel: return "unsupported protocol level";
    case DecodeError::ReservedConnectFlag: return "CONNECT reserved flag set";
    case DecodeError::BadWillFlags: return "inconsistent will flags";
    case DecodeError::BadUsernamePasswordFlags: return "password flag without username flag";
    case DecodeError::MalformedUtf8: return "malformed UTF-8 string";
    case DecodeError::InvalidTopicName: return "invalid topic name";
    case DecodeError::InvalidTopicFilter: return "invalid topic filter";
    case DecodeError::InvalidQos: return "invalid QoS";
    case DecodeError::ZeroPacketId: return "packet identifier is zero";
    case DecodeError::EmptySubscribe: return "no topic filters";
    case DecodeError::ReservedSubscribeBits: return "reserved bits in requested QoS";
    case DecodeError::BadConnackFlags: return "reserved CONNACK flags set";
  }
  return "unknown decode error";
}

}  // namespace edgemq::mqtt
