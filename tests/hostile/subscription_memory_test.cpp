// Subscriptions that cost memory (issue 13, case 3): four SUBSCRIBE packets
// of ~983 KB, each with 15 filters of 65,530 empty levels, took the
// gateway's RSS from 18 MB to 1.8 GB (a router node per level). Now such a
// filter is refused by max_topic_levels, and even with the limits lifted a
// filter costs the router about its bytes.

#include "tests/hostile/canary.h"
#include "tests/hostile/fault_support.h"
#include "tests/hostile/slow_clients.h"
#include "tests/integration/fixture.h"

namespace edgemq::itest {
namespace {

// Four SUBSCRIBEs of 15 filters of 65,530 empty levels each (a different
// last level per filter, so none replaces another); returns the SUBACK codes.
std::vector<uint8_t> subscribe_deep_filters(RawClient& c) {
  std::vector<uint8_t> codes;
  for (uint16_t packet = 1; packet <= 4; ++packet) {
    mqtt::Subscribe s{packet, {}, {}};
    for (int i = 0; i < 15; ++i) {
      s.subscriptions.push_back({std::string(65529, '/') + "f" + std::to_string(packet * 100 + i), 0});
    }
    mqtt::Suback ack;
    EXPECT_TRUE(c.subscribe(s, ack));
    codes.insert(codes.end(), ack.return_codes.begin(), ack.return_codes.end());
  }
  return codes;
}

class SubscriptionMemory : public GatewayTest {
 protected:
  void SetUp() override {
    if (under_mosquitto()) GTEST_SKIP() << "edgemq's limits";
  }
};

TEST_F(SubscriptionMemory, DeepFiltersAreRefusedByTheLevelLimit) {
  GatewayOptions o;
  o.log_level = "info";
  start_gateway(o);
  Canary canary(port());
  canary.start();
  const uint64_t before = process_rss(gw().pid());
  RawClient attacker;
  ASSERT_TRUE(attacker.open_and_connect(port(), "attacker"));
  const auto codes = subscribe_deep_filters(attacker);
  EXPECT_EQ(codes, std::vector<uint8_t>(60, mqtt::kSubackFailure)) << "max_topic_levels 128: SUBACK failure for each";
  const uint64_t after = process_rss(gw().pid());
  EXPECT_LT(after, before + 16 * (1 << 20)) << "RSS " << before << " -> " << after;
  EXPECT_TRUE(wait_until([&] { return canary.round_trips() >= 10; }, 5s));
  finish_canary(canary, "60 filters of 65,530 empty levels (refused)");
  std::printf("[ memory   ] RSS %.1f MB -> %.1f MB\n", before / 1048576.0, after / 1048576.0);
}

TEST_F(SubscriptionMemory, WithTheLimitsLiftedAFilterCostsAboutItsBytes) {
  GatewayOptions o;
  o.log_level = "info";
  o.extra_args = {"--max-topic-levels", "65535", "--max-topic-length", "65535"};
  start_gateway(o);
  Canary canary(port());
  canary.start();
  const uint64_t before = process_rss(gw().pid());
  RawClient attacker;
  ASSERT_TRUE(attacker.open_and_connect(port(), "attacker"));
  const auto codes = subscribe_deep_filters(attacker);
  EXPECT_EQ(codes, std::vector<uint8_t>(60, 0));
  const uint64_t after = process_rss(gw().pid());
  // 60 filters of 64 KiB: ~3.8 MiB of filter bytes, kept in the router and
  // in the session; the packets' buffers come and go.
  EXPECT_LT(after, before + 40 * (1 << 20)) << "RSS " << before << " -> " << after << " (was +1.8 GB)";
  // Matching a topic that deep still works, and the canary never noticed.
  RawClient pub;
  ASSERT_TRUE(pub.open_and_connect(port(), "pub"));
  ASSERT_TRUE(pub.publish(std::string(65529, '/') + "f100", "deep", 0));
  mqtt::Publish got;
  EXPECT_TRUE(attacker.expect(got, milliseconds(5000)));
  EXPECT_EQ(got.payload, "deep");
  EXPECT_TRUE(wait_until([&] { return canary.round_trips() >= 10; }, 5s));
  finish_canary(canary, "60 filters of 65,530 empty levels (limits lifted)");
  std::printf("[ memory   ] RSS %.1f MB -> %.1f MB with 60 deep filters\n", before / 1048576.0, after / 1048576.0);
}

}  // namespace
}  // namespace edgemq::itest
