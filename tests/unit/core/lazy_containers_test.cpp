// The containers that keep idle sessions small: they must behave like the
// std containers they wrap, used or not.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/lazy_map.h"
#include "gateway/core/session_table.h"

namespace edgemq::core {
namespace {

TEST(LazyMap, UnusedMapIsEmptyAndTakesOnePointer) {
  LazyMap<std::string, uint8_t> m;
  static_assert(sizeof(m) == sizeof(void*));
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.find(std::string_view("a")), nullptr);
  EXPECT_FALSE(m.contains(std::string_view("a")));
  m.erase(std::string_view("a"));  // erasing from an unused map is a no-op
  EXPECT_EQ(m.begin(), m.end());
}

TEST(LazyMap, InsertFindEraseIterateInKeyOrder) {
  LazyMap<std::string, uint8_t> m;
  m["b/#"] = 1;
  m["a/+"] = 2;
  m["b/#"] = 0;  // replaces, as a repeated SUBSCRIBE does
  ASSERT_EQ(m.size(), 2u);
  ASSERT_NE(m.find(std::string_view("b/#")), nullptr);
  EXPECT_EQ(*m.find(std::string_view("b/#")), 0);
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"a/+", "b/#"}));
  m.erase(std::string("a/+"));
  EXPECT_FALSE(m.contains(std::string_view("a/+")));
  EXPECT_EQ(m.size(), 1u);
}

TEST(LazyMap, PointerFromFindStaysValidForMutation) {
  LazyMap<uint16_t, std::vector<int>> m;
  m[7].push_back(1);
  std::vector<int>* v = m.find(uint16_t{7});
  ASSERT_NE(v, nullptr);
  v->push_back(2);
  EXPECT_EQ(m.find(uint16_t{7})->size(), 2u);
}

TEST(SessionTable, FindsByAnyStringFormOfTheIdAndStoresTheIdOnce) {
  SessionTable t;
  const std::string id = "device-0123456789-abcdef";  // longer than the SSO buffer
  Session& s = t.insert(std::make_unique<Session>(id, true));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.find(id), &s);
  EXPECT_EQ(t.find(std::string_view(id)), &s);
  EXPECT_EQ(t.find("device-0123456789-abcdeF"), nullptr);
  EXPECT_EQ(t.find(""), nullptr);
}

TEST(SessionTable, EraseRemovesOnlyThatSession) {
  SessionTable t;
  Session& a = t.insert(std::make_unique<Session>("a", false));
  Session& b = t.insert(std::make_unique<Session>("b", false));
  t.erase(a);
  EXPECT_EQ(t.find("a"), nullptr);
  EXPECT_EQ(t.find("b"), &b);
  EXPECT_EQ(t.size(), 1u);
  // A new session under the old id is a different object.
  Session& again = t.insert(std::make_unique<Session>("a", true));
  EXPECT_TRUE(t.find("a")->persistent());
  EXPECT_EQ(t.find("a"), &again);
}

TEST(SessionTable, ManySessionsAllFound) {
  SessionTable t;
  for (int i = 0; i < 5000; ++i) t.insert(std::make_unique<Session>("client-" + std::to_string(i), false));
  ASSERT_EQ(t.size(), 5000u);
  for (int i = 0; i < 5000; ++i) {
    Session* s = t.find("client-" + std::to_string(i));
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->client_id(), "client-" + std::to_string(i));
  }
}

}  // namespace
}  // namespace edgemq::core
