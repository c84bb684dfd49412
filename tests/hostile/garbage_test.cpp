// Cases that held before issue 13, kept so they keep holding: random bytes
// instead of MQTT, and connections that open and never send CONNECT. The
// canary keeps its round trips meanwhile, and the gateway stays up.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "tests/hostile/canary.h"
#include "tests/hostile/fault_support.h"
#include "tests/integration/fixture.h"
#include "tests/integration/raw_client.h"

namespace edgemq::itest {
namespace {

class Garbage : public GatewayTest {};

TEST_F(Garbage, RandomBytesCloseTheirOwnConnectionOnly) {
  Canary canary(port());
  canary.start();
  std::mt19937 rng(13);
  for (int i = 0; i < 300; ++i) {
    const int fd = connect_loopback(port(), 2);
    ASSERT_GE(fd, 0);
    std::string bytes(1 + rng() % 512, '\0');
    for (char& b : bytes) b = static_cast<char>(rng());
    (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    ::close(fd);
  }
  ASSERT_TRUE(wait_until([&] { return canary.round_trips() >= 20; }, 10s));
  finish_canary(canary, "300 connections sending random bytes");
}

TEST_F(Garbage, SilentConnectionsAreClosedAtTheConnectTimeout) {
  GatewayOptions o;
  o.extra_args = {"--connect-timeout", "2"};
  start_gateway(o);
  Canary canary(port());
  canary.start();
  // 15,000 in the long run, as in the probe.
  const int n = hostile_long() ? 15000 : 2000;
  std::vector<int> silent;
  for (int i = 0; i < n; ++i) {
    const int fd = connect_loopback(port(), 5);
    ASSERT_GE(fd, 0) << "connection " << i;
    silent.push_back(fd);
  }
  // Every silent connection is closed by the gateway after 2 s (3.1.1 section
  // 3.1.4: a server should close a connection that sends no CONNECT within a
  // reasonable time).
  int closed = 0;
  for (int fd : silent) {
    char b;
    if (::recv(fd, &b, 1, 0) == 0) ++closed;  // the 5 s read timeout bounds the wait
    ::close(fd);
  }
  EXPECT_EQ(closed, n);
  const std::string what = std::to_string(n) + " connections that never send CONNECT";
  const CanaryReport r = finish_canary(canary, what);
  EXPECT_GE(r.round_trips, 20u);
}

TEST_F(Garbage, SlowlorisConnectsAreClosedAtTheConnectTimeout) {
  GatewayOptions o;
  o.extra_args = {"--connect-timeout", "2"};
  start_gateway(o);
  Canary canary(port());
  canary.start();
  // 200 connections each sending a CONNECT a byte every 200 ms: a whole one
  // would take 5 s, more than connect_timeout allows.
  const std::string connect = encode(make_connect("slowloris-client-with-a-longish-id"));
  std::vector<int> slow;
  for (int i = 0; i < 200; ++i) {
    const int fd = connect_loopback(port(), 1);
    ASSERT_GE(fd, 0);
    slow.push_back(fd);
  }
  const auto begun = std::chrono::steady_clock::now();
  size_t closed = 0;
  std::vector<bool> gone(slow.size(), false);
  for (size_t byte = 0; byte < connect.size() - 1 && closed < slow.size(); ++byte) {
    for (size_t i = 0; i < slow.size(); ++i) {
      if (gone[i]) continue;
      if (::send(slow[i], connect.data() + byte, 1, MSG_NOSIGNAL) != 1) {
        gone[i] = true;
        ++closed;
        continue;
      }
      char b;
      if (::recv(slow[i], &b, 1, MSG_DONTWAIT) == 0) {
        gone[i] = true;
        ++closed;
      }
    }
    std::this_thread::sleep_for(200ms);
  }
  const double after_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();
  for (int fd : slow) ::close(fd);
  EXPECT_EQ(closed, slow.size()) << "every slow CONNECT closed by the gateway";
  EXPECT_LT(after_s, 4.5) << "at connect_timeout (2 s), not at the end of the CONNECT";
  finish_canary(canary, "200 connections sending CONNECT a byte every 200 ms");
}

}  // namespace
}  // namespace edgemq::itest
