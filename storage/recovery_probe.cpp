#include "storage/recovery_probe.h"

#include <algorithm>
#include <memory>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "storage/keys.h"
#include "storage/wal_batch.h"

namespace edgemq::storage {

void ReplayedSet::add(uint64_t log_number, uint64_t sequence, uint32_t count) {
  ++records_;
  const uint64_t end = sequence + std::max<uint32_t>(count, 1);
  auto& ranges = ranges_[log_number];
  if (!ranges.empty() && ranges.back().second == sequence) {
    ranges.back().second = end;  // the usual case: one run per log
  } else {
    ranges.emplace_back(sequence, end);
  }
}

bool ReplayedSet::contains(uint64_t log_number, uint64_t sequence) const {
  auto log = ranges_.find(log_number);
  if (log == ranges_.end()) return false;
  return std::any_of(log->second.begin(), log->second.end(),
                     [&](const auto& r) { return sequence >= r.first && sequence < r.second; });
}

uint64_t RecoveryFacts::first_needed_log() const {
  uint64_t first = 0;
  bool any = false;
  for (int f = 0; f < kFamilyCount; ++f) {
    auto id = family_ids.find(std::string(keys::family_name(static_cast<Family>(f))));
    if (id == family_ids.end()) continue;
    auto log = family_logs.find(id->second);
    if (log == family_logs.end()) continue;
    first = any ? std::min(first, log->second) : log->second;
    any = true;
  }
  return first;
}

void RecordingFilter::ColumnFamilyLogNumberMap(const std::map<uint32_t, uint64_t>& logs,
                                               const std::map<std::string, uint32_t>& ids) {
  facts_.family_logs = logs;
  facts_.family_ids = ids;
}

rocksdb::WalFilter::WalProcessingOption RecordingFilter::LogRecordFound(
    unsigned long long log_number, const std::string& /*file_name*/, const rocksdb::WriteBatch& batch,
    rocksdb::WriteBatch* /*new_batch*/, bool* /*changed*/) {
  const std::string& rep = batch.Data();
  if (auto h = wal::read_batch_header({rep.data(), rep.size()})) facts_.replayed.add(log_number, h->sequence, h->count);
  return keep_out_ ? WalProcessingOption::kIgnoreCurrentRecord : WalProcessingOption::kContinueProcessing;
}

Status dry_run(const std::string& dir, rocksdb::DBOptions options,
               const std::vector<rocksdb::ColumnFamilyDescriptor>& families, RecoveryFacts& out) {
  RecordingFilter filter(true);
  options.wal_filter = &filter;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(options, dir, families, &handles, &raw);
  if (!s.ok()) return Status::Error("read-only open of " + dir + ": " + s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  for (rocksdb::ColumnFamilyHandle* h : handles) (void)db->DestroyColumnFamilyHandle(h);
  (void)db->Close();
  out = filter.facts();
  return Status::Ok();
}

}  // namespace edgemq::storage
