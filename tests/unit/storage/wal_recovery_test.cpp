// Opening a store whose write-ahead log was damaged behind its back, on real
// RocksDB files: the scanner reads what RocksDB wrote; strict recovery
// refuses mid-log damage with the file and offset, tolerates a torn tail and
// says so; salvage reports exactly what it dropped, checked against what a
// load finds missing.
#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include <algorithm>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "storage/keys.h"
#include "storage/records.h"
#include "storage/recovery_report.h"
#include "storage/rocks_store.h"
#include "storage/wal_batch.h"
#include "storage/wal_files.h"
#include "storage/wal_scan.h"
#include "test_support.h"
#include "wal_test_support.h"

namespace edgemq::storage {
namespace {

using test::read_bytes;

// Writes `batches` batches of `per_batch` new messages for `client`, seqs
// from `first`; returns the next seq.
uint64_t write_queue(Store& store, const std::string& client, uint64_t first, int batches, int per_batch,
                     size_t payload_bytes = 100) {
  for (int b = 0; b < batches; ++b) {
    WriteSet ws;
    for (int i = 0; i < per_batch; ++i) ws.put_queued(client, test::queued(first++, "t", std::string(payload_bytes, 'p')));
    EXPECT_TRUE(store.apply(ws, false).ok);
  }
  return first;
}

std::set<uint64_t> queued_seqs(Store& store) {
  std::set<uint64_t> seqs;
  EXPECT_TRUE(store.load_queues([&](std::string_view, QueuedMessage&& m) { seqs.insert(m.seq); }).ok);
  return seqs;
}

struct Opened {
  std::unique_ptr<Store> store;
  Status status;
  RecoveryReport report;
};

Opened open_with(const std::string& dir, WalRecovery mode, const RocksTuning& tuning = RocksTuning{}) {
  Opened o;
  o.store = open_rocks_store(dir, tuning, mode, o.status, o.report);
  return o;
}

std::string joined(const std::vector<std::string>& lines) {
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
uint64_t mid_block_record(const Records& r, size_t skip = 1) {
  const auto block = [](uint64_t at) { return at / wal::kBlockSize; };
  for (size_t i = skip; i + 2 < r.spans.size(); ++i) {
    const auto [b, e] = r.spans[i];
    if (block(b) == block(e - 1) && block(r.spans[i + 2].second - 1) == block(b)) return b;
  }
  ADD_FAILURE() << "no record with two more in its block";
  return 0;
}

Records records_of(const wal::LogFile& f) {
  Records r;
  (void)wal::scan(read_bytes(f.path), f.number, &r);
  return r;
}

wal::LogFile newest_log(const std::string& dir) {
  const auto logs = wal::list_log_files(dir);
  EXPECT_FALSE(logs.empty());
  return logs.back();
}

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

TEST(WalRecovery, ALostMessageAcknowledgedLaterIsNotCounted) {
  test::TempDir dir;
  {
    Opened o = open_with(dir.path(), WalRecovery::Strict);
    ASSERT_TRUE(o.status.ok);
    write_queue(*o.store, "dev", 1, kBatches, kPerBatch);
    for (uint64_t seq = 1; seq <= kMessages; ++seq) {  // every message delivered and acknowledged
      WriteSet ws;
      ws.delete_queued("dev", seq);
      ASSERT_TRUE(o.store->apply(ws, false).ok);
    }
  }
  const wal::LogFile log = newest_log(dir.path());
  test::overwrite(log.path, mid_block_record(records_of(log)) + 7 + 500, test::kGarbage);  // a put batch

  Opened o = open_with(dir.path(), WalRecovery::Salvage);
  ASSERT_TRUE(o.status.ok) << o.status.message;
  EXPECT_TRUE(queued_seqs(*o.store).empty());
  EXPECT_EQ(o.report.dropped.queued_messages, 0u) << joined(o.report.salvage);
  EXPECT_GE(o.report.dropped.records, 3u);
}

// Each batch as the gateway writes them for different events: a session,
// a retained message, an inbound QoS 2 id, a new message and a subscriber's
// acknowledgement of an older one.
TEST(WalRecovery, SalvageCountsEveryKindAsALoadFindsIt) {
  test::TempDir dir;
  constexpr int kEvents = 60;
  {
    Opened o = open_with(dir.path(), WalRecovery::Strict);
    ASSERT_TRUE(o.status.ok);
    write_queue(*o.store, "dev", 1, 3, kEvents / 3);  // messages 1..60, acknowledged below
    for (int i = 0; i < kEvents; ++i) {
      const std::string id = "s" + std::to_string(i);
      WriteSet ws;
      ws.put_session({id, {{"a/#", 1}}});
      ws.put_retained({"r/" + std::to_string(i), std::string(300, 'r'), 1});
      ws.put_inbound_qos2(id, 1);
      ws.put_queued("dev", test::queued(1000 + static_cast<uint64_t>(i), "t", std::string(700, 'p')));
      ws.delete_queued("dev", static_cast<uint64_t>(i) + 1);
      ASSERT_TRUE(o.store->apply(ws, false).ok);
    }
  }
  const wal::LogFile log = newest_log(dir.path());
  // Past the three batches of messages 1..60, inside a new message's payload.
  test::overwrite(log.path, mid_block_record(records_of(log), 4) + 7 + 600, test::kGarbage);

  Opened o = open_with(dir.path(), WalRecovery::Salvage);
  ASSERT_TRUE(o.status.ok) << o.status.message;
  const test::Loaded l = test::load_all(*o.store);
  size_t inbound = 0, new_messages = 0, came_back = 0;
  ASSERT_TRUE(o.store->load_inbound_qos2([&](std::string_view, uint16_t) { ++inbound; }).ok);
  for (const auto& [client, m] : l.queued) (m.seq >= 1000 ? new_messages : came_back)++;
  const LossCounts& d = o.report.dropped;
  const std::string report = joined(o.report.salvage);
  EXPECT_GE(d.records, 3u) << report;
  EXPECT_EQ(d.session_updates, kEvents - l.sessions.size()) << report;
  EXPECT_EQ(d.retained, kEvents - l.retained.size()) << report;
  EXPECT_EQ(d.inbound_qos2, kEvents - inbound) << report;
  EXPECT_EQ(d.queued_messages, kEvents - new_messages) << report;
  EXPECT_EQ(d.acknowledgements, came_back) << report;
  EXPECT_NE(report.find("acknowledgements (their messages are delivered again)"), std::string::npos) << report;
}

// Forces the log to switch files without flushing the queue family: the
// sessions family (64 KiB memtable with tiny tuning) fills and is flushed alone.
void switch_log_by_filling_sessions(Store& store) {
  for (int i = 0; i < 120; ++i) {
    WriteSet ws;
    ws.put_session({"filler" + std::to_string(i), {{std::string(1000, 'f'), 1}}});
    ASSERT_TRUE(store.apply(ws, false).ok);
  }
}

TEST(WalRecovery, DamageInAnOlderLogRefusesAndSalvageKeepsTheNewerOne) {
  test::TempDir dir;
  {
    auto store = test::open_tiny(dir.path());
    write_queue(*store, "dev", 1, 10, 20);  // 200 messages, in the first log only
    switch_log_by_filling_sessions(*store);
    write_queue(*store, "dev", 201, 10, 20);  // 200 more, in a newer log
  }
  const auto logs = wal::list_log_files(dir.path());
  ASSERT_GE(logs.size(), 2u);
  const wal::LogFile older = logs.front();
  test::overwrite(older.path, mid_block_record(records_of(older)) + 7 + 500, test::kGarbage);

  Opened strict = open_with(dir.path(), WalRecovery::Strict, test::tiny_tuning());
  ASSERT_FALSE(strict.status.ok);
  ASSERT_FALSE(strict.report.refusal.empty());
  EXPECT_NE(strict.report.refusal[0].find(older.path), std::string::npos) << joined(strict.report.refusal);

  Opened o = open_with(dir.path(), WalRecovery::Salvage, test::tiny_tuning());
  ASSERT_TRUE(o.status.ok) << o.status.message;
  const std::set<uint64_t> seqs = queued_seqs(*o.store);
  EXPECT_EQ(o.report.dropped.queued_messages, 400 - seqs.size()) << joined(o.report.salvage);
  EXPECT_GT(o.report.dropped.queued_messages, 0u);
  for (uint64_t seq = 201; seq <= 400; ++seq) EXPECT_TRUE(seqs.count(seq)) << "newer log's message " << seq;
  EXPECT_EQ(o.store->last_seq(), 400u);
}

// The store's own writes, made through RocksDB directly so that the test
// decides when a family is flushed (a flush the store's memtables trigger
// may still be pending at close, and is then dropped).
class RawStore {
 public:
  explicit RawStore(const std::string& dir) {
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {{rocksdb::kDefaultColumnFamilyName, {}}};
    for (int f = 0; f < kFamilyCount; ++f) families.emplace_back(std::string(keys::family_name(Family(f))), rocksdb::ColumnFamilyOptions());
    rocksdb::DB* raw = nullptr;
    EXPECT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, families, &handles_, &raw).ok());
    db_.reset(raw);
  }
  ~RawStore() {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
  }
  // A batch of new messages and the last_seq mark, as RocksStore::apply writes it.
  void put_messages(uint64_t first, int n) {
    rocksdb::WriteBatch b;
    for (int i = 0; i < n; ++i) {
      const uint64_t seq = first + static_cast<uint64_t>(i);
      (void)b.Put(cf(Family::Queue), keys::queue_key("dev", seq), records::encode_queued(test::queued(seq, "t", std::string(100, 'p'))));
    }
    (void)b.Put(cf(Family::Meta), std::string(keys::kLastSeqKey), records::encode_last_seq(first + static_cast<uint64_t>(n) - 1));
    EXPECT_TRUE(db_->Write(rocksdb::WriteOptions(), &b).ok());
  }
  void flush(Family f) { EXPECT_TRUE(db_->Flush(rocksdb::FlushOptions(), cf(f)).ok()); }

 private:
  rocksdb::ColumnFamilyHandle* cf(Family f) { return handles_[1 + static_cast<size_t>(f)]; }
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

TEST(WalRecovery, DamageOnlyInWhatTableFilesHoldStartsWithAWarning) {
  test::TempDir dir;
  { ASSERT_TRUE(open_with(dir.path(), WalRecovery::Strict).status.ok); }  // creates the families
  {
    RawStore raw(dir.path());
    for (int b = 0; b < 20; ++b) raw.put_messages(1 + 20 * static_cast<uint64_t>(b), 20);
    raw.flush(Family::Queue);  // the messages are in a table file; the marks keep the log needed
    raw.put_messages(401, 20);
  }
  const auto logs = wal::list_log_files(dir.path());
  ASSERT_GE(logs.size(), 2u);
  const wal::LogFile older = logs.front();
  test::overwrite(older.path, mid_block_record(records_of(older)) + 7 + 500, test::kGarbage);

  Opened o = open_with(dir.path(), WalRecovery::Strict);
  ASSERT_TRUE(o.status.ok) << o.status.message << "\n" << joined(o.report.refusal);
  ASSERT_FALSE(o.report.warnings.empty());
  EXPECT_NE(o.report.warnings[0].find(older.path), std::string::npos) << joined(o.report.warnings);
  EXPECT_NE(o.report.warnings[0].find("nothing is lost"), std::string::npos) << joined(o.report.warnings);
  EXPECT_EQ(queued_seqs(*o.store).size(), 420u);
  EXPECT_EQ(o.store->last_seq(), 420u);
}

// The seq high-water mark rides in the batches that raise it; lost with
// them while the messages they covered are in table files, it would come
// back lower than a queued seq, and a new message would overwrite an old one.
TEST(WalRecovery, SalvageKeepsTheSeqMarkAboveEveryQueuedMessage) {
  test::TempDir dir;
  { ASSERT_TRUE(open_with(dir.path(), WalRecovery::Strict).status.ok); }
  {
    RawStore raw(dir.path());
    for (int b = 0; b < 20; ++b) raw.put_messages(1 + 20 * static_cast<uint64_t>(b), 20);
    raw.flush(Family::Queue);  // the messages are in a table file, the marks only in the log
  }
  const wal::LogFile log = wal::list_log_files(dir.path()).front();
  const Records records = records_of(log);
  ASSERT_EQ(records.spans.size(), 20u);
  // Batch 18 of 20 (messages 341..360): it and the rest of its block go,
  // with the marks 360, 380 and 400.
  test::overwrite(log.path, records.spans[17].first + 7 + 500, test::kGarbage);

  Opened o = open_with(dir.path(), WalRecovery::Salvage);
  ASSERT_TRUE(o.status.ok) << o.status.message;
  EXPECT_EQ(queued_seqs(*o.store).size(), 400u);
  EXPECT_TRUE(o.report.dropped.nothing_lost()) << joined(o.report.salvage);
  EXPECT_EQ(o.store->last_seq(), 400u);
  EXPECT_NE(joined(o.report.warnings).find("queue seq mark raised from 340 to 400"), std::string::npos)
      << joined(o.report.warnings);
}

}  // namespace
}  // namespace edgemq::storage
