// Whether the store can take new data, decided on the committer thread and
// read from any: the free space of the store's filesystem against a reserve
// (min_free_disk), and whether the last write failed.
//
// Why a reserve: a full disk makes RocksDB stop writing (a background error)
// until it is resumed, and every write after that fails, acknowledgements
// and session changes included. Refusing new messages while there is still
// room keeps the writes that free space (a subscriber's PUBACK deletes its
// record) and the small ones (subscriptions) working, and the store never
// reaches the error at all unless something else fills the disk.
//
// States (both may hold at once):
//   disk low  free space < min_free_bytes; measured at most every
//             `check_interval_ms` while writing, every second while low;
//   failed    a write failed; every second, once there is room again (the
//             reserve and at least room to flush the memtables), the
//             committer asks the store to resume, and a success clears it.
// Each change is reported once to the observer (the gateway logs it).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "storage/store.h"

namespace edgemq::storage {

// Bytes free to an unprivileged writer on the filesystem holding `dir`;
// nullopt if it cannot be measured.
std::optional<uint64_t> free_disk_bytes(const std::string& dir);

class StoreGuard {
 public:
  enum class Event : uint8_t { DiskLow, DiskOk, WriteFailed, Resumed, ResumeFailed };
  struct Report {
    Event event;
    uint64_t free_bytes;      // last measured
    uint64_t min_free_bytes;
    std::string detail;       // the store's error, for WriteFailed and ResumeFailed
  };
  // Runs on the committer thread at each change.
  using Observer = std::function<void(const Report&)>;
  using Measure = std::function<std::optional<uint64_t>(const std::string& dir)>;
  struct Options {
    std::string dir;              // where free space is measured; empty: never
    uint64_t min_free_bytes = 0;  // the reserve; 0: none
    uint64_t check_interval_ms = 100;
    uint64_t retry_interval_ms = 1000;  // free-space polls and resume attempts while not ok
    // A failed store is resumed only with this much free too: resuming
    // flushes memtables (4 MiB each, RocksTuning), and a resume that fails
    // again at once only flaps.
    uint64_t resume_min_free_bytes = 8ull << 20;
    Observer observer;
  };

  explicit StoreGuard(Options options, Measure measure = free_disk_bytes);

  // Committer thread. Before a batch (`bytes`: what it will write) or on a
  // quiet wake-up (bytes 0): measures free space when due and, while
  // failed with room again, resumes `store`.
  void before_write(uint64_t now_ms, uint64_t bytes, Store& store);
  void after_write(const Status& status);
  // Whether the committer should wake up by itself to poll (not ok).
  bool needs_polling() const { return disk_low() || failed(); }

  // Any thread.
  bool disk_low() const { return disk_low_.load(std::memory_order_relaxed); }
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  // New messages that need the store are refused.
  bool refusing() const { return disk_low() || failed(); }
  uint64_t free_bytes() const { return free_bytes_.load(std::memory_order_relaxed); }
  uint64_t min_free_bytes() const { return options_.min_free_bytes; }
  uint64_t retry_interval_ms() const { return options_.retry_interval_ms; }

 private:
  void measure(uint64_t now_ms);
  void report(Event e, std::string detail = {});

  Options options_;
  Measure measure_;
  uint64_t last_measure_ms_ = 0;
  uint64_t bytes_since_measure_ = 0;
  uint64_t last_resume_ms_ = 0;
  std::atomic<bool> disk_low_{false};
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> free_bytes_{0};
};

}  // namespace edgemq::storage
