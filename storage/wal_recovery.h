// The WAL check around RocksDB's recovery at open. RocksDB alone either
// stops silently at the first damage (its default, point in time), refuses
// without saying where (tolerate corrupted tail records), or skips without
// saying what (skip any corrupted records); and it drops the rest of a
// block after a zeroed header without a word in every mode. So:
//
//   1. holding RocksDB's lock on the directory, scan every WAL file
//      (wal_scan.h) before RocksDB sees it;
//   2. nothing found: open as the mode says (Strict: RocksDB's tolerate mode
//      stays the backstop and refuses what the scan might have missed);
//   3. Strict, and only the newest log ends in a torn write: cut the torn
//      bytes off (they are not a record anyone was acknowledged for: see
//      docs/architecture.md, "Recovery") and open, with a warning;
//   4. anything else: ask RocksDB, read-only (recovery_probe.h), which
//      families still need which logs and which records a skipping recovery
//      replays, and tally what the others held (wal_losses.h).
//      Salvage: open skipping, report the tally.
//      Strict: when nothing anyone would miss is lost (the damaged records
//      hold only what table files already have), open skipping with a
//      warning; otherwise refuse, naming the file, the offset, what is at
//      stake and the way out.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <rocksdb/options.h>

#include "storage/recovery_probe.h"
#include "storage/recovery_report.h"
#include "storage/wal_files.h"
#include "storage/wal_scan.h"

namespace edgemq::storage {

class WalCheck {
 public:
  using DryRun = std::function<Status(RecoveryFacts&)>;  // a read-only open in skip mode

  WalCheck(std::string dir, WalRecovery mode, RecoveryReport& report);

  // Before DB::Open. False: do not open (report.refusal says why).
  bool prepare(const DryRun& dry_run);
  rocksdb::WALRecoveryMode rocks_mode() const;
  // DB::Open succeeded; `real` is what its recording filter saw.
  void opened(const RecoveryFacts& real);
  // DB::Open failed: adds the way out when the failure is a corruption.
  void failed(const rocksdb::Status& s);
  // Whether the open may have skipped records (last_seq must then be checked
  // against the queue).
  bool skipping() const { return skipping_; }

 private:
  struct Scanned {
    wal::LogFile file;
    wal::Summary summary;
  };
  // Where the first damage that matters is: scans_[file], byte offset.
  struct Position {
    size_t file = 0;
    uint64_t offset = 0;
  };

  bool prepare_locked(const DryRun& dry_run);
  void scan_all();
  bool only_newest_torn() const;
  bool cut_torn_tail();
  void tally();
  bool exempt_tail(size_t i) const;  // the newest log's torn tail: a write cut short, not a loss
  bool needed(size_t i) const;       // some family's table files do not hold that log yet
  std::string why_not_counted(size_t i) const;
  std::string file_line(const Scanned& s) const;
  void refuse();

  std::string dir_;
  WalRecovery mode_;
  RecoveryReport& report_;
  std::vector<Scanned> scans_;
  std::optional<size_t> first_problem_;
  std::optional<Position> damage_;
  RecoveryFacts facts_;
  LossCounts skipped_;         // what a skipping recovery loses
  LossCounts point_in_time_;   // what stopping at the damage would lose
  bool skipping_ = false;
};

}  // namespace edgemq::storage
