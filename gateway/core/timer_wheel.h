// A hashed timing wheel: keep-alive and retry deadlines for tens of thousands
// of connections on one worker without a uv_timer_t each. No libuv here: the
// Worker passes the time in and arms one uv timer for next_wakeup_ms().
//
// Design. Time is cut into ticks of `tick_ms`; a timer lives in slot
// (deadline / tick_ms) % slots, in an intrusive doubly-linked list. Each timer
// keeps its absolute deadline, so one further than a turn ahead just stays in
// its slot and is skipped until its turn comes. advance(now) scans the slots
// of the ticks since the last call (each slot at most once, so a big time jump
// costs one pass over the wheel) and fires every timer with deadline <= now:
// never early, and at most one tick late when advance runs every tick. The
// current tick's slot is scanned again on the next call, because timers later
// in that tick are not due yet. A deadline already in the past goes to the
// current tick's slot and fires on the next advance.
//
// Firing is two-phase so `fire` may schedule or cancel anything, its own id
// included: due timers are first unlinked into a pending batch, sorted by
// deadline, then fired one by one, skipping any that a previous callback
// cancelled or rescheduled. A timer (re)scheduled from inside `fire` with a
// deadline <= now fires on the next advance, not this one, so a callback that
// reschedules itself "now" cannot loop forever.
//
// Memory per timer: a 24-byte entry (id, deadline, two uint32 links) in one
// slab vector with a free list, plus a 4-byte slot in an open-addressing
// id -> entry index kept at most 70 % full (6-12 bytes per timer), so about
// 30-36 bytes per timer, plus the slab vector's growth slack; the wheel itself
// is 4 bytes per slot. Memory is reused, never returned, until destruction.
//
// Not thread-safe: one wheel per worker, used on that worker's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace edgemq::core {

class TimerWheel {
 public:
  using Id = uint64_t;

  // tick_ms: resolution; slots: wheel size (deadlines beyond one turn stay in
  // their slot and are skipped until their turn).
  explicit TimerWheel(uint64_t now_ms, uint32_t tick_ms = 100, uint32_t slots = 1024);

  // Adds a timer, or moves an existing id to the new deadline.
  void schedule(Id id, uint64_t deadline_ms);

  // True if `id` was scheduled (and is now removed).
  bool cancel(Id id);

  // Fires (removing first) every timer with deadline <= now_ms, in deadline
  // order; `fire` may schedule/cancel safely, but must not call advance.
  // Time never goes back: an earlier now_ms than the last one fires only
  // what is due at now_ms.
  void advance(uint64_t now_ms, const std::function<void(Id)>& fire);

  size_t size() const { return size_; }

  // Milliseconds until the earliest deadline (0 if already due), or -1 if no
  // timer is scheduled. Costs a scan up to the first slot holding a timer due
  // in this turn (the whole wheel if there is none).
  int64_t next_wakeup_ms(uint64_t now_ms) const;

 private:
  struct Entry {
    Id id;
    uint64_t deadline;
    uint32_t prev;  // entry index, or kHeadBit | slot, or kPending / kFree
    uint32_t next;  // entry index or kNil; next free entry when kFree
  };
  static_assert(sizeof(Entry) == 24);

  static constexpr uint32_t kNil = 0xFFFFFFFFu;
  static constexpr uint32_t kFree = 0xFFFFFFFFu;
  static constexpr uint32_t kPending = 0xFFFFFFFEu;
  static constexpr uint32_t kHeadBit = 0x80000000u;

  uint32_t slot_of(uint64_t deadline_ms) const;
  void link(uint32_t e);
  void unlink(uint32_t e);
  uint32_t alloc_entry(Id id, uint64_t deadline_ms);
  void free_entry(uint32_t e);
  void collect_due(uint64_t now_ms, uint64_t now_tick);
  void relink_unfired(size_t from);

  // The id -> entry index: linear probing, backward-shift deletion.
  uint32_t find(Id id) const;
  void index_insert(uint32_t e);
  void index_erase(Id id);
  void index_grow();

  uint32_t tick_ms_;
  uint64_t cur_tick_;  // the tick whose slot advance() scans first
  std::vector<uint32_t> heads_;
  std::vector<Entry> entries_;
  uint32_t free_head_ = kNil;
  std::vector<uint32_t> index_;
  size_t size_ = 0;
  std::vector<std::pair<uint64_t, uint32_t>> firing_;  // (deadline, entry) of one advance
  bool advancing_ = false;
};

}  // namespace edgemq::core
