#include "storage/rocks_options.h"

#include <cstring>

#include <rocksdb/listener.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include "storage/rocks_logger.h"

namespace edgemq::storage {
namespace {

// The committer resumes the store itself (StoreGuard: every second once the
// disk has min_free_disk free). RocksDB's own recovery would poll every 5 s
// and, while it waits, make DB::Resume answer "busy".
class ResumeOurselves final : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status, bool* auto_recovery) override {
    *auto_recovery = false;
  }
};

// "client id \0": what queue and inbound keys of one session share
// (keys.h). Inserts with the same prefix land next to each other (seqs
// grow), so the memtable keeps a hint per prefix instead of searching its
// skiplist from the top each time.
class ClientIdPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "edgemq.ClientIdPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const auto* sep = static_cast<const char*>(std::memchr(key.data(), 0, key.size()));
    return {key.data(), static_cast<size_t>(sep - key.data()) + 1};
  }
  // Only keys with something after the separator: a DeleteRange begins at
  // "client id \0" itself (keys::queue_begin), and RocksDB 7.8 keeps one
  // hint per prefix for both its point and range-deletion skiplists, so a
  // range deletion in the domain is inserted with a hint into the wrong
  // list (an assertion in ExtractUserKey, seen in the store's tests).
  bool InDomain(const rocksdb::Slice& key) const override {
    const auto* sep = static_cast<const char*>(std::memchr(key.data(), 0, key.size()));
    return sep != nullptr && sep + 1 < key.data() + key.size();
  }
};

}  // namespace

rocksdb::DBOptions make_db_options(const RocksTuning& t) {
  rocksdb::DBOptions o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.db_write_buffer_size = t.total_write_buffer_bytes;
  o.max_total_wal_size = t.max_wal_bytes;
  o.max_open_files = t.max_open_files;
  // Edge boxes have few cores shared with the workers.
  o.max_background_jobs = 2;
  // No LOG file in the data directory: RocksDB's messages go to ours
  // (StoreLog in rocks_store.h says why).
  o.info_log = make_rocks_logger(t.log);
  o.listeners.push_back(std::make_shared<ResumeOurselves>());
  o.max_manifest_file_size = 64 << 20;
  // One writer (the group committer): nothing to gain from concurrent
  // memtable inserts, and they would make RocksDB ignore the insert hints.
  o.allow_concurrent_memtable_write = false;
  // wal_recovery_mode is chosen at each open by WalCheck (wal_recovery.h):
  // RocksDB's default, point in time, would stop at the first damage in the
  // WAL without a word and lose every acknowledged write after it.
  return o;
}

rocksdb::ColumnFamilyOptions make_family_options(const RocksTuning& t,
                                                 const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = t.write_buffer_bytes;
  o.max_write_buffer_number = 2;
  // Keep level sizes in proportion to the small memtables, so L1 is not
  // 256 MB of compaction debt behind a 4 MB memtable.
  o.target_file_size_base = t.write_buffer_bytes * 2;
  o.max_bytes_for_level_base = t.write_buffer_bytes * 8;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return o;
}

void add_insert_hints(rocksdb::ColumnFamilyOptions& o) {
  // In a profile of QoS 1 fan-out to persistent subscribers, skiplist
  // searches (key compares) were a third of the gateway's CPU.
  o.memtable_insert_with_hint_prefix_extractor = std::make_shared<ClientIdPrefix>();
}

}  // namespace edgemq::storage
