// $SYS topics: published every --sys-interval seconds as retained messages,
// with integer counters, and never matched by filters that start with a
// wildcard [MQTT-4.7.2-1].
#include <map>

#include "tests/integration/fixture.h"
#include "tests/integration/raw_client.h"

namespace edgemq::itest {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> kTopics = {
    "$SYS/broker/uptime", "$SYS/broker/clients/connected", "$SYS/broker/messages/received",
    "$SYS/broker/messages/sent"};

class SysTopics : public GatewayTest {
 protected:
  GatewayOptions options() const override {
    GatewayOptions o;
    o.sys_interval = 1;
    return o;
  }
};

// The leading integer of a payload such as "42" or "42 seconds"; -1 if none.
long long leading_number(const std::string& payload) {
  size_t digits = 0;
  while (digits < payload.size() && std::isdigit(static_cast<unsigned char>(payload[digits]))) {
    ++digits;
  }
  return digits == 0 ? -1 : std::stoll(payload.substr(0, digits));
}

// Reads PUBLISHes until `done` returns true for one of them, for at most `limit`.
template <typename Done>
::testing::AssertionResult read_until(RawClient& c, std::chrono::milliseconds limit, Done done) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    mqtt::Publish p;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (!c.expect(p, std::max(left, std::chrono::milliseconds(1)))) break;
    if (done(p)) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "condition not met within " << limit.count() << " ms";
}

TEST_F(SysTopics, CountersArePublishedPeriodically) {
  RawClient sys;
  ASSERT_TRUE(sys.open_and_connect(port(), "it-sys"));
  ASSERT_TRUE(sys.subscribe("$SYS/broker/#", 0));
  std::map<std::string, std::string> latest;
  // The retained values may predate this client, so wait for a round that
  // counts it as connected.
  ASSERT_TRUE(read_until(sys, 5s, [&](const mqtt::Publish& p) {
    latest[p.topic] = p.payload;
    for (const auto& t : kTopics) {
      if (!latest.count(t)) return false;
    }
    return leading_number(latest["$SYS/broker/clients/connected"]) >= 1;
  })) << "missing some of the four $SYS topics, or clients/connected stayed 0; got "
      << latest.size() << " topics, clients/connected = "
      << latest["$SYS/broker/clients/connected"];
  for (const auto& t : kTopics) EXPECT_GE(leading_number(latest[t]), 0) << t << " = " << latest[t];

  // messages/received counts our publishes within a few intervals.
  const long long before = leading_number(latest["$SYS/broker/messages/received"]);
  RawClient pub;
  ASSERT_TRUE(pub.open_and_connect(port(), "it-sys-pub"));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(pub.publish(topic("count"), "x", 1, false, uint16_t(i + 1)));
  long long after = before;
  EXPECT_TRUE(read_until(sys, 5s, [&](const mqtt::Publish& p) {
    if (p.topic == "$SYS/broker/messages/received") after = leading_number(p.payload);
    return after >= before + 5;
  })) << "messages/received went from " << before << " to " << after;
}

TEST_F(SysTopics, AreRetained) {
  RawClient first;
  ASSERT_TRUE(first.open_and_connect(port(), "it-sys-first"));
  ASSERT_TRUE(first.subscribe("$SYS/broker/uptime", 0));
  ASSERT_TRUE(read_until(first, 5s, [](const mqtt::Publish&) { return true; }));

  // A later subscriber gets the stored value straight after its SUBACK.
  RawClient late;
  ASSERT_TRUE(late.open_and_connect(port(), "it-sys-late"));
  ASSERT_TRUE(late.subscribe("$SYS/broker/uptime", 0));
  mqtt::Publish p;
  ASSERT_TRUE(late.expect(p, 5s));
  EXPECT_EQ(p.topic, "$SYS/broker/uptime");
  EXPECT_TRUE(p.retain) << "first $SYS message after subscribe should be the retained one";
}

TEST_F(SysTopics, WildcardsAtTheStartDoNotMatch) {
  RawClient all;
  ASSERT_TRUE(all.open_and_connect(port(), "it-sys-all"));
  ASSERT_TRUE(all.subscribe("#", 0, 1));
  ASSERT_TRUE(all.subscribe("+/broker/uptime", 0, 2));
  ASSERT_TRUE(all.subscribe("+/#", 0, 3));

  // Let two $SYS rounds pass after those subscriptions.
  RawClient sys;
  ASSERT_TRUE(sys.open_and_connect(port(), "it-sys-watch"));
  ASSERT_TRUE(sys.subscribe("$SYS/broker/uptime", 0));
  int rounds = 0;
  ASSERT_TRUE(read_until(sys, 6s, [&](const mqtt::Publish& p) { return !p.retain && ++rounds == 2; }));

  RawClient pub;
  ASSERT_TRUE(pub.open_and_connect(port(), "it-sys-marker"));
  ASSERT_TRUE(pub.publish(topic("marker"), "marker", 1));
  std::vector<std::string> topics;
  ASSERT_TRUE(read_until(all, 5s, [&](const mqtt::Publish& p) {
    topics.push_back(p.topic);
    return p.topic == topic("marker");
  }));
  for (const auto& t : topics) EXPECT_NE(t.rfind("$", 0), 0u) << "wildcard matched " << t;
}

}  // namespace
}  // namespace edgemq::itest
