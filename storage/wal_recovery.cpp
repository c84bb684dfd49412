#include "storage/wal_recovery.h"

#include <utility>

#include <rocksdb/env.h>

#include "storage/wal_batch.h"
#include "storage/wal_losses.h"

namespace edgemq::storage {
namespace {

constexpr const char* kWayOut =
    "to start without the damaged records, run `edgemq salvage` with the same configuration "
    "(it reports what it drops), or restore the data directory from a backup";

bool has_problem(const wal::Summary& s) { return s.damaged() || s.torn(); }

// Feeds one file's records to the tallies.
class TallyVisitor final : public wal::Visitor {
 public:
  TallyVisitor(uint64_t log_number, const ReplayedSet& replayed, LossTally& skipped, LossTally& point_in_time,
               std::function<bool(uint64_t end)> after_damage, uint64_t exempt_from)
      : log_number_(log_number), replayed_(replayed), skipped_(skipped), point_in_time_(point_in_time),
        after_damage_(std::move(after_damage)), exempt_from_(exempt_from) {}

  void record(const wal::Record& r) override {
    if (r.offset >= exempt_from_) return;
    const std::optional<wal::BatchHeader> h = wal::read_batch_header(r.payload);
    const bool replayed = r.verified && h && replayed_.contains(log_number_, h->sequence);
    skipped_.add(log_number_, r, !replayed);
    point_in_time_.add(log_number_, r, after_damage_(r.end));
  }

  // In order with the records, so the gap in sequence numbers after them
  // tells how many operations they held.
  void unreadable(uint64_t offset, uint64_t bytes) override {
    if (offset >= exempt_from_) return;
    skipped_.add_unreadable(bytes);
    if (after_damage_(offset + bytes)) point_in_time_.add_unreadable(bytes);
  }

 private:
  uint64_t log_number_;
  const ReplayedSet& replayed_;
  LossTally& skipped_;
  LossTally& point_in_time_;
  std::function<bool(uint64_t end)> after_damage_;
  uint64_t exempt_from_;
};

}  // namespace

WalCheck::WalCheck(std::string dir, WalRecovery mode, RecoveryReport& report)
    : dir_(std::move(dir)), mode_(mode), report_(report) {}

rocksdb::WALRecoveryMode WalCheck::rocks_mode() const {
  return skipping_ ? rocksdb::WALRecoveryMode::kSkipAnyCorruptedRecords
                   : rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
}

void WalCheck::scan_all() {
  for (wal::LogFile& f : wal::list_log_files(dir_)) {
    std::string bytes;
    if (!wal::read_whole(f.path, bytes).ok) continue;  // RocksDB will say why it cannot read it
    const wal::Summary summary = wal::scan(bytes, f.number);
    scans_.push_back({std::move(f), summary});
    if (!first_problem_ && has_problem(scans_.back().summary)) first_problem_ = scans_.size() - 1;
  }
}

bool WalCheck::only_newest_torn() const {
  return first_problem_ && *first_problem_ + 1 == scans_.size() && scans_.back().summary.torn();
}

bool WalCheck::exempt_tail(size_t i) const { return i + 1 == scans_.size() && scans_[i].summary.torn(); }

bool WalCheck::prepare(const DryRun& dry_run) {
  // A running gateway may be writing these logs, and what looks torn may be
  // its write in progress: look at them only while holding RocksDB's own
  // lock. Taken (or no directory yet): leave it all to DB::Open, which fails
  // on the lock or creates the store. Released before DB::Open takes it.
  rocksdb::Env* env = rocksdb::Env::Default();
  rocksdb::FileLock* lock = nullptr;
  if (!env->LockFile(dir_ + "/LOCK", &lock).ok()) return true;
  const bool go = prepare_locked(dry_run);
  (void)env->UnlockFile(lock);
  return go;
}

bool WalCheck::prepare_locked(const DryRun& dry_run) {
  scan_all();
  if (!first_problem_) {
    if (mode_ == WalRecovery::Salvage) report_.salvage.push_back("salvage: the write-ahead log is intact: nothing to drop");
    skipping_ = mode_ == WalRecovery::Salvage;
    return true;
  }
  if (mode_ == WalRecovery::Strict && only_newest_torn()) return cut_torn_tail();
  if (Status s = dry_run(facts_); !s.ok) {
    // RocksDB cannot read the store even read-only (its MANIFEST, say): the
    // damage found cannot be weighed, so it is not skipped unasked.
    const std::string why = "RocksDB cannot open the store read-only to tell what the damage holds: " + s.message;
    if (mode_ == WalRecovery::Salvage) {
      skipping_ = true;
      report_.salvage.push_back("salvage: " + file_line(scans_[*first_problem_]) + "; " + why);
      return true;
    }
    report_.refusal.push_back("store: " + file_line(scans_[*first_problem_]) + "; refusing to start");
    report_.refusal.push_back("store: " + why);
    report_.refusal.push_back(std::string("store: ") + kWayOut);
    return false;
  }
  tally();
  if (mode_ == WalRecovery::Salvage) {
    skipping_ = true;
    for (size_t i = *first_problem_; i < scans_.size(); ++i) {
      if (has_problem(scans_[i].summary)) report_.salvage.push_back("salvage: " + file_line(scans_[i]) + why_not_counted(i));
    }
    report_.dropped = skipped_;
    report_.salvage.push_back("salvage: dropped " + describe(skipped_));
    if (skipped_.unverified_records > 0) {
      report_.salvage.push_back("salvage: " + counted(skipped_.unverified_records, "dropped record was", "dropped records were") +
                                " counted from bytes whose checksum failed: what they held is not verified");
    }
    return true;
  }
  if (skipped_.nothing_lost()) {
    // Damage only in what table files already hold: skipping it loses nothing.
    skipping_ = true;
    for (size_t i = *first_problem_; i < scans_.size(); ++i) {
      if (!has_problem(scans_[i].summary)) continue;
      const std::string why = exempt_tail(i) ? " (a write cut short)" : "; nothing still needed was in it, so nothing is lost";
      report_.warnings.push_back("store: " + file_line(scans_[i]) + why);
    }
    return true;
  }
  refuse();
  return false;
}

bool WalCheck::cut_torn_tail() {
  const Scanned& s = scans_.back();
  const wal::Summary& sum = s.summary;
  if (Status cut = wal::cut_to(s.file.path, sum.replayed_end); !cut.ok) {
    report_.refusal.push_back("store: " + file_line(s) + "; cannot cut it off: " + cut.message);
    return false;
  }
  const wal::Drop& d = sum.cause();
  report_.warnings.push_back(
      "store: WAL " + s.file.path + " ends in a torn write (" + wal::describe(d.problem) + " at byte " +
      with_commas(d.offset) + "): cut off its last " + counted(sum.torn_bytes(), "byte", "bytes") +
      ", after byte " + with_commas(sum.replayed_end) + ", the end of its last whole record. A write cut "
      "short by a crash was never acknowledged, unless durability = process and the machine lost power");
  return true;
}

std::string WalCheck::file_line(const Scanned& s) const {
  const wal::Summary& sum = s.summary;
  const wal::Drop& d = sum.cause();
  if (!sum.damaged()) {
    return "WAL " + s.file.path + " ends in a torn write (" + wal::describe(d.problem) + " at byte " +
           with_commas(d.offset) + "): recovery skips the " + counted(sum.torn_bytes(), "byte", "bytes") +
           " after its last whole record";
  }
  std::string line = "WAL " + s.file.path + " is damaged at byte " + with_commas(d.offset) + " (" +
                     wal::describe(d.problem) + "): recovery skips " +
                     counted(sum.lost, "whole record", "whole records");
  if (sum.unreadable_bytes > 0) line += " and " + counted(sum.unreadable_bytes, "unreadable byte", "unreadable bytes");
  return line;
}

bool WalCheck::needed(size_t i) const { return scans_[i].file.number >= facts_.first_needed_log(); }

std::string WalCheck::why_not_counted(size_t i) const {
  if (!needed(i)) return "; every family's table files hold what it held, so none of it counts as lost";
  if (exempt_tail(i)) return "; a write cut short, not counted as lost";
  return {};
}

void WalCheck::tally() {
  const wal::FamilyIds ids = wal::FamilyIds::from_names(facts_.family_ids);
  LossTally skipped(ids, facts_.family_logs);
  LossTally point_in_time(ids, facts_.family_logs);
  for (size_t i = *first_problem_; i < scans_.size(); ++i) {
    const Scanned& s = scans_[i];
    if (!needed(i)) continue;  // every family's table files are past it
    if (!damage_ && has_problem(s.summary) && !exempt_tail(i)) damage_ = Position{i, s.summary.first_drop->offset};
    std::string bytes;
    if (!wal::read_whole(s.file.path, bytes).ok) continue;
    const std::optional<Position> damage = damage_;
    auto after_damage = [damage, i](uint64_t end) { return damage && (i > damage->file || end > damage->offset); };
    const uint64_t exempt_from = exempt_tail(i) ? s.summary.replayed_end : UINT64_MAX;
    TallyVisitor v(s.file.number, facts_.replayed, skipped, point_in_time, after_damage, exempt_from);
    (void)wal::scan(bytes, s.file.number, &v);
  }
  skipped_ = skipped.result();
  point_in_time_ = point_in_time.result();
}

void WalCheck::refuse() {
  const Scanned& s = scans_[damage_ ? damage_->file : *first_problem_];
  report_.refusal.push_back("store: " + file_line(s) +
                            "; refusing to start: replaying the log only up to the damage, as RocksDB does "
                            "by default, would lose " + describe(point_in_time_));
  report_.refusal.push_back("store: skipping only the damaged records would drop " + describe(skipped_));
  report_.refusal.push_back(std::string("store: ") + kWayOut);
}

void WalCheck::opened(const RecoveryFacts& real) {
  if (!skipping_ || facts_.replayed.records() == 0 || real.replayed == facts_.replayed) return;
  std::vector<std::string>& lines = mode_ == WalRecovery::Salvage ? report_.salvage : report_.warnings;
  lines.push_back("store: recovery replayed " + with_commas(real.replayed.records()) +
                  " records where the read-only check replayed " + with_commas(facts_.replayed.records()) +
                  "; the counts above come from the check and may be off by the difference");
}

void WalCheck::failed(const rocksdb::Status& s) {
  if (!s.IsCorruption() || !report_.refusal.empty()) return;
  report_.refusal.push_back("cannot open store in " + dir_ + ": " + s.ToString());
  report_.refusal.push_back("store: the WAL scan found no damage in the " + with_commas(scans_.size()) +
                            " log files; if the damage is in one nonetheless, " + kWayOut);
}

}  // namespace edgemq::storage
