// Shared subscription filters "$share/{ShareName}/{filter}" [MQTT-4.8.2].
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "protocols/mqtt/topic.h"

namespace edgemq::mqtt {
namespace {

struct Case {
  std::string_view filter;
  bool valid;
  std::string_view group;  // when valid
  std::string_view inner;
};

TEST(SharedFilter, MQTT_4_8_2_ParseAndValidity) {
  const Case cases[] = {
      {"$share/g/a/#", true, "g", "a/#"},
      {"$share/g/+", true, "g", "+"},
      {"$share/group-1/sport/tennis/+", true, "group-1", "sport/tennis/+"},
      {"$share/g//", true, "g", "/"},              // empty levels are levels
      {"$share/\xC3\xA9/x", true, "\xC3\xA9", "x"},
      {"$share/g/$share/h/a", true, "g", "$share/h/a"},  // the rest is just a filter
      {"$share/", false, {}, {}},                  // no share name [MQTT-4.8.2-1]
      {"$share//a", false, {}, {}},                // empty share name
      {"$share/g", false, {}, {}},                 // no '/' and filter after the name
      {"$share/g/", false, {}, {}},                // empty filter
      {"$share/g+/a", false, {}, {}},              // wildcard in the name [MQTT-4.8.2-2]
      {"$share/#/a", false, {}, {}},
      {"$share/+/a", false, {}, {}},
      {"$share/g/a/#/b", false, {}, {}},           // the filter follows the usual rules
      {"$share/g/a+", false, {}, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::PrintToString(std::string(c.filter)));
    EXPECT_TRUE(is_shared_filter(c.filter));
    SharedFilter out;
    EXPECT_EQ(parse_shared_filter(c.filter, out), c.valid);
    EXPECT_EQ(valid_topic_filter(c.filter), c.valid);
    if (c.valid) {
      EXPECT_EQ(out.group, c.group);
      EXPECT_EQ(out.filter, c.inner);
    }
  }
}

TEST(SharedFilter, OnlyTheExactPrefixIsShared) {
  for (std::string_view f : {"$share", "$SHARE/g/a", "$shared/g/a", "share/g/a", "a/$share/g/b"}) {
    SCOPED_TRACE(std::string(f));
    EXPECT_FALSE(is_shared_filter(f));
    SharedFilter out;
    EXPECT_FALSE(parse_shared_filter(f, out));
    EXPECT_TRUE(valid_topic_filter(f));  // ordinary filters
  }
}

TEST(SharedFilter, MalformedUtf8InShareName) {
  SharedFilter out;
  EXPECT_FALSE(parse_shared_filter("$share/\xC0\x80/a", out));
  EXPECT_FALSE(valid_topic_filter("$share/\xC0\x80/a"));
}

TEST(SharedFilter, MatchingUsesTheInnerFilter) {
  // topic_matches knows nothing of sharing: callers strip the prefix.
  SharedFilter out;
  ASSERT_TRUE(parse_shared_filter("$share/g/sport/+", out));
  EXPECT_TRUE(topic_matches(out.filter, "sport/tennis"));
  EXPECT_FALSE(topic_matches("$share/g/sport/+", "sport/tennis"));
}

}  // namespace
}  // namespace edgemq::mqtt
