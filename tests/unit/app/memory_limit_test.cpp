// What "75%" is a share of: the cgroup's limit when set, else RAM.
#include <gtest/gtest.h>

#include "gateway/app/memory_limit.h"

namespace edgemq::app {
namespace {

TEST(MemoryLimit, CgroupFilesSayBytesOrNone) {
  EXPECT_EQ(parse_cgroup_limit("536870912\n"), 536870912u);
  EXPECT_EQ(parse_cgroup_limit("max\n"), 0u) << "v2: no limit";
  EXPECT_EQ(parse_cgroup_limit("9223372036854771712\n"), 0u) << "v1: 2^63 rounded to pages means none";
  EXPECT_EQ(parse_cgroup_limit(""), 0u);
}

TEST(MemoryLimit, TheProcesssCgroupPathPerHierarchy) {
  const char* v1 = "12:pids:/a\n4:memory:/docker/abc\n3:cpu,cpuacct:/x\n0::/unified/path\n";
  EXPECT_EQ(cgroup_path(v1, "memory"), "/docker/abc");
  EXPECT_EQ(cgroup_path(v1, "cpuacct"), "/x") << "one of several controllers on a line";
  EXPECT_EQ(cgroup_path(v1, ""), "/unified/path") << "v2's unified line";
  EXPECT_EQ(cgroup_path("0::/\n", "memory"), "");
}

TEST(MemoryLimit, SharesAreTakenOfTheLimit) {
  EXPECT_EQ(resolve({0, 75}, 1000u << 20), 750u << 20);
  EXPECT_EQ(resolve({123, 0}, 1000u << 20), 123u) << "bytes as they are";
  EXPECT_EQ(resolve({0, 0}, 1000u << 20), 0u) << "off";
}

TEST(MemoryLimit, ThisMachineHasOne) {
  const MemoryLimit m = memory_limit();
  EXPECT_GT(m.bytes, 64u << 20);
  EXPECT_FALSE(m.source.empty());
}

}  // namespace
}  // namespace edgemq::app
