// Tables for topic names, topic filters and single-pair matching [MQTT-4.7].
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "protocols/mqtt/topic.h"

namespace edgemq::mqtt {
namespace {

struct Validity {
  std::string_view text;
  bool name;    // valid as a PUBLISH topic name
  bool filter;  // valid as a SUBSCRIBE filter
};

constexpr std::string_view kNul("a\0b", 3);

TEST(Topic, NameAndFilterValidity) {
  const Validity table[] = {
      {"a", true, true},
      {"sport/tennis/player1", true, true},
      {"/", true, true},                  // two empty levels [MQTT-4.7.1-1]
      {"a//b", true, true},
      {"/finance", true, true},
      {"$SYS/broker", true, true},
      {" ", true, true},                  // spaces are allowed
      {"\xC3\xA9/\xF0\x9F\x98\x80", true, true},
      {"", false, false},                 // [MQTT-4.7.3-1]
      {kNul, false, false},               // [MQTT-4.7.3-2]
      {"\xC0\x80", false, false},         // overlong NUL [MQTT-1.5.3-1]
      {"\xED\xA0\x80", false, false},     // surrogate
      {"#", false, true},
      {"+", false, true},
      {"sport/#", false, true},
      {"sport/tennis/+", false, true},
      {"+/+", false, true},
      {"/+", false, true},
      {"+/tennis/#", false, true},
      {"sport+", false, false},           // '+' must fill its level [MQTT-4.7.1-3]
      {"sport/+player", false, false},
      {"sport/tennis#", false, false},    // '#' must fill its level [MQTT-4.7.1-2]
      {"sport/#/ranking", false, false},  // '#' must be last
      {"#/", false, false},
      {"##", false, false},
      {"++", false, false},
  };
  for (const Validity& v : table) {
    SCOPED_TRACE(testing::PrintToString(std::string(v.text)));
    EXPECT_EQ(valid_topic_name(v.text), v.name);
    EXPECT_EQ(valid_topic_filter(v.text), v.filter);
  }
}

TEST(Topic, LengthLimit) {
  // [MQTT-4.7.3-3]: at most 65535 bytes.
  EXPECT_TRUE(valid_topic_name(std::string(65535, 'a')));
  EXPECT_FALSE(valid_topic_name(std::string(65536, 'a')));
  EXPECT_FALSE(valid_topic_filter(std::string(65536, 'a')));
}

TEST(Topic, Utf8) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("\x7F"));
  EXPECT_TRUE(valid_utf8("\xC2\x80"));          // U+0080, smallest 2-byte
  EXPECT_TRUE(valid_utf8("\xDF\xBF"));          // U+07FF
  EXPECT_TRUE(valid_utf8("\xE0\xA0\x80"));      // U+0800, smallest 3-byte
  EXPECT_TRUE(valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  EXPECT_TRUE(valid_utf8("\xEE\x80\x80"));      // U+E000, just above them
  EXPECT_TRUE(valid_utf8("\xEF\xBF\xBF"));      // U+FFFF (non-character, allowed)
  EXPECT_TRUE(valid_utf8("\xEF\xBB\xBF"));      // BOM is kept, not rejected [MQTT-1.5.3-3]
  EXPECT_TRUE(valid_utf8("\xF0\x90\x80\x80"));  // U+10000, smallest 4-byte
  EXPECT_TRUE(valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the largest
  EXPECT_FALSE(valid_utf8(kNul));               // [MQTT-1.5.3-2]
  EXPECT_FALSE(valid_utf8("\xC1\xBF"));         // overlong U+007F
  EXPECT_FALSE(valid_utf8("\xE0\x9F\xBF"));     // overlong U+07FF
  EXPECT_FALSE(valid_utf8("\xF0\x8F\xBF\xBF")); // overlong U+FFFF
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));     // U+D800 [MQTT-1.5.3-1]
  EXPECT_FALSE(valid_utf8("\xED\xBF\xBF"));     // U+DFFF
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80")); // U+110000
  EXPECT_FALSE(valid_utf8("\xF8\x88\x80\x80\x80"));
  EXPECT_FALSE(valid_utf8("\xFF"));
  EXPECT_FALSE(valid_utf8("\x80"));
  EXPECT_FALSE(valid_utf8("\xC2"));             // cut short
  EXPECT_FALSE(valid_utf8("\xE2\x82"));
  EXPECT_FALSE(valid_utf8("\xC2\x41"));         // continuation missing
}

struct MatchCase {
  std::string_view filter;
  std::string_view topic;
  bool matches;
};

TEST(Topic, Matching) {
  const MatchCase table[] = {
      {"sport/tennis/player1", "sport/tennis/player1", true},
      {"sport/tennis/player1", "sport/tennis/player2", false},
      {"sport/tennis/player1", "sport/tennis", false},
      {"sport/tennis/player1/#", "sport/tennis/player1", true},  // parent [MQTT-4.7.1-2]
      {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
      {"sport/#", "sport", true},
      {"sport/#", "sports", false},
      {"sport/#", "sport/", true},
      {"#", "sport/tennis", true},
      {"#", "/", true},
      {"sport/tennis/+", "sport/tennis/player1", true},
      {"sport/tennis/+", "sport/tennis/player1/ranking", false},
      {"sport/+", "sport", false},
      {"sport/+", "sport/", true},                    // '+' matches an empty level
      {"+", "sport", true},
      {"+", "/finance", false},
      {"+/+", "/finance", true},
      {"/+", "/finance", true},
      {"+/tennis/#", "sport/tennis/player1", true},
      {"+/tennis/#", "sport/golf", false},
      {"a//b", "a//b", true},
      {"a/+/b", "a//b", true},
      {"a/b", "a//b", false},
      {"A", "a", false},                              // case-sensitive
      // '$' topics and first-level wildcards [MQTT-4.7.2-1].
      {"#", "$SYS/broker", false},
      {"#", "$SYS", false},
      {"+/monitor/Clients", "$SYS/monitor/Clients", false},
      {"+", "$x", false},
      {"$SYS/#", "$SYS/monitor/Clients", true},
      {"$SYS/#", "$SYS", true},
      {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
      {"$SYS/+", "$SYS/x", true},
      {"a/#", "a/$b", true},                          // '$' matters only in the first level
      {"+/+", "a/$b", true},
  };
  for (const MatchCase& m : table) {
    SCOPED_TRACE(testing::Message() << m.filter << " vs " << m.topic);
    EXPECT_EQ(topic_matches(m.filter, m.topic), m.matches);
  }
}

}  // namespace
}  // namespace edgemq::mqtt
