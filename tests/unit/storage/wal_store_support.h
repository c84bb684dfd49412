// Helpers for the tests that damage a real store's write-ahead log: open
// in a recovery mode and keep the report, write and load queued messages,
// and find the records of a log file to aim damage at.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "storage/recovery_report.h"
#include "storage/rocks_store.h"
#include "storage/wal_files.h"
#include "storage/wal_scan.h"
#include "test_support.h"
#include "wal_test_support.h"

namespace edgemq::storage::test {

// Writes `batches` batches of `per_batch` new messages for `client`, seqs
// from `first`; returns the next seq.
inline uint64_t write_queue(Store& store, const std::string& client, uint64_t first, int batches, int per_batch,
                     size_t payload_bytes = 100) {
  for (int b = 0; b < batches; ++b) {
    WriteSet ws;
    for (int i = 0; i < per_batch; ++i) ws.put_queued(client, queued(first++, "t", std::string(payload_bytes, 'p')));
    EXPECT_TRUE(store.apply(ws, false).ok);
  }
  return first;
}

inline std::set<uint64_t> queued_seqs(Store& store) {
  std::set<uint64_t> seqs;
  EXPECT_TRUE(store.load_queues([&](std::string_view, QueuedMessage&& m) { seqs.insert(m.seq); }).ok);
  return seqs;
}

struct Opened {
  std::unique_ptr<Store> store;
  Status status;
  RecoveryReport report;
};

inline Opened open_with(const std::string& dir, WalRecovery mode, const RocksTuning& tuning = RocksTuning{}) {
  Opened o;
  o.store = open_rocks_store(dir, tuning, mode, o.status, o.report);
  return o;
}

inline std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// The records of a log file, as the scanner finds them.
struct Records final : wal::Visitor {
  std::vector<std::pair<uint64_t, uint64_t>> spans;  // offset, end
  void record(const wal::Record& r) override { spans.emplace_back(r.offset, r.end); }
  uint64_t containing(uint64_t at) const {
    for (const auto& [b, e] : spans) {
      if (at >= b && at < e) return b;
    }
    return UINT64_MAX;
  }
};

// A record in the middle of a block, two more after it in the same block,
// and at least `skip` records before it.
inline uint64_t mid_block_record(const Records& r, size_t skip = 1) {
  const auto block = [](uint64_t at) { return at / wal::kBlockSize; };
  for (size_t i = skip; i + 2 < r.spans.size(); ++i) {
    const auto [b, e] = r.spans[i];
    if (block(b) == block(e - 1) && block(r.spans[i + 2].second - 1) == block(b)) return b;
  }
  ADD_FAILURE() << "no record with two more in its block";
  return 0;
}

inline Records records_of(const wal::LogFile& f) {
  Records r;
  (void)wal::scan(read_bytes(f.path), f.number, &r);
  return r;
}

inline wal::LogFile newest_log(const std::string& dir) {
  const auto logs = wal::list_log_files(dir);
  EXPECT_FALSE(logs.empty());
  return logs.back();
}

}  // namespace edgemq::storage::test
