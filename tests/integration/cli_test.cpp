// mosquitto_pub -> mosquitto_sub through the broker: what a user of the
// standard command-line clients sees. The -d debug lines expose the granted
// QoS ("Subscribed (mid: 1): Q") and each delivery's QoS ("received PUBLISH
// (d0, qQ, ...").
#include <regex>

#include "tests/integration/cli.h"
#include "tests/integration/fixture.h"

namespace edgemq::itest {
namespace {

struct QosPair {
  int sub;
  int pub;
};

std::string pair_name(const QosPair& q) {
  return "sub" + std::to_string(q.sub) + "_pub" + std::to_string(q.pub);
}

class CliPubSub : public GatewayTest, public ::testing::WithParamInterface<QosPair> {};

// Each "received PUBLISH" debug line's QoS digit, in order.
std::vector<int> delivered_qos(const std::string& out) {
  static const std::regex re(R"(received PUBLISH \(d\d, q(\d), r\d)");
  std::vector<int> qos;
  for (const auto& line : split_lines(out)) {
    std::smatch m;
    if (std::regex_search(line, m, re)) qos.push_back(std::stoi(m[1]));
  }
  return qos;
}

// The "topic payload" lines that -v prints, in order.
std::vector<std::string> payload_lines(const std::string& out, const std::string& topic) {
  std::vector<std::string> lines;
  for (const auto& line : split_lines(out)) {
    if (line.rfind(topic + " ", 0) == 0) lines.push_back(line.substr(topic.size() + 1));
  }
  return lines;
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST_P(CliPubSub, DeliversInOrderAtMinimumQos) {
  const QosPair q = GetParam();
  const std::string t = topic("cli");
  const std::string p = std::to_string(port());
  constexpr int kMessages = 5;

  CliProcess sub;
  ASSERT_TRUE(sub.start("mosquitto_sub", {"-h", "127.0.0.1", "-p", p, "-i", "it-cli-sub", "-t", t,
                                          "-q", std::to_string(q.sub), "-v", "-d", "-C",
                                          std::to_string(kMessages), "-W", "15"}));
  const std::string granted = "Subscribed (mid: 1): " + std::to_string(q.sub);
  ASSERT_TRUE(sub.wait_for_output(granted, 10s)) << "stdout:\n" << sub.out() << "stderr:\n"
                                                 << sub.err();

  std::string lines;
  for (int i = 1; i <= kMessages; ++i) lines += "message-" + std::to_string(i) + "\n";
  const CliResult pub = run_cli("mosquitto_pub",
                                {"-h", "127.0.0.1", "-p", p, "-i", "it-cli-pub", "-t", t, "-q",
                                 std::to_string(q.pub), "-d", "-l"},
                                10s, lines);
  ASSERT_TRUE(pub.exited) << pub.out;
  EXPECT_EQ(pub.exit_code, 0) << pub.out << pub.err;
  if (q.pub == 1) {
    EXPECT_EQ(count(pub.out, "received PUBACK"), size_t{kMessages}) << pub.out;
  } else if (q.pub == 2) {
    EXPECT_EQ(count(pub.out, "received PUBCOMP"), size_t{kMessages}) << pub.out;
  }

  const CliResult got = sub.wait(20s);
  ASSERT_TRUE(got.exited) << got.out;
  EXPECT_EQ(got.exit_code, 0) << got.out << got.err;
  std::vector<std::string> expected;
  for (int i = 1; i <= kMessages; ++i) expected.push_back("message-" + std::to_string(i));
  EXPECT_EQ(payload_lines(got.out, t), expected) << got.out;
  EXPECT_EQ(delivered_qos(got.out), std::vector<int>(kMessages, std::min(q.sub, q.pub)))
      << got.out;
}

INSTANTIATE_TEST_SUITE_P(Qos, CliPubSub,
                         ::testing::Values(QosPair{0, 0}, QosPair{1, 1}, QosPair{2, 2},
                                           QosPair{2, 0}, QosPair{2, 1}, QosPair{1, 2},
                                           QosPair{0, 2}),
                         [](const auto& param_info) { return pair_name(param_info.param); });

// A retained message reaches a later mosquitto_sub with r1 in its debug line.
TEST_F(GatewayTest, CliRetainedReachesLateSubscriber) {
  const std::string t = topic("retained");
  const std::string p = std::to_string(port());
  const CliResult pub = run_cli(
      "mosquitto_pub", {"-h", "127.0.0.1", "-p", p, "-t", t, "-q", "1", "-r", "-m", "kept"}, 10s);
  ASSERT_EQ(pub.exit_code, 0) << pub.out << pub.err;
  const CliResult sub = run_cli(
      "mosquitto_sub",
      {"-h", "127.0.0.1", "-p", p, "-t", topic("#"), "-q", "1", "-v", "-d", "-C", "1", "-W", "10"},
      15s);
  ASSERT_EQ(sub.exit_code, 0) << sub.out << sub.err;
  EXPECT_EQ(payload_lines(sub.out, t), std::vector<std::string>{"kept"}) << sub.out;
  EXPECT_NE(sub.out.find("received PUBLISH (d0, q1, r1"), std::string::npos) << sub.out;
}

}  // namespace
}  // namespace edgemq::itest
