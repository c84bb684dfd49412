// MQTT 5.0 with the standard command-line clients: mosquitto_pub sets
// properties with -D, mosquitto_sub prints them with -F (%F payload format,
// %C content type, %R response topic, %D correlation data, %E message expiry,
// %A topic alias, %P user properties), and the -d debug lines show the reason
// codes of the acks ("RC:16").
#include "tests/integration/cli.h"
#include "tests/integration/fixture.h"

namespace edgemq::itest {
namespace {

class V5Cli : public GatewayTest {
 protected:
  std::vector<std::string> base(const std::string& id, const std::string& version = "mqttv5") const {
    return mosquitto_args(port(), id, version);
  }

  // Starts mosquitto_sub with `args` after the connection ones and waits (bounded)
  // until its subscription is acknowledged, which -d reports.
  void start_sub(CliProcess& sub, const std::string& id, std::vector<std::string> args,
                 const std::string& version = "mqttv5") {
    ASSERT_TRUE(start_mosquitto_sub(sub, port(), id, args, version));
  }

  CliResult pub(const std::string& id, std::vector<std::string> args,
                const std::string& version = "mqttv5", const std::string& stdin_text = {}) {
    std::vector<std::string> all = base(id, version);
    all.insert(all.end(), args.begin(), args.end());
    all.push_back("-d");
    return run_cli("mosquitto_pub", all, 10s, stdin_text);
  }

  // The lines of `out` that start with `prefix` (the -F output, not -d's).
  static std::vector<std::string> lines_starting(const std::string& out, const std::string& prefix) {
    std::vector<std::string> found;
    for (const auto& line : split_lines(out)) {
      if (line.rfind(prefix, 0) == 0) found.push_back(line);
    }
    return found;
  }
};

// Every property mosquitto_pub can set arrives as set, user properties in
// order and with duplicates [MQTT-3.3.2-4, 3.3.2-15..20].
TEST_F(V5Cli, PublishPropertiesReachSubscriber_MQTT_3_3_2_17) {
  const std::string t = topic("props");
  CliProcess sub;
  ASSERT_NO_FATAL_FAILURE(start_sub(sub, "it-cli5-sub",
                                    {"-t", t, "-q", "1", "-C", "1", "-F", "%t|%F|%C|%R|%D|%P|%p"}));
  const CliResult p = pub("it-cli5-pub", {"-t", t, "-q", "1", "-m", "hello",
                                          "-D", "publish", "payload-format-indicator", "1",
                                          "-D", "publish", "content-type", "text/plain",
                                          "-D", "publish", "response-topic", t + "/reply",
                                          "-D", "publish", "correlation-data", "corr-42",
                                          "-D", "publish", "user-property", "k", "v1",
                                          "-D", "publish", "user-property", "a", "x",
                                          "-D", "publish", "user-property", "k", "v2"});
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  const CliResult got = sub.wait(10s);
  ASSERT_EQ(got.exit_code, 0) << got.out << got.err;
  EXPECT_EQ(lines_starting(got.out, t + "|"),
            std::vector<std::string>{t + "|1|text/plain|" + t + "/reply|corr-42|k:v1 a:x k:v2|hello"})
      << got.out;
}

// 3.1.1 and 5.0 clients mix: a 3.1.1 subscriber gets a 5.0 message (without
// properties), a 5.0 subscriber gets a 3.1.1 message.
TEST_F(V5Cli, V311AndV5ClientsMix) {
  const std::string t = topic("mix");
  CliProcess old_sub, new_sub;
  ASSERT_NO_FATAL_FAILURE(
      start_sub(old_sub, "it-cli311-sub", {"-t", t, "-q", "1", "-C", "2", "-v"}, "mqttv311"));
  ASSERT_NO_FATAL_FAILURE(
      start_sub(new_sub, "it-cli5-sub", {"-t", t, "-q", "1", "-C", "2", "-F", "%t|%C|%p"}));
  CliResult p = pub("it-cli5-pub",
                    {"-t", t, "-q", "1", "-m", "from-v5", "-D", "publish", "content-type", "c/t"});
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  p = pub("it-cli311-pub", {"-t", t, "-q", "1", "-m", "from-v311"}, "mqttv311");
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;

  const CliResult old_got = old_sub.wait(10s);
  ASSERT_EQ(old_got.exit_code, 0) << old_got.out << old_got.err;
  EXPECT_EQ(lines_starting(old_got.out, t + " "),
            (std::vector<std::string>{t + " from-v5", t + " from-v311"}))
      << old_got.out;
  const CliResult new_got = new_sub.wait(10s);
  ASSERT_EQ(new_got.exit_code, 0) << new_got.out << new_got.err;
  EXPECT_EQ(lines_starting(new_got.out, t + "|"),
            (std::vector<std::string>{t + "|c/t|from-v5", t + "||from-v311"}))
      << new_got.out;
}

// mosquitto_pub's debug output shows PUBACK's reason code: 16 (0x10) with
// no subscriber, 0 with one [MQTT-3.4.2.1].
TEST_F(V5Cli, PubackReasonCodeShown_MQTT_3_4_2_1) {
  const std::string t = topic("rc");
  CliResult p = pub("it-cli5-pub", {"-t", t, "-q", "1", "-m", "nobody"});
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("received PUBACK (Mid: 1, RC:16)"), std::string::npos) << p.out;

  CliProcess sub;
  ASSERT_NO_FATAL_FAILURE(start_sub(sub, "it-cli5-sub", {"-t", t, "-q", "1", "-C", "1"}));
  p = pub("it-cli5-pub", {"-t", t, "-q", "1", "-m", "someone"});
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("received PUBACK (Mid: 1, RC:0)"), std::string::npos) << p.out;
  EXPECT_EQ(sub.wait(10s).exit_code, 0);
}

// A session kept by its expiry interval (-x) holds the message for the next
// mosquitto_sub -c, which prints the expiry interval left (%E) [MQTT-3.3.2-6].
TEST_F(V5Cli, SessionExpiryAndMessageExpiry_MQTT_3_1_2_23) {
  const std::string t = topic("queued");
  // -E: exit as soon as the subscription is acknowledged.
  CliResult s = run_cli("mosquitto_sub", [&] {
    auto a = base("it-cli5-persist");
    a.insert(a.end(), {"-c", "-x", "60", "-q", "1", "-t", t, "-E"});
    return a;
  }(), 10s);
  ASSERT_EQ(s.exit_code, 0) << s.out << s.err;

  const CliResult p = pub("it-cli5-pub", {"-t", t, "-q", "1", "-m", "waited",
                                          "-D", "publish", "message-expiry-interval", "60"});
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("RC:0)"), std::string::npos) << "the offline session's subscription matches\n"
                                                     << p.out;

  s = run_cli("mosquitto_sub", [&] {
    auto a = base("it-cli5-persist");
    a.insert(a.end(), {"-c", "-x", "60", "-q", "1", "-t", t, "-C", "1", "-W", "10", "-F", "%t|%E|%p"});
    return a;
  }(), 15s);
  ASSERT_EQ(s.exit_code, 0) << s.out << s.err;
  const auto lines = lines_starting(s.out, t + "|");
  ASSERT_EQ(lines.size(), 1u) << s.out;
  const std::string prefix = t + "|";
  const std::string rest = lines[0].substr(prefix.size());
  const int left = std::stoi(rest.substr(0, rest.find('|')));
  EXPECT_GT(left, 50);
  EXPECT_LE(left, 60);
  EXPECT_EQ(rest.substr(rest.find('|') + 1), "waited");
}

// mosquitto_sub declares no topic alias maximum, so the gateway sends it no
// aliases [MQTT-3.3.2-11]: full topics and no %A. (libmosquitto 2.0.11 does
// not resolve aliases it receives: with -D connect topic-alias-maximum it
// takes the first aliased PUBLISH and then fails on the second, an empty
// topic, as a protocol error. V5TopicAlias checks the aliases on the wire.)
TEST_F(V5Cli, NoTopicAliasesForClientWithoutMaximum_MQTT_3_3_2_11) {
  const std::string t = topic("aliased");
  CliProcess sub;
  ASSERT_NO_FATAL_FAILURE(
      start_sub(sub, "it-cli5-alias", {"-t", t, "-q", "1", "-C", "3", "-F", "%t|%A|%p"}));
  const CliResult p = pub("it-cli5-pub", {"-t", t, "-q", "1", "-l"}, "mqttv5", "m1\nm2\nm3\n");
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  const CliResult got = sub.wait(10s);
  ASSERT_EQ(got.exit_code, 0) << got.out << got.err;
  EXPECT_EQ(lines_starting(got.out, t + "|"),
            (std::vector<std::string>{t + "||m1", t + "||m2", t + "||m3"}))
      << got.out;
}

}  // namespace
}  // namespace edgemq::itest
