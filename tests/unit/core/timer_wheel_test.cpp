// TimerWheel: never early, at most one tick late, exactly once, safe to
// re-enter from a fire callback.
#include "gateway/core/timer_wheel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

namespace edgemq::core {
namespace {

using Id = TimerWheel::Id;

struct Fired {
  std::vector<Id> ids;
  std::function<void(Id)> cb() {
    return [this](Id id) { ids.push_back(id); };
  }
};

TEST(TimerWheel, FiresAtDeadlineNotBefore) {
  TimerWheel w(0, 100, 16);
  Fired f;
  w.schedule(1, 250);
  w.schedule(2, 300);  // on a tick boundary
  EXPECT_EQ(w.size(), 2u);
  w.advance(200, f.cb());
  w.advance(249, f.cb());
  EXPECT_TRUE(f.ids.empty());
  w.advance(250, f.cb());
  EXPECT_EQ(f.ids, std::vector<Id>{1});
  w.advance(299, f.cb());
  EXPECT_EQ(f.ids, std::vector<Id>{1});
  w.advance(300, f.cb());
  EXPECT_EQ(f.ids, (std::vector<Id>{1, 2}));
  EXPECT_EQ(w.size(), 0u);
  w.advance(10000, f.cb());
  EXPECT_EQ(f.ids.size(), 2u);  // once only
}

TEST(TimerWheel, DeadlinesSeveralTurnsAhead) {
  TimerWheel w(1000, 10, 8);  // one turn = 80 ms
  std::map<Id, uint64_t> fired_at;
  w.schedule(1, 1000 + 500);  // six turns and a bit
  w.schedule(2, 1000 + 85);   // just past one turn, same slot as now + 5
  w.schedule(3, 1000 + 5);
  for (uint64_t now = 1000; now <= 1600; now += 5) {
    w.advance(now, [&](Id id) { fired_at[id] = now; });
  }
  EXPECT_EQ(fired_at, (std::map<Id, uint64_t>{{1, 1500}, {2, 1085}, {3, 1005}}));
}

TEST(TimerWheel, RescheduleMoves) {
  TimerWheel w(0, 100, 16);
  Fired f;
  w.schedule(1, 100);
  w.schedule(1, 3000);  // later, several turns ahead
  w.schedule(2, 5000);
  w.schedule(2, 50);  // earlier
  EXPECT_EQ(w.size(), 2u);
  w.advance(2999, f.cb());
  EXPECT_EQ(f.ids, std::vector<Id>{2});
  w.advance(3000, f.cb());
  EXPECT_EQ(f.ids, (std::vector<Id>{2, 1}));
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, Cancel) {
  TimerWheel w(0, 100, 16);
  Fired f;
  EXPECT_FALSE(w.cancel(7));
  w.schedule(7, 500);
  w.schedule(8, 500);
  EXPECT_TRUE(w.cancel(7));
  EXPECT_FALSE(w.cancel(7));
  EXPECT_EQ(w.size(), 1u);
  w.advance(10000, f.cb());
  EXPECT_EQ(f.ids, std::vector<Id>{8});
  EXPECT_FALSE(w.cancel(8));  // already fired
}

TEST(TimerWheel, PastDeadlineFiresOnNextAdvance) {
  TimerWheel w(0, 100, 16);
  Fired f;
  w.advance(5000, f.cb());
  w.schedule(1, 10);    // long past, its slot already scanned
  w.schedule(2, 5000);  // exactly now
  w.advance(5000, f.cb());
  EXPECT_EQ(f.ids, (std::vector<Id>{1, 2}));
}

TEST(TimerWheel, ReentrantFireCallbacks) {
  TimerWheel w(0, 100, 16);
  std::vector<Id> fired;
  w.schedule(1, 100);  // cancels 2, reschedules 3, schedules 10, cancels itself
  w.schedule(2, 150);
  w.schedule(3, 160);
  w.schedule(4, 170);  // periodic: reschedules itself to now
  auto fire = [&](Id id) {
    fired.push_back(id);
    if (id == 1) {
      EXPECT_TRUE(w.cancel(2));
      w.schedule(3, 400);
      w.schedule(10, 150);       // due now, but new: next advance
      EXPECT_FALSE(w.cancel(1));  // removed before firing
    }
    if (id == 4) w.schedule(4, 200);
  };
  w.advance(200, fire);
  EXPECT_EQ(fired, (std::vector<Id>{1, 4}));
  EXPECT_EQ(w.size(), 3u);  // 3, 4, 10
  w.advance(200, fire);     // 4 and 10 are due now; 4 reschedules itself again
  EXPECT_EQ(fired, (std::vector<Id>{1, 4, 10, 4}));
  w.advance(400, fire);
  EXPECT_EQ(fired, (std::vector<Id>{1, 4, 10, 4, 4, 3}));
  EXPECT_EQ(w.size(), 1u);
  EXPECT_TRUE(w.cancel(4));
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, BigTimeJumpFiresEverythingDueInDeadlineOrder) {
  TimerWheel w(0, 100, 64);  // one turn = 6.4 s
  std::mt19937_64 rng(7);
  std::map<Id, uint64_t> deadline;
  for (Id id = 0; id < 2000; ++id) {
    deadline[id] = rng() % 1'000'000;
    w.schedule(id, deadline[id]);
  }
  w.schedule(9999, 3'000'000);  // not due
  std::vector<uint64_t> order;
  std::map<Id, int> count;
  w.advance(2'000'000, [&](Id id) {
    order.push_back(deadline.at(id));
    ++count[id];
  });
  EXPECT_EQ(count.size(), 2000u);
  for (const auto& [id, n] : count) EXPECT_EQ(n, 1) << id;
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.next_wakeup_ms(2'000'000), 1'000'000);
}

TEST(TimerWheel, HundredThousandTimersFireOnceWithinOneTick) {
  constexpr uint64_t kStart = 12345;
  constexpr uint32_t kTick = 100;
  TimerWheel w(kStart, kTick, 1024);
  std::mt19937_64 rng(42);
  std::vector<uint64_t> deadline(100'000);
  std::vector<uint64_t> fired_at(deadline.size(), 0);
  std::vector<int> count(deadline.size(), 0);
  uint64_t last = 0;
  for (Id id = 0; id < deadline.size(); ++id) {
    deadline[id] = kStart + rng() % (10 * 60 * 1000);  // ten minutes: ~6 turns
    last = std::max(last, deadline[id]);
    w.schedule(id, deadline[id]);
  }
  EXPECT_EQ(w.size(), deadline.size());
  uint64_t prev_deadline = 0;
  bool ordered = true;
  for (uint64_t now = kStart; now <= last;) {
    now += 1 + rng() % kTick;  // irregular steps, never more than a tick
    w.advance(now, [&](Id id) {
      fired_at[id] = now;
      ++count[id];
      ordered = ordered && deadline[id] >= prev_deadline;
      prev_deadline = deadline[id];
    });
  }
  EXPECT_TRUE(ordered);
  EXPECT_EQ(w.size(), 0u);
  for (Id id = 0; id < deadline.size(); ++id) {
    ASSERT_EQ(count[id], 1) << id;
    ASSERT_GE(fired_at[id], deadline[id]) << id;
    ASSERT_LT(fired_at[id] - deadline[id], kTick) << id;
  }
}

TEST(TimerWheel, RandomOperationsAgainstReference) {
  // schedule / cancel / advance mixed, against a map of id -> deadline.
  TimerWheel w(0, 10, 32);
  std::map<Id, uint64_t> ref;
  std::mt19937_64 rng(99);
  uint64_t now = 0;
  for (int op = 0; op < 200'000; ++op) {
    const Id id = rng() % 3000;
    switch (rng() % 4) {
      case 0:
      case 1: {
        const uint64_t d = now + rng() % 2000 - std::min<uint64_t>(now, rng() % 20);
        w.schedule(id, d);
        ref[id] = d;
        break;
      }
      case 2:
        ASSERT_EQ(w.cancel(id), ref.erase(id) == 1);
        break;
      default: {
        now += rng() % 15;
        std::vector<Id> got;
        w.advance(now, [&](Id fired) { got.push_back(fired); });
        std::vector<Id> want;
        for (auto it = ref.begin(); it != ref.end();) {
          if (it->second <= now) {
            want.push_back(it->first);
            it = ref.erase(it);
          } else {
            ++it;
          }
        }
        std::sort(got.begin(), got.end());
        ASSERT_EQ(got, want) << "op " << op << " now " << now;
      }
    }
    ASSERT_EQ(w.size(), ref.size());
  }
}

TEST(TimerWheel, NextWakeup) {
  TimerWheel w(1000, 100, 16);  // one turn = 1.6 s
  EXPECT_EQ(w.next_wakeup_ms(1000), -1);
  w.schedule(1, 1234);
  EXPECT_EQ(w.next_wakeup_ms(1000), 234);
  w.schedule(2, 1000 + 5000);  // three turns ahead, in an earlier slot than 1
  EXPECT_EQ(w.next_wakeup_ms(1000), 234);
  EXPECT_TRUE(w.cancel(1));
  EXPECT_EQ(w.next_wakeup_ms(1000), 5000);
  w.schedule(3, 900);  // already due
  EXPECT_EQ(w.next_wakeup_ms(1000), 0);
  Fired f;
  w.advance(1000, f.cb());
  EXPECT_EQ(f.ids, std::vector<Id>{3});
  EXPECT_EQ(w.next_wakeup_ms(1050), 4950);
  w.advance(6000, f.cb());
  EXPECT_EQ(w.next_wakeup_ms(6000), -1);
}

TEST(TimerWheel, TimeGoingBackNeverFiresEarly) {
  TimerWheel w(0, 100, 16);
  Fired f;
  w.advance(1000, f.cb());
  w.schedule(1, 1050);
  w.advance(900, f.cb());  // a clock step back
  EXPECT_TRUE(f.ids.empty());
  w.advance(1049, f.cb());
  EXPECT_TRUE(f.ids.empty());
  w.advance(1050, f.cb());
  EXPECT_EQ(f.ids, std::vector<Id>{1});
}

}  // namespace
}  // namespace edgemq::core
