// TimerWheel: see timer_wheel.h for the design.
#include "gateway/core/timer_wheel.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace edgemq::core {
namespace {

// Broken invariants abort (STYLE.md habit 5).
void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "TimerWheel: %s\n", what);
    std::abort();
  }
}

// splitmix64's finalizer: ids are often sequential, so spread them.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

TimerWheel::TimerWheel(uint64_t now_ms, uint32_t tick_ms, uint32_t slots)
    : tick_ms_(tick_ms), cur_tick_(tick_ms == 0 ? 0 : now_ms / tick_ms) {
  check(tick_ms > 0, "tick_ms must be positive");
  check(slots > 0 && slots < kPending - kHeadBit, "slots out of range");
  heads_.assign(slots, kNil);
}

// The slot of the deadline's tick, or of the current tick if that has passed.
uint32_t TimerWheel::slot_of(uint64_t deadline_ms) const {
  const uint64_t tick = std::max(deadline_ms / tick_ms_, cur_tick_);
  return static_cast<uint32_t>(tick % heads_.size());
}

void TimerWheel::link(uint32_t e) {
  const uint32_t s = slot_of(entries_[e].deadline);
  const uint32_t head = heads_[s];
  entries_[e].prev = kHeadBit | s;
  entries_[e].next = head;
  if (head != kNil) entries_[head].prev = e;
  heads_[s] = e;
}

void TimerWheel::unlink(uint32_t e) {
  const uint32_t p = entries_[e].prev;
  const uint32_t n = entries_[e].next;
  if (p & kHeadBit) {
    heads_[p & ~kHeadBit] = n;
  } else {
    entries_[p].next = n;
  }
  if (n != kNil) entries_[n].prev = p;  // a head marker passes to the next entry
}

uint32_t TimerWheel::alloc_entry(Id id, uint64_t deadline_ms) {
  uint32_t e = free_head_;
  if (e != kNil) {
    free_head_ = entries_[e].next;
  } else {
    check(entries_.size() < kHeadBit, "too many timers");
    e = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  entries_[e] = Entry{id, deadline_ms, kNil, kNil};
  return e;
}

void TimerWheel::free_entry(uint32_t e) {
  entries_[e].prev = kFree;
  entries_[e].next = free_head_;
  free_head_ = e;
}

void TimerWheel::schedule(Id id, uint64_t deadline_ms) {
  uint32_t e = find(id);
  if (e == kNil) {
    e = alloc_entry(id, deadline_ms);
    index_insert(e);
    ++size_;
  } else {
    if (entries_[e].prev != kPending) unlink(e);
    entries_[e].deadline = deadline_ms;
  }
  link(e);
}

bool TimerWheel::cancel(Id id) {
  const uint32_t e = find(id);
  if (e == kNil) return false;
  if (entries_[e].prev != kPending) unlink(e);
  index_erase(id);
  free_entry(e);
  --size_;
  return true;
}

// Moves every timer due at `now_ms` from the slots of ticks
// [cur_tick_, now_tick] (each slot once) into firing_.
void TimerWheel::collect_due(uint64_t now_ms, uint64_t now_tick) {
  const uint64_t span = now_tick - cur_tick_ + 1;
  const uint64_t n = std::min<uint64_t>(span, heads_.size());
  for (uint64_t k = 0; k < n; ++k) {
    uint32_t e = heads_[(cur_tick_ + k) % heads_.size()];
    while (e != kNil) {
      const uint32_t next = entries_[e].next;
      if (entries_[e].deadline <= now_ms) {
        unlink(e);
        entries_[e].prev = kPending;
        entries_[e].next = kNil;
        firing_.emplace_back(entries_[e].deadline, e);
      }
      e = next;
    }
  }
}

// Puts timers collected but not fired (a callback threw) back in the wheel.
void TimerWheel::relink_unfired(size_t from) {
  for (size_t i = from; i < firing_.size(); ++i) {
    const uint32_t e = firing_[i].second;
    if (entries_[e].prev == kPending) link(e);
  }
  firing_.clear();
}

void TimerWheel::advance(uint64_t now_ms, const std::function<void(Id)>& fire) {
  check(!advancing_, "advance called from a fire callback");
  const uint64_t now_tick = std::max(now_ms / tick_ms_, cur_tick_);
  collect_due(now_ms, now_tick);
  // The current tick stays open: timers later in it are scanned next time.
  cur_tick_ = now_tick;
  std::sort(firing_.begin(), firing_.end(), [this](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return entries_[a.second].id < entries_[b.second].id;
  });

  struct Guard {
    TimerWheel* w;
    size_t next = 0;
    ~Guard() {
      w->relink_unfired(next);
      w->advancing_ = false;
    }
  } guard{this};
  advancing_ = true;
  while (guard.next < firing_.size()) {
    const uint32_t e = firing_[guard.next++].second;
    if (entries_[e].prev != kPending) continue;  // cancelled or rescheduled meanwhile
    const Id id = entries_[e].id;
    index_erase(id);
    free_entry(e);
    --size_;
    fire(id);
  }
}

int64_t TimerWheel::next_wakeup_ms(uint64_t now_ms) const {
  if (size_ == 0) return -1;
  if (advancing_) return 0;  // timers of the running advance are due
  uint64_t best = std::numeric_limits<uint64_t>::max();
  for (uint64_t k = 0; k < heads_.size(); ++k) {
    const uint64_t tick = cur_tick_ + k;
    uint64_t due_here = std::numeric_limits<uint64_t>::max();
    for (uint32_t e = heads_[tick % heads_.size()]; e != kNil; e = entries_[e].next) {
      const uint64_t d = entries_[e].deadline;
      best = std::min(best, d);
      if (std::max(d / tick_ms_, cur_tick_) <= tick) due_here = std::min(due_here, d);
    }
    // The first tick holding a due timer holds the earliest deadline.
    if (due_here != std::numeric_limits<uint64_t>::max()) {
      best = due_here;
      break;
    }
  }
  if (best <= now_ms) return 0;
  return static_cast<int64_t>(
      std::min<uint64_t>(best - now_ms, std::numeric_limits<int64_t>::max()));
}

// --- the id -> entry index -------------------------------------------------

uint32_t TimerWheel::find(Id id) const {
  if (index_.empty()) return kNil;
  const size_t mask = index_.size() - 1;
  for (size_t i = mix(id) & mask; index_[i] != kNil; i = (i + 1) & mask) {
    if (entries_[index_[i]].id == id) return index_[i];
  }
  return kNil;
}

void TimerWheel::index_insert(uint32_t e) {
  if ((size_ + 1) * 10 > index_.size() * 7) index_grow();
  const size_t mask = index_.size() - 1;
  size_t i = mix(entries_[e].id) & mask;
  while (index_[i] != kNil) i = (i + 1) & mask;
  index_[i] = e;
}

void TimerWheel::index_grow() {
  std::vector<uint32_t> old = std::move(index_);
  index_.assign(std::max<size_t>(16, old.size() * 2), kNil);
  const size_t mask = index_.size() - 1;
  for (uint32_t e : old) {
    if (e == kNil) continue;
    size_t i = mix(entries_[e].id) & mask;
    while (index_[i] != kNil) i = (i + 1) & mask;
    index_[i] = e;
  }
}

// Backward-shift deletion keeps every probe chain unbroken without tombstones.
void TimerWheel::index_erase(Id id) {
  const size_t mask = index_.size() - 1;
  size_t i = mix(id) & mask;
  while (entries_[index_[i]].id != id) i = (i + 1) & mask;
  for (size_t j = (i + 1) & mask; index_[j] != kNil; j = (j + 1) & mask) {
    const size_t home = mix(entries_[index_[j]].id) & mask;
    // Move j into the hole at i unless its home lies cyclically in (i, j].
    const bool stays = (i < j) ? (home > i && home <= j) : (home > i || home <= j);
    if (!stays) {
      index_[i] = index_[j];
      i = j;
    }
  }
  index_[i] = kNil;
}

}  // namespace edgemq::core
