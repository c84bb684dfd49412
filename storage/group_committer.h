// Group commit: many small WriteSets from many threads become one store write.
// A dedicated thread owns the store's writes; it takes everything queued since
// its last write, applies it as one atomic batch (one WAL append, one fsync in
// "power" durability), then runs each submitter's completion in submit order.
// RocksDB will not wait for a batch to grow, so the grouping happens here.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/store.h"
#include "storage/store_guard.h"

namespace edgemq::storage {

class GroupCommitter {
 public:
  // Runs on the committer thread after the batch holding the WriteSet is
  // durable (or failed). Must not block; typically posts to an event loop.
  using Completion = std::function<void(const Status&)>;

  // `guard` says when the store should take no new data (store_guard.h);
  // the committer measures and resumes through it.
  GroupCommitter(Store& store, bool sync, StoreGuard::Options guard = {});
  ~GroupCommitter();  // stop()s
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Called on the committer thread after each batch's store write, with how
  // long the write (and its fsync) took, for a latency histogram. Thread-safe.
  using Observer = std::function<void(uint64_t write_ns)>;
  void set_observer(Observer o);

  // Thread-safe. Sets are applied in submit order. `done` may be empty.
  void submit(WriteSet ws, Completion done = {});

  // Work that must see every set submitted before it applied: a session's
  // queue read back from disk sees every delete and state change its shard
  // submitted earlier. Runs on the committer thread after the write of its
  // round, so it may see sets submitted after it too (a round's sets stay
  // one write). `stamp`, if given, runs under the queue lock at submit, so
  // it sees exactly which sets are ahead of the task; its value is passed
  // to the task. A task must not block for long: writes wait behind it.
  // Tasks submitted after stop() are dropped.
  using Task = std::function<void(Store&, uint64_t stamp)>;
  void submit_task(Task task, const std::function<uint64_t()>& stamp = {});

  // Commits what is queued, runs its completions, and joins the thread.
  // Later submits fail their completion with an error.
  void stop();

  uint64_t batches_committed() const;
  uint64_t sets_committed() const;
  // Writes (batches) that failed since the start.
  uint64_t batches_failed() const;
  // Any thread: disk low, store failed (store_guard.h).
  const StoreGuard& guard() const { return guard_; }

 private:
  struct Pending {
    WriteSet ws;
    Completion done;
    Task task;  // set: a task, not a write
    uint64_t stamp = 0;
  };
  void run();
  // Applies the sets of `batch` as one write and runs their completions.
  void write(std::vector<Pending>& batch, Observer& observer);

  Store& store_;
  const bool sync_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;
  Observer observer_;  // guarded by mu_
  bool stopping_ = false;
  uint64_t batches_ = 0;
  uint64_t sets_ = 0;
  uint64_t failed_ = 0;
  StoreGuard guard_;  // touched by the committer thread, read by any
  std::mutex stop_mu_;  // serializes joins when stop() races with itself
  std::thread thread_;
  std::thread::id committer_id_;  // stop() from a completion must not join itself
};

}  // namespace edgemq::storage
