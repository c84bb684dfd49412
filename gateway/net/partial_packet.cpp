#include "gateway/net/partial_packet.h"

#include <algorithm>

namespace edgemq::net {
namespace {
// A remainder below this share of its buffer's capacity moves to a buffer
// of its own: one copy of a few bytes instead of a large buffer kept.
constexpr size_t kShrinkRatio = 4;
// Below this the buffer is left alone: malloc's small classes cost the
// same either way.
constexpr size_t kShrinkFloor = 4096;
}  // namespace

void append_partial(std::string& bytes, std::span<const uint8_t> in, size_t expected) {
  const size_t need = bytes.size() + in.size();
  if (need > bytes.capacity()) {
    size_t cap = std::max(need, bytes.capacity() * 2);
    if (expected >= need) cap = std::min(cap, expected);
    // Into a fresh string: libstdc++'s reserve() on a non-empty one rounds
    // up to double the old capacity, which is what must not happen here.
    std::string grown;
    grown.reserve(cap);
    grown.append(bytes);
    bytes.swap(grown);
  }
  bytes.append(reinterpret_cast<const char*>(in.data()), in.size());
}

void drop_front(std::string& bytes, size_t used) {
  if (used == 0) return;
  const size_t left = bytes.size() - used;
  if (left == 0) {
    std::string().swap(bytes);  // nothing left: the buffer goes
    return;
  }
  if (bytes.capacity() > kShrinkFloor && left * kShrinkRatio < bytes.capacity()) {
    std::string fresh(bytes, used);  // its own size: capacity == left
    bytes.swap(fresh);
    return;
  }
  bytes.erase(0, used);
}

}  // namespace edgemq::net
