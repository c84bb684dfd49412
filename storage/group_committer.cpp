// Group commit (design in group_committer.h). The committer thread swaps out
// the whole queue under the lock, so submitters never wait on a store write,
// and everything that arrived during one write joins the next one.
#include "storage/group_committer.h"

#include <chrono>

namespace edgemq::storage {

namespace {

constexpr size_t kKeptCapacity = 4096;  // sets a round's vector keeps between rounds

uint64_t steady_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

}  // namespace

GroupCommitter::GroupCommitter(Store& store, bool sync, StoreGuard::Options guard)
    : store_(store), sync_(sync), guard_(std::move(guard)) {
  thread_ = std::thread([this] { run(); });
  committer_id_ = thread_.get_id();
}

GroupCommitter::~GroupCommitter() { stop(); }

void GroupCommitter::submit(WriteSet ws, Completion done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(ws), std::move(done), Task{}, 0});
      wake_.notify_one();
      return;
    }
  }
  // Outside the lock: the completion may do anything, even submit again.
  if (done) done(Status::Error("group committer stopped"));
}

void GroupCommitter::submit_task(Task task, const std::function<uint64_t()>& stamp) {
  std::lock_guard lock(mu_);
  if (stopping_) return;
  queue_.push_back({WriteSet{}, Completion{}, std::move(task), stamp ? stamp() : 0});
  wake_.notify_one();
}

void GroupCommitter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    wake_.notify_one();
  }
  // From a completion: the thread exits by itself once the queue is drained,
  // and joining itself would throw.
  if (std::this_thread::get_id() == committer_id_) return;
  // Serialized so that concurrent stop()s do not both join.
  std::lock_guard lock(stop_mu_);
  if (thread_.joinable()) thread_.join();
}

uint64_t GroupCommitter::batches_committed() const {
  std::lock_guard lock(mu_);
  return batches_;
}

uint64_t GroupCommitter::sets_committed() const {
  std::lock_guard lock(mu_);
  return sets_;
}

uint64_t GroupCommitter::batches_failed() const {
  std::lock_guard lock(mu_);
  return failed_;
}

void GroupCommitter::set_observer(Observer o) {
  std::lock_guard lock(mu_);
  observer_ = std::move(o);
}

void GroupCommitter::run() {
  std::vector<Pending> batch;
  Observer observer;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      auto has_work = [this] { return stopping_ || !queue_.empty(); };
      // While the disk is low or the store failed, wake up by itself too:
      // space comes back without a write to notice it.
      if (guard_.needs_polling()) {
        wake_.wait_for(lock, std::chrono::milliseconds(guard_.retry_interval_ms()), has_work);
      } else {
        wake_.wait(lock, has_work);
      }
      // stop() drains: exit only once nothing is left to commit.
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
      if (!observer && observer_) observer = observer_;
    }
    if (batch.empty()) {
      guard_.before_write(steady_ms(), 0, store_);  // a quiet wake-up: only the guard's poll
      continue;
    }
    // Every set of the round is one write, tasks included or not, so that
    // reads do not break up group commit; the tasks run after it.
    write(batch, observer);
    for (Pending& p : batch) {
      if (p.task) p.task(store_, p.stamp);
    }
    // Keeps its capacity for the next round, unless a burst made it large:
    // 19,000 publishers once left a round of 600k sets, and this vector and
    // the queue it swaps with held ~130 MB for good.
    if (batch.capacity() > kKeptCapacity) {
      std::vector<Pending>().swap(batch);
    } else {
      batch.clear();
    }
  }
}

void GroupCommitter::write(std::vector<Pending>& batch, Observer& observer) {
  WriteSet merged;
  size_t sets = 0;
  for (Pending& p : batch) {
    if (p.task) continue;
    merged.append(std::move(p.ws));
    ++sets;
  }
  if (sets == 0) {
    guard_.before_write(steady_ms(), 0, store_);  // tasks only: the guard still polls
    return;
  }
  guard_.before_write(steady_ms(), merged.bytes(), store_);
  const auto started = std::chrono::steady_clock::now();
  const Status status = store_.apply(merged, sync_);
  if (observer) {
    observer(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count()));
  }
  guard_.after_write(status);
  {
    std::lock_guard lock(mu_);
    if (status.ok) {
      ++batches_;
      sets_ += sets;
    } else {
      ++failed_;
    }
  }
  for (Pending& p : batch) {
    if (p.done) p.done(status);
  }
}

}  // namespace edgemq::storage
