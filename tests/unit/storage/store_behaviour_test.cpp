// One behaviour suite, run on the RocksDB store (fresh directory, tiny
// memtable) and on the memory store: the test double must not drift.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "storage/store.h"
#include "test_support.h"

namespace edgemq::storage {
namespace {

using test::load_all;
using test::queued;

class StoreBehaviour : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "rocks") {
      dir_ = std::make_unique<test::TempDir>();
      store_ = test::open_tiny(dir_->path());
    } else {
      store_ = make_memory_store();
    }
    ASSERT_NE(store_, nullptr);
  }

  void apply(const WriteSet& ws) {
    const Status s = store_->apply(ws, false);
    ASSERT_TRUE(s.ok) << s.message;
  }

  std::unique_ptr<test::TempDir> dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreBehaviour, NewStoreIsEmpty) {
  const test::Loaded l = load_all(*store_);
  EXPECT_TRUE(l.retained.empty());
  EXPECT_TRUE(l.sessions.empty());
  EXPECT_TRUE(l.queued.empty());
  EXPECT_TRUE(l.retained_status.ok && l.retained_status.message.empty());
  EXPECT_TRUE(l.sessions_status.ok && l.queue_status.ok);
  EXPECT_EQ(store_->last_seq(), 0u);
  EXPECT_TRUE(store_->apply(WriteSet{}, true).ok);
}

TEST_P(StoreBehaviour, RetainedPutReplaceDelete) {
  WriteSet ws;
  ws.put_retained({"a/b", "one", 1});
  ws.put_retained({"a", std::string("\0bin\xff", 5), 0});
  ws.put_retained({"z", "zz", 2});
  apply(ws);
  EXPECT_EQ(load_all(*store_).retained,
            (std::vector<RetainedMessage>{{"a", std::string("\0bin\xff", 5), 0},
                                          {"a/b", "one", 1},
                                          {"z", "zz", 2}}));
  WriteSet replace;
  replace.put_retained({"a/b", "two", 2});
  replace.delete_retained("z");
  replace.delete_retained("never/there");
  apply(replace);
  EXPECT_EQ(load_all(*store_).retained,
            (std::vector<RetainedMessage>{{"a", std::string("\0bin\xff", 5), 0},
                                          {"a/b", "two", 2}}));
}

TEST_P(StoreBehaviour, SessionsPutReplaceDelete) {
  WriteSet ws;
  ws.put_session({"c1", {{"a/+", 1}, {"#", 0}}});
  ws.put_session({"c2", {}});
  apply(ws);
  EXPECT_EQ(load_all(*store_).sessions,
            (std::vector<SessionRecord>{{"c1", {{"a/+", 1}, {"#", 0}}}, {"c2", {}}}));
  WriteSet change;
  change.put_session({"c2", {{"x", 2}}});
  change.delete_session("c1");
  apply(change);
  EXPECT_EQ(load_all(*store_).sessions, (std::vector<SessionRecord>{{"c2", {{"x", 2}}}}));
}

TEST_P(StoreBehaviour, QueuesComeBackGroupedByClientInSeqOrder) {
  // Submitted interleaved and out of order; seqs straddle byte boundaries.
  const std::vector<std::pair<std::string, uint64_t>> puts = {
      {"b", 3}, {"a", 256}, {"ab", 2}, {"a", 1}, {"b", 1u << 20}, {"a", 255}, {"ab", 1}};
  WriteSet ws;
  for (const auto& [client, seq] : puts) {
    QueuedMessage m = queued(seq, client + "/t", "payload" + std::to_string(seq), 2);
    m.retain = seq % 2 == 1;
    m.packet_id = static_cast<uint16_t>(seq % 1000);
    m.state = DeliveryState::Sent;
    ws.put_queued(client, m);
  }
  apply(ws);
  std::vector<std::pair<std::string, uint64_t>> got;
  for (const auto& [client, m] : load_all(*store_).queued) {
    got.emplace_back(client, m.seq);
    EXPECT_EQ(m.topic, client + "/t");
    EXPECT_EQ(m.payload, "payload" + std::to_string(m.seq));
    EXPECT_EQ(m.retain, m.seq % 2 == 1);
    EXPECT_EQ(m.packet_id, m.seq % 1000);
    EXPECT_EQ(m.state, DeliveryState::Sent);
    EXPECT_EQ(m.qos, 2);
  }
  EXPECT_EQ(got, (std::vector<std::pair<std::string, uint64_t>>{
                     {"a", 1}, {"a", 255}, {"a", 256}, {"ab", 1}, {"ab", 2}, {"b", 3},
                     {"b", 1u << 20}}));
}

TEST_P(StoreBehaviour, DeleteQueuedRemovesOneMessage) {
  WriteSet ws;
  ws.put_queued("c", queued(1, "t"));
  ws.put_queued("c", queued(2, "t"));
  apply(ws);
  WriteSet del;
  del.delete_queued("c", 1);
  del.delete_queued("c", 99);  // absent: not an error
  apply(del);
  const test::Loaded l = load_all(*store_);
  ASSERT_EQ(l.queued.size(), 1u);
  EXPECT_EQ(l.queued[0].second.seq, 2u);
}

TEST_P(StoreBehaviour, DeleteSessionRemovesThatClientsQueueAndNothingElse) {
  WriteSet ws;
  uint64_t seq = 0;
  // "a" and its neighbours in key order: "a\x01" and "ab" share the prefix.
  for (const std::string& client : {std::string("a"), std::string("a\x01"), std::string("ab"),
                                    std::string("b")}) {
    ws.put_session({client, {{"t", 1}}});
    for (int i = 0; i < 3; ++i) ws.put_queued(client, queued(++seq, "t"));
  }
  ws.put_retained({"a", "retained under the same name", 1});
  apply(ws);
  WriteSet del;
  del.delete_session("a");
  apply(del);
  const test::Loaded l = load_all(*store_);
  std::vector<std::string> clients;
  for (const auto& [client, m] : l.queued) clients.push_back(client);
  EXPECT_EQ(clients, (std::vector<std::string>{"a\x01", "a\x01", "a\x01", "ab", "ab", "ab", "b",
                                               "b", "b"}));
  ASSERT_EQ(l.sessions.size(), 3u);
  EXPECT_EQ(l.sessions[0].client_id, "a\x01");
  EXPECT_EQ(l.retained.size(), 1u);
  EXPECT_EQ(store_->last_seq(), 12u);
}

TEST_P(StoreBehaviour, OpsInOneSetApplyInOrder) {
  // A merged group may delete a session and then queue for its new life.
  WriteSet first;
  first.put_queued("c", queued(1, "old"));
  apply(first);
  WriteSet ws;
  ws.delete_session("c");
  WriteSet later;
  later.put_session({"c", {}});
  later.put_queued("c", queued(2, "new"));
  ws.append(std::move(later));
  apply(ws);
  const test::Loaded l = load_all(*store_);
  ASSERT_EQ(l.queued.size(), 1u);
  EXPECT_EQ(l.queued[0].second.topic, "new");
  EXPECT_EQ(l.sessions.size(), 1u);
}

TEST_P(StoreBehaviour, LastSeqIsTheMaxEverPut) {
  WriteSet a;
  a.put_queued("c", queued(5, "t"));
  a.put_queued("c", queued(3, "t"));
  apply(a);
  EXPECT_EQ(store_->last_seq(), 5u);
  WriteSet lower;
  lower.put_queued("d", queued(4, "t"));
  apply(lower);
  EXPECT_EQ(store_->last_seq(), 5u);
  WriteSet drain;
  drain.delete_session("c");
  drain.delete_queued("d", 4);
  apply(drain);
  EXPECT_EQ(store_->last_seq(), 5u);  // a high-water mark, not the current max
  WriteSet higher;
  higher.put_queued("e", queued(1000, "t"));
  apply(higher);
  EXPECT_EQ(store_->last_seq(), 1000u);
}

TEST_P(StoreBehaviour, ManyMessagesAndBigPayloads) {
  // Enough bytes to flush the tiny memtable several times, then range-delete
  // across table files.
  std::mt19937 rng(1);
  std::string big(300 << 10, '\0');
  for (char& c : big) c = static_cast<char>(rng());
  uint64_t seq = 0;
  size_t kept = 0;
  for (int batch = 0; batch < 20; ++batch) {
    WriteSet ws;
    for (int i = 0; i < 100; ++i) {
      ws.put_queued("client" + std::to_string(i % 7), queued(++seq, "t", std::string(200, 'x')));
      kept += i % 7 != 3;
    }
    apply(ws);
  }
  WriteSet b;
  b.put_retained({"big", big, 1});
  b.delete_session("client3");
  apply(b);
  const test::Loaded l = load_all(*store_);
  size_t client3 = 0;
  for (const auto& [client, m] : l.queued) client3 += client == "client3";
  EXPECT_EQ(client3, 0u);
  EXPECT_EQ(l.queued.size(), kept);
  ASSERT_EQ(l.retained.size(), 1u);
  EXPECT_EQ(l.retained[0].payload, big);
  EXPECT_EQ(store_->last_seq(), 2000u);
}

using InboundIds = std::vector<std::pair<std::string, uint16_t>>;

InboundIds load_inbound(Store& store) {
  InboundIds out;
  EXPECT_TRUE(store.load_inbound_qos2([&](std::string_view id, uint16_t pid) {
                     out.emplace_back(std::string(id), pid);
                   }).ok);
  return out;
}

TEST_P(StoreBehaviour, InboundQos2IdsPutDeleteAndGoWithTheirSession) {
  WriteSet ws;
  ws.put_inbound_qos2("a", 300);
  ws.put_inbound_qos2("a", 7);
  ws.put_inbound_qos2("ab", 7);
  ws.put_inbound_qos2("b", 65535);
  apply(ws);
  EXPECT_EQ(load_inbound(*store_), (InboundIds{{"a", 7}, {"a", 300}, {"ab", 7}, {"b", 65535}}));
  WriteSet del;
  del.delete_inbound_qos2("b", 65535);
  del.delete_session("a");
  apply(del);
  EXPECT_EQ(load_inbound(*store_), (InboundIds{{"ab", 7}})) << "\"a\"'s range must not reach \"ab\"";
}

// How a session's queue on disk is read back: one client's range only, from
// a seq through a seq, in seq order, at most so many.
TEST_P(StoreBehaviour, ReadQueueReadsOneClientsRangeInSeqOrderWithinBounds) {
  WriteSet ws;
  for (uint64_t seq : {5, 3, 9, 7, 1}) ws.put_queued("dev", queued(seq, "t", "m" + std::to_string(seq)));
  ws.put_queued("de", queued(4, "t"));    // a prefix of the id
  ws.put_queued("dev2", queued(6, "t"));  // the id is a prefix of it
  apply(ws);
  auto read = [&](uint64_t from, uint64_t through, size_t max) {
    std::vector<uint64_t> seqs;
    const Status st = store_->read_queue("dev", from, through, max, [&](QueuedMessage&& m) {
      EXPECT_EQ(m.payload, "m" + std::to_string(m.seq));
      seqs.push_back(m.seq);
    });
    EXPECT_TRUE(st.ok) << st.message;
    return seqs;
  };
  EXPECT_EQ(read(0, UINT64_MAX, 100), (std::vector<uint64_t>{1, 3, 5, 7, 9}));
  EXPECT_EQ(read(3, 7, 100), (std::vector<uint64_t>{3, 5, 7})) << "both ends included";
  EXPECT_EQ(read(2, UINT64_MAX, 2), (std::vector<uint64_t>{3, 5}));
  EXPECT_TRUE(read(10, UINT64_MAX, 100).empty());
  EXPECT_TRUE(read(6, 5, 100).empty());
  EXPECT_TRUE(read(0, UINT64_MAX, 0).empty());
  WriteSet del;
  del.delete_queued("dev", 5);
  apply(del);
  EXPECT_EQ(read(0, UINT64_MAX, 100), (std::vector<uint64_t>{1, 3, 7, 9}));
}

// Queue keys are inserted with per-client hints in RocksDB's memtable
// (rocks_options.cpp); a session's deletion is a range deletion beginning at
// the client's prefix. Interleaved, in one batch and across batches, neither
// may disturb the other.
TEST_P(StoreBehaviour, QueueInsertsAndSessionDeletionsInterleave) {
  for (int round = 0; round < 3; ++round) {
    WriteSet ws;
    for (uint64_t seq = 1; seq <= 50; ++seq) {
      ws.put_queued("a", queued(round * 100 + seq, "t"));
      ws.put_queued("b", queued(round * 100 + seq, "t"));
    }
    ws.delete_session("a");
    ws.put_queued("a", queued(round * 100 + 99, "t", "after"));
    apply(ws);
    WriteSet del;
    del.delete_queued("b", round * 100 + 1);
    del.delete_session("b");
    del.put_queued("b", queued(round * 100 + 98, "t", "after"));
    apply(del);
  }
  std::vector<uint64_t> a, b;
  ASSERT_TRUE(store_->read_queue("a", 0, UINT64_MAX, 1000, [&](QueuedMessage&& m) { a.push_back(m.seq); }).ok);
  ASSERT_TRUE(store_->read_queue("b", 0, UINT64_MAX, 1000, [&](QueuedMessage&& m) { b.push_back(m.seq); }).ok);
  EXPECT_EQ(a, (std::vector<uint64_t>{299})) << "each round's deletion took the round before";
  EXPECT_EQ(b, (std::vector<uint64_t>{298}));
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreBehaviour, ::testing::Values("rocks", "memory"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace edgemq::storage
