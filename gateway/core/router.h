// The subscription index: topic filters to subscribers, shared by all workers.
//
// A trie keyed by topic level. Each node holds the subscribers whose filter
// ends there, plus children for literal levels, one '+' child and one '#'
// subscriber set. Matching walks the topic's levels, following the literal
// child, the '+' child, and collecting '#' sets on the way; a topic whose first
// level starts with '$' skips the wildcard branches at the root [MQTT-4.7.2-1].
// One client with several matching filters appears once in a match, with the
// highest QoS of them [MQTT-3.3.5-1].
//
// Concurrency: publishes (match) take a shared lock and never block each
// other; subscribe/unsubscribe take the exclusive lock. Empty nodes are pruned
// on unsubscribe so the trie does not grow without bound.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace edgemq::core {

struct RouteTarget {
  std::string client_id;
  uint8_t qos = 0;          // maximum QoS granted over the client's matching filters
  bool persistent = false;  // the subscriber's session outlives its connection
};

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Adds or replaces (same client, same filter) a subscription. Returns true if
  // it replaced one [MQTT-3.8.4-3]. `filter` must be valid.
  bool subscribe(std::string_view filter, std::string_view client_id, uint8_t qos, bool persistent);

  // Returns true if the client had that exact filter.
  bool unsubscribe(std::string_view filter, std::string_view client_id);

  // Appends one target per matching client to `out` (cleared first).
  void match(std::string_view topic, std::vector<RouteTarget>& out) const;

  size_t subscription_count() const;

 private:
  struct Node;
  mutable std::shared_mutex mu_;
  std::unique_ptr<Node> root_;
  size_t count_ = 0;
};

}  // namespace edgemq::core
