#include "gateway/net/store_log.h"

#include <chrono>
#include <memory>
#include <mutex>

#include <spdlog/spdlog.h>

#include "gateway/net/log_burst.h"

namespace edgemq::net {
namespace {

// At most kBurst warnings and errors from RocksDB per minute.
class RocksLogLimiter {
 public:
  void log(storage::StoreLogLevel level, std::string_view line) {
    if (level == storage::StoreLogLevel::Debug || level == storage::StoreLogLevel::Info) {
      spdlog::trace("rocksdb: {}", line);
      return;
    }
    uint64_t dropped = 0;
    if (!burst_.admit(dropped)) return;
    if (dropped > 0) {
      spdlog::warn("rocksdb: {} more messages were not logged (at most {} a minute)", dropped, burst_.per_minute());
    }
    if (level == storage::StoreLogLevel::Warn) {
      spdlog::warn("rocksdb: {}", line);
    } else {
      spdlog::error("rocksdb: {}", line);
    }
  }

 private:
  LogBurst burst_{10};
};

std::string mib(uint64_t bytes) {
  char s[32];
  std::snprintf(s, sizeof s, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return s;
}

}  // namespace

storage::StoreLog make_store_log() {
  auto limiter = std::make_shared<RocksLogLimiter>();
  return [limiter](storage::StoreLogLevel level, std::string_view line) { limiter->log(level, line); };
}

storage::StoreGuard::Observer make_guard_log(std::string data_dir) {
  using Event = storage::StoreGuard::Event;
  return [dir = std::move(data_dir)](const storage::StoreGuard::Report& r) {
    switch (r.event) {
      case Event::DiskLow:
        spdlog::warn(
            "store: {} free on the filesystem of {}, below min_free_disk ({}): QoS 1/2 messages that need the "
            "store are refused (MQTT 5: PUBACK/PUBREC 0x97; 3.1.1: connection closed unacknowledged, the client "
            "sends again) and QoS 0 retained updates are not kept; QoS 0, deliveries and acknowledgements go on. "
            "Free space there, or lower min_free_disk",
            mib(r.free_bytes), dir, mib(r.min_free_bytes));
        break;
      case Event::DiskOk:
        spdlog::info("store: {} free on the filesystem of {} (min_free_disk {}): messages are taken again",
                     mib(r.free_bytes), dir, mib(r.min_free_bytes));
        break;
      case Event::WriteFailed:
        spdlog::error(
            "store: a write failed: {}. QoS 1/2 messages that need the store are refused until it recovers; it is "
            "retried every second once {} has more than min_free_disk ({}) free. Acknowledged messages are not "
            "affected",
            r.detail, dir, mib(r.min_free_bytes));
        break;
      case Event::ResumeFailed:
        spdlog::debug("store: not recovered yet: {}", r.detail);
        break;
      case Event::Resumed:
        spdlog::info("store: recovered from the failed write ({} free); messages are taken again", mib(r.free_bytes));
        break;
    }
  };
}

}  // namespace edgemq::net
