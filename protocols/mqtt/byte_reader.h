// Bounds-checked reading of big-endian MQTT fields from one packet body.
// Every read either succeeds or leaves the reader untouched and returns false,
// so a parser can never step past the remaining length it was given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "protocols/mqtt/variable_byte_integer.h"

namespace edgemq::mqtt {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  size_t remaining() const { return bytes_.size() - pos_; }
  bool empty() const { return remaining() == 0; }

  [[nodiscard]] bool u8(uint8_t& out) {
    if (remaining() < 1) return false;
    out = bytes_[pos_++];
    return true;
  }

  [[nodiscard]] bool u16(uint16_t& out) {
    if (remaining() < 2) return false;
    out = static_cast<uint16_t>((bytes_[pos_] << 8) | bytes_[pos_ + 1]);
    pos_ += 2;
    return true;
  }

  [[nodiscard]] bool u32(uint32_t& out) {
    if (remaining() < 4) return false;
    out = (uint32_t{bytes_[pos_]} << 24) | (uint32_t{bytes_[pos_ + 1]} << 16) |
          (uint32_t{bytes_[pos_ + 2]} << 8) | uint32_t{bytes_[pos_ + 3]};
    pos_ += 4;
    return true;
  }

  // A Variable Byte Integer [MQTT-1.5.5]; anything but Done leaves the reader
  // where it was.
  [[nodiscard]] VbiStatus vbi(uint32_t& out) {
    size_t length = 0;
    const VbiStatus s = read_variable_byte_integer(bytes_.subspan(pos_), out, length);
    if (s == VbiStatus::Done) pos_ += length;
    return s;
  }

  // A view of the next `n` bytes, valid as long as the input span is.
  [[nodiscard]] bool view(size_t n, std::string_view& out) {
    if (remaining() < n) return false;
    out = std::string_view(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return true;
  }

  // A two-byte length followed by that many bytes [MQTT-1.5.3].
  [[nodiscard]] bool prefixed(std::string_view& out) {
    const size_t start = pos_;
    uint16_t len = 0;
    if (!u16(len) || !view(len, out)) {
      pos_ = start;
      return false;
    }
    return true;
  }

  // Everything left, e.g. a PUBLISH payload.
  std::string_view rest() {
    std::string_view out;
    (void)view(remaining(), out);
    return out;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

}  // namespace edgemq::mqtt
