// The tally that counts what lost WAL records held (LossCounts, in
// recovery_report.h), by what it means to the people using the gateway.
//
// It takes the log's records in order from the first loss on and
// counts net effects, not raw operations: a queued message whose record is
// lost is not counted when a later record (lost or not) deletes it, because
// then it had been delivered and acknowledged, and nobody is owed it. An
// operation on a family whose table files already hold that log (recovery
// skips it: RocksDB's per-family log number) cannot be lost and is ignored.
// Records that do not decode are counted as unreadable, with the operations
// they held when the gap in sequence numbers around them tells.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "storage/recovery_report.h"
#include "storage/wal_batch.h"
#include "storage/wal_scan.h"

namespace edgemq::storage {

class LossTally {
 public:
  // `family_logs`: family id -> the first log number recovery still applies
  // to it (empty: every log applies to every family).
  LossTally(wal::FamilyIds ids, std::map<uint32_t, uint64_t> family_logs);

  // The next record in log order; `lost` records are counted, every record
  // cancels what it makes moot.
  void add(uint64_t log_number, const wal::Record& r, bool lost);
  // Bytes in a lost stretch in which no record was found.
  void add_unreadable(uint64_t bytes) { counts_.unreadable_bytes += bytes; gap_open_ = gap_open_ || bytes > 0; }

  LossCounts result() const;

 private:
  void count(uint64_t log_number, const wal::Op& op, bool lost);
  void queue_op(const wal::Op& op, bool lost);
  void erase_range(std::set<std::string>& keys, std::string_view begin, std::string_view end);
  void follow_sequence(const wal::Record& r);

  wal::FamilyIds ids_;
  std::map<uint32_t, uint64_t> family_logs_;
  LossCounts counts_;
  std::set<std::string> new_messages_;  // queue keys put (Pending) by lost records, still owed
  std::set<std::string> marks_;         // queue keys whose lost record marked them sent/received
  std::set<std::string> acks_;          // queue keys whose lost record deleted them
  uint64_t next_sequence_ = 0;          // after the last record whose header is trusted
  bool gap_open_ = false;               // unreadable bytes since then
};

}  // namespace edgemq::storage
