// Sessions that have a deadline, in deadline order and findable by session:
// the timed states few sessions are in (an offline session's expiry, a will
// waiting out its delay). They are kept here, per shard, instead of as fields
// of every Session, which an idle connection pays for.
#pragma once

#include <cstdint>
#include <set>
#include <unordered_map>
#include <utility>

namespace edgemq::core {

class Session;

class SessionDeadlines {
 public:
  // Sets (or moves) `s`'s deadline.
  void set(Session* s, uint64_t at_ms) {
    erase(s);
    by_time_.emplace(at_ms, s);
    by_session_.emplace(s, at_ms);
  }
  // `s`'s deadline, or 0 when it has none.
  uint64_t at(Session* s) const {
    auto it = by_session_.find(s);
    return it == by_session_.end() ? 0 : it->second;
  }
  bool erase(Session* s) {
    auto it = by_session_.find(s);
    if (it == by_session_.end()) return false;
    by_time_.erase({it->second, s});
    by_session_.erase(it);
    return true;
  }
  // The session whose deadline came first, if it is at or before `now_ms`.
  Session* due(uint64_t now_ms) const {
    if (by_time_.empty() || by_time_.begin()->first > now_ms) return nullptr;
    return by_time_.begin()->second;
  }
  bool empty() const { return by_session_.empty(); }

 private:
  std::set<std::pair<uint64_t, Session*>> by_time_;
  std::unordered_map<Session*, uint64_t> by_session_;
};

}  // namespace edgemq::core
