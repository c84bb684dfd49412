// The Variable Byte Integer helpers [MQTT-1.5.5] the remaining length, the
// property lengths and the subscription identifier share.
#include "protocols/mqtt/variable_byte_integer.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace edgemq::mqtt {
namespace {

using Bytes = std::vector<uint8_t>;

struct Case {
  uint32_t value;
  Bytes wire;
};

const Case kBoundaries[] = {
    {0, {0x00}},
    {127, {0x7F}},
    {128, {0x80, 0x01}},
    {16'383, {0xFF, 0x7F}},
    {16'384, {0x80, 0x80, 0x01}},
    {2'097'151, {0xFF, 0xFF, 0x7F}},
    {2'097'152, {0x80, 0x80, 0x80, 0x01}},
    {kMaxVariableByteInteger, {0xFF, 0xFF, 0xFF, 0x7F}},
};

TEST(VariableByteInteger, MQTT_1_5_5_WritesShortestForm) {
  for (const Case& c : kBoundaries) {
    SCOPED_TRACE(c.value);
    std::string out = "x";  // appends
    put_variable_byte_integer(out, c.value);
    EXPECT_EQ(Bytes(out.begin() + 1, out.end()), c.wire);
    EXPECT_EQ(variable_byte_integer_size(c.value), c.wire.size());
  }
}

TEST(VariableByteInteger, ReadsBoundariesAndIgnoresWhatFollows) {
  for (const Case& c : kBoundaries) {
    SCOPED_TRACE(c.value);
    Bytes in = c.wire;
    in.push_back(0xFF);
    uint32_t value = 0;
    size_t length = 0;
    ASSERT_EQ(read_variable_byte_integer(in, value, length), VbiStatus::Done);
    EXPECT_EQ(value, c.value);
    EXPECT_EQ(length, c.wire.size());
  }
}

TEST(VariableByteInteger, NeedMoreWhileMoreFollows) {
  uint32_t value = 0;
  size_t length = 0;
  EXPECT_EQ(read_variable_byte_integer({}, value, length), VbiStatus::NeedMore);
  const Bytes three = {0x80, 0x80, 0x80};
  EXPECT_EQ(read_variable_byte_integer(three, value, length), VbiStatus::NeedMore);
}

TEST(VariableByteInteger, FifthByteIsTooLong) {
  uint32_t value = 0;
  size_t length = 0;
  const Bytes five = {0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  EXPECT_EQ(read_variable_byte_integer(five, value, length), VbiStatus::TooLong);
  // Known as soon as the fourth byte says "more follows".
  const Bytes four = {0x80, 0x80, 0x80, 0x80};
  EXPECT_EQ(read_variable_byte_integer(four, value, length), VbiStatus::TooLong);
}

TEST(VariableByteInteger, NonMinimalFormIsRead) {
  uint32_t value = 99;
  size_t length = 0;
  const Bytes zero = {0x80, 0x80, 0x00};
  ASSERT_EQ(read_variable_byte_integer(zero, value, length), VbiStatus::Done);
  EXPECT_EQ(value, 0u);
  EXPECT_EQ(length, 3u);
}

}  // namespace
}  // namespace edgemq::mqtt
