#include "storage/rocks_options.h"

#include <rocksdb/listener.h>
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

}  // namespace edgemq::storage
