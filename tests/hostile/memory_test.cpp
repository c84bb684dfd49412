// The memory high watermark (issue 13, part 3): past it the gateway sheds,
// in the documented order (docs/architecture.md, "Memory under attack"):
// new clients are refused with CONNACK "server unavailable" (5.0: 0x89
// server busy), reading pauses for the connections holding the largest
// partial packets, QoS 0 to slow clients is dropped earlier. It says so once
// in the log, in health and in /metrics, and clears by itself once memory
// is back below 90 % of the mark. A connected client (the canary) keeps
// its round trips throughout.
#include <signal.h>

#include <fstream>
#include <thread>

#include "tests/hostile/canary.h"
#include "tests/hostile/fault_support.h"
#include "tests/hostile/slow_clients.h"
#include "tests/integration/fixture.h"

namespace edgemq::itest {
namespace {

constexpr uint64_t kMiB = 1 << 20;

class MemoryHigh : public GatewayTest {
 protected:
  void SetUp() override {
    if (under_mosquitto()) GTEST_SKIP() << "edgemq's memory watermark";
    dir_ = make_temp_dir("edgemq-memory");
    config_ = dir_ + "/edgemq.toml";
  }
  // The memory keys live in the file, so that SIGHUP can change them.
  void write_config(const std::string& watermark) {
    std::ofstream(config_) << "partial_packet_budget = \"512MiB\"\nmemory_high_watermark = \"" << watermark << "\"\n";
  }
  std::pair<int, std::string> health() { return admin_get(gw().admin_port(), "/api/v1/health"); }

  std::string dir_, config_;
};

TEST_F(MemoryHigh, AboveTheWatermarkTheGatewayShedsSaysSoAndRecovers) {
  write_config("0");
  GatewayOptions o;
  o.log_level = "info";
  // The attackers' connections end at the packet timeout: a connection
  // whose reading is paused does not see its client go before that.
  o.extra_args = {"--config", config_, "--packet-timeout", "5"};
  start_gateway(o);
  Canary canary(port());
  canary.start();
  ASSERT_TRUE(wait_until([&] { return canary.round_trips() >= 5; }, 5s));

  // A watermark 24 MiB above what the gateway holds now, set live.
  const uint64_t baseline = process_rss(gw().pid());
  const uint64_t watermark = baseline + 24 * kMiB;
  write_config(std::to_string(watermark));
  ASSERT_EQ(::kill(gw().pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_until([&] { return gw().log().find("SIGHUP: memory_high_watermark 0 -> ") != std::string::npos; },
                         5s))
      << gw().log();

  // 100 connections × 512 KiB begun: twice the headroom, well within the
  // budget. Sent at about 40 MiB/s, so that RSS, sampled every 100 ms,
  // crosses the mark on the way and not after everything is in.
  SlowPublishers attack(port(), 100, 512 * 1024, 500 * 1024, "heavy");
  ASSERT_TRUE(attack.open());
  uint64_t peak = 0;
  auto above = [&] { return gw().log().find("above memory_high_watermark") != std::string::npos; };
  auto pump_for = [&](std::chrono::milliseconds d) {
    for (const auto end = std::chrono::steady_clock::now() + d; std::chrono::steady_clock::now() < end;) {
      attack.pump(4096);
      peak = std::max(peak, process_rss(gw().pid()));
      std::this_thread::sleep_for(10ms);
    }
  };
  for (int i = 0; i < 100 && !above(); ++i) pump_for(100ms);
  ASSERT_TRUE(above()) << "RSS at most " << mib(peak) << " MiB, watermark " << mib(watermark) << " MiB";
  // Reading has paused for them: two more seconds of sending add little.
  pump_for(2000ms);
  EXPECT_LT(peak, watermark + 12 * kMiB) << mib(attack.bytes_sent()) << " MiB sent";
  const std::string stats = admin_get(gw().admin_port(), "/api/v1/stats").second;
  EXPECT_EQ(stats.find("\"partial_packet_pauses\":0"), std::string::npos) << stats;

  // New clients are refused, each protocol in its own words.
  RawClient late;
  mqtt::Connack ack;
  ASSERT_TRUE(late.open(port()));
  ASSERT_TRUE(late.connect(make_connect("late"), ack));
  EXPECT_EQ(ack.code, mqtt::ConnackCode::ServerUnavailable);
  EXPECT_TRUE(late.expect_closed(milliseconds(2000)));
  RawClient late5;
  ASSERT_TRUE(late5.open(port()));
  ASSERT_TRUE(late5.connect(make_connect_v5("late5"), ack));
  EXPECT_EQ(static_cast<uint8_t>(ack.code), mqtt::reason::kServerBusy);

  auto [status, body] = health();
  EXPECT_EQ(status, 503) << body;
  EXPECT_NE(body.find("\"high\":true"), std::string::npos) << body;
  const std::string metrics = admin_get(gw().admin_port(), "/metrics").second;
  EXPECT_NE(metrics.find("\nedgemq_memory_high 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("edgemq_connect_attempts_total{listener=\"mqtt\",result=\"busy\"} 2"), std::string::npos);

  // The attackers go, and the packet timeout ends what they left: memory is
  // handed back and shedding ends by itself.
  attack.close_all();
  auto below = [&] { return gw().log().find("shedding ended") != std::string::npos; };
  EXPECT_TRUE(wait_until(below, 10s)) << "RSS " << mib(process_rss(gw().pid())) << " MiB, clears below "
                                      << mib(watermark / 100 * 90) << " MiB";
  const uint64_t after = process_rss(gw().pid());
  RawClient again;
  EXPECT_TRUE(again.open_and_connect(port(), "again")) << "taken again";
  std::tie(status, body) = health();
  EXPECT_EQ(status, 200) << body;
  EXPECT_NE(body.find("\"high\":false"), std::string::npos) << body;
  size_t lines = 0;
  for (size_t at = gw().log().find("is above memory_high_watermark"); at != std::string::npos;
       at = gw().log().find("is above memory_high_watermark", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 1u) << "one line when it rose";

  const CanaryReport r = canary.stop();
  report_canary("memory above the watermark (100 connections holding 512 KiB), then below", r);
  std::cout << "RSS " << mib(baseline) << " MiB before, " << mib(peak) << " MiB at most (watermark "
            << mib(watermark) << " MiB), " << mib(after) << " MiB after\n";
  EXPECT_EQ(r.failures, 0u) << r.summary();
}

}  // namespace
}  // namespace edgemq::itest
