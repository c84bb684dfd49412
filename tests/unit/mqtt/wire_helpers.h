// Shared by the 5.0 codec tests: building wire bytes and decoding them on a
// connection of a given protocol level.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "protocols/mqtt/codec.h"
#include "protocols/mqtt/packet.h"

namespace edgemq::mqtt::test {

using Bytes = std::vector<uint8_t>;
using Status = DecodeResult::Status;

inline constexpr size_t kNoLimit = 1u << 30;
inline constexpr ProtocolLevel kV5 = ProtocolLevel::V5;
inline constexpr ProtocolLevel kV311 = ProtocolLevel::V311;

// A two-byte length prefix and the bytes of `s` [MQTT-1.5.4].
inline Bytes str(std::string_view s) {
  // Sized up front: GCC 12 at -O2 misreads insert() into a 2-byte vector as
  // an out-of-bounds copy (-Warray-bounds), a known false positive.
  Bytes b(2 + s.size());
  b[0] = static_cast<uint8_t>(s.size() >> 8);
  b[1] = static_cast<uint8_t>(s.size() & 0xFF);
  std::copy(s.begin(), s.end(), b.begin() + 2);
  return b;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Fixed header byte 0, the remaining length of `body`, then `body`.
inline Bytes packet(uint8_t byte0, const Bytes& body) {
  Bytes out = {byte0};
  size_t n = body.size();
  do {
    auto b = static_cast<uint8_t>(n & 0x7F);
    n >>= 7;
    out.push_back(n ? (b | 0x80) : b);
  } while (n);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// A property block: its length (one byte, enough for these tests) and `props`.
inline Bytes props(const Bytes& props) {
  EXPECT_LT(props.size(), 128u);
  return cat({{static_cast<uint8_t>(props.size())}, props});
}

inline Bytes encode_bytes(const Packet& p, ProtocolLevel level) {
  std::string s;
  encode(p, s, level);
  return Bytes(s.begin(), s.end());
}

// Encodes `p` for `level`, expecting exactly `wire` and a matching size.
inline void expect_encodes_to(const Packet& p, ProtocolLevel level, const Bytes& wire) {
  EXPECT_EQ(encode_bytes(p, level), wire);
  EXPECT_EQ(encoded_size(p, level), wire.size());
}

// Decodes `wire` on a `level` connection, expecting exactly one packet of
// type T covering all of it.
template <class T>
T decode_as(const Bytes& wire, ProtocolLevel level) {
  const DecodeResult r = decode(wire, kNoLimit, level);
  EXPECT_EQ(r.status, Status::Packet) << describe(r.error);
  EXPECT_EQ(r.consumed, wire.size());
  const T* p = std::get_if<T>(&r.packet);
  EXPECT_NE(p, nullptr) << "decoded a " << name_of(type_of(r.packet));
  return p ? *p : T{};
}

// The error decoding `wire` on a `level` connection, expecting one.
inline DecodeError error_of(const Bytes& wire, ProtocolLevel level) {
  const DecodeResult r = decode(wire, kNoLimit, level);
  EXPECT_EQ(r.status, Status::Error) << "status " << static_cast<int>(r.status);
  return r.error;
}

}  // namespace edgemq::mqtt::test
