// StoreGuard's decisions with a fake disk and a store whose writes and
// resumes fail on command: when it refuses, when it resumes, what it reports.
#include "storage/store_guard.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "storage/group_committer.h"

namespace edgemq::storage {
namespace {

constexpr uint64_t kMiB = 1 << 20;

class ScriptedStore final : public Store {
 public:
  Status apply(const WriteSet&, bool) override {
    ++applies;
    return write_fails ? Status::NoSpace("write: No space left on device") : Status::Ok();
  }
  Status load_retained(const std::function<void(RetainedMessage&&)>&) override { return {}; }
  Status load_sessions(const std::function<void(SessionRecord&&)>&) override { return {}; }
  Status load_queues(const std::function<void(std::string_view, QueuedMessage&&)>&) override { return {}; }
  Status load_inbound_qos2(const std::function<void(std::string_view, uint16_t)>&) override { return {}; }
  uint64_t last_seq() const override { return 0; }
  Status resume() override {
    ++resumes;
    return resume_fails ? Status::Error("resume: Resource busy") : Status::Ok();
  }
  std::atomic<bool> write_fails{false};  // set by the test thread, read by the committer's
  bool resume_fails = false;
  std::atomic<int> applies{0};
  int resumes = 0;
};

struct Fixture {
  uint64_t free = 100 * kMiB;
  std::vector<StoreGuard::Event> events;
  StoreGuard guard{[this] {
                     StoreGuard::Options o;
                     o.dir = "/data";
                     o.min_free_bytes = 10 * kMiB;
                     o.observer = [this](const StoreGuard::Report& r) { events.push_back(r.event); };
                     return o;
                   }(),
                   [this](const std::string&) -> std::optional<uint64_t> { return free; }};
  ScriptedStore store;
};

TEST(StoreGuard, RefusesBelowTheReserveAndTakesAgainAboveIt) {
  Fixture f;
  f.guard.before_write(1000, 0, f.store);
  EXPECT_FALSE(f.guard.refusing());
  EXPECT_EQ(f.guard.free_bytes(), 100 * kMiB);

  f.free = 9 * kMiB;
  f.guard.before_write(1050, 0, f.store);
  EXPECT_FALSE(f.guard.disk_low()) << "measured at most every 100 ms while writing";
  f.guard.before_write(1100, 0, f.store);
  EXPECT_TRUE(f.guard.disk_low());
  EXPECT_TRUE(f.guard.refusing());
  EXPECT_TRUE(f.guard.needs_polling());

  f.free = 11 * kMiB;
  f.guard.before_write(1500, 0, f.store);
  EXPECT_TRUE(f.guard.disk_low()) << "while low, measured every second";
  f.guard.before_write(2100, 0, f.store);
  EXPECT_FALSE(f.guard.refusing());
  EXPECT_EQ(f.events, (std::vector{StoreGuard::Event::DiskLow, StoreGuard::Event::DiskOk}));
}

TEST(StoreGuard, ABurstOfBytesMakesAMeasureDueAtOnce) {
  Fixture f;
  f.guard.before_write(1000, 0, f.store);
  f.free = 1 * kMiB;
  f.guard.before_write(1001, 2 * kMiB, f.store);
  EXPECT_FALSE(f.guard.disk_low());
  f.guard.before_write(1002, 1 * kMiB, f.store);  // a quarter of the reserve written since the last measure
  EXPECT_TRUE(f.guard.disk_low());
}

TEST(StoreGuard, AFailedWriteRefusesUntilAResumeSucceedsWithRoom) {
  Fixture f;
  f.guard.before_write(1000, 0, f.store);
  f.guard.after_write(Status::NoSpace("write: No space left on device"));
  EXPECT_TRUE(f.guard.failed());
  EXPECT_TRUE(f.guard.refusing());

  // No room for a flush yet: no resume attempted.
  f.free = 6 * kMiB;
  f.guard.before_write(3000, 0, f.store);
  EXPECT_EQ(f.store.resumes, 0);
  EXPECT_TRUE(f.guard.disk_low());

  // Room, but the store is not ready: tried once a second, still refusing.
  f.free = 50 * kMiB;
  f.store.resume_fails = true;
  f.guard.before_write(4000, 0, f.store);
  EXPECT_EQ(f.store.resumes, 1);
  f.guard.before_write(4500, 0, f.store);
  EXPECT_EQ(f.store.resumes, 1);
  EXPECT_TRUE(f.guard.failed());

  f.store.resume_fails = false;
  f.guard.before_write(5000, 0, f.store);
  EXPECT_EQ(f.store.resumes, 2);
  EXPECT_FALSE(f.guard.refusing());
  EXPECT_EQ(f.events, (std::vector{StoreGuard::Event::WriteFailed, StoreGuard::Event::DiskLow,
                                   StoreGuard::Event::DiskOk, StoreGuard::Event::ResumeFailed,
                                   StoreGuard::Event::Resumed}));
}

TEST(StoreGuard, FurtherFailuresWhileFailedAreNotReportedAgain) {
  Fixture f;
  f.guard.after_write(Status::Error("a"));
  f.guard.after_write(Status::Error("b"));
  EXPECT_EQ(f.events, (std::vector{StoreGuard::Event::WriteFailed}));
}

TEST(GroupCommitterGuard, FailsThenResumesWithoutAnotherSubmit) {
  ScriptedStore store;
  store.write_fails = true;
  StoreGuard::Options o;  // no directory: resumes need no measure
  o.retry_interval_ms = 50;
  GroupCommitter committer(store, false, o);
  std::atomic<int> failed{0};
  WriteSet ws;
  ws.delete_retained("t");
  committer.submit(std::move(ws), [&](const Status& s) { failed += !s.ok && s.no_space; });
  for (int i = 0; i < 200 && failed.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(failed.load(), 1);
  EXPECT_TRUE(committer.guard().failed());
  store.write_fails = false;
  // The committer wakes up by itself while failed and resumes the store.
  for (int i = 0; i < 400 && committer.guard().failed(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(committer.guard().failed());
  EXPECT_EQ(committer.batches_failed(), 1u);
  committer.stop();
}

}  // namespace
}  // namespace edgemq::storage
