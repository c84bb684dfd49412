// The RocksDB Store: one column family per Family (plus RocksDB's "default",
// unused), one WriteBatch per apply(), the queue-seq high-water mark kept in
// meta "last_seq" inside the same batch as the queue entries that raise it.
// Loads skip corrupt records and report them as described in loaders.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "storage/recovery_report.h"
#include "storage/store.h"

namespace edgemq::storage {

// RocksDB's own messages (flushes, compactions, background errors). They go
// to the gateway's log instead of a LOG file in the data directory: that file
// shares the store's disk, and Debian's RocksDB 7.8 aborts the process (a
// live assert in WritableFileWriter) when it logs again after a write to it
// failed on a full disk.
enum class StoreLogLevel : uint8_t { Debug, Info, Warn, Error };
using StoreLog = std::function<void(StoreLogLevel, std::string_view)>;

// Memory knobs, sized for edge boxes by default (a few tens of MB in total
// whatever the data size); tests shrink them to force flushes and compactions.
struct RocksTuning {
  // Per column family memtable; two may exist while one flushes.
  size_t write_buffer_bytes = 4 << 20;
  // Cap on all memtables together: a flush starts when they reach it.
  size_t total_write_buffer_bytes = 16 << 20;
  // One LRU cache shared by all families; index and filter blocks live in it
  // too, so table metadata cannot grow outside this bound.
  size_t block_cache_bytes = 8 << 20;
  // Rarely written families (sessions, meta) would otherwise pin old WAL files;
  // past this size RocksDB flushes them so the WAL can be recycled.
  uint64_t max_wal_bytes = 64 << 20;
  // Table files kept open; each costs a reader and its index.
  int max_open_files = 256;
  // Where RocksDB's messages go; empty: nowhere (never a LOG file).
  StoreLog log;
};

// Opens (creating if needed) the store in `dir`, recovering its
// write-ahead log as `recovery` says (recovery_report.h). On failure: nullptr,
// an error `status`, and for a refused log report.refusal says why, one line
// each. Whatever was tolerated or dropped is in `report` for the caller to log.
std::unique_ptr<Store> open_rocks_store(const std::string& dir, const RocksTuning& tuning,
                                        WalRecovery recovery, Status& status, RecoveryReport& report);

// Strict recovery; a refusal's lines are joined into the status message and
// warnings come back as an ok status with a message. open_rocks_store(dir,
// status) in store.h uses RocksTuning{}.
std::unique_ptr<Store> open_rocks_store(const std::string& dir, const RocksTuning& tuning,
                                        Status& status);

}  // namespace edgemq::storage
