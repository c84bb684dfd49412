// RocksDB-only behaviour: what survives a close and reopen, the on-disk
// column families, and how corrupt rows written behind the store's back load.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "storage/keys.h"
#include "storage/records.h"
#include "storage/rocks_store.h"
#include "test_support.h"

namespace edgemq::storage {
namespace {

using test::load_all;
using test::queued;

WriteSet sample_data() {
  WriteSet ws;
  ws.put_retained({"r/1", "retained", 1});
  ws.put_session({"c1", {{"a/#", 2}}});
  QueuedMessage m = queued(41, "a/b", std::string("\0\x01", 2), 2);
  m.state = DeliveryState::Received;
  m.packet_id = 9;
  ws.put_queued("c1", m);
  ws.put_queued("c1", queued(42, "a/c"));
  return ws;
}

void expect_sample_data(Store& store) {
  const test::Loaded l = load_all(store);
  EXPECT_EQ(l.retained, (std::vector<RetainedMessage>{{"r/1", "retained", 1}}));
  EXPECT_EQ(l.sessions, (std::vector<SessionRecord>{{"c1", {{"a/#", 2}}}}));
  ASSERT_EQ(l.queued.size(), 2u);
  EXPECT_EQ(l.queued[0].first, "c1");
  EXPECT_EQ(l.queued[0].second.seq, 41u);
  EXPECT_EQ(l.queued[0].second.payload, std::string("\0\x01", 2));
  EXPECT_EQ(l.queued[0].second.state, DeliveryState::Received);
  EXPECT_EQ(l.queued[0].second.packet_id, 9);
  EXPECT_EQ(l.queued[1].second.seq, 42u);
  EXPECT_EQ(store.last_seq(), 42u);
}

TEST(RocksStore, EverythingSurvivesReopen) {
  test::TempDir dir;
  {
    auto store = test::open_tiny(dir.path());
    ASSERT_TRUE(store->apply(sample_data(), true).ok);
  }
  auto store = test::open_tiny(dir.path());
  expect_sample_data(*store);
}

TEST(RocksStore, InboundQos2IdsSurviveReopen) {
  test::TempDir dir;
  {
    auto store = test::open_tiny(dir.path());
    WriteSet ws;
    ws.put_inbound_qos2("dev", 42);
    ASSERT_TRUE(store->apply(ws, false).ok);
  }
  auto store = test::open_tiny(dir.path());
  std::vector<std::pair<std::string, uint16_t>> got;
  ASSERT_TRUE(store->load_inbound_qos2([&](std::string_view id, uint16_t pid) {
                     got.emplace_back(std::string(id), pid);
                   }).ok);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, "dev");
  EXPECT_EQ(got[0].second, 42);
}

TEST(RocksStore, UnsyncedWriteSurvivesReopen) {
  test::TempDir dir;
  {
    auto store = test::open_tiny(dir.path());
    ASSERT_TRUE(store->apply(sample_data(), false).ok);
  }
  auto store = test::open_tiny(dir.path());
  expect_sample_data(*store);
}

TEST(RocksStore, DefaultTuningOpensAndReopens) {
  test::TempDir dir;
  {
    Status s;
    auto store = open_rocks_store(dir.path(), s);
    ASSERT_TRUE(s.ok) << s.message;
    ASSERT_TRUE(store->apply(sample_data(), false).ok);
  }
  Status s;
  auto store = open_rocks_store(dir.path(), s);
  ASSERT_TRUE(s.ok) << s.message;
  expect_sample_data(*store);
}

TEST(RocksStore, LastSeqSurvivesAnEmptiedQueue) {
  test::TempDir dir;
  {
    auto store = test::open_tiny(dir.path());
    WriteSet ws;
    ws.put_queued("c", queued(77, "t"));
    ASSERT_TRUE(store->apply(ws, false).ok);
    WriteSet del;
    del.delete_session("c");
    ASSERT_TRUE(store->apply(del, false).ok);
  }
  auto store = test::open_tiny(dir.path());
  EXPECT_EQ(store->last_seq(), 77u);
  EXPECT_TRUE(load_all(*store).queued.empty());
}

TEST(RocksStore, ReopenAfterManyFlushes) {
  test::TempDir dir;
  uint64_t seq = 0;
  {
    auto store = test::open_tiny(dir.path());
    for (int b = 0; b < 50; ++b) {
      WriteSet ws;
      for (int i = 0; i < 50; ++i) {
        ws.put_queued("c" + std::to_string(i % 5), queued(++seq, "t", std::string(500, 'p')));
      }
      ASSERT_TRUE(store->apply(ws, false).ok);
    }
  }
  auto store = test::open_tiny(dir.path());
  EXPECT_EQ(load_all(*store).queued.size(), seq);
  EXPECT_EQ(store->last_seq(), seq);
}

std::vector<std::string> family_names() {
  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName};
  for (int f = 0; f < kFamilyCount; ++f) {
    names.emplace_back(keys::family_name(static_cast<Family>(f)));
  }
  return names;
}

TEST(RocksStore, ColumnFamiliesOnDisk) {
  test::TempDir dir;
  { test::open_tiny(dir.path()); }
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.path(), &names).ok());
  std::sort(names.begin(), names.end());
  std::vector<std::string> expected = family_names();
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
}

// Writes raw rows behind the store's back, as a damaged disk or a future
// version might leave them.
void put_raw(const std::string& dir, Family f, const std::string& key, const std::string& value) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : family_names()) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, descriptors, &handles, &db).ok());
  rocksdb::ColumnFamilyHandle* family = handles[1 + static_cast<size_t>(f)];
  EXPECT_TRUE(db->Put(rocksdb::WriteOptions(), family, key, value).ok());
  for (auto* h : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  delete db;
}

TEST(RocksStore, CorruptRowsAreSkippedAndReported) {
  test::TempDir dir;
  { ASSERT_TRUE(test::open_tiny(dir.path())->apply(sample_data(), false).ok); }
  put_raw(dir.path(), Family::Queue, keys::queue_key("c0", 5), "\x93\x02");  // version 2
  put_raw(dir.path(), Family::Queue, "no separator", records::encode_queued(queued(1, "t")));
  put_raw(dir.path(), Family::Retained, "r/0", std::string("\x93\x01\x07\xc4\x00", 5));  // qos 7
  auto store = test::open_tiny(dir.path());
  const test::Loaded l = load_all(*store);
  EXPECT_EQ(l.retained.size(), 1u);
  EXPECT_EQ(l.queued.size(), 2u);
  EXPECT_EQ(l.sessions.size(), 1u);
  EXPECT_TRUE(l.retained_status.ok);
  EXPECT_NE(l.retained_status.message.find("skipped 1 corrupt"), std::string::npos)
      << l.retained_status.message;
  EXPECT_TRUE(l.queue_status.ok);
  EXPECT_NE(l.queue_status.message.find("skipped 2 corrupt"), std::string::npos)
      << l.queue_status.message;
  EXPECT_TRUE(l.sessions_status.ok);
  EXPECT_TRUE(l.sessions_status.message.empty());
}

TEST(RocksStore, CorruptLastSeqIsRecoveredFromTheQueue) {
  test::TempDir dir;
  { ASSERT_TRUE(test::open_tiny(dir.path())->apply(sample_data(), false).ok); }
  put_raw(dir.path(), Family::Meta, std::string(keys::kLastSeqKey), "garbage");
  Status s;
  auto store = open_rocks_store(dir.path(), test::tiny_tuning(), s);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(s.ok);
  EXPECT_NE(s.message.find("recovered last_seq"), std::string::npos) << s.message;
  EXPECT_EQ(store->last_seq(), 42u);
}

TEST(RocksStore, OpenFailureIsAStatus) {
  test::TempDir dir;
  const std::string file = dir.path() + "/not-a-dir";
  std::ofstream(file) << "x";
  Status s;
  auto store = open_rocks_store(file, s);
  EXPECT_EQ(store, nullptr);
  EXPECT_FALSE(s.ok);
  EXPECT_FALSE(s.message.empty());
}

TEST(RocksStore, SecondOpenOfTheSameDirFails) {
  test::TempDir dir;
  auto first = test::open_tiny(dir.path());
  Status s;
  auto second = open_rocks_store(dir.path(), s);
  EXPECT_EQ(second, nullptr);
  EXPECT_FALSE(s.ok);  // RocksDB's LOCK file
}

}  // namespace
}  // namespace edgemq::storage
