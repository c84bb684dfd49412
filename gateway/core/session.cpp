#include "gateway/core/session.h"

#include <algorithm>

namespace edgemq::core {

uint16_t Session::next_packet_id() {
  // The window is far smaller than 65535, so a free id is always near.
  for (;;) {
    last_packet_id_ = static_cast<uint16_t>(last_packet_id_ + 1);
    if (last_packet_id_ == 0) continue;
    if (find_inflight(last_packet_id_) == nullptr) return last_packet_id_;
  }
}

Outgoing* Session::find_inflight(uint16_t packet_id) {
  auto it = std::find_if(inflight.begin(), inflight.end(),
                         [&](const Outgoing& o) { return o.packet_id == packet_id; });
  return it == inflight.end() ? nullptr : &*it;
}

void Session::erase_inflight(uint16_t packet_id) {
  auto it = std::find_if(inflight.begin(), inflight.end(),
                         [&](const Outgoing& o) { return o.packet_id == packet_id; });
  if (it != inflight.end()) inflight.erase(it);
}

}  // namespace edgemq::core
