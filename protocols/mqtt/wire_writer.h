// Internal to the encoder: appending big-endian MQTT fields [MQTT-1.5] to an
// output string. The encoder trusts its input, so the two-byte length limit
// of strings and binary data is only asserted.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/mqtt/variable_byte_integer.h"

namespace edgemq::mqtt {

inline constexpr size_t kMaxFieldBytes = 65535;

inline void put_u8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

inline void put_u16(std::string& out, uint16_t v) {
  put_u8(out, static_cast<uint8_t>(v >> 8));
  put_u8(out, static_cast<uint8_t>(v & 0xFF));
}

inline void put_u32(std::string& out, uint32_t v) {
  put_u16(out, static_cast<uint16_t>(v >> 16));
  put_u16(out, static_cast<uint16_t>(v & 0xFFFF));
}

// A two-byte length and the bytes: a UTF-8 string or binary data [MQTT-1.5.4/6].
inline size_t prefixed_size(std::string_view s) { return 2 + s.size(); }
inline void put_prefixed(std::string& out, std::string_view s) {
  assert(s.size() <= kMaxFieldBytes);
  put_u16(out, static_cast<uint16_t>(s.size()));
  out.append(s);
}

// Byte 0 and the remaining length [MQTT-2.1.1]; returns the whole packet size.
inline size_t packet_size(size_t body) {
  return 1 + variable_byte_integer_size(static_cast<uint32_t>(body)) + body;
}

// Makes room for `packet` more bytes, growing geometrically: callers append
// many packets to one output buffer.
inline void reserve_for(std::string& out, size_t packet) {
  const size_t need = out.size() + packet;
  if (need > out.capacity()) out.reserve(std::max(need, 2 * out.capacity()));
}

inline void put_fixed_header(std::string& out, uint8_t byte0, size_t body) {
  assert(body <= kMaxVariableByteInteger);
  put_u8(out, byte0);
  put_variable_byte_integer(out, static_cast<uint32_t>(body));
}

}  // namespace edgemq::mqtt
