// Prometheus, the real one (Debian's, unpacked by scripts/install-deps.sh),
// scrapes a gateway's /metrics with a bearer token and can query what it
// scraped; promtool's linter finds nothing to say about the page.
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/integration/admin_support.h"
#include "tests/integration/cli.h"
#include "tests/integration/fixture.h"

namespace edgemq::itest {
namespace {

const std::string kPromDir = std::string(EDGEMQ_SOURCE_DIR) + "/tests/.tools/prometheus/usr/bin/";

class Prometheus : public Admin {
 protected:
  GatewayOptions options() const override {
    GatewayOptions o;
    o.extra_args = {"--admin-tokens", "s3cret"};
    return o;
  }
  void SetUp() override {
    Admin::SetUp();
    ASSERT_TRUE(std::filesystem::exists(kPromDir + "prometheus")) << "scripts/install-deps.sh --with-tests unpacks it";
  }
  std::string scrape() {
    return curl({"-H", "Authorization: Bearer s3cret", url("/metrics")}).body;
  }
};

TEST_F(Prometheus, PromtoolFindsNothingToSayAboutThePage) {
  const CliResult pub = run_cli("mosquitto_pub", {"-h", "127.0.0.1", "-p", std::to_string(port()), "-t",
                                                  topic("t"), "-m", "x", "-q", "1"},
                                5s);
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  const std::string page = scrape();
  ASSERT_NE(page.find("edgemq_store_commit_duration_seconds_bucket"), std::string::npos);
  const CliResult lint = run_cli(kPromDir + "promtool", {"check", "metrics"}, 20s, page);
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  EXPECT_EQ(lint.out + lint.err, "") << "no lint warnings (names, units, HELP, TYPE)";
}

TEST_F(Prometheus, ScrapesTheGatewayAndAnswersQueriesOnIt) {
  const std::string dir = ::testing::TempDir() + "edgemq-prometheus-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/prometheus.yml") << "global:\n"
                                            "  scrape_interval: 1s\n"
                                            "scrape_configs:\n"
                                            "  - job_name: edgemq\n"
                                            "    authorization:\n"
                                            "      credentials: s3cret\n"
                                            "    static_configs:\n"
                                            "      - targets: ['127.0.0.1:"
                                         << gw_admin_port() << "']\n";
  const int web = pick_free_port();
  CliProcess prom;
  ASSERT_TRUE(prom.start(kPromDir + "prometheus",
                         {"--config.file=" + dir + "/prometheus.yml", "--storage.tsdb.path=" + dir + "/data",
                          "--web.listen-address=127.0.0.1:" + std::to_string(web), "--log.level=warn"}));
  const auto query = [&](const std::string& promql) {
    const HttpResult r = curl({"-G", "--data-urlencode", "query=" + promql,
                               "http://127.0.0.1:" + std::to_string(web) + "/api/v1/query"});
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || j.value("status", "") != "success" || j["data"]["result"].empty()) return -1.0;
    return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
  };

  for (int i = 0; i < 3; ++i) {
    // Retained, so each is a store write the commit histogram times.
    const CliResult pub = run_cli("mosquitto_pub", {"-h", "127.0.0.1", "-p", std::to_string(port()), "-t",
                                                    topic("t"), "-m", "x", "-q", "1", "-r"},
                                  5s);
    ASSERT_EQ(pub.exit_code, 0) << pub.err;
  }
  EXPECT_TRUE(wait_until([&] { return query(R"(up{job="edgemq"})") == 1; }, 30s)) << prom.err();
  EXPECT_TRUE(wait_until([&] { return query(R"(sum(edgemq_messages_received_total))") == 3; }, 15s));
  EXPECT_EQ(query(R"(edgemq_messages_received_total{qos="1"})"), 3);
  EXPECT_EQ(query(R"(edgemq_up)"), 1);
  EXPECT_GE(query(R"(edgemq_store_commit_duration_seconds_count)"), 3);
  EXPECT_GE(query(R"(histogram_quantile(0.99, sum by (le) (edgemq_loop_lag_seconds_bucket)))"), 0)
      << "the loop-lag histogram is usable as one";

  const HttpResult targets = curl({"http://127.0.0.1:" + std::to_string(web) + "/api/v1/targets"});
  const auto t = nlohmann::json::parse(targets.body);
  ASSERT_EQ(t["data"]["activeTargets"].size(), 1u) << targets.body;
  EXPECT_EQ(t["data"]["activeTargets"][0]["health"], "up");
  EXPECT_EQ(t["data"]["activeTargets"][0]["lastError"], "");
  prom.wait(1ms);  // SIGKILLed: a throwaway server
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace edgemq::itest
