// What a connection holds while a packet from its client has begun and not
// ended: the MQTT bytes received so far, when the connection last made
// progress, and what it is charged for in the gateway's PartialPacketBudget.
// It exists only then (the Connection keeps a null pointer otherwise), so an
// idle connection pays nothing for the packet timeout or the budget: the
// start time lives here, not in the Connection's 296 bytes.
//
// A WebSocket connection's partial message is held by wslay, not here; it
// is charged here all the same (Transport::partial_bytes), and a PartialPacket
// with no bytes of its own stands for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace edgemq::net {

struct PartialPacket {
  std::string bytes;  // the unfinished MQTT packet (and nothing after it)
  // Loop time, in 100 ms units like Connection's last receive, of the first
  // byte of the unfinished packet, or of the last packet completed since:
  // packet_timeout counts from here.
  uint32_t since_ds = 0;
  uint32_t charged = 0;  // bytes counted in the budget for this connection now
};
// 40 bytes: malloc's 48-byte class, the same a bare std::string took before.
static_assert(sizeof(PartialPacket) <= 40);

// Appends `in` to `bytes`. Capacity grows by doubling, but never past
// `expected` (the packet's whole size, once its header told it; 0 while
// unknown) when that is enough: the budget counts capacity, and a 600 KiB
// packet must not be charged (or take) 1 MiB.
void append_partial(std::string& bytes, std::span<const uint8_t> in, size_t expected);

// Drops the `used` bytes at the front (whole packets, handled); the buffer
// goes when nothing is left. A remainder much smaller than the buffer moves
// to a buffer of its own size, so a large packet's buffer is not kept (and
// charged) for the few bytes of the next one.
void drop_front(std::string& bytes, size_t used);

}  // namespace edgemq::net
