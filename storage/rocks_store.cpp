// RocksDB Store. Column families, in Family order after "default":
//   retained, sessions, queue, meta, inbound   (names in keys.h; order is append only)
// Every apply() is one WriteBatch, so a logical operation and the last_seq
// mark it raises land together or not at all. Opening goes through WalCheck
// (wal_recovery.h), which decides how RocksDB recovers the write-ahead log.
#include "storage/rocks_store.h"

#include <atomic>
#include <mutex>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/write_batch.h>

#include "storage/keys.h"
#include "storage/loaders.h"
#include "storage/records.h"
#include "storage/rocks_options.h"
#include "storage/wal_recovery.h"

namespace edgemq::storage {
namespace {

Status from_rocks(std::string_view what, const rocksdb::Status& s) {
  if (s.ok()) return Status::Ok();
  std::string message = std::string(what) + ": " + s.ToString();
  return s.IsNoSpace() ? Status::NoSpace(std::move(message)) : Status::Error(std::move(message));
}

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// RocksDB counts into a thread-local perf context on every memtable step
// unless the calling thread says not to (the level is per thread); in a
// profile of QoS 1 fan-out to persistent subscribers, its TLS lookups were
// over a tenth of the gateway's CPU. We read no perf context.
void no_perf_counting() {
  thread_local const bool done = [] {
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    return true;
  }();
  (void)done;
}

rocksdb::Slice last_seq_key() { return {keys::kLastSeqKey.data(), keys::kLastSeqKey.size()}; }

class RocksStore final : public RowStore {
 public:
  // handles[0] is "default"; handles[1 + f] is Family f. `filter` is the
  // WalFilter the DB was opened with, if any: its options point to it.
  RocksStore(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
             std::unique_ptr<RecordingFilter> filter)
      : filter_(std::move(filter)), db_(std::move(db)), handles_(std::move(handles)) {}

  ~RocksStore() override {
    // Handles must go before the DB they belong to.
    for (rocksdb::ColumnFamilyHandle* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    (void)db_->Close();  // on failure there is nothing left to do but free the DB
  }

  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  Status apply(const WriteSet& ws, bool sync) override;
  uint64_t last_seq() const override { return last_seq_.load(); }
  Status resume() override { return from_rocks("resume", db_->Resume()); }

  // Reads the high-water mark at open.
  Status read_last_seq();
  // After recovery skipped records: the mark they raised may be gone while
  // the messages it covered are in table files, and a repeated seq would
  // overwrite one. Returns a line to log when it had to raise the mark.
  std::string keep_last_seq_above_queue();

 private:
  rocksdb::ColumnFamilyHandle* cf(Family f) const {
    return handles_[1 + static_cast<size_t>(f)];
  }
  Status add_op(rocksdb::WriteBatch& batch, const WriteSet::Op& op) const;
  Scan scan(Family f) const override;
  Status scan_range(Family f, std::string_view begin, std::string_view end,
                    const BoundedVisitor& visit) const override;
  uint64_t max_queued_seq() const;

  std::unique_ptr<RecordingFilter> filter_;  // declared first: outlives db_
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::mutex write_mu_;  // makes "compare with last_seq_, write, raise it" one step
  std::atomic<uint64_t> last_seq_{0};
};

Status RocksStore::add_op(rocksdb::WriteBatch& batch, const WriteSet::Op& op) const {
  switch (op.kind) {
    case WriteSet::Kind::Put:
      return from_rocks("batch put", batch.Put(cf(op.family), op.key, op.value));
    case WriteSet::Kind::Delete:
      return from_rocks("batch delete", batch.Delete(cf(op.family), op.key));
    case WriteSet::Kind::DeleteRange:
      return from_rocks("batch delete range", batch.DeleteRange(cf(op.family), op.key, op.value));
  }
  return Status::Error("unknown write op kind");
}

Status RocksStore::apply(const WriteSet& ws, bool sync) {
  if (ws.empty()) return Status::Ok();
  no_perf_counting();
  rocksdb::WriteBatch batch;
  for (const WriteSet::Op& op : ws.ops()) {
    if (Status s = add_op(batch, op); !s.ok) return s;
  }
  std::lock_guard lock(write_mu_);
  const bool raises = ws.max_seq() > last_seq_.load();
  if (raises) {
    Status s = from_rocks("batch put last_seq", batch.Put(cf(Family::Meta), last_seq_key(),
                                                         records::encode_last_seq(ws.max_seq())));
    if (!s.ok) return s;
  }
  rocksdb::WriteOptions options;
  options.sync = sync;
  if (Status s = from_rocks("write", db_->Write(options, &batch)); !s.ok) return s;
  if (raises) last_seq_.store(ws.max_seq());
  return Status::Ok();
}

Scan RocksStore::scan(Family f) const {
  return [this, f](const RowVisitor& visit) {
    rocksdb::ReadOptions options;
    options.fill_cache = false;  // a bulk load at startup must not evict hot blocks
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, cf(f)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) visit(view(it->key()), view(it->value()));
    return from_rocks("scan", it->status());
  };
}

Status RocksStore::scan_range(Family f, std::string_view begin, std::string_view end,
                              const BoundedVisitor& visit) const {
  no_perf_counting();
  rocksdb::ReadOptions options;
  // The bound lets RocksDB stop at the end of the range instead of walking
  // into the next client's records (and tombstones).
  const rocksdb::Slice upper(end.data(), end.size());
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, cf(f)));
  for (it->Seek(rocksdb::Slice(begin.data(), begin.size())); it->Valid(); it->Next()) {
    if (!visit(view(it->key()), view(it->value()))) break;
  }
  return from_rocks("scan", it->status());
}

// Fallback when meta "last_seq" is unreadable: new seqs only need to sort
// after every seq still queued, so the largest queued seq is a safe mark.
uint64_t RocksStore::max_queued_seq() const {
  uint64_t max = 0;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cf(Family::Queue)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (auto k = keys::parse_queue_key(view(it->key())); k && k->seq > max) max = k->seq;
  }
  return max;
}

Status RocksStore::read_last_seq() {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(Family::Meta), last_seq_key(), &value);
  if (s.IsNotFound()) return Status::Ok();  // a new store
  if (!s.ok()) return from_rocks("read last_seq", s);
  uint64_t seq = 0;
  if (Status d = records::decode_last_seq(value, seq); !d.ok) {
    // Not fatal: recover a safe mark and say so (ok with a message, as loads do).
    last_seq_.store(max_queued_seq());
    return Status{true, "meta: " + d.message + "; recovered last_seq from the queue"};
  }
  last_seq_.store(seq);
  return Status::Ok();
}

std::string RocksStore::keep_last_seq_above_queue() {
  const uint64_t queued = max_queued_seq();
  if (queued <= last_seq_.load()) return {};
  std::string line = "store: queue seq mark raised from " + std::to_string(last_seq_.load()) + " to " +
                     std::to_string(queued) + ", the highest seq still queued";
  last_seq_.store(queued);
  return line;
}

std::vector<rocksdb::ColumnFamilyDescriptor> family_descriptors(const RocksTuning& tuning) {
  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(tuning.block_cache_bytes);
  const rocksdb::ColumnFamilyOptions family_options = make_family_options(tuning, cache);
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.emplace_back(rocksdb::kDefaultColumnFamilyName, family_options);
  rocksdb::ColumnFamilyOptions per_client = family_options;
  add_insert_hints(per_client);
  for (int f = 0; f < kFamilyCount; ++f) {
    const auto family = static_cast<Family>(f);
    const bool keyed_by_client = family == Family::Queue || family == Family::Inbound;
    families.emplace_back(std::string(keys::family_name(family)), keyed_by_client ? per_client : family_options);
  }
  return families;
}

}  // namespace

std::unique_ptr<Store> open_rocks_store(const std::string& dir, const RocksTuning& tuning,
                                        WalRecovery recovery, Status& status, RecoveryReport& report) {
  const std::vector<rocksdb::ColumnFamilyDescriptor> families = family_descriptors(tuning);
  rocksdb::DBOptions options = make_db_options(tuning);
  WalCheck check(dir, recovery, report);
  const bool go = check.prepare([&](RecoveryFacts& facts) {
    rocksdb::DBOptions probe = options;
    probe.wal_recovery_mode = rocksdb::WALRecoveryMode::kSkipAnyCorruptedRecords;
    return dry_run(dir, probe, families, facts);
  });
  if (!go) {
    status = Status::Error(report.refusal.empty() ? "store: write-ahead log refused" : report.refusal.front());
    return nullptr;
  }
  options.wal_recovery_mode = check.rocks_mode();
  std::unique_ptr<RecordingFilter> filter;
  if (check.skipping()) {
    filter = std::make_unique<RecordingFilter>(false);  // to check the replay against the dry run
    options.wal_filter = filter.get();
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, families, &handles, &raw);
  if (!s.ok()) {
    check.failed(s);
    status = from_rocks("open " + dir, s);
    return nullptr;
  }
  if (filter) check.opened(filter->facts());
  auto store = std::make_unique<RocksStore>(std::unique_ptr<rocksdb::DB>(raw), std::move(handles),
                                            std::move(filter));
  status = store->read_last_seq();
  if (!status.ok) return nullptr;
  if (!status.message.empty()) report.warnings.push_back("store: " + status.message);
  status = Status::Ok();
  if (check.skipping()) {
    if (std::string line = store->keep_last_seq_above_queue(); !line.empty()) report.warnings.push_back(line);
  }
  return store;
}

std::unique_ptr<Store> open_rocks_store(const std::string& dir, const RocksTuning& tuning,
                                        Status& status) {
  RecoveryReport report;
  std::unique_ptr<Store> store = open_rocks_store(dir, tuning, WalRecovery::Strict, status, report);
  auto join = [](const std::vector<std::string>& lines) {
    std::string out;
    for (const std::string& l : lines) out += (out.empty() ? "" : "; ") + l;
    return out;
  };
  if (!status.ok && !report.refusal.empty()) status.message = join(report.refusal);
  if (status.ok && !report.warnings.empty()) status.message = join(report.warnings);
  return store;
}

std::unique_ptr<Store> open_rocks_store(const std::string& dir, Status& status) {
  return open_rocks_store(dir, RocksTuning{}, status);
}

}  // namespace edgemq::storage
