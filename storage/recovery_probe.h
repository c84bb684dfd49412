// What RocksDB's recovery does with the WAL, seen from inside: a WalFilter
// that records the column-family maps recovery hands it and the (log,
// sequence) of every record it replays.
//
// Used twice when the WAL scan found something: in a read-only "dry run"
// open that keeps every record out of the memtables (nothing on disk
// changes), so a report can be built while the damaged files still exist —
// a real open deletes them once it has flushed what it replayed; and in the
// real open, to check that it replayed what the dry run did.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/wal_filter.h>

#include "storage/store.h"

namespace edgemq::storage {

// Sequence numbers replayed, per log, as merged [first, end) ranges.
class ReplayedSet {
 public:
  void add(uint64_t log_number, uint64_t sequence, uint32_t count);
  bool contains(uint64_t log_number, uint64_t sequence) const;
  uint64_t records() const { return records_; }
  bool operator==(const ReplayedSet&) const = default;

 private:
  std::map<uint64_t, std::vector<std::pair<uint64_t, uint64_t>>> ranges_;
  uint64_t records_ = 0;
};

struct RecoveryFacts {
  std::map<std::string, uint32_t> family_ids;  // column family name -> id
  std::map<uint32_t, uint64_t> family_logs;    // id -> first log recovery applies to it
  ReplayedSet replayed;
  // The lowest log number any of our families still needs (0 when unknown).
  uint64_t first_needed_log() const;
};

class RecordingFilter final : public rocksdb::WalFilter {
 public:
  // keep_out: ignore every record, so a read-only open builds no memtables.
  explicit RecordingFilter(bool keep_out) : keep_out_(keep_out) {}

  void ColumnFamilyLogNumberMap(const std::map<uint32_t, uint64_t>& logs,
                                const std::map<std::string, uint32_t>& ids) override;
  WalProcessingOption LogRecordFound(unsigned long long log_number, const std::string& file_name,
                                     const rocksdb::WriteBatch& batch, rocksdb::WriteBatch* new_batch,
                                     bool* changed) override;
  const char* Name() const override { return "edgemq.recovery_probe"; }

  const RecoveryFacts& facts() const { return facts_; }

 private:
  bool keep_out_;
  RecoveryFacts facts_;
};

// Opens `dir` read-only with `options` (its wal_recovery_mode decides) and
// `families`, and records what recovery would replay.
Status dry_run(const std::string& dir, rocksdb::DBOptions options,
               const std::vector<rocksdb::ColumnFamilyDescriptor>& families, RecoveryFacts& out);

}  // namespace edgemq::storage
