// Slow clients on the admin port (issue 13, case 5): 70 connections that
// send a request a byte at a time must not keep a health check out. Before,
// the 65th connection and every one after got 503 "busy": 50 of 51 polls.
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/hostile/canary.h"
#include "tests/hostile/fault_support.h"
#include "tests/integration/fixture.h"

namespace edgemq::itest {
namespace {

class AdminSlow : public GatewayTest {
 protected:
  void SetUp() override {
    if (under_mosquitto()) GTEST_SKIP() << "edgemq's admin endpoint";
    GatewayTest::SetUp();
  }
};

TEST_F(AdminSlow, HealthIsAnsweredWhileSeventySlowConnectionsHoldTheEndpoint) {
  Canary canary(port());
  canary.start();
  std::vector<int> slow;
  for (int i = 0; i < 70; ++i) {
    const int fd = connect_loopback(gw().admin_port(), 1);
    ASSERT_GE(fd, 0);
    const std::string head = "GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n";
    ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
    slow.push_back(fd);
  }
  // Each keeps trickling a header byte, so none is idle and none completes.
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    while (!stop) {
      for (int fd : slow) (void)::send(fd, "X", 1, MSG_NOSIGNAL);
      std::this_thread::sleep_for(200ms);
    }
  });
  int ok = 0;
  for (int i = 0; i < 30; ++i) {
    const auto [status, body] = admin_get(gw().admin_port(), "/api/v1/health");
    ok += status == 200;
    std::this_thread::sleep_for(50ms);
  }
  stop = true;
  trickle.join();
  for (int fd : slow) ::close(fd);
  EXPECT_EQ(ok, 30) << "health checks answered 200 while 70 slow connections were open";
  finish_canary(canary, "70 slow connections on the admin port");
}

}  // namespace
}  // namespace edgemq::itest
