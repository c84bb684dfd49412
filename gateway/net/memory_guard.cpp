#include "gateway/net/memory_guard.h"

#include <uv.h>

#include <spdlog/spdlog.h>

#include "gateway/net/heap_trim.h"

namespace edgemq::net {
namespace {
double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }
}  // namespace

MemoryGuard::MemoryGuard(core::Stats& stats, uint64_t partial_packet_budget, uint64_t watermark)
    : stats_(stats), budget_(partial_packet_budget), watermark_(watermark) {}

void MemoryGuard::on_tick(uint64_t now_ms) {
  const uint64_t rss = reader_.read();
  rss_.store(rss, std::memory_order_relaxed);
  const uint64_t mark = watermark();
  if (rss != 0) crossed(state_.observe(rss, mark), rss, mark);
  uint64_t released = budget_.take_released();
  if (trim_policy_.free_check_due(now_ms)) {
    const HeapUsage heap = heap_usage();
    released += HeapTrimPolicy::idle_release(heap.free, heap.used);
  }
  if (trim_policy_.due(now_ms, released, state_.high())) trim(rss);
}

void MemoryGuard::crossed(MemoryWatermark::Change change, uint64_t rss, uint64_t watermark) {
  if (change == MemoryWatermark::Change::None) return;
  const bool high = change == MemoryWatermark::Change::Rose;
  high_.store(high, std::memory_order_relaxed);
  budget_.set_memory_high(high);
  if (high) {
    spdlog::warn("memory: RSS {:.1f} MiB is above memory_high_watermark ({:.1f} MiB): shedding until it is below "
                 "{:.1f} MiB: new connections are refused (CONNACK 3, 5.0: 0x89 server busy), reading pauses for "
                 "connections holding partial packets over {} bytes, QoS 0 to a client is dropped past an eighth of "
                 "max_outbound_bytes",
                 mib(rss), mib(watermark), mib(MemoryWatermark::clear_line(watermark)),
                 PartialPacketBudget::kSmallRead);
  } else {
    spdlog::info("memory: RSS {:.1f} MiB is below {:.1f} MiB ({}% of memory_high_watermark): shedding ended, new "
                 "connections are taken again",
                 mib(rss), mib(MemoryWatermark::clear_line(watermark)), MemoryWatermark::kClearPercent);
  }
}

void MemoryGuard::trim(uint64_t rss_before) {
  const uint64_t start = uv_hrtime();
  if (!trim_heap()) return;
  const uint64_t took_us = (uv_hrtime() - start) / 1000;
  core::Stats::add(stats_.heap_trims);
  core::Stats::add(stats_.heap_trim_us, took_us);
  const uint64_t after = reader_.read();
  rss_.store(after, std::memory_order_relaxed);
  spdlog::debug("memory: heap trimmed in {} us, RSS {:.1f} -> {:.1f} MiB", took_us, mib(rss_before), mib(after));
}

}  // namespace edgemq::net
