#include "protocols/mqtt/variable_byte_integer.h"

#include <cassert>

namespace edgemq::mqtt {

namespace {
constexpr size_t kMaxBytes = 4;
}  // namespace

VbiStatus read_variable_byte_integer(std::span<const uint8_t> in, uint32_t& value,
                                     size_t& length) {
  uint32_t v = 0;
  for (size_t i = 0; i < kMaxBytes; ++i) {
    if (i >= in.size()) return VbiStatus::NeedMore;
    const uint8_t b = in[i];
    v |= static_cast<uint32_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      value = v;
      length = i + 1;
      return VbiStatus::Done;
    }
  }
  return VbiStatus::TooLong;
}

size_t variable_byte_integer_size(uint32_t value) {
  size_t n = 1;
  while (value >= 128) {
    value >>= 7;
    ++n;
  }
  return n;
}

void put_variable_byte_integer(std::string& out, uint32_t value) {
  assert(value <= kMaxVariableByteInteger);
  do {
    auto b = static_cast<uint8_t>(value & 0x7F);
    value >>= 7;
    if (value > 0) b |= 0x80;
    out.push_back(static_cast<char>(b));
  } while (value > 0);
}

}  // namespace edgemq::mqtt
