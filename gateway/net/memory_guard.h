// The gateway's memory as a whole (docs/architecture.md, "Memory under
// attack"): the partial packet budget every connection charges, the memory
// high watermark with its shedding, and giving freed heap memory back.
//
// One worker (worker 0) calls on_tick every 100 ms: it samples RSS, says in
// the log when it crosses the watermark either way, and trims the heap when
// HeapTrimPolicy says so (on that worker's thread; the measured cost is in
// docs/benchmarks.md). Every worker reads high() to shed: a CONNECT is
// refused, the partial packet budget counts as spent, and QoS 0 to a client
// is dropped past an eighth of max_outbound_bytes (Worker applies that).
// The admin thread reads the gauges. All shared state is atomic.
#pragma once

#include <atomic>
#include <cstdint>

#include "gateway/core/stats.h"
#include "gateway/net/heap_trim_policy.h"
#include "gateway/net/memory_watermark.h"
#include "gateway/net/partial_packet_budget.h"
#include "gateway/net/process_rss.h"

namespace edgemq::net {

class MemoryGuard {
 public:
  // `watermark`: bytes of RSS; 0 turns it off.
  MemoryGuard(core::Stats& stats, uint64_t partial_packet_budget, uint64_t watermark);

  PartialPacketBudget& budget() { return budget_; }
  const PartialPacketBudget& budget() const { return budget_; }
  // Any thread (a SIGHUP reload); the next sample compares with it.
  void set_watermark(uint64_t bytes) { watermark_.store(bytes, std::memory_order_relaxed); }
  uint64_t watermark() const { return watermark_.load(std::memory_order_relaxed); }
  // Any thread: memory is above the watermark, so the gateway sheds.
  bool high() const { return high_.load(std::memory_order_relaxed); }
  // The last RSS sampled, bytes.
  uint64_t rss() const { return rss_.load(std::memory_order_relaxed); }

  // On one worker's thread, every tick.
  void on_tick(uint64_t now_ms);

 private:
  void crossed(MemoryWatermark::Change change, uint64_t rss, uint64_t watermark);
  void trim(uint64_t rss_before);

  core::Stats& stats_;
  PartialPacketBudget budget_;
  std::atomic<uint64_t> watermark_;
  std::atomic<bool> high_{false};
  std::atomic<uint64_t> rss_{0};
  // The sampling worker's alone.
  ProcessRss reader_;
  MemoryWatermark state_;
  HeapTrimPolicy trim_policy_;
};

}  // namespace edgemq::net
