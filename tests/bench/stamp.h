// What edgemq-bench writes at the front of every payload: when it was sent
// (CLOCK_MONOTONIC, shared by all processes on the machine), which publisher
// sent it and its sequence number from that publisher. The rest is padding.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace edgemq::bench {

struct Stamp {
  uint64_t sent_ns = 0;
  uint32_t publisher = 0;
  uint32_t seq = 0;
};

inline constexpr size_t kStampSize = 16;

inline void write_stamp(const Stamp& s, char* out) {
  std::memcpy(out, &s.sent_ns, 8);
  std::memcpy(out + 8, &s.publisher, 4);
  std::memcpy(out + 12, &s.seq, 4);
}

inline std::optional<Stamp> read_stamp(std::string_view payload) {
  if (payload.size() < kStampSize) return std::nullopt;
  Stamp s;
  std::memcpy(&s.sent_ns, payload.data(), 8);
  std::memcpy(&s.publisher, payload.data() + 8, 4);
  std::memcpy(&s.seq, payload.data() + 12, 4);
  return s;
}

}  // namespace edgemq::bench
