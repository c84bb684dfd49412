// Opening a store whose write-ahead log (one file) was damaged behind its
// back, on real RocksDB files: the scanner reads what RocksDB wrote; strict
// recovery refuses mid-log damage with the file and offset, tolerates a torn
// tail and says so; salvage reports exactly what it dropped, checked against
// what a load finds missing.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "storage/recovery_report.h"
#include "storage/rocks_store.h"
#include "storage/wal_batch.h"
#include "storage/wal_files.h"
#include "storage/wal_scan.h"
#include "test_support.h"
#include "wal_store_support.h"

namespace edgemq::storage {
namespace {

using test::joined;
using test::mid_block_record;
using test::newest_log;
using test::open_with;
using test::Opened;
using test::queued_seqs;
using test::read_bytes;
using test::records_of;
using test::Records;
using test::write_queue;

// 1,000 messages in 50 batches of 20 (about 2.5 KB each): a few 32 KiB
// blocks of one log file (the default memtables hold it all).
constexpr int kBatches = 50, kPerBatch = 20, kMessages = kBatches * kPerBatch;

class WalInOneFile : public ::testing::Test {
 protected:
  void SetUp() override {
    Opened o = open_with(dir(), WalRecovery::Strict);
    ASSERT_TRUE(o.status.ok) << o.status.message;
    next_ = write_queue(*o.store, "dev", 1, kBatches, kPerBatch);
    ASSERT_EQ(wal::list_log_files(dir()).size(), 1u);
  }
  const std::string& dir() const { return dir_.path(); }
  test::TempDir dir_;
  uint64_t next_ = 0;
};

TEST_F(WalInOneFile, RocksDbsOwnLogScansClean) {
  const wal::LogFile log = newest_log(dir());
  const std::string bytes = read_bytes(log.path);
  struct Count final : wal::Visitor {
    int puts = 0;
    uint64_t next_sequence = 0;
    void record(const wal::Record& r) override {
      EXPECT_TRUE(r.replayed && r.verified);
      const auto h = wal::read_batch_header(r.payload);
      if (next_sequence != 0) {
        EXPECT_EQ(h->sequence, next_sequence);  // one sequence number per operation
      }
      next_sequence = h->sequence + h->count;
      EXPECT_TRUE(wal::for_each_op(r.payload, wal::FamilyIds::creation_order(), [&](const wal::Op& op) {
                    puts += op.family == Family::Queue && op.kind == wal::OpKind::Put;
                  }).ok);
    }
  } count;
  const wal::Summary s = wal::scan(bytes, log.number, &count);
  EXPECT_EQ(s.replayed, static_cast<uint64_t>(kBatches));
  EXPECT_FALSE(s.damaged());
  EXPECT_FALSE(s.torn());
  EXPECT_EQ(count.puts, kMessages);
  EXPECT_GT(bytes.size(), 3 * wal::kBlockSize);
}

TEST_F(WalInOneFile, StrictRefusesMidLogDamageNamingFileAndOffset) {
  const wal::LogFile log = newest_log(dir());
  const uint64_t at = read_bytes(log.path).size() / 2;
  const uint64_t record = records_of(log).containing(at);
  test::overwrite(log.path, at, test::kGarbage);
  const std::string damaged = read_bytes(log.path);

  Opened o = open_with(dir(), WalRecovery::Strict);
  EXPECT_EQ(o.store, nullptr);
  EXPECT_FALSE(o.status.ok);
  ASSERT_EQ(o.report.refusal.size(), 3u) << joined(o.report.refusal);
  const std::string& first = o.report.refusal[0];
  EXPECT_NE(first.find(log.path), std::string::npos) << first;
  EXPECT_NE(first.find("damaged at byte " + with_commas(record) + " (checksum mismatch)"), std::string::npos) << first;
  EXPECT_NE(first.find("queued messages"), std::string::npos) << first;
  EXPECT_NE(joined(o.report.refusal).find("edgemq salvage"), std::string::npos);
  EXPECT_NE(joined(o.report.refusal).find("backup"), std::string::npos);
  EXPECT_EQ(read_bytes(log.path), damaged) << "a refusal must leave the files as they were";
}

TEST_F(WalInOneFile, StrictCutsATornTailAndSaysSo) {
  const wal::LogFile log = newest_log(dir());
  const std::string bytes = read_bytes(log.path);
  const uint64_t last = records_of(log).spans.back().first;
  test::write_bytes(log.path, bytes.substr(0, bytes.size() - 5));

  Opened o = open_with(dir(), WalRecovery::Strict);
  ASSERT_TRUE(o.status.ok) << o.status.message;
  ASSERT_EQ(o.report.warnings.size(), 1u) << joined(o.report.warnings);
  EXPECT_NE(o.report.warnings[0].find(log.path), std::string::npos);
  EXPECT_NE(o.report.warnings[0].find("after byte " + with_commas(last) + ", the end of its last whole record"),
            std::string::npos)
      << o.report.warnings[0];
  EXPECT_EQ(queued_seqs(*o.store).size(), static_cast<size_t>(kMessages - kPerBatch));
}

TEST_F(WalInOneFile, ALogAnotherOpenStoreIsWritingIsNeitherScannedNorCut) {
  Opened running = open_with(dir(), WalRecovery::Strict);
  ASSERT_TRUE(running.status.ok);
  write_queue(*running.store, "dev", 5000, 1, 1);
  const wal::LogFile log = newest_log(dir());
  // What a write in progress looks like from outside: a record cut short.
  test::write_bytes(log.path, read_bytes(log.path) + std::string("\x01\x02\x03", 3));
  const std::string bytes = read_bytes(log.path);

  Opened second = open_with(dir(), WalRecovery::Strict);
  EXPECT_EQ(second.store, nullptr);
  EXPECT_NE(second.status.message.find("lock"), std::string::npos) << second.status.message;
  EXPECT_TRUE(second.report.warnings.empty());
  EXPECT_EQ(read_bytes(log.path), bytes);
}

TEST_F(WalInOneFile, StrictTreatsGarbageInTheLastRecordAsTorn) {
  const wal::LogFile log = newest_log(dir());
  const uint64_t last = records_of(log).spans.back().first;
  test::overwrite(log.path, last + 100, test::kGarbage);

  Opened o = open_with(dir(), WalRecovery::Strict);
  ASSERT_TRUE(o.status.ok) << o.status.message;
  ASSERT_EQ(o.report.warnings.size(), 1u);
  EXPECT_NE(o.report.warnings[0].find("torn write (checksum mismatch"), std::string::npos) << o.report.warnings[0];
  EXPECT_EQ(queued_seqs(*o.store).size(), static_cast<size_t>(kMessages - kPerBatch));
}

TEST_F(WalInOneFile, StrictToleratesAZeroFilledTail) {
  const wal::LogFile log = newest_log(dir());
  test::write_bytes(log.path, read_bytes(log.path) + std::string(4096, '\0'));
  Opened o = open_with(dir(), WalRecovery::Strict);
  ASSERT_TRUE(o.status.ok) << o.status.message;
  EXPECT_EQ(o.report.warnings.size(), 1u);
  EXPECT_EQ(queued_seqs(*o.store).size(), static_cast<size_t>(kMessages));
}

TEST_F(WalInOneFile, SalvageReportsExactlyWhatALoadMisses) {
  const wal::LogFile log = newest_log(dir());
  const Records before = records_of(log);
  const uint64_t record = mid_block_record(before);
  const uint64_t at = record + 7 + 500;  // inside a message's payload: the batch still decodes
  test::overwrite(log.path, at, test::kGarbage);

  Opened o = open_with(dir(), WalRecovery::Salvage);
  ASSERT_TRUE(o.status.ok) << o.status.message;
  const size_t kept = queued_seqs(*o.store).size();
  const LossCounts& d = o.report.dropped;
  EXPECT_EQ(d.queued_messages, kMessages - kept) << joined(o.report.salvage);
  // What RocksDB really drops on a checksum mismatch: the damaged batch and
  // every batch after it in its 32 KiB block (here at least the two whole
  // ones), and a batch straddling into the next block.
  EXPECT_GE(d.records, 3u);
  EXPECT_LE(record + d.bytes, (record / wal::kBlockSize + 2) * wal::kBlockSize);
  EXPECT_EQ(d.unverified_records, 1u);
  EXPECT_EQ(d.unreadable_bytes, 0u);
  std::cout << "[ measured ] 8 garbage bytes at byte " << at << " (block offset " << at % wal::kBlockSize
            << "): " << d.records << " batches, " << d.bytes << " bytes, " << d.queued_messages << " of "
            << kMessages << " messages dropped\n"
            << joined(o.report.salvage);
  EXPECT_NE(joined(o.report.salvage).find("dropped " + with_commas(d.queued_messages) + " queued messages"),
            std::string::npos);

  // The salvaged store is an ordinary store again.
  o.store.reset();
  Opened again = open_with(dir(), WalRecovery::Strict);
  ASSERT_TRUE(again.status.ok) << again.status.message;
  EXPECT_TRUE(again.report.warnings.empty()) << joined(again.report.warnings);
  EXPECT_EQ(queued_seqs(*again.store).size(), kept);
}

TEST_F(WalInOneFile, SalvageCountsAnUndecodableBatchFromTheSequenceGap) {
  const wal::LogFile log = newest_log(dir());
  const uint64_t record = mid_block_record(records_of(log));
  test::overwrite(log.path, record + 7 + 5, test::kGarbage);  // its header: sequence and count

  Opened o = open_with(dir(), WalRecovery::Salvage);
  ASSERT_TRUE(o.status.ok) << o.status.message;
  const size_t lost = kMessages - queued_seqs(*o.store).size();
  const LossCounts& d = o.report.dropped;
  EXPECT_EQ(d.unreadable_records, 1u);
  // The intact batches of the block are counted; the damaged one is not
  // guessed at: its 20 messages and a last_seq mark are 21 operations.
  EXPECT_EQ(d.queued_messages + kPerBatch, lost) << joined(o.report.salvage);
  EXPECT_EQ(d.unreadable_operations, static_cast<uint64_t>(kPerBatch + 1));
  EXPECT_NE(joined(o.report.salvage).find("of unknown kind"), std::string::npos);
}

TEST_F(WalInOneFile, GarbageAcrossTwoRecordsIsUnreadableButItsOperationsAreCounted) {
  const wal::LogFile log = newest_log(dir());
  const Records records = records_of(log);
  const uint64_t first = mid_block_record(records);
  size_t i = 0;
  while (records.spans[i].first != first) ++i;
  // The end of one batch and the header of the next: neither can be trusted
  // or found again, so both are bytes of unknown kind.
  test::overwrite(log.path, records.spans[i].second - 4, test::kGarbage);

  Opened o = open_with(dir(), WalRecovery::Salvage);
  ASSERT_TRUE(o.status.ok) << o.status.message;
  const size_t lost = kMessages - queued_seqs(*o.store).size();
  const LossCounts& d = o.report.dropped;
  EXPECT_GT(d.unreadable_bytes, 2000u) << joined(o.report.salvage);
  EXPECT_EQ(d.unreadable_operations, 2u * (kPerBatch + 1)) << joined(o.report.salvage);
  EXPECT_EQ(d.queued_messages + 2 * kPerBatch, lost) << joined(o.report.salvage);
}

TEST_F(WalInOneFile, SalvageOfAnIntactLogDropsNothing) {
  Opened o = open_with(dir(), WalRecovery::Salvage);
  ASSERT_TRUE(o.status.ok) << o.status.message;
  EXPECT_TRUE(o.report.dropped.nothing_lost());
  ASSERT_EQ(o.report.salvage.size(), 1u);
  EXPECT_NE(o.report.salvage[0].find("intact"), std::string::npos);
  EXPECT_EQ(queued_seqs(*o.store).size(), static_cast<size_t>(kMessages));
}

}  // namespace
}  // namespace edgemq::storage
