// Packets that begin and never end (issue 13, part 3: "one client can take
// gigabytes"). Before, 2,000 connections each holding an unfinished 1 MiB
// PUBLISH, a byte every 5 s, held 2 GB; keep-alive never fired, as bytes
// kept coming. Now the gateway's partial packet budget bounds what they
// hold together (reading pauses for those holding the most), packet_timeout
// closes them, the memory goes back to the system afterwards, and a client
// that does nothing wrong (the canary) keeps its round trips.
#include <chrono>
#include <cstdlib>
#include <thread>

#include "tests/hostile/canary.h"
#include "tests/hostile/fault_support.h"
#include "tests/hostile/slow_clients.h"
#include "tests/integration/fixture.h"

namespace edgemq::itest {
namespace {

constexpr uint64_t kMiB = 1 << 20;

// The suite's run, or the issue's own figures with EDGEMQ_HOSTILE_LONG=1
// (tests/hostile/run_long.sh): 2,000 connections of 1 MiB, the default budget.
struct Attack {
  size_t connections;
  size_t packet_bytes;
  uint64_t budget;
};
Attack attack_size() {
  if (hostile_long()) return {2000, 1 << 20, 64 * kMiB};
  return {200, 256 * 1024, 16 * kMiB};
}

class SlowPackets : public GatewayTest {
 protected:
  void SetUp() override {
    if (under_mosquitto()) GTEST_SKIP() << "edgemq's partial packet budget";
  }
  void start(const std::string& budget, const std::string& packet_timeout) {
    GatewayOptions o;
    o.extra_args = {"--partial-packet-budget", budget, "--packet-timeout", packet_timeout};
    start_gateway(o);
  }
  std::string stats() { return admin_get(gw().admin_port(), "/api/v1/stats").second; }
};

TEST_F(SlowPackets, TwoHundredUnfinishedPacketsStayWithinTheBudgetAndAreClosedAtTheTimeout) {
  const Attack size = attack_size();
  start(std::to_string(size.budget), "4");
  Canary canary(port());
  canary.start();
  ASSERT_TRUE(wait_until([&] { return canary.round_trips() >= 5; }, 5s));
  const uint64_t baseline = process_rss(gw().pid());

  // 200 × 256 KiB = 50 MiB of packets begun: three times the budget.
  const size_t n = size.connections;
  SlowPublishers attack(port(), n, size.packet_bytes, size.packet_bytes - 6 * 1024, "slow");
  const auto begun = std::chrono::steady_clock::now();
  ASSERT_TRUE(attack.open());
  attack.pump();
  uint64_t peak = baseline;
  size_t closed = 0;
  for (int tick = 0; tick < 300 && closed < n; ++tick) {  // 30 s at most
    attack.pump();
    if (tick % 5 == 0) attack.trickle();  // a byte every half second: keep-alive alone would never end them
    peak = std::max(peak, process_rss(gw().pid()));
    closed = attack.closed_by_gateway();
    std::this_thread::sleep_for(100ms);
  }
  const double closed_after_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();
  EXPECT_EQ(closed, n) << "every unfinished packet's connection closed at packet_timeout";
  // The timeout (4 s) and the wheel's tick; sending 2 GB to 2,000 sockets
  // in the long run takes seconds of its own.
  EXPECT_LT(closed_after_s, 4 + (hostile_long() ? 10.0 : 3.0)) << "the timeout (4 s), not much more";
  // The budget, a small read (4 KiB) per connection, the connection itself
  // and malloc's rounding: 16 KiB a connection leaves room for the last two.
  EXPECT_LT(peak - baseline, size.budget + n * 16 * 1024 + 8 * kMiB)
      << "the budget and one small read per connection; "
                                        << mib(attack.bytes_sent()) << " MiB were sent";

  // The memory goes back to the system (malloc_trim), not only to malloc.
  uint64_t after = 0;
  EXPECT_TRUE(wait_until(
      [&] {
        after = process_rss(gw().pid());
        return after < baseline + 4 * kMiB;
      },
      5s))
      << "RSS " << mib(after) << " MiB, " << mib(baseline) << " MiB before";

  const std::string s = stats();
  EXPECT_NE(s.find("\"packet_timeouts\":" + std::to_string(n)), std::string::npos) << s;
  EXPECT_NE(s.find("\"packet_timeout\":" + std::to_string(n)), std::string::npos) << "a disconnect reason: " << s;
  EXPECT_EQ(s.find("\"partial_packet_pauses\":0"), std::string::npos) << "the budget paused some: " << s;
  EXPECT_EQ(s.find("\"heap_trims\":0"), std::string::npos) << s;
  EXPECT_NE(gw().log().find("not finished within packet_timeout"), std::string::npos) << "logged at debug";

  const CanaryReport r = finish_canary(canary, std::to_string(n) + " connections holding unfinished " +
                                                   std::to_string(size.packet_bytes / 1024) + " KiB packets, budget " +
                                                   std::to_string(size.budget / kMiB) + " MiB");
  RecordProperty("rss_baseline_mib", std::to_string(mib(baseline)));
  RecordProperty("rss_peak_mib", std::to_string(mib(peak)));
  RecordProperty("rss_after_mib", std::to_string(mib(after)));
  std::cout << "RSS " << mib(baseline) << " MiB before, " << mib(peak) << " MiB at most during, " << mib(after)
            << " MiB after; " << mib(attack.bytes_sent()) << " MiB sent; all closed after " << closed_after_s << " s\n";
  EXPECT_GE(r.round_trips, 50u) << r.summary();
}

TEST_F(SlowPackets, APacketTimeoutIsALostConnectionAndTheWillGoesOut) {
  start("64MiB", "2");
  Canary canary(port());
  canary.start();
  RawClient watcher;
  ASSERT_TRUE(watcher.open_and_connect(port(), "watcher"));
  ASSERT_TRUE(watcher.subscribe("wills/#", 0));
  RawClient device;
  mqtt::Connect c = make_connect("device", true, 0);  // no keep-alive: only the packet timeout can end it
  c.will = mqtt::Will{"wills/device", "gone", 0, false};
  mqtt::Connack ack;
  ASSERT_TRUE(device.open(port()));
  ASSERT_TRUE(device.connect(c, ack));
  ASSERT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  ASSERT_TRUE(device.send_bytes(std::string("\x30\x80\x08\x00\x01t", 6)));  // a 1 KiB PUBLISH, 2 bytes of it
  std::vector<mqtt::Packet> before;
  EXPECT_TRUE(device.expect_closed(milliseconds(5000), &before));
  EXPECT_TRUE(before.empty()) << "closed without DISCONNECT (the client is mid-packet)";
  mqtt::Publish will;
  ASSERT_TRUE(watcher.expect(will, milliseconds(3000)));
  EXPECT_EQ(will.topic, "wills/device");
  EXPECT_EQ(will.payload, "gone");
  finish_canary(canary, "a connection closed at its packet timeout, its will published");
}

TEST_F(SlowPackets, PacketsThatKeepCompletingAreNeverTimedOut) {
  // A publisher whose reads always end mid-packet, for longer than the
  // timeout: each packet it completes starts the count anew.
  start("64MiB", "2");
  Canary canary(port());
  canary.start();
  RawClient pub;
  ASSERT_TRUE(pub.open_and_connect(port(), "steady"));
  mqtt::Publish p;
  p.topic = "steady";
  p.payload = std::string(3000, 'p');
  const std::string bytes = encode(p);
  const std::string first_half = bytes.substr(0, bytes.size() / 2);
  const std::string rest_and_next = bytes.substr(bytes.size() / 2) + first_half;
  ASSERT_TRUE(pub.send_bytes(first_half));
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < until) {
    // The rest of a packet and half of the next: the gateway never holds
    // nothing, but finishes a packet every 300 ms.
    std::this_thread::sleep_for(300ms);
    ASSERT_TRUE(pub.send_bytes(rest_and_next));
  }
  ASSERT_TRUE(pub.send_bytes(bytes.substr(bytes.size() / 2)));
  EXPECT_TRUE(pub.ping()) << "still connected after 5 s with a packet always unfinished";
  finish_canary(canary, "a publisher whose reads always end mid-packet, for 2.5 packet timeouts");
}

}  // namespace
}  // namespace edgemq::itest
