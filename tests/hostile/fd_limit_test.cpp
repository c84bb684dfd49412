// The open-files limit (issue 13, case 5): accept() fails with EMFILE once
// the gateway holds as many descriptors as it may. It must say so (once per
// interval, counted), keep serving the clients it has, leave the newcomers
// waiting in the kernel's backlog rather than closing them (what libuv's
// own accept does), and take them as soon as descriptors are free.
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "tests/hostile/canary.h"
#include "tests/hostile/fault_support.h"
#include "tests/integration/fixture.h"

namespace edgemq::itest {
namespace {

class FdLimit : public GatewayTest {
 protected:
  void SetUp() override {
    if (under_mosquitto()) GTEST_SKIP() << "edgemq's listener";
  }
  // Starts the gateway with a soft open-files limit of `n` (it inherits it).
  void start_with_fd_limit(rlim_t n) {
    rlimit mine{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &mine), 0);
    rlimit low = mine;
    low.rlim_cur = n;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    GatewayOptions o;
    o.log_level = "info";
    start_gateway(o);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &mine), 0);
  }
};

TEST_F(FdLimit, AtTheLimitNewConnectionsWaitAndAreTakenWhenDescriptorsFree) {
  start_with_fd_limit(256);
  Canary canary(port());
  canary.start();
  ASSERT_TRUE(wait_until([&] { return canary.round_trips() >= 5; }, 5s));
  // Fill the gateway's descriptors with connections that send nothing.
  std::vector<int> hogs;
  for (int i = 0; i < 300; ++i) {
    const int fd = connect_loopback(port(), 2);
    ASSERT_GE(fd, 0);
    hogs.push_back(fd);
  }
  // These arrive at the limit: each sends its CONNECT and waits.
  std::vector<int> waiters;
  for (int i = 0; i < 20; ++i) {
    const int fd = connect_loopback(port(), 10);
    ASSERT_GE(fd, 0);
    const std::string c = encode(make_connect("waiter-" + std::to_string(i)));
    ASSERT_EQ(::send(fd, c.data(), c.size(), MSG_NOSIGNAL), static_cast<ssize_t>(c.size()));
    waiters.push_back(fd);
  }
  ASSERT_TRUE(wait_until([&] { return gw().log().find("failed: Too many open files") != std::string::npos; }, 5s))
      << gw().log();
  std::this_thread::sleep_for(1500ms);  // the listener keeps backing off meanwhile
  finish_canary(canary, "at the open-files limit (256), 300 idle connections");

  for (int fd : hogs) ::close(fd);
  // Taken from the backlog once descriptors are free: CONNACK, not a close.
  int connacked = 0;
  for (int fd : waiters) {
    char ack[4];
    if (::recv(fd, ack, sizeof ack, MSG_WAITALL) == 4 && ack[0] == 0x20 && ack[3] == 0) ++connacked;
    ::close(fd);
  }
  EXPECT_EQ(connacked, 20) << "connections that arrived at the limit were served once it eased";
  const auto [status, stats] = admin_get(gw().admin_port(), "/api/v1/stats");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(stats.find("\"accept_errors\":0"), std::string::npos) << "counted: " << stats;
  // One line per 10 s, however often accept failed.
  size_t lines = 0;
  for (size_t at = gw().log().find("Too many open files"); at != std::string::npos;
       at = gw().log().find("Too many open files", at + 1)) {
    ++lines;
  }
  EXPECT_LE(lines, 2u);
}

}  // namespace
}  // namespace edgemq::itest
