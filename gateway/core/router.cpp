// Router: see router.h for the design. Implementation notes:
//
// - A filter "p/#" stores its subscriber in the '#' set of node "p"; a '#' set
//   is collected at every node the walk reaches, so "a/#" also matches "a"
//   [MQTT-4.7.1-2], and the root's '#' set is the filter "#".
// - match() walks level by level over a frontier of nodes (literal child and
//   '+' child of each), not by recursion: a topic may have tens of thousands
//   of empty levels ("////…"), which must not exhaust a worker's stack. The
//   frontiers and the candidate list are thread-local scratch, so a match
//   allocates only the strings it returns.
// - Destruction and pruning are iterative for the same reason.
#include "gateway/core/router.h"

#include "protocols/mqtt/topic.h"

#include <algorithm>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace edgemq::core {
namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

struct Sub {
  uint8_t qos = 0;
  bool persistent = false;
};

using SubMap = StringMap<Sub>;

// Sets `m[key]` and reports whether the key was already present.
bool upsert(SubMap& m, std::string_view key, Sub value) {
  auto it = m.find(key);
  if (it != m.end()) {
    it->second = value;
    return true;
  }
  m.emplace(std::string(key), value);
  return false;
}

bool erase_key(SubMap& m, std::string_view key) {
  auto it = m.find(key);
  if (it == m.end()) return false;
  m.erase(it);
  return true;
}

}  // namespace

struct Router::Node {
  StringMap<std::unique_ptr<Node>> children;  // literal levels
  std::unique_ptr<Node> plus;                 // the '+' level
  SubMap exact;                               // filters ending at this node
  SubMap hash;                                // filters "<this node>/#"

  bool empty() const { return children.empty() && !plus && exact.empty() && hash.empty(); }
};

namespace {

struct Candidate {
  std::string_view client_id;  // points into a SubMap key; valid under the lock
  uint8_t qos;
  bool persistent;
};

void collect(const SubMap& subs, std::vector<Candidate>& out) {
  for (const auto& [id, sub] : subs) out.push_back({id, sub.qos, sub.persistent});
}

// One target per client with the highest QoS of its matching filters
// [MQTT-3.3.5-1]. `persistent` is a property of the session, so any filter's
// copy will do; OR them in case a caller updated only some.
void merge_into(std::vector<Candidate>& cands, std::vector<RouteTarget>& out) {
  std::sort(cands.begin(), cands.end(),
            [](const Candidate& a, const Candidate& b) { return a.client_id < b.client_id; });
  for (size_t i = 0; i < cands.size();) {
    RouteTarget t{std::string(cands[i].client_id), cands[i].qos, cands[i].persistent};
    size_t j = i + 1;
    for (; j < cands.size() && cands[j].client_id == cands[i].client_id; ++j) {
      t.qos = std::max(t.qos, cands[j].qos);
      t.persistent = t.persistent || cands[j].persistent;
    }
    out.push_back(std::move(t));
    i = j;
  }
}

template <typename NodeT>
struct MatchScratch {
  std::vector<const NodeT*> frontier;
  std::vector<const NodeT*> next;
  std::vector<Candidate> cands;

  void clear() {
    frontier.clear();
    next.clear();
    cands.clear();
  }
};

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}

// Tears the trie down iteratively: a deep chain of nodes would otherwise
// recurse once per level in unique_ptr destructors.
Router::~Router() {
  std::vector<std::unique_ptr<Node>> pending;
  pending.push_back(std::move(root_));
  while (!pending.empty()) {
    std::unique_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    for (auto& [level, child] : n->children) pending.push_back(std::move(child));
    if (n->plus) pending.push_back(std::move(n->plus));
  }
}

bool Router::subscribe(std::string_view filter, std::string_view client_id, uint8_t qos,
                       bool persistent) {
  std::unique_lock lock(mu_);
  Node* n = root_.get();
  mqtt::LevelCursor levels(filter);
  SubMap* target = nullptr;
  while (!levels.done()) {
    const std::string_view level = levels.next();
    if (level == "#") {  // valid filters have '#' last
      target = &n->hash;
      break;
    }
    std::unique_ptr<Node>* slot = nullptr;
    if (level == "+") {
      slot = &n->plus;
    } else {
      auto it = n->children.find(level);
      if (it == n->children.end()) it = n->children.emplace(std::string(level), nullptr).first;
      slot = &it->second;
    }
    if (!*slot) *slot = std::make_unique<Node>();
    n = slot->get();
  }
  if (target == nullptr) target = &n->exact;
  const bool replaced = upsert(*target, client_id, Sub{qos, persistent});
  if (!replaced) ++count_;
  return replaced;
}

bool Router::unsubscribe(std::string_view filter, std::string_view client_id) {
  std::unique_lock lock(mu_);
  // The path from the root, each node with the level that leads to it, so
  // that empty nodes can be pruned bottom-up afterwards.
  std::vector<std::pair<Node*, std::string_view>> path;
  Node* n = root_.get();
  mqtt::LevelCursor levels(filter);
  SubMap* target = nullptr;
  while (!levels.done()) {
    const std::string_view level = levels.next();
    if (level == "#") {
      target = &n->hash;
      break;
    }
    Node* child = nullptr;
    if (level == "+") {
      child = n->plus.get();
    } else if (auto it = n->children.find(level); it != n->children.end()) {
      child = it->second.get();
    }
    if (child == nullptr) return false;
    path.emplace_back(n, level);
    n = child;
  }
  if (target == nullptr) target = &n->exact;
  if (!erase_key(*target, client_id)) return false;
  --count_;
  for (auto it = path.rbegin(); it != path.rend() && n->empty(); ++it) {
    Node* parent = it->first;
    if (it->second == "+") {
      parent->plus.reset();
    } else {
      parent->children.erase(parent->children.find(it->second));
    }
    n = parent;
  }
  return true;
}

void Router::match(std::string_view topic, std::vector<RouteTarget>& out) const {
  out.clear();
  thread_local MatchScratch<Node> s;
  s.clear();
  // [MQTT-4.7.2-1]: '#' and '+' at the first level never match "$…" topics.
  const bool dollar = !topic.empty() && topic.front() == '$';

  std::shared_lock lock(mu_);
  s.frontier.push_back(root_.get());
  bool at_root = true;
  mqtt::LevelCursor levels(topic);
  while (!levels.done() && !s.frontier.empty()) {
    const std::string_view level = levels.next();
    const bool wild_ok = !(at_root && dollar);
    s.next.clear();
    for (const Node* n : s.frontier) {
      if (wild_ok) collect(n->hash, s.cands);
      if (auto it = n->children.find(level); it != n->children.end()) s.next.push_back(it->second.get());
      if (wild_ok && n->plus) s.next.push_back(n->plus.get());
    }
    std::swap(s.frontier, s.next);
    at_root = false;
  }
  // Every level consumed: filters ending here, and "<here>/#" [MQTT-4.7.1-2].
  for (const Node* n : s.frontier) {
    collect(n->exact, s.cands);
    if (!(at_root && dollar)) collect(n->hash, s.cands);
  }
  merge_into(s.cands, out);
}

size_t Router::subscription_count() const {
  std::shared_lock lock(mu_);
  return count_;
}

}  // namespace edgemq::core
