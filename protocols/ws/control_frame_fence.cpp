#include "protocols/ws/control_frame_fence.h"

#include <algorithm>

namespace edgemq::ws {

namespace {

bool is_control(uint8_t first_byte) { return (first_byte & 0x08) != 0; }

// Header size once its second byte is known [RFC 6455 5.2].
size_t header_size(uint8_t second_byte) {
  const uint8_t len7 = second_byte & 0x7F;
  const size_t extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
  return 2 + extended + ((second_byte & 0x80) != 0 ? 4 : 0);
}

uint64_t payload_length(const uint8_t* header) {
  const uint8_t len7 = header[1] & 0x7F;
  if (len7 < 126) return len7;
  const size_t bytes = len7 == 126 ? 2 : 8;
  uint64_t n = 0;
  for (size_t i = 0; i < bytes; ++i) n = (n << 8) | header[2 + i];
  return n;
}

}  // namespace

size_t ControlFrameFence::take(std::span<const uint8_t> next, size_t limit) {
  const size_t end = std::min(next.size(), limit);
  size_t pos = 0;
  while (pos < end) {
    if (payload_left_ > 0) {
      const size_t step = static_cast<size_t>(std::min<uint64_t>(payload_left_, end - pos));
      payload_left_ -= step;
      pos += step;
      continue;
    }
    if (header_len_ == 0 && is_control(next[pos])) {
      if (pos + 1 >= end) return pos;  // its size is not known yet
      if ((next[pos + 1] & 0x7F) > 125) return end;  // wslay refuses the header itself [RFC 6455 5.5]
      const size_t whole = header_size(next[pos + 1]) + (next[pos + 1] & 0x7F);
      if (pos + whole > end) return pos;
      pos += whole;
      continue;
    }
    header_[header_len_++] = next[pos++];
    if (header_len_ >= 2 && header_len_ == header_size(header_[1])) {
      payload_left_ = payload_length(header_);
      mid_message_ = (header_[0] & 0x80) == 0;
      header_len_ = 0;
    }
  }
  return pos;
}

}  // namespace edgemq::ws
