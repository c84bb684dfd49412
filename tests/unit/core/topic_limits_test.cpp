// max_topic_length and max_topic_levels: a filter past them is refused in
// SUBACK and costs the router nothing; a PUBLISH past them is delivered to
// no one, acknowledged the way each version can say it.
#include <gtest/gtest.h>

#include "tests/unit/core/v5_harness.h"

namespace edgemq::core::testing {
namespace {

std::string levels(size_t n, const std::string& each = "a") {
  std::string t;
  for (size_t i = 0; i < n; ++i) t += (i ? "/" : "") + each;
  return t;
}

TEST(TopicLimits, LengthAndLevelsAreCounted) {
  Limits l;
  l.max_topic_length = 10;
  l.max_topic_levels = 3;
  EXPECT_TRUE(within_topic_limits("a/b/c", l));
  EXPECT_FALSE(within_topic_limits("a/b/c/d", l));
  EXPECT_FALSE(within_topic_limits("///", l)) << "empty levels count";
  EXPECT_TRUE(within_topic_limits("//", l));
  EXPECT_TRUE(within_topic_limits("abcdefghij", l));
  EXPECT_FALSE(within_topic_limits("abcdefghijk", l));
}

TEST(TopicLimits, AFilterPastTheLimitsIsRefusedAndNotInTheRouter) {
  Limits limits;
  limits.max_topic_levels = 128;
  V5Harness h(limits);
  FakeLink v311(1), v5(2);
  h.connect(v311, "old");
  h.connect_v5(v5, "new");
  const std::string deep = levels(129, "");  // 128 '/': 129 empty levels
  ASSERT_EQ(h.shard().on_packet(v311.id(), mqtt::Subscribe{1, {{deep, 1}, {"ok/#", 1}}}), 0);
  ASSERT_EQ(h.shard().on_packet(v5.id(), subscribe_v5(1, {deep, 1})), 0);
  h.run_until([&] { return !v311.all<mqtt::Suback>().empty() && !v5.all<mqtt::Suback>().empty(); });
  EXPECT_EQ(v311.all<mqtt::Suback>()[0].return_codes, (std::vector<uint8_t>{mqtt::kSubackFailure, 1}));
  EXPECT_EQ(v5.all<mqtt::Suback>()[0].return_codes, std::vector<uint8_t>{mqtt::reason::kTopicFilterInvalid});
  EXPECT_EQ(h.broker().router().subscription_count(), 1u) << "only ok/#";
}

TEST(TopicLimits, APublishPastTheLimitsReachesNoOne) {
  Limits limits;
  limits.max_topic_length = 64;
  V5Harness h(limits);
  FakeLink sub(1), v311(2), v5(3);
  h.connect(sub, "sub");
  h.subscribe(sub, "#", 1);
  h.connect(v311, "old");
  h.connect_v5(v5, "new");
  const std::string long_topic(65, 't');
  h.publish(v311, long_topic, "m", 1, 1);
  ASSERT_EQ(h.shard().on_packet(v5.id(), publish_v5(long_topic, 1, 1, {})), 0);
  ASSERT_EQ(h.shard().on_packet(v5.id(), publish_v5(long_topic, 0, 0, {})), 0);
  h.run_until([&] { return !v311.all<mqtt::Puback>().empty() && !v5.all<mqtt::Puback>().empty(); });
  EXPECT_EQ(v311.all<mqtt::Puback>()[0].reason_code, mqtt::reason::kSuccess) << "3.1.1: acknowledged, dropped";
  EXPECT_FALSE(v311.closed);
  EXPECT_EQ(v5.all<mqtt::Puback>()[0].reason_code, mqtt::reason::kTopicNameInvalid);
  EXPECT_FALSE(v5.closed);
  h.run_posted();
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty());
  EXPECT_EQ(Stats::get(h.broker().stats().dropped_topic_limits), 3u);
  // Within the limit it goes through as ever.
  h.publish(v311, std::string(64, 't'), "m", 1, 2);
  h.run_until([&] { return !sub.all<mqtt::Publish>().empty(); });
}

}  // namespace
}  // namespace edgemq::core::testing
