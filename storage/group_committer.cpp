// Group commit (design in group_committer.h). The committer thread swaps out
// the whole queue under the lock, so submitters never wait on a store write,
// and everything that arrived during one write joins the next one.
#include "storage/group_committer.h"

#include <chrono>

namespace edgemq::storage {

GroupCommitter::GroupCommitter(Store& store, bool sync) : store_(store), sync_(sync) {
  thread_ = std::thread([this] { run(); });
  committer_id_ = thread_.get_id();
}

GroupCommitter::~GroupCommitter() { stop(); }

void GroupCommitter::submit(WriteSet ws, Completion done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(ws), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  // Outside the lock: the completion may do anything, even submit again.
  if (done) done(Status::Error("group committer stopped"));
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
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // stop() drains: exit only once nothing is left to commit.
      if (queue_.empty()) return;
      batch.swap(queue_);
      if (!observer && observer_) observer = observer_;
    }
    WriteSet merged;
    for (Pending& p : batch) merged.append(std::move(p.ws));
    const auto started = std::chrono::steady_clock::now();
    const Status status = store_.apply(merged, sync_);
    if (observer) {
      observer(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count()));
    }
    if (status.ok) {
      std::lock_guard lock(mu_);
      ++batches_;
      sets_ += batch.size();
    }
    for (Pending& p : batch) {
      if (p.done) p.done(status);
    }
    batch.clear();  // keeps its capacity for the next round
  }
}

}  // namespace edgemq::storage
