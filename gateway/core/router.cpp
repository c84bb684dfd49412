// Router: see router.h for the design. Implementation notes:
//
// - The trie is compressed: a run of literal levels with nothing between
//   them (no subscriber ends there, no '+' branches off) is one edge, keyed
//   in its parent by its first level and holding the rest as one string
//   ("/b/c" for "a/b/c"). A filter's cost is its bytes plus a node per
//   wildcard or branch point, never a node per level: 65,530 empty levels
//   used to cost 30 MB, one edge of 65 KB now. Edges split when a new filter
//   parts from one midway, and join again when unsubscribing leaves a node
//   that only passes through.
// - Subscribers hang off a node behind one pointer (Subscribers), null on
//   the nodes that only pass through.
// - A filter "p/#" stores its subscriber in the '#' set of node "p"; a '#' set
//   is collected at every node the walk reaches, so "a/#" also matches "a"
//   [MQTT-4.7.1-2], and the root's '#' set is the filter "#".
// - match() walks a worklist of (node, position in the topic), not by
//   recursion: a topic may have tens of thousands of empty levels ("////…"),
//   which must not exhaust a worker's stack. Each node is reached at most
//   once per match. The worklist and the candidate list are thread-local
//   scratch, so a match allocates only the strings it returns.
// - Destruction and pruning are iterative for the same reason.
// - A shared subscription "$share/g/f" is kept at f's node (exact or '#'),
//   in a group per name; the group picks one member per message. Its pick
//   state is an atomic cursor, so matching stays under the shared lock.
#include "gateway/core/router.h"

#include "gateway/core/level_path.h"
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

namespace {

// The filters that end at one node.
struct Subscribers {
  SubMap exact;          // filters ending at this node
  SubMap hash;           // filters "<this node>/#"
  GroupMap shared_exact;  // shared subscriptions, by group name
  GroupMap shared_hash;
  bool empty() const { return exact.empty() && hash.empty() && shared_exact.empty() && shared_hash.empty(); }
};

}  // namespace

struct Router::Node {
  // A literal child: the levels after the first (its key in `children`),
  // as "" or "/l2/l3...", and the node they lead to.
  struct Edge {
    std::string rest;
    std::unique_ptr<Node> node;
  };
  StringMap<Edge> children;
  std::unique_ptr<Node> plus;          // the '+' level
  std::unique_ptr<Subscribers> subs;   // null while no filter ends here

  bool empty() const { return children.empty() && !plus && !subs; }
  Subscribers& subscribers() {
    if (!subs) subs = std::make_unique<Subscribers>();
    return *subs;
  }
  // A node that only passes through: it can join the edge that leads to it.
  bool pass_through() const { return !subs && !plus && children.size() == 1; }
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
  struct Step {
    const NodeT* node;
    size_t pos;  // where the topic's next level starts, or path::consumed
  };
  std::vector<Step> work;
  std::vector<Candidate> cands;
  std::vector<RouteTarget> shared;

  void clear() {
    work.clear();
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
    for (auto& [level, edge] : n->children) pending.push_back(std::move(edge.node));
    if (n->plus) pending.push_back(std::move(n->plus));
  }
}

Router::Node* Router::make_node(std::string_view filter, bool& hash) {
  Node* n = root_.get();
  hash = false;
  for (size_t pos = 0; pos <= filter.size();) {
    const size_t end = path::level_end(filter, pos);
    const std::string_view level = filter.substr(pos, end - pos);
    if (level == "#") {  // valid filters have '#' last
      hash = true;
      break;
    }
    if (level == "+") {
      if (!n->plus) n->plus = std::make_unique<Node>();
      n = n->plus.get();
      pos = path::after(filter, end);
      continue;
    }
    // The literal levels up to the next wildcard go in one edge.
    const size_t run_end = path::literal_run_end(filter, end);
    const std::string_view rest = filter.substr(end, run_end - end);
    auto it = n->children.find(level);
    if (it == n->children.end()) {
      it = n->children.emplace(std::string(level), Node::Edge{std::string(rest), std::make_unique<Node>()}).first;
      n = it->second.node.get();
      pos = path::after(filter, run_end);
      continue;
    }
    Node::Edge& edge = it->second;
    const size_t common = path::common_levels(edge.rest, rest);
    if (common < edge.rest.size()) {
      // The filter parts from the edge (or ends) midway: a node there now.
      // edge.rest[common] is the '/' before the first level not shared.
      const size_t key_end = path::level_end(edge.rest, common + 1);
      auto middle = std::make_unique<Node>();
      middle->children.emplace(edge.rest.substr(common + 1, key_end - common - 1),
                               Node::Edge{edge.rest.substr(key_end), std::move(edge.node)});
      edge.rest.resize(common);
      edge.rest.shrink_to_fit();  // its tail is the new edge's now
      edge.node = std::move(middle);
    }
    n = edge.node.get();
    pos = path::after(filter, end + common);
  }
  return n;
}

const Router::Node* Router::find_node(std::string_view filter, bool& hash) const {
  const Node* n = root_.get();
  hash = false;
  for (size_t pos = 0; pos <= filter.size() && n != nullptr;) {
    const size_t end = path::level_end(filter, pos);
    const std::string_view level = filter.substr(pos, end - pos);
    if (level == "#") {
      hash = true;
      break;
    }
    if (level == "+") {
      n = n->plus.get();
      pos = path::after(filter, end);
      continue;
    }
    auto it = n->children.find(level);
    if (it == n->children.end() || !path::continues_with(filter, end, it->second.rest)) return nullptr;
    n = it->second.node.get();
    pos = path::after(filter, end + it->second.rest.size());
  }
  return n;
}

bool Router::subscribe(std::string_view filter, std::string_view client_id, const SubscriptionOptions& options,
                       bool persistent) {
  std::unique_lock lock(mu_);
  mqtt::SharedFilter shared;
  const bool is_shared = mqtt::parse_shared_filter(filter, shared);
  bool hash = false;
  Subscribers& subs = make_node(is_shared ? shared.filter : filter, hash)->subscribers();
  bool replaced = false;
  if (is_shared) {
    GroupMap& groups = hash ? subs.shared_hash : subs.shared_exact;
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
    replaced = upsert(hash ? subs.hash : subs.exact, client_id, Sub{options, persistent});
  }
  if (!replaced) ++count_;
  return replaced;
}

bool Router::unsubscribe(std::string_view filter, std::string_view client_id) {
  std::unique_lock lock(mu_);
  mqtt::SharedFilter shared;
  const bool is_shared = mqtt::parse_shared_filter(filter, shared);
  const std::string_view path_filter = is_shared ? shared.filter : filter;
  // The path from the root, each node with the key that leads on from it
  // ("+" for the plus child), so that empty nodes can be pruned bottom-up.
  std::vector<std::pair<Node*, std::string_view>> trail;
  Node* n = root_.get();
  bool hash = false;
  for (size_t pos = 0; pos <= path_filter.size();) {
    const size_t end = path::level_end(path_filter, pos);
    const std::string_view level = path_filter.substr(pos, end - pos);
    if (level == "#") {
      hash = true;
      break;
    }
    Node* child = nullptr;
    size_t level_end = end;
    if (level == "+") {
      child = n->plus.get();
    } else if (auto it = n->children.find(level);
               it != n->children.end() && path::continues_with(path_filter, end, it->second.rest)) {
      child = it->second.node.get();
      level_end = end + it->second.rest.size();
    }
    if (child == nullptr) return false;
    trail.emplace_back(n, level);
    n = child;
    pos = path::after(path_filter, level_end);
  }
  if (!n->subs) return false;
  Subscribers& subs = *n->subs;
  if (is_shared) {
    GroupMap& groups = hash ? subs.shared_hash : subs.shared_exact;
    auto g = groups.find(shared.group);
    if (g == groups.end()) return false;
    auto& members = g->second->members;
    auto m = std::find_if(members.begin(), members.end(), [&](const Member& x) { return x.client_id == client_id; });
    if (m == members.end()) return false;
    members.erase(m);
    if (members.empty()) groups.erase(g);
  } else if (!erase_key(hash ? subs.hash : subs.exact, client_id)) {
    return false;
  }
  --count_;
  if (subs.empty()) n->subs.reset();
  prune(trail, n);
  return true;
}

void Router::prune(const std::vector<std::pair<Node*, std::string_view>>& trail, Node* n) {
  auto it = trail.rbegin();
  for (; it != trail.rend() && n->empty(); ++it) {
    Node* parent = it->first;
    if (it->second == "+") {
      parent->plus.reset();
    } else {
      parent->children.erase(parent->children.find(it->second));
    }
    n = parent;
  }
  // The node where pruning stopped may only pass through now: its edge and
  // its one child's join, so the trie stays as compact as if built afresh.
  if (it == trail.rend() || it->second == "+" || !n->pass_through()) return;
  Node::Edge& into = it->first->children.find(it->second)->second;
  auto only = n->children.begin();
  std::string joined;
  joined.reserve(into.rest.size() + 1 + only->first.size() + only->second.rest.size());
  joined.append(into.rest).append("/").append(only->first).append(only->second.rest);
  std::unique_ptr<Node> below = std::move(only->second.node);
  into.rest = std::move(joined);
  into.node = std::move(below);  // frees n
}

void Router::match(std::string_view topic, std::vector<RouteTarget>& out) const {
  out.clear();
  thread_local MatchScratch<Node> s;
  s.clear();
  // [MQTT-4.7.2-1]: '#' and '+' at the first level never match "$…" topics.
  const bool dollar = !topic.empty() && topic.front() == '$';
  const size_t done = path::consumed(topic);

  std::shared_lock lock(mu_);
  s.work.push_back({root_.get(), 0});
  while (!s.work.empty()) {
    const auto [n, pos] = s.work.back();
    s.work.pop_back();
    const bool wild_ok = !(dollar && n == root_.get());
    const Subscribers* subs = n->subs.get();
    if (pos == done) {
      // Every level consumed: filters ending here, and "<here>/#" [MQTT-4.7.1-2].
      if (subs == nullptr) continue;
      collect(subs->exact, s.cands);
      collect_shared(subs->shared_exact, strategy_, s.shared);
      if (wild_ok) {
        collect(subs->hash, s.cands);
        collect_shared(subs->shared_hash, strategy_, s.shared);
      }
      continue;
    }
    if (subs != nullptr && wild_ok) {
      collect(subs->hash, s.cands);
      collect_shared(subs->shared_hash, strategy_, s.shared);
    }
    const size_t end = path::level_end(topic, pos);
    if (auto it = n->children.find(topic.substr(pos, end - pos));
        it != n->children.end() && path::continues_with(topic, end, it->second.rest)) {
      s.work.push_back({it->second.node.get(), path::after(topic, end + it->second.rest.size())});
    }
    if (wild_ok && n->plus) s.work.push_back({n->plus.get(), path::after(topic, end)});
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
  if (n == nullptr || !n->subs) return;
  GroupMap& groups = hash ? n->subs->shared_hash : n->subs->shared_exact;
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
  if (n == nullptr || !n->subs) return false;
  const GroupMap& groups = hash ? n->subs->shared_hash : n->subs->shared_exact;
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
