#include "storage/group_committer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace edgemq::storage {
namespace {

using test::queued;

// Wraps a store and makes each apply() take a while, like an fsync, so that
// submitters pile up behind it and grouping has something to group.
class SlowStore final : public Store {
 public:
  explicit SlowStore(Store& inner, std::chrono::microseconds delay)
      : inner_(inner), delay_(delay) {}
  Status apply(const WriteSet& ws, bool sync) override {
    std::this_thread::sleep_for(delay_);
    applies.fetch_add(1);
    return inner_.apply(ws, sync);
  }
  Status load_retained(const std::function<void(RetainedMessage&&)>& each) override {
    return inner_.load_retained(each);
  }
  Status load_sessions(const std::function<void(SessionRecord&&)>& each) override {
    return inner_.load_sessions(each);
  }
  Status load_queues(
      const std::function<void(std::string_view, QueuedMessage&&)>& each) override {
    return inner_.load_queues(each);
  }
  Status load_inbound_qos2(const std::function<void(std::string_view, uint16_t)>& each) override {
    return inner_.load_inbound_qos2(each);
  }
  Status read_queue(std::string_view client_id, uint64_t from, uint64_t through, size_t max,
                    const std::function<void(QueuedMessage&&)>& each) override {
    return inner_.read_queue(client_id, from, through, max, each);
  }
  uint64_t last_seq() const override { return inner_.last_seq(); }

  std::atomic<uint64_t> applies{0};

 private:
  Store& inner_;
  std::chrono::microseconds delay_;
};

class FailingStore final : public Store {
 public:
  Status apply(const WriteSet&, bool) override { return Status::Error("disk full"); }
  Status load_retained(const std::function<void(RetainedMessage&&)>&) override { return {}; }
  Status load_sessions(const std::function<void(SessionRecord&&)>&) override { return {}; }
  Status load_queues(const std::function<void(std::string_view, QueuedMessage&&)>&) override {
    return {};
  }
  Status load_inbound_qos2(const std::function<void(std::string_view, uint16_t)>&) override {
    return {};
  }
  uint64_t last_seq() const override { return 0; }
};

WriteSet one_message(const std::string& client, uint64_t seq) {
  WriteSet ws;
  ws.put_queued(client, queued(seq, "t"));
  return ws;
}

size_t queued_count(Store& store) {
  size_t n = 0;
  EXPECT_TRUE(store.load_queues([&](std::string_view, QueuedMessage&&) { ++n; }).ok);
  return n;
}

// Submits from several threads; checks exactly-once, per-thread order and grouping.
void run_many_threads(Store& store, bool sync, int threads, int per_thread) {
  GroupCommitter committer(store, sync);
  // Completions all run on the committer thread, so these need no lock; the
  // join in stop() publishes them to this thread.
  std::vector<std::vector<int>> completed(threads);
  int failures = 0;
  std::vector<std::thread> submitters;
  for (int t = 0; t < threads; ++t) {
    submitters.emplace_back([&, t] {
      const std::string client = "client" + std::to_string(t);
      for (int i = 0; i < per_thread; ++i) {
        const uint64_t seq = static_cast<uint64_t>(t) * per_thread + i + 1;
        committer.submit(one_message(client, seq), [&, t, i](const Status& s) {
          completed[t].push_back(i);
          failures += !s.ok;
        });
      }
    });
  }
  for (std::thread& th : submitters) th.join();
  committer.stop();

  EXPECT_EQ(failures, 0);
  for (int t = 0; t < threads; ++t) {
    ASSERT_EQ(completed[t].size(), static_cast<size_t>(per_thread)) << "thread " << t;
    for (int i = 0; i < per_thread; ++i) ASSERT_EQ(completed[t][i], i) << "thread " << t;
  }
  const uint64_t total = static_cast<uint64_t>(threads) * per_thread;
  EXPECT_EQ(committer.sets_committed(), total);
  EXPECT_LT(committer.batches_committed(), committer.sets_committed());
  EXPECT_GT(committer.batches_committed(), 0u);
  EXPECT_EQ(queued_count(store), total);
  EXPECT_EQ(store.last_seq(), total);
}

TEST(GroupCommitter, ManyThreadsGroupAndKeepPerThreadOrder) {
  auto memory = make_memory_store();
  SlowStore slow(*memory, std::chrono::microseconds(200));
  run_many_threads(slow, false, 4, 3000);
  EXPECT_LT(slow.applies.load(), 4u * 3000u);
}

TEST(GroupCommitter, OnRocksWithFsync) {
  test::TempDir dir;
  auto store = test::open_tiny(dir.path());
  run_many_threads(*store, true, 3, 300);
}

TEST(GroupCommitter, StopDrainsWhatIsQueued) {
  auto memory = make_memory_store();
  SlowStore slow(*memory, std::chrono::microseconds(500));
  GroupCommitter committer(slow, false);
  std::vector<int> order;
  for (int i = 0; i < 1000; ++i) {
    committer.submit(one_message("c", i + 1), [&, i](const Status& s) {
      EXPECT_TRUE(s.ok);
      order.push_back(i);
    });
  }
  committer.stop();
  ASSERT_EQ(order.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(order[i], i);
  EXPECT_EQ(queued_count(*memory), 1000u);
  committer.stop();  // idempotent
}

// A task sees every set submitted before it (maybe later ones too: a round
// is one write); its stamp is taken at submit, under the queue's lock.
TEST(GroupCommitter, ATaskRunsBetweenTheSetsSubmittedBeforeAndAfterIt) {
  auto memory = make_memory_store();
  SlowStore slow(*memory, std::chrono::microseconds(200));
  GroupCommitter committer(slow, false);
  std::atomic<int> stamps{0};
  std::vector<size_t> seen;
  for (int round = 0; round < 50; ++round) {
    committer.submit(one_message("c", round + 1));
    committer.submit_task(
        [&seen, round](Store& store, uint64_t stamp) {
          EXPECT_EQ(stamp, static_cast<uint64_t>(round + 1));
          size_t n = 0;
          EXPECT_TRUE(store.read_queue("c", 0, UINT64_MAX, 1000, [&](QueuedMessage&&) { ++n; }).ok);
          seen.push_back(n);
        },
        [&stamps] { return static_cast<uint64_t>(++stamps); });
  }
  committer.stop();
  ASSERT_EQ(seen.size(), 50u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_GE(seen[i], i + 1) << "task " << i;
}

TEST(GroupCommitter, SubmitAfterStopFailsItsCompletion) {
  auto store = make_memory_store();
  GroupCommitter committer(*store, false);
  committer.stop();
  int calls = 0;
  Status got;
  committer.submit(one_message("c", 1), [&](const Status& s) {
    ++calls;
    got = s;
  });
  EXPECT_EQ(calls, 1);  // at once, on the submitting thread
  EXPECT_FALSE(got.ok);
  EXPECT_FALSE(got.message.empty());
  committer.submit(one_message("c", 2));  // no completion: nothing to call
  EXPECT_EQ(queued_count(*store), 0u);
  EXPECT_EQ(committer.sets_committed(), 0u);
}

TEST(GroupCommitter, StoreErrorReachesEveryCompletion) {
  FailingStore store;
  GroupCommitter committer(store, true);
  std::vector<std::string> messages;
  for (int i = 0; i < 50; ++i) {
    committer.submit(one_message("c", i + 1),
                     [&](const Status& s) { messages.push_back(s.ok ? "ok" : s.message); });
  }
  committer.stop();
  ASSERT_EQ(messages.size(), 50u);
  for (const std::string& m : messages) EXPECT_EQ(m, "disk full");
  EXPECT_EQ(committer.sets_committed(), 0u);
  EXPECT_EQ(committer.batches_committed(), 0u);
}

TEST(GroupCommitter, CompletionMaySubmitAndStop) {
  auto store = make_memory_store();
  std::atomic<int> second{0};
  std::atomic<bool> first_done{false};
  {
    GroupCommitter committer(*store, false);
    committer.submit(one_message("c", 1), [&](const Status&) {
      committer.submit(one_message("c", 2), [&](const Status& s) { second = s.ok ? 1 : 2; });
      committer.stop();  // on the committer thread: must not join itself
      first_done = true;
    });
    // Leave the scope (and stop from here) only after the nested submit, which
    // would otherwise race with the destructor's stop and fail.
    while (!first_done) std::this_thread::yield();
  }  // the destructor joins; the nested set was queued before stop, so it commits
  EXPECT_EQ(second.load(), 1);
  EXPECT_EQ(queued_count(*store), 2u);
}

TEST(GroupCommitter, DestructorStops) {
  auto store = make_memory_store();
  int done = 0;
  {
    GroupCommitter committer(*store, false);
    for (int i = 0; i < 10; ++i) {
      committer.submit(one_message("c", i + 1), [&](const Status&) { ++done; });
    }
  }
  EXPECT_EQ(done, 10);
}

}  // namespace
}  // namespace edgemq::storage
