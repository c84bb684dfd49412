// The admin dashboard in headless Chromium against a real gateway under load:
// tests/js/dashboard.mjs opens http://127.0.0.1:<admin port>/ while
// edgemq-bench publishes, sees the charts move and the retained topic, finds
// a Paho client by searching for its id and kicks it; here we check that the
// client really was disconnected, and keep the page's screenshot as an
// artifact (<build>/artifacts/dashboard.png). With admin tokens, the page
// asks for one and then works with it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <string>

#include "tests/integration/admin_support.h"
#include "tests/integration/cli.h"
#include "tests/integration/fixture.h"
#include "tests/integration/paho_client.h"

namespace edgemq::itest {
namespace {

class Dashboard : public Admin {
 protected:
  // The load would fill a debug log with every message.
  GatewayOptions options() const override {
    GatewayOptions o;
    o.log_level = "info";
    return o;
  }
};

TEST_F(Dashboard, ChartsMoveUnderLoadAndKickDisconnects) {
  const std::string id = "it-dash-victim-7f3a";
  PahoClient victim(uri(), id);
  ASSERT_TRUE(victim.connect(false)) << "a persistent session: it stays, offline, after the kick";
  ASSERT_TRUE(victim.subscribe(topic("cmd/#"), 1));
  PahoClient setter(uri(), "it-dash-setter");
  ASSERT_TRUE(setter.connect(true));
  const std::string retained = topic("status");
  ASSERT_TRUE(setter.publish(retained, "online since the test began", 1, true));
  ASSERT_TRUE(setter.disconnect());

  // Load while the page is open: 2 publishers at 200 msg/s each, 2
  // subscribers; bounded (20 s), and stopped as soon as the page is done.
  CliProcess bench;
  ASSERT_TRUE(bench.start(EDGEMQ_BENCH_BINARY, {"pubsub", "--scenario", "pairs", "-n", "2", "-q", "0", "--rate",
                                                "200", "-d", "20", "--port", std::to_string(port()), "--prefix",
                                                "it-dash-bench-", "--quiet"}));

  const std::filesystem::path artifacts = EDGEMQ_ARTIFACTS_DIR;
  std::filesystem::create_directories(artifacts);
  const std::filesystem::path png = artifacts / "dashboard.png";
  std::filesystem::remove(png);

  CliProcess page;
  ASSERT_TRUE(page.start("/usr/bin/node", {std::string(EDGEMQ_JS_DIR) + "/dashboard.mjs", url("/"), id,
                                           png.string(), retained}));
  const CliResult r = page.wait(50s);
  const CliResult load = bench.wait(0ms);  // done with it: SIGKILLed if still publishing
  ASSERT_TRUE(r.exited) << "dashboard.mjs still running after 50 s\n" << r.out << r.err;
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << "\nedgemq-bench:\n" << load.out << load.err;
  EXPECT_NE(r.out.find("charts moving: in="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("retained listed: " + retained), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kicked: " + id), std::string::npos) << r.out;

  // The kick was real: the client lost its connection, and the gateway
  // keeps its session, offline.
  EXPECT_TRUE(wait_until([&] { return !victim.is_connected(); }, 5s)) << "Paho still connected";
  HttpResult shown;
  EXPECT_TRUE(wait_until([&] {
    shown = curl({url("/api/v1/clients/" + id)});
    const auto j = nlohmann::json::parse(shown.body, nullptr, false);
    return shown.status == 200 && j.is_object() && j.value("connected", true) == false;
  }, 5s)) << shown.status << " " << shown.body;

  // The screenshot is kept: a PNG of the whole page.
  ASSERT_TRUE(std::filesystem::exists(png)) << png;
  EXPECT_GT(std::filesystem::file_size(png), 20000u) << png;
  const std::string bytes = read_file(png.string());
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << png;
}

class DashboardWithTokens : public Admin {
 protected:
  GatewayOptions options() const override {
    GatewayOptions o;
    o.extra_args = {"--admin-tokens", "s3cret-dash"};
    return o;
  }
};

// The page is open, its data is not: a 401 brings up the token field, a
// wrong token is said to be refused, the right one shows the data.
TEST_F(DashboardWithTokens, ThePageAsksForATokenAndUsesIt) {
  const HttpResult page_itself = curl({url("/")});
  EXPECT_EQ(page_itself.status, 200) << "no token needed for the page";
  EXPECT_EQ(curl({url("/api/v1/stats")}).status, 401);

  CliProcess page;
  ASSERT_TRUE(page.start("/usr/bin/node", {std::string(EDGEMQ_JS_DIR) + "/dashboard.mjs", "--token", url("/"),
                                           "s3cret-dash"}));
  const CliResult r = page.wait(50s);
  ASSERT_TRUE(r.exited) << "dashboard.mjs still running after 50 s\n" << r.out << r.err;
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("asked for a token"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wrong token: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("with the token: "), std::string::npos) << r.out;
}

}  // namespace
}  // namespace edgemq::itest
