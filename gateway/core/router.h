// The subscription index: topic filters to subscribers, shared by all workers.
//
// A trie keyed by topic level, compressed: a run of literal levels without
// a branch is one edge (router.cpp), so a filter costs its bytes and a node
// per wildcard or branch point, not a node per level. Each node holds the
// subscribers whose filter ends there, plus children for literal levels,
// one '+' child and one '#' subscriber set. Matching walks the topic's levels, following the literal
// child, the '+' child, and collecting '#' sets on the way; a topic whose first
// level starts with '$' skips the wildcard branches at the root [MQTT-4.7.2-1].
// One client with several matching filters appears once in a match, with the
// highest QoS of them [MQTT-3.3.5-1] and every subscription identifier
// [MQTT-3.3.4-3].
//
// Shared subscriptions "$share/{group}/{filter}" [MQTT-4.8.2] live at their
// filter's node, one member list per group. A match yields one target per
// matching group, besides the ordinary ones: a member chosen by the
// configured strategy among those online (any member when none is).
//
// Concurrency: publishes (match) take a shared lock and never block each
// other; subscribe/unsubscribe take the exclusive lock. Empty nodes are pruned
// on unsubscribe so the trie does not grow without bound.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgemq::core {

// What a subscription asked for besides its filter [MQTT-3.8.3.1].
struct SubscriptionOptions {
  uint8_t qos = 0;  // granted
  bool no_local = false;
  bool retain_as_published = false;
  uint32_t subscription_id = 0;  // 0: none [MQTT-3.8.2.1.2]
};

struct RouteTarget {
  std::string client_id;
  uint8_t qos = 0;          // maximum QoS granted over the client's matching filters
  bool persistent = false;  // the subscriber's session outlives its connection
  // Every matching subscription is no-local: not for the client's own
  // messages [MQTT-3.8.3-3].
  bool no_local = false;
  // Some matching subscription keeps the RETAIN flag as published [MQTT-3.3.1-12].
  bool retain_as_published = false;
  std::vector<uint32_t> subscription_ids{};  // of the matching subscriptions, in no order
  // For a shared subscription's member: its whole filter "$share/g/f", so an
  // undelivered message can be given to another member later; else empty.
  std::string shared_filter{};
};

// How a shared subscription picks the member for a message.
enum class ShareStrategy : uint8_t { RoundRobin, Random, Sticky };

class Router {
 public:
  explicit Router(ShareStrategy strategy = ShareStrategy::RoundRobin);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Adds or replaces (same client, same filter) a subscription. Returns true if
  // it replaced one [MQTT-3.8.4-3]. `filter` must be valid; a shared one
  // makes the client a member of its group, online.
  bool subscribe(std::string_view filter, std::string_view client_id, const SubscriptionOptions& options,
                 bool persistent);
  bool subscribe(std::string_view filter, std::string_view client_id, uint8_t qos, bool persistent) {
    return subscribe(filter, client_id, SubscriptionOptions{qos}, persistent);
  }

  // Returns true if the client had that exact filter.
  bool unsubscribe(std::string_view filter, std::string_view client_id);

  // Appends one target per matching client, and one per matching shared
  // group, to `out` (cleared first).
  void match(std::string_view topic, std::vector<RouteTarget>& out) const;

  // Whether the member `client_id` of shared subscription `filter` is
  // connected: online members are chosen first.
  void set_member_online(std::string_view filter, std::string_view client_id, bool online);
  // A member of shared subscription `filter` other than `exclude`, for a
  // message its previous member did not take; false if there is none.
  bool pick_member(std::string_view filter, std::string_view exclude, RouteTarget& out) const;

  size_t subscription_count() const;

  struct Group;  // a shared subscription's members (router.cpp)

 private:
  struct Node;
  // The node where a (non-shared) filter's subscriptions are kept, and
  // whether in its '#' set; make_node creates the path, find_node returns
  // null if there is none.
  Node* make_node(std::string_view filter, bool& hash);
  const Node* find_node(std::string_view filter, bool& hash) const;
  // After an unsubscribe left `n` (reached through `trail`) emptier: removes
  // the empty nodes bottom-up and joins a node that only passes through with
  // its edge.
  void prune(const std::vector<std::pair<Node*, std::string_view>>& trail, Node* n);
  ShareStrategy strategy_;
  mutable std::shared_mutex mu_;
  std::unique_ptr<Node> root_;
  size_t count_ = 0;
};

}  // namespace edgemq::core
