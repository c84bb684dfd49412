// SIGHUP on a real gateway started with a TOML file: a changed limit takes
// effect for the next clients, a key that needs a restart is named in the
// log and left alone, and a broken file changes nothing.
#include <signal.h>

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/integration/fixture.h"
#include "tests/integration/raw_client.h"

namespace edgemq::itest {
namespace {

class Reload : public GatewayTest {
 protected:
  GatewayOptions options() const override {
    std::ofstream(config_path()) << "max_subscriptions = 2\n";
    GatewayOptions o;
    o.extra_args = {"--config", config_path()};
    return o;
  }
  static std::string config_path() { return ::testing::TempDir() + "edgemq_reload_test.toml"; }
  void SetUp() override {
    EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq's configuration file");
    GatewayTest::SetUp();
  }
  // SUBACK return codes for two filters in one SUBSCRIBE, from a new client.
  std::vector<uint8_t> subscribe_two(const std::string& id) {
    RawClient c;
    if (!c.open_and_connect(port(), id)) return {};
    mqtt::Suback ack;
    if (!c.subscribe(mqtt::Subscribe{1, {{topic("a"), 1}, {topic("b"), 1}}}, ack)) return {};
    return ack.return_codes;
  }
  bool logged(const std::string& line) {
    return wait_until([&] { return gw().log().find(line) != std::string::npos; }, 5s);
  }
};

TEST_F(Reload, ALimitChangesLiveAndWhatNeedsARestartIsNamed) {
  EXPECT_EQ(subscribe_two("it-reload-1"), (std::vector<uint8_t>{1, 1}));
  std::ofstream(config_path()) << "max_subscriptions = 1\nsys_interval = 5\n";
  ASSERT_EQ(::kill(gw().pid(), SIGHUP), 0);
  ASSERT_TRUE(logged("SIGHUP: max_subscriptions 2 -> 1")) << gw().log();
  EXPECT_TRUE(logged("SIGHUP: sys_interval changed; it takes a restart")) << gw().log();
  // The workers take the new limit from their inboxes; the next clients see it.
  std::vector<uint8_t> codes;
  EXPECT_TRUE(wait_until([&] { return (codes = subscribe_two("it-reload-2")) == std::vector<uint8_t>{1, 0x80}; }, 5s))
      << "second filter past max_subscriptions: 0x80 [MQTT-3.9.3]";

  std::ofstream(config_path()) << "max_subscriptions = many\n";
  ASSERT_EQ(::kill(gw().pid(), SIGHUP), 0);
  ASSERT_TRUE(logged("SIGHUP: configuration not reloaded, the running one stays")) << gw().log();
  EXPECT_EQ(subscribe_two("it-reload-3"), (std::vector<uint8_t>{1, 0x80})) << "still 1";
  EXPECT_TRUE(gw().running());
}

}  // namespace
}  // namespace edgemq::itest
