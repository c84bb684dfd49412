// The client ids whose session queue is at its limit with the client online:
// a QoS 1/2 message routed to one of them gets an AckGate. Written by each
// session's home shard, read by every routing shard; the common case (no
// congested session anywhere) costs one atomic load per routed message.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace edgemq::core {

class CongestionSet {
 public:
  void add(std::string_view client_id) {
    std::unique_lock lock(mu_);
    if (ids_.emplace(client_id).second) count_.fetch_add(1, std::memory_order_release);
  }
  void remove(std::string_view client_id) {
    std::unique_lock lock(mu_);
    auto it = ids_.find(client_id);
    if (it == ids_.end()) return;
    ids_.erase(it);
    count_.fetch_sub(1, std::memory_order_release);
  }
  // A stale answer is harmless either way: the session's shard decides
  // again when the message arrives (see Shard::enqueue).
  bool contains(std::string_view client_id) const {
    if (count_.load(std::memory_order_acquire) == 0) return false;
    std::shared_lock lock(mu_);
    return ids_.find(client_id) != ids_.end();
  }
  bool empty() const { return count_.load(std::memory_order_acquire) == 0; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view v) const { return std::hash<std::string_view>{}(v); }
  };
  mutable std::shared_mutex mu_;
  std::unordered_set<std::string, Hash, std::equal_to<>> ids_;
  std::atomic<size_t> count_{0};
};

}  // namespace edgemq::core
