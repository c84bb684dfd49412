// StoreGuard (design in store_guard.h).
#include "storage/store_guard.h"

#include <sys/statvfs.h>

namespace edgemq::storage {

std::optional<uint64_t> free_disk_bytes(const std::string& dir) {
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0) return std::nullopt;
  // f_bavail, not f_bfree: blocks reserved for root do not count, so the
  // answer is the same whether the gateway runs as root or not.
  return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
}

StoreGuard::StoreGuard(Options options, Measure measure)
    : options_(std::move(options)), measure_(std::move(measure)) {}

void StoreGuard::before_write(uint64_t now_ms, uint64_t bytes, Store& store) {
  bytes_since_measure_ += bytes;
  const uint64_t interval = needs_polling() ? options_.retry_interval_ms : options_.check_interval_ms;
  // A burst can write a lot between two measures: a quarter of the reserve
  // written also makes one due.
  const bool due = now_ms - last_measure_ms_ >= interval || last_measure_ms_ == 0 ||
                   (options_.min_free_bytes != 0 && bytes_since_measure_ >= options_.min_free_bytes / 4);
  if (due) measure(now_ms);
  const bool room = !disk_low() && (options_.dir.empty() || free_bytes() >= options_.resume_min_free_bytes);
  if (failed() && room && now_ms - last_resume_ms_ >= options_.retry_interval_ms) {
    last_resume_ms_ = now_ms;
    const Status resumed = store.resume();
    if (resumed.ok) {
      failed_.store(false, std::memory_order_relaxed);
      report(Event::Resumed);
    } else {
      report(Event::ResumeFailed, resumed.message);
    }
  }
}

void StoreGuard::after_write(const Status& status) {
  if (status.ok || failed()) return;
  failed_.store(true, std::memory_order_relaxed);
  last_resume_ms_ = 0;
  report(Event::WriteFailed, status.message);
}

void StoreGuard::measure(uint64_t now_ms) {
  last_measure_ms_ = now_ms;
  bytes_since_measure_ = 0;
  if (options_.dir.empty()) return;
  const std::optional<uint64_t> free = measure_(options_.dir);
  if (!free) return;  // unmeasurable: keep the last verdict
  free_bytes_.store(*free, std::memory_order_relaxed);
  const bool low = *free < options_.min_free_bytes;
  if (low == disk_low()) return;
  disk_low_.store(low, std::memory_order_relaxed);
  report(low ? Event::DiskLow : Event::DiskOk);
}

void StoreGuard::report(Event e, std::string detail) {
  if (options_.observer) options_.observer({e, free_bytes(), options_.min_free_bytes, std::move(detail)});
}

}  // namespace edgemq::storage
