// Router: the matching rules of MQTT 5 section 4.7 on a trie, checked against
// an explicit table, a brute-force reference, and under concurrent use.
#include "gateway/core/router.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace edgemq::core {
namespace {

std::vector<RouteTarget> match(const Router& r, std::string_view topic) {
  std::vector<RouteTarget> out;
  r.match(topic, out);
  return out;
}

std::vector<std::string> ids(const std::vector<RouteTarget>& targets) {
  std::vector<std::string> out;
  for (const auto& t : targets) out.push_back(t.client_id);
  std::sort(out.begin(), out.end());
  return out;
}

struct Case {
  const char* filter;
  const char* topic;
  bool matches;
};

// One filter, one topic, the answer the spec gives.
const Case kCases[] = {
    // Exact.
    {"a/b/c", "a/b/c", true},
    {"a/b/c", "a/b", false},
    {"a/b", "a/b/c", false},
    {"a/b/c", "a/b/d", false},
    {"A/b", "a/b", false},  // case-sensitive [MQTT-4.7.3-4]
    // '+' at each position [MQTT-4.7.1-3].
    {"+/b/c", "a/b/c", true},
    {"a/+/c", "a/b/c", true},
    {"a/b/+", "a/b/c", true},
    {"a/+/c", "a/b/d", false},
    {"+", "a", true},
    {"+", "a/b", false},
    {"a/+", "a", false},
    {"a/+", "a/", true},
    {"+/+", "/finance", true},
    {"/+", "/finance", true},
    {"+", "/finance", false},
    {"+/+/+", "a/b/c", true},
    // '#' at the root and deeper [MQTT-4.7.1-2].
    {"#", "a", true},
    {"#", "a/b/c", true},
    {"#", "/x", true},
    {"#", "/", true},
    {"a/#", "a/b/c", true},
    {"a/#", "a", true},
    {"sport/#", "sport", true},
    {"sport/tennis/#", "sport", false},
    {"sport/tennis/#", "sport/tennis", true},
    {"a/#", "b/a", false},
    {"a/#", "ab", false},
    {"+/#", "a", true},
    {"+/b/#", "a/b", true},
    {"+/b/#", "a/c", false},
    // '$' topics: no wildcard at the first level matches them [MQTT-4.7.2-1].
    {"#", "$SYS/x", false},
    {"#", "$SYS", false},
    {"+/x", "$SYS/x", false},
    {"+/#", "$SYS/x", false},
    {"+", "$SYS", false},
    {"$SYS/#", "$SYS/x", true},
    {"$SYS/#", "$SYS", true},
    {"$SYS/+", "$SYS/x", true},
    {"$SYS/x", "$SYS/x", true},
    {"a/+", "a/$x", true},
    {"a/#", "a/$x", true},
    // Empty levels are levels.
    {"a//b", "a//b", true},
    {"a/+/b", "a//b", true},
    {"a//b", "a/b", false},
    {"a/b", "a//b", false},
    {"/x", "/x", true},
    {"/x", "x", false},
    {"a/", "a/", true},
    {"a/", "a", false},
    {"a/#", "a/", true},
    {"+/", "/", true},
    {"/", "/", true},
    {"+/+", "/", true},
    {"+", "/", false},
};

TEST(RouterMatch, Table_MQTT_4_7_1_and_4_7_2) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string("filter '") + c.filter + "' topic '" + c.topic + "'");
    Router r;
    EXPECT_FALSE(r.subscribe(c.filter, "c", 1, false));
    const auto out = match(r, c.topic);
    if (c.matches) {
      ASSERT_EQ(out.size(), 1u);
      EXPECT_EQ(out[0].client_id, "c");
      EXPECT_EQ(out[0].qos, 1);
    } else {
      EXPECT_TRUE(out.empty());
    }
  }
}

TEST(RouterMatch, AllTableFiltersInOneRouter) {
  // The same table with every filter subscribed at once, one client each.
  Router r;
  const size_t n = std::size(kCases);
  std::map<std::string, std::string> client_of_filter;
  for (size_t i = 0; i < n; ++i) {
    auto [it, fresh] = client_of_filter.emplace(kCases[i].filter, "c" + std::to_string(i));
    if (fresh) r.subscribe(kCases[i].filter, it->second, 0, false);
  }
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string("filter '") + c.filter + "' topic '" + c.topic + "'");
    const auto got = ids(match(r, c.topic));
    const bool present = std::find(got.begin(), got.end(), client_of_filter[c.filter]) != got.end();
    EXPECT_EQ(present, c.matches);
  }
}

TEST(RouterMatch, OverlappingFiltersYieldOneTargetWithMaxQos_MQTT_3_3_5_1) {
  Router r;
  r.subscribe("a/b", "c1", 0, false);
  r.subscribe("a/+", "c1", 2, false);
  r.subscribe("#", "c1", 1, false);
  r.subscribe("a/#", "c2", 1, true);
  r.subscribe("+/b", "c2", 0, true);
  const auto out = match(r, "a/b");
  ASSERT_EQ(out.size(), 2u);
  std::map<std::string, RouteTarget> by_id;
  for (const auto& t : out) by_id[t.client_id] = t;
  EXPECT_EQ(by_id["c1"].qos, 2);
  EXPECT_FALSE(by_id["c1"].persistent);
  EXPECT_EQ(by_id["c2"].qos, 1);
  EXPECT_TRUE(by_id["c2"].persistent);
}

TEST(RouterMatch, OutIsClearedFirst) {
  Router r;
  r.subscribe("a", "c", 0, false);
  std::vector<RouteTarget> out{{"stale", 1, false}};
  r.match("b", out);
  EXPECT_TRUE(out.empty());
}

TEST(RouterSubscribe, ReplaceReturnsTrueAndChangesQos_MQTT_3_8_4_3) {
  Router r;
  EXPECT_FALSE(r.subscribe("a/+", "c", 0, false));
  EXPECT_TRUE(r.subscribe("a/+", "c", 2, true));
  EXPECT_EQ(r.subscription_count(), 1u);
  const auto out = match(r, "a/x");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].qos, 2);
  EXPECT_TRUE(out[0].persistent);
  // "a/+" and "a/#" are different filters, not a replacement.
  EXPECT_FALSE(r.subscribe("a/#", "c", 1, false));
  EXPECT_EQ(r.subscription_count(), 2u);
}

TEST(RouterUnsubscribe, UnknownReturnsFalse) {
  Router r;
  EXPECT_FALSE(r.unsubscribe("a/b", "c"));
  r.subscribe("a/b", "c", 1, false);
  EXPECT_FALSE(r.unsubscribe("a/b", "other"));
  EXPECT_FALSE(r.unsubscribe("a", "c"));
  EXPECT_FALSE(r.unsubscribe("a/b/c", "c"));
  EXPECT_FALSE(r.unsubscribe("a/+", "c"));
  EXPECT_FALSE(r.unsubscribe("a/b/#", "c"));
  EXPECT_EQ(r.subscription_count(), 1u);
}

TEST(RouterUnsubscribe, PrunesAndResubscribeWorks) {
  Router r;
  const char* filters[] = {"a/b/c", "a/+/c", "a/#", "#", "+", "a//b/", "$SYS/#", "/"};
  for (int round = 0; round < 2; ++round) {
    for (const char* f : filters) EXPECT_FALSE(r.subscribe(f, "c", 1, false));
    EXPECT_EQ(r.subscription_count(), std::size(filters));
    EXPECT_EQ(match(r, "a/b/c").size(), 1u);
    for (const char* f : filters) EXPECT_TRUE(r.unsubscribe(f, "c")) << f;
    EXPECT_EQ(r.subscription_count(), 0u);
    EXPECT_TRUE(match(r, "a/b/c").empty());
    EXPECT_TRUE(match(r, "$SYS/x").empty());
    for (const char* f : filters) EXPECT_FALSE(r.unsubscribe(f, "c")) << f;
  }
}

TEST(RouterUnsubscribe, KeepsSiblingsAndDescendants) {
  Router r;
  r.subscribe("a/b", "c1", 0, false);
  r.subscribe("a/b/c", "c2", 0, false);
  r.subscribe("a/#", "c3", 0, false);
  EXPECT_TRUE(r.unsubscribe("a/b", "c1"));
  EXPECT_EQ(ids(match(r, "a/b/c")), (std::vector<std::string>{"c2", "c3"}));
  EXPECT_TRUE(r.unsubscribe("a/#", "c3"));
  EXPECT_EQ(ids(match(r, "a/b/c")), (std::vector<std::string>{"c2"}));
  EXPECT_EQ(r.subscription_count(), 1u);
}

TEST(RouterMatch, ManyClientsOnOneFilter) {
  Router r;
  constexpr int kClients = 5000;
  for (int i = 0; i < kClients; ++i) r.subscribe("fleet/+/telemetry", "dev" + std::to_string(i), i % 3, false);
  const auto out = match(r, "fleet/42/telemetry");
  ASSERT_EQ(out.size(), size_t{kClients});
  for (const auto& t : out) EXPECT_EQ(t.qos, std::stoi(t.client_id.substr(3)) % 3);
  for (int i = 0; i < kClients; i += 2) EXPECT_TRUE(r.unsubscribe("fleet/+/telemetry", "dev" + std::to_string(i)));
  EXPECT_EQ(match(r, "fleet/42/telemetry").size(), size_t{kClients / 2});
}

TEST(RouterMatch, DeepTopicDoesNotRecurse) {
  // 100k empty levels: matching walks iteratively, teardown too.
  Router r;
  const std::string deep(100000, '/');
  r.subscribe(deep, "c1", 0, false);
  r.subscribe("#", "c2", 0, false);
  r.subscribe("/#", "c3", 0, false);
  EXPECT_EQ(ids(match(r, deep)), (std::vector<std::string>{"c1", "c2", "c3"}));
  EXPECT_EQ(ids(match(r, deep.substr(1))), (std::vector<std::string>{"c2", "c3"}));
}

// --- Brute-force reference ----------------------------------------------------

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out(1);
  for (char ch : s) {
    if (ch == '/') {
      out.emplace_back();
    } else {
      out.back() += ch;
    }
  }
  return out;
}

bool ref_levels(const std::vector<std::string>& f, size_t fi, const std::vector<std::string>& t, size_t ti) {
  if (fi == f.size()) return ti == t.size();
  if (f[fi] == "#") return true;  // also the parent level: "a/#" matches "a"
  if (ti == t.size()) return false;
  if (f[fi] != "+" && f[fi] != t[ti]) return false;
  return ref_levels(f, fi + 1, t, ti + 1);
}

bool ref_match(const std::vector<std::string>& f, const std::vector<std::string>& t, bool dollar) {
  if (dollar && (f[0] == "+" || f[0] == "#")) return false;  // [MQTT-4.7.2-1]
  return ref_levels(f, 0, t, 0);
}

std::string random_path(std::mt19937& rng, const std::vector<std::string>& alphabet, int max_levels) {
  const int n = std::uniform_int_distribution<int>(1, max_levels)(rng);
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i) out += '/';
    out += alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(rng)];
  }
  return out;
}

// Random subscribes, unsubscribes and matches, each match checked against
// the brute-force reference. Long literal runs make the trie split and join
// its compressed edges often.
void run_against_reference(uint32_t seed, const std::vector<std::string>& topic_levels,
                           const std::vector<std::string>& filter_levels, int max_levels, int ops) {
  std::mt19937 rng(seed);
  const std::vector<std::string> clients{"c0", "c1", "c2", "c3", "c4", "c5"};
  auto random_filter = [&] {
    std::string f = random_path(rng, filter_levels, max_levels);
    if (rng() % 4 == 0) f = (rng() % 3 == 0) ? std::string("#") : f + "/#";
    return f;
  };

  Router r;
  struct Ref {
    uint8_t qos;
    std::vector<std::string> levels;
  };
  std::map<std::pair<std::string, std::string>, Ref> ref;  // (client, filter)
  for (int op = 0; op < ops; ++op) {
    const std::string& client = clients[rng() % clients.size()];
    std::pair<std::string, std::string> key{client, random_filter()};
    const unsigned kind = rng() % 20;
    if (kind < 10) {
      const auto qos = static_cast<uint8_t>(rng() % 3);
      EXPECT_EQ(r.subscribe(key.second, client, qos, false), ref.count(key) == 1) << key.second;
      ref[key] = Ref{qos, split(key.second)};
    } else {
      if (kind < 17 && !ref.empty()) key = std::next(ref.begin(), rng() % ref.size())->first;
      EXPECT_EQ(r.unsubscribe(key.second, key.first), ref.erase(key) == 1) << key.second;
    }
    ASSERT_EQ(r.subscription_count(), ref.size());

    for (int q = 0; q < 3; ++q) {
      const std::string topic = random_path(rng, topic_levels, max_levels + 1);
      const auto t = split(topic);
      std::map<std::string, uint8_t> want;
      for (const auto& [k, v] : ref) {
        if (!ref_match(v.levels, t, topic[0] == '$')) continue;
        auto [it, fresh] = want.emplace(k.first, v.qos);
        if (!fresh) it->second = std::max(it->second, v.qos);
      }
      std::map<std::string, uint8_t> got;
      for (const auto& target : match(r, topic)) {
        EXPECT_TRUE(got.emplace(target.client_id, target.qos).second) << "duplicate";
      }
      ASSERT_EQ(got, want) << "topic '" << topic << "'";
    }
  }
  for (const auto& [k, v] : ref) EXPECT_TRUE(r.unsubscribe(k.second, k.first));
  EXPECT_EQ(r.subscription_count(), 0u);
  EXPECT_TRUE(match(r, "a").empty());
}

TEST(RouterMatch, RandomizedAgainstBruteForceReference) {
  run_against_reference(20240611, {"a", "b", "c", "", "$s"}, {"a", "b", "c", "", "$s", "+", "+"}, 4, 3000);
}

TEST(RouterMatch, RandomizedLongLiteralRunsAgainstBruteForceReference) {
  // Few distinct levels, long paths, rare '+': filters share long prefixes
  // and part midway, so edges split and join all the time.
  run_against_reference(1307, {"a", "b", ""}, {"a", "b", "", "a", "b", "", "+"}, 9, 4000);
}

// --- Memory: a filter costs its bytes, not a node per level -------------------

size_t heap_in_use() { return mallinfo2().uordblks; }

TEST(RouterMemory, EmptyLevelsCostTheirBytesNotANodeEach) {
  Router r;
  const std::string deep(65530, '/');  // 65,531 empty levels
  const std::string other = deep.substr(0, 30000) + "x";
  // One round first: what the allocator and the containers set up once
  // (about 5 KB) is not what this measures.
  r.subscribe("warm/up", "c0", 0, false);
  r.subscribe(deep, "c1", 0, false);
  r.subscribe(other, "c2", 0, false);
  (void)match(r, deep);
  r.unsubscribe(other, "c2");
  r.unsubscribe(deep, "c1");
  const size_t before = heap_in_use();
  r.subscribe(deep, "c1", 0, false);
  const size_t one = heap_in_use() - before;
  EXPECT_LT(one, deep.size() + 1024) << "was ~30 MB with a node per level";
  // A second filter parting from it halfway adds a node and its own bytes.
  r.subscribe(other, "c2", 0, false);
  EXPECT_LT(heap_in_use() - before, deep.size() + other.size() + 4096);
  EXPECT_EQ(ids(match(r, deep)), (std::vector<std::string>{"c1"}));
  EXPECT_EQ(ids(match(r, other)), (std::vector<std::string>{"c2"}));
  EXPECT_TRUE(match(r, deep.substr(0, 30000)).empty()) << "the split point is not a filter";
  // Gone again: the split is joined and the edge freed.
  EXPECT_TRUE(r.unsubscribe(other, "c2"));
  EXPECT_EQ(ids(match(r, deep)), (std::vector<std::string>{"c1"}));
  EXPECT_LT(heap_in_use() - before, deep.size() + 2048);
  EXPECT_TRUE(r.unsubscribe(deep, "c1"));
  EXPECT_LT(heap_in_use() - before, 256u);
}

TEST(RouterMemory, SplittingAndJoiningKeepsEveryFilterMatching) {
  Router r;
  const std::vector<std::string> filters{"a/b/c/d", "a/b", "a/b/c/e", "a/b/+/d", "a/b/c/d/#", "a/x", "a"};
  for (const auto& f : filters) r.subscribe(f, f, 0, false);
  for (size_t gone = 0; gone < filters.size(); ++gone) {
    for (size_t i = gone; i < filters.size(); ++i) {
      const std::string topic = filters[i].back() == '#' ? filters[i].substr(0, filters[i].size() - 2) + "/z"
                                                         : std::string(filters[i]);
      const auto got = ids(match(r, topic == "a/b/+/d" ? std::string("a/b/q/d") : topic));
      EXPECT_NE(std::find(got.begin(), got.end(), filters[i]), got.end()) << filters[i] << " after removing "
                                                                          << gone << " filters";
    }
    EXPECT_TRUE(r.unsubscribe(filters[gone], filters[gone]));
  }
  EXPECT_EQ(r.subscription_count(), 0u);
}

// --- Concurrency --------------------------------------------------------------

TEST(RouterConcurrency, ReadersMatchWhileWriterChurns) {
  Router r;
  r.subscribe("s/#", "stable", 1, true);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::atomic<long> matches{0};

  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      std::vector<RouteTarget> out;
      while (!stop.load(std::memory_order_relaxed)) {
        r.match("s/x/y", out);
        const auto got = ids(out);
        if (std::count(got.begin(), got.end(), "stable") != 1 ||
            std::adjacent_find(got.begin(), got.end()) != got.end()) {
          bad.fetch_add(1);
        }
        matches.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }

  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  int round = 0;
  while (std::chrono::steady_clock::now() < until) {
    const std::string id = "w" + std::to_string(round % 50);
    const std::string filter = (round % 2) ? "s/+/y" : "s/x/#";
    r.subscribe(filter, id, 0, false);
    if (round >= 25) {
      const std::string old = "w" + std::to_string((round - 25) % 50);
      r.unsubscribe((round - 25) % 2 ? "s/+/y" : "s/x/#", old);
    }
    ++round;
  }
  stop = true;
  for (auto& t : readers) t.join();

  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(matches.load(), 0);
  // Unsubscribe whatever the writer left, then only "stable" remains.
  for (int i = 0; i < 50; ++i) {
    r.unsubscribe("s/+/y", "w" + std::to_string(i));
    r.unsubscribe("s/x/#", "w" + std::to_string(i));
  }
  EXPECT_EQ(r.subscription_count(), 1u);
  EXPECT_EQ(ids(match(r, "s/x/y")), (std::vector<std::string>{"stable"}));
}

}  // namespace
}  // namespace edgemq::core
