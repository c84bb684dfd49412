// Internal to the codec: the Variable Byte Integer [MQTT-1.5.5], seven bits
// per byte, least significant group first, the high bit meaning "more
// follows". It carries the remaining length, every property length and the
// subscription identifier.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace edgemq::mqtt {

inline constexpr uint32_t kMaxVariableByteInteger = 268'435'455;  // four bytes

enum class VbiStatus : uint8_t {
  Done,
  NeedMore,  // the input ends while "more follows"
  TooLong,   // a fourth byte still says "more follows"
};

// Reads the integer at the front of `in`; on Done sets `value` and `length`
// (the bytes it took). Non-minimal forms such as 0x80 0x00 are accepted: the
// shortest form is a sender's duty [MQTT-1.5.5-1] that costs a receiver
// nothing to tolerate, and 3.1.1 never required it.
VbiStatus read_variable_byte_integer(std::span<const uint8_t> in, uint32_t& value, size_t& length);

// The shortest encoding of `value` (at most kMaxVariableByteInteger).
size_t variable_byte_integer_size(uint32_t value);
void put_variable_byte_integer(std::string& out, uint32_t value);

}  // namespace edgemq::mqtt
