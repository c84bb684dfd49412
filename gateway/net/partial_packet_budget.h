// One budget, for the whole gateway, of the bytes held for packets that have
// begun to arrive and not ended (`partial_packet_budget`). Without it, 2,000
// connections each holding an unfinished 1 MiB PUBLISH held 2 GB.
//
// What is counted: each connection's PartialPacket buffer by capacity, plus
// the partial WebSocket message wslay holds for it. Not counted: TLS, whose
// OpenSSL buffers at most one 16 KiB record per connection whatever
// max_packet_size says (part of its fixed per-connection cost, like the
// session state; docs/security.md).
//
// The rule, once the bytes held reach the budget (or the memory watermark is
// crossed, docs/architecture.md "Bounds"):
//   - every read takes at most kSmallRead bytes, so what one read can add is
//     small (below the budget, reads take the worker's whole 64 KiB buffer);
//   - a connection left holding more than kSmallRead after a read stops
//     being read: these are the ones holding the most. A client whose
//     packets fit in a read holds nothing after it and is never paused.
// Paused connections are read again once the bytes held are below three
// quarters of the budget (and memory is not high). packet_timeout still
// counts for them, so connections that hold the budget and do not finish
// are closed, and the budget frees. Worst case: the budget plus 2 ×
// kSmallRead per connection with an unfinished packet.
//
// Every worker charges it: one atomic, changed only when a connection's
// partial packet grows, shrinks or ends (not per packet that arrives whole).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace edgemq::net {

class PartialPacketBudget {
 public:
  // The read size while over, and the most a connection may hold then
  // without being paused.
  static constexpr size_t kSmallRead = 4096;

  explicit PartialPacketBudget(uint64_t limit) : limit_(limit) {}

  // Any thread (a SIGHUP reload).
  void set_limit(uint64_t bytes) { limit_.store(bytes, std::memory_order_relaxed); }
  uint64_t limit() const { return limit_.load(std::memory_order_relaxed); }
  // The memory watermark is crossed: treated as over, whatever is held.
  void set_memory_high(bool high) { memory_high_.store(high, std::memory_order_relaxed); }

  // A connection's charge went from `before` to `after` bytes.
  void charge(uint64_t before, uint64_t after);
  uint64_t held() const { return held_.load(std::memory_order_relaxed); }
  // Bytes released since the last call (for the heap trimmer).
  uint64_t take_released() { return released_.exchange(0, std::memory_order_relaxed); }

  bool over() const;
  // How much the next read may take, given the worker's buffer size.
  size_t read_size(size_t buffer_bytes) const { return over() ? kSmallRead : buffer_bytes; }
  // After a read: stop reading a connection that holds `holding` bytes.
  bool pauses(uint64_t holding) const { return holding > kSmallRead && over(); }
  // A connection paused while holding `holding` bytes stays paused.
  bool holds_back(uint64_t holding) const;

 private:
  std::atomic<uint64_t> limit_;
  std::atomic<uint64_t> held_{0};
  std::atomic<uint64_t> released_{0};
  std::atomic<bool> memory_high_{false};
};

}  // namespace edgemq::net
