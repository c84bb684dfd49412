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
// - A shared subscription "$share/g/f" is kept at f's node (exact or '#'),
//   in a group per name; the group picks one member per message. Its pick
//   state is an atomic cursor, so matching stays under the shared lock.
#include "gateway/core/router.h"

#include "protocols/mqtt/topic.h"

#include <algorithm>
#include <random>
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
  SubscriptionOptions options;
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

struct Member {
  std::string client_id;
  Sub sub;
  bool online = true;
};

}  // namespace

struct Router::Group {
  std::string filter;  // the whole "$share/{group}/{filter}"
  std::vector<Member> members;  // groups are small: a vector beats a map
  mutable std::atomic<uint32_t> cursor{0};  // round-robin position, or the sticky member

  Member* find(std::string_view client_id) {
    for (Member& m : members) {
      if (m.client_id == client_id) return &m;
    }
    return nullptr;
  }
};

using GroupMap = StringMap<std::unique_ptr<Router::Group>>;

struct Router::Node {
  StringMap<std::unique_ptr<Node>> children;  // literal levels
  std::unique_ptr<Node> plus;                 // the '+' level
  SubMap exact;                               // filters ending at this node
  SubMap hash;                                // filters "<this node>/#"
  GroupMap shared_exact;                      // shared subscriptions, by group name
  GroupMap shared_hash;

  bool empty() const {
    return children.empty() && !plus && exact.empty() && hash.empty() && shared_exact.empty() &&
           shared_hash.empty();
  }
};

namespace {

struct Candidate {
  std::string_view client_id;  // points into a SubMap key; valid under the lock
  const Sub* sub;
};

void collect(const SubMap& subs, std::vector<Candidate>& out) {
  for (const auto& [id, sub] : subs) out.push_back({id, &sub});
}

// One target per client with the highest QoS of its matching filters
// [MQTT-3.3.5-1] and all their subscription identifiers [MQTT-3.3.4-3].
// `persistent` is a property of the session, so any filter's copy will do;
// OR them in case a caller updated only some.
void merge_into(std::vector<Candidate>& cands, std::vector<RouteTarget>& out) {
  std::sort(cands.begin(), cands.end(),
            [](const Candidate& a, const Candidate& b) { return a.client_id < b.client_id; });
  for (size_t i = 0; i < cands.size();) {
    RouteTarget t;
    t.client_id.assign(cands[i].client_id);
    t.no_local = true;
    size_t j = i;
    for (; j < cands.size() && cands[j].client_id == cands[i].client_id; ++j) {
      const Sub& s = *cands[j].sub;
      t.qos = std::max(t.qos, s.options.qos);
      t.persistent = t.persistent || s.persistent;
      t.no_local = t.no_local && s.options.no_local;
      t.retain_as_published = t.retain_as_published || s.options.retain_as_published;
      if (s.options.subscription_id != 0) t.subscription_ids.push_back(s.options.subscription_id);
    }
    out.push_back(std::move(t));
    i = j;
  }
}

RouteTarget member_target(const Router::Group& g, const Member& m) {
  RouteTarget t;
  t.client_id = m.client_id;
  t.qos = m.sub.options.qos;
  t.persistent = m.sub.persistent;
  t.no_local = false;  // not allowed on shared subscriptions [MQTT-3.8.3-4]
  t.retain_as_published = m.sub.options.retain_as_published;
  if (m.sub.options.subscription_id != 0) t.subscription_ids.push_back(m.sub.options.subscription_id);
  t.shared_filter = g.filter;
  return t;
}

// The member for the next message: the strategy's choice among the online
// members (other than `exclude`), or among all when none is online, so that
// a group of persistent sessions still queues what it is sent.
const Member* choose(const Router::Group& g, ShareStrategy strategy, std::string_view exclude) {
  const size_t n = g.members.size();
  bool any_online = false;
  for (const Member& m : g.members) any_online = any_online || (m.online && m.client_id != exclude);
  auto eligible = [&](const Member& m) { return m.client_id != exclude && (m.online || !any_online); };
  size_t start = 0;
  switch (strategy) {
    case ShareStrategy::RoundRobin:
      start = g.cursor.fetch_add(1, std::memory_order_relaxed);
      break;
    case ShareStrategy::Random: {
      thread_local std::minstd_rand rng{std::random_device{}()};
      start = rng();
      break;
    }
    case ShareStrategy::Sticky:
      start = g.cursor.load(std::memory_order_relaxed);
      break;
  }
  for (size_t i = 0; i < n; ++i) {
    const size_t k = (start + i) % n;
    if (!eligible(g.members[k])) continue;
    // Sticky keeps choosing this one until it leaves or goes offline.
    if (strategy == ShareStrategy::Sticky) g.cursor.store(static_cast<uint32_t>(k), std::memory_order_relaxed);
    return &g.members[k];
  }
  return nullptr;
}

void collect_shared(const GroupMap& groups, ShareStrategy strategy, std::vector<RouteTarget>& out) {
  for (const auto& [name, g] : groups) {
    if (const Member* m = choose(*g, strategy, {})) out.push_back(member_target(*g, *m));
  }
}

template <typename NodeT>
struct MatchScratch {
  std::vector<const NodeT*> frontier;
  std::vector<const NodeT*> next;
  std::vector<Candidate> cands;
  std::vector<RouteTarget> shared;

  void clear() {
    frontier.clear();
    next.clear();
    cands.clear();
    shared.clear();
  }
};

}  // namespace

Router::Router(ShareStrategy strategy) : strategy_(strategy), root_(std::make_unique<Node>()) {}

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

Router::Node* Router::make_node(std::string_view filter, bool& hash) {
  Node* n = root_.get();
  mqtt::LevelCursor levels(filter);
  hash = false;
  while (!levels.done()) {
    const std::string_view level = levels.next();
    if (level == "#") {  // valid filters have '#' last
      hash = true;
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
  return n;
}

const Router::Node* Router::find_node(std::string_view filter, bool& hash) const {
  const Node* n = root_.get();
  mqtt::LevelCursor levels(filter);
  hash = false;
  while (!levels.done() && n != nullptr) {
    const std::string_view level = levels.next();
    if (level == "#") {
      hash = true;
      break;
    }
    if (level == "+") {
      n = n->plus.get();
    } else {
      auto it = n->children.find(level);
      n = it == n->children.end() ? nullptr : it->second.get();
    }
  }
  return n;
}

bool Router::subscribe(std::string_view filter, std::string_view client_id, const SubscriptionOptions& options,
                       bool persistent) {
  std::unique_lock lock(mu_);
  mqtt::SharedFilter shared;
  const bool is_shared = mqtt::parse_shared_filter(filter, shared);
  bool hash = false;
  Node* n = make_node(is_shared ? shared.filter : filter, hash);
  bool replaced = false;
  if (is_shared) {
    GroupMap& groups = hash ? n->shared_hash : n->shared_exact;
    auto& g = groups[std::string(shared.group)];
    if (!g) {
      g = std::make_unique<Group>();
      g->filter.assign(filter);
    }
    if (Member* m = g->find(client_id)) {
      m->sub = Sub{options, persistent};
      m->online = true;
      replaced = true;
    } else {
      g->members.push_back(Member{std::string(client_id), Sub{options, persistent}, true});
    }
  } else {
    replaced = upsert(hash ? n->hash : n->exact, client_id, Sub{options, persistent});
  }
  if (!replaced) ++count_;
  return replaced;
}

bool Router::unsubscribe(std::string_view filter, std::string_view client_id) {
  std::unique_lock lock(mu_);
  mqtt::SharedFilter shared;
  const bool is_shared = mqtt::parse_shared_filter(filter, shared);
  // The path from the root, each node with the level that leads to it, so
  // that empty nodes can be pruned bottom-up afterwards.
  std::vector<std::pair<Node*, std::string_view>> path;
  Node* n = root_.get();
  mqtt::LevelCursor levels(is_shared ? shared.filter : filter);
  bool hash = false;
  while (!levels.done()) {
    const std::string_view level = levels.next();
    if (level == "#") {
      hash = true;
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
  if (is_shared) {
    GroupMap& groups = hash ? n->shared_hash : n->shared_exact;
    auto g = groups.find(shared.group);
    if (g == groups.end()) return false;
    auto& members = g->second->members;
    auto m = std::find_if(members.begin(), members.end(), [&](const Member& x) { return x.client_id == client_id; });
    if (m == members.end()) return false;
    members.erase(m);
    if (members.empty()) groups.erase(g);
  } else if (!erase_key(hash ? n->hash : n->exact, client_id)) {
    return false;
  }
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
      if (wild_ok) {
        collect(n->hash, s.cands);
        collect_shared(n->shared_hash, strategy_, s.shared);
      }
      if (auto it = n->children.find(level); it != n->children.end()) s.next.push_back(it->second.get());
      if (wild_ok && n->plus) s.next.push_back(n->plus.get());
    }
    std::swap(s.frontier, s.next);
    at_root = false;
  }
  // Every level consumed: filters ending here, and "<here>/#" [MQTT-4.7.1-2].
  for (const Node* n : s.frontier) {
    collect(n->exact, s.cands);
    collect_shared(n->shared_exact, strategy_, s.shared);
    if (!(at_root && dollar)) {
      collect(n->hash, s.cands);
      collect_shared(n->shared_hash, strategy_, s.shared);
    }
  }
  merge_into(s.cands, out);
  for (RouteTarget& t : s.shared) out.push_back(std::move(t));
}

void Router::set_member_online(std::string_view filter, std::string_view client_id, bool online) {
  mqtt::SharedFilter shared;
  if (!mqtt::parse_shared_filter(filter, shared)) return;
  std::unique_lock lock(mu_);
  bool hash = false;
  // The exclusive lock is held: the node may be changed.
  auto* n = const_cast<Node*>(find_node(shared.filter, hash));
  if (n == nullptr) return;
  GroupMap& groups = hash ? n->shared_hash : n->shared_exact;
  auto g = groups.find(shared.group);
  if (g == groups.end()) return;
  if (Member* m = g->second->find(client_id)) m->online = online;
}

bool Router::pick_member(std::string_view filter, std::string_view exclude, RouteTarget& out) const {
  mqtt::SharedFilter shared;
  if (!mqtt::parse_shared_filter(filter, shared)) return false;
  std::shared_lock lock(mu_);
  bool hash = false;
  const Node* n = find_node(shared.filter, hash);
  if (n == nullptr) return false;
  const GroupMap& groups = hash ? n->shared_hash : n->shared_exact;
  auto g = groups.find(shared.group);
  if (g == groups.end()) return false;
  const Member* m = choose(*g->second, strategy_, exclude);
  if (m == nullptr) return false;
  out = member_target(*g->second, *m);
  return true;
}

size_t Router::subscription_count() const {
  std::shared_lock lock(mu_);
  return count_;
}

}  // namespace edgemq::core
