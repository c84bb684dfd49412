// What salvage counts, kind by kind and net of what later records undo,
// checked against what a load finds; logs spread over several files, some
// of which table files already cover; and the queue-seq mark when the
// batches that raised it are lost.
#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "storage/keys.h"
#include "storage/records.h"
#include "storage/recovery_report.h"
#include "storage/rocks_store.h"
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
using test::records_of;
using test::Records;
using test::write_queue;

constexpr int kBatches = 50, kPerBatch = 20, kMessages = kBatches * kPerBatch;

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
