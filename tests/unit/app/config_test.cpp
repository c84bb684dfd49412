// Configuration precedence and validation: defaults < file < environment < flags.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gateway/app/config.h"

namespace edgemq::app {
namespace {

std::map<std::string, std::string> g_env;
const char* fake_env(const char* name) {
  auto it = g_env.find(name);
  return it == g_env.end() ? nullptr : it->second.c_str();
}

ConfigResult load(std::vector<std::string> args, Config& c) {
  args.insert(args.begin(), "edgemq");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  return load_config(static_cast<int>(argv.size()), argv.data(), fake_env, c);
}

std::string write_file(const std::string& text) {
  std::string path = ::testing::TempDir() + "edgemq_config_test.toml";
  std::ofstream(path) << text;
  return path;
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { g_env.clear(); }
};

TEST_F(ConfigTest, DefaultsAreTheEmbeddedOnes) {
  Config c;
  ASSERT_TRUE(load({}, c).ok);
  EXPECT_EQ(c.listen_mqtt, "0.0.0.0:1883");
  EXPECT_EQ(c.data_dir, "./data");
  EXPECT_EQ(c.durability, "process");
}

TEST_F(ConfigTest, FlagsInBothSpellings) {
  Config c;
  auto r = load({"--listen-mqtt", "127.0.0.1:18830", "--data-dir=/tmp/d", "--max-inflight", "7"}, c);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(c.listen_mqtt, "127.0.0.1:18830");
  EXPECT_EQ(c.data_dir, "/tmp/d");
  EXPECT_EQ(c.limits.max_inflight, 7u);
}

TEST_F(ConfigTest, EnvironmentBeatsFileAndFlagsBeatEnvironment) {
  std::string file = write_file("data_dir = \"/from/file\"\nworkers = 3\nlisten_mqtt = \"127.0.0.1:1\"\n");
  g_env["EDGEMQ_CONFIG"] = file;
  g_env["EDGEMQ_DATA_DIR"] = "/from/env";
  g_env["EDGEMQ_LISTEN_MQTT"] = "127.0.0.1:2";
  Config c;
  auto r = load({"--listen-mqtt", "127.0.0.1:3"}, c);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(c.workers, 3u);               // file only
  EXPECT_EQ(c.data_dir, "/from/env");     // env over file
  EXPECT_EQ(c.listen_mqtt, "127.0.0.1:3");  // flag over env
}

TEST_F(ConfigTest, BadValuesAreRejectedWithTheirSource) {
  Config c;
  auto r = load({"--max-inflight", "0"}, c);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("--max-inflight"), std::string::npos) << r.error;
  g_env["EDGEMQ_DURABILITY"] = "sometimes";
  r = load({}, c);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("EDGEMQ_DURABILITY"), std::string::npos) << r.error;
}

TEST_F(ConfigTest, Mqtt5Keys) {
  Config c;
  auto r = load({"--receive-maximum", "10", "--topic-alias-maximum=0", "--max-keep-alive", "120",
                 "--shared-subscription-strategy", "sticky", "--response-information", "reply/"},
                c);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(c.limits.response_information, "reply/");
  EXPECT_EQ(c.limits.receive_maximum, 10);
  EXPECT_EQ(c.limits.topic_alias_maximum, 0);
  EXPECT_EQ(c.limits.max_keep_alive_s, 120);
  EXPECT_EQ(c.limits.share_strategy, core::ShareStrategy::Sticky);
  Config d;
  EXPECT_EQ(d.limits.share_strategy, core::ShareStrategy::RoundRobin) << "the default";
  EXPECT_FALSE(load({"--receive-maximum", "0"}, d).ok) << "0 is a protocol error in CONNACK";
  r = load({"--shared-subscription-strategy", "fair"}, d);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("round_robin|random|sticky"), std::string::npos) << r.error;
}

TEST_F(ConfigTest, WebSocketListenerKeys) {
  Config c;
  ASSERT_TRUE(load({}, c).ok);
  EXPECT_EQ(c.listen_ws, "") << "off unless asked for";
  auto r = load({"--listen-ws", "0.0.0.0:8083", "--ws-paths", "/mqtt, /ws", "--ws-origins",
                 "https://a.example,https://b.example"},
                c);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(c.listen_ws, "0.0.0.0:8083");
  EXPECT_EQ(split_list(c.ws_paths), (std::vector<std::string>{"/mqtt", "/ws"}));
  EXPECT_EQ(split_list(c.ws_origins), (std::vector<std::string>{"https://a.example", "https://b.example"}));
  Config d;
  EXPECT_FALSE(load({"--listen-ws", "8083"}, d).ok);
  EXPECT_FALSE(load({"--ws-paths", "mqtt"}, d).ok) << "paths start with /";
}

TEST_F(ConfigTest, UnknownFlagAndUnknownFileKeyAreErrors) {
  Config c;
  EXPECT_FALSE(load({"--no-such-thing", "1"}, c).ok);
  Config d;
  auto r = load({"--config", write_file("no_such_key = 1\n")}, d);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("no_such_key"), std::string::npos) << r.error;
  Config e;
  r = load({"--config", write_file("this is = = not toml\n")}, e);
  EXPECT_FALSE(r.ok);
}

TEST_F(ConfigTest, HelpListsEveryKeyWithFlagAndVariable) {
  Config c;
  EXPECT_TRUE(load({"--help"}, c).help);
  std::string help = config_help();
  for (const char* s : {"--listen-mqtt", "EDGEMQ_LISTEN_MQTT", "--data-dir", "EDGEMQ_DATA_DIR",
                        "--max-queued-messages", "--durability"}) {
    EXPECT_NE(help.find(s), std::string::npos) << s;
  }
}

TEST_F(ConfigTest, SalvageIsASubcommandTakingTheSameKeys) {
  Config c;
  auto r = load({"salvage", "--data-dir", "/tmp/d"}, c);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.command, Command::Salvage);
  EXPECT_EQ(c.data_dir, "/tmp/d");
  Config plain;
  EXPECT_EQ(load({"--data-dir", "/tmp/d"}, plain).command, Command::Run);
  Config late;
  r = load({"--data-dir", "/tmp/d", "salvage"}, late);  // a subcommand comes first or not at all
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("salvage"), std::string::npos) << r.error;
  EXPECT_NE(config_help().find("edgemq salvage"), std::string::npos);
}

TEST_F(ConfigTest, MemoryKeys) {
  Config d;
  ASSERT_TRUE(load({}, d).ok);
  EXPECT_EQ(d.partial_packet_budget, 64u << 20);
  EXPECT_EQ(d.limits.packet_timeout_s, 60u);
  EXPECT_EQ(d.memory_high_watermark, (MemoryAmount{0, 75})) << "three quarters of what the gateway may use";

  Config c;
  auto r = load({"--partial-packet-budget", "16MiB", "--packet-timeout", "5", "--memory-high-watermark", "1GiB"}, c);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(c.partial_packet_budget, 16u << 20);
  EXPECT_EQ(c.limits.packet_timeout_s, 5u);
  EXPECT_EQ(c.memory_high_watermark, (MemoryAmount{1u << 30, 0}));
  ASSERT_TRUE(load({"--memory-high-watermark", "50%"}, c).ok);
  EXPECT_EQ(c.memory_high_watermark, (MemoryAmount{0, 50}));
  ASSERT_TRUE(load({"--memory-high-watermark", "0"}, c).ok);
  EXPECT_EQ(c.memory_high_watermark, (MemoryAmount{0, 0})) << "off";

  for (const char* bad : {"0%", "101%", "x%", "lots"}) {
    r = load({"--memory-high-watermark", bad}, c);
    EXPECT_FALSE(r.ok) << bad;
    EXPECT_NE(r.error.find("75%"), std::string::npos) << r.error;
  }
  EXPECT_FALSE(load({"--partial-packet-budget", "1KiB"}, c).ok) << "below one read's worth";
  EXPECT_FALSE(load({"--packet-timeout", "0"}, c).ok) << "a bound, not optional";
  const auto values = config_values(d);
  EXPECT_NE(std::find(values.begin(), values.end(), std::pair<std::string, std::string>("memory_high_watermark", "75%")),
            values.end());
}

TEST_F(ConfigTest, QueueKeys) {
  Config d;
  ASSERT_TRUE(load({}, d).ok);
  EXPECT_EQ(d.limits.max_queued_bytes, 32u << 20);
  EXPECT_EQ(d.limits.max_queued_bytes_total, 8ull << 30);
  EXPECT_EQ(d.limits.queue_full_policy, core::Limits::QueueFullPolicy::DropOldest);
  EXPECT_EQ(d.limits.ack_hold_timeout_ms, 100u);

  Config c;
  auto r = load({"--max-queued-bytes", "1MiB", "--max-queued-bytes-total", "2GiB", "--queue-full-policy",
                 "drop_newest", "--ack-hold-timeout", "250ms"},
                c);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(c.limits.max_queued_bytes, 1u << 20);
  EXPECT_EQ(c.limits.max_queued_bytes_total, 2ull << 30);
  EXPECT_EQ(c.limits.queue_full_policy, core::Limits::QueueFullPolicy::DropNewest);
  EXPECT_EQ(c.limits.ack_hold_timeout_ms, 250u);
  ASSERT_TRUE(load({"--ack-hold-timeout", "5"}, c).ok) << "seconds, as the key took before";
  EXPECT_EQ(c.limits.ack_hold_timeout_ms, 5000u);
  ASSERT_TRUE(load({"--ack-hold-timeout", "2s"}, c).ok);
  EXPECT_EQ(c.limits.ack_hold_timeout_ms, 2000u);
  for (const char* bad : {"5ms", "fast", "ms", "-1", "2h"}) EXPECT_FALSE(load({"--ack-hold-timeout", bad}, c).ok) << bad;
  EXPECT_FALSE(load({"--queue-full-policy", "drop_all"}, c).ok);
  EXPECT_FALSE(load({"--max-queued-bytes", "100"}, c).ok) << "below 1 KiB";
  const auto values = config_values(d);
  EXPECT_NE(std::find(values.begin(), values.end(), std::pair<std::string, std::string>("ack_hold_timeout", "100ms")),
            values.end());
}

TEST_F(ConfigTest, HostPortForms) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(split_host_port("127.0.0.1:1883", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 1883);
  ASSERT_TRUE(split_host_port("[::1]:8883", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 8883);
  EXPECT_FALSE(split_host_port("nohost", host, port));
  EXPECT_FALSE(split_host_port("h:99999", host, port));
}

}  // namespace
}  // namespace edgemq::app
