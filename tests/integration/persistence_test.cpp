// Persistent sessions (clean session 0): the subscription and the QoS 1/2
// messages queued while the client is away survive its disconnect, a clean
// gateway restart and a SIGKILL after the publishes were acknowledged; the
// reconnect reports session present [MQTT-3.2.2-2] and the messages arrive in
// publish order.
#include "tests/integration/fixture.h"
#include "tests/integration/paho_client.h"
#include "tests/integration/raw_client.h"

namespace edgemq::itest {
namespace {

constexpr int kQueued = 10;
const char* const kSubscriber = "it-persistent-sub";

enum class Between { Nothing, CleanRestart, Kill9 };

class PersistentSession : public GatewayTest {
 protected:
  void subscribe_persistently(const std::string& filter, int qos) {
    PahoClient sub(uri(), kSubscriber);
    bool present = true;
    ASSERT_TRUE(sub.connect(false, &present));
    EXPECT_FALSE(present) << "fresh broker reported a stored session";
    ASSERT_TRUE(sub.subscribe(filter, qos));
    ASSERT_TRUE(sub.disconnect());
  }

  void publish_sequence(const std::string& t, int qos, int count) {
    PahoClient pub(uri(), "it-persistent-pub");
    ASSERT_TRUE(pub.connect(true));
    for (int i = 1; i <= count; ++i) ASSERT_TRUE(pub.publish(t, "m" + std::to_string(i), qos));
    ASSERT_TRUE(pub.disconnect());
  }

  void bounce(Between what) {
    if (what == Between::CleanRestart) {
      ASSERT_TRUE(gw().stop());
      ASSERT_TRUE(gw().restart());
    } else if (what == Between::Kill9) {
      gw().kill9();
      ASSERT_TRUE(gw().restart());
    }
  }

  // Reconnects the persistent subscriber and checks that m1..m<count> arrive in order.
  void expect_queued(const std::string& t, int qos, int count) {
    PahoClient sub(uri(), kSubscriber);
    bool present = false;
    ASSERT_TRUE(sub.connect(false, &present));
    EXPECT_TRUE(present) << "session present must be 1 for a stored session";
    for (int i = 1; i <= count; ++i) {
      auto msg = sub.receive(5s);
      ASSERT_TRUE(msg) << "queued message m" << i << " never arrived";
      EXPECT_EQ(msg->get_topic(), t);
      EXPECT_EQ(msg->get_payload_str(), "m" + std::to_string(i)) << "out of order";
      EXPECT_EQ(msg->get_qos(), qos);
    }
    ASSERT_TRUE(sub.disconnect());
  }

  void run(Between what, int qos) {
    const std::string t = topic("queue");
    ASSERT_NO_FATAL_FAILURE(subscribe_persistently(t, qos));
    ASSERT_NO_FATAL_FAILURE(publish_sequence(t, qos, kQueued));
    ASSERT_NO_FATAL_FAILURE(bounce(what));
    ASSERT_NO_FATAL_FAILURE(expect_queued(t, qos, kQueued));
  }
};

TEST_F(PersistentSession, Qos1QueuedWhileOffline) { run(Between::Nothing, 1); }
TEST_F(PersistentSession, Qos2QueuedWhileOffline) { run(Between::Nothing, 2); }
TEST_F(PersistentSession, Qos1QueuedAcrossCleanRestart) { run(Between::CleanRestart, 1); }
TEST_F(PersistentSession, Qos2QueuedAcrossCleanRestart) { run(Between::CleanRestart, 2); }

TEST_F(PersistentSession, Qos1QueuedAcrossKill9) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("mosquitto persists only at shutdown/autosave; SIGKILL loses state");
  run(Between::Kill9, 1);
}

// The subscription itself is durable once SUBACKed: kill the gateway before
// anything is queued, then again after the acknowledged publishes.
TEST_F(PersistentSession, SubscriptionSurvivesKill9) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("mosquitto persists only at shutdown/autosave; SIGKILL loses state");
  const std::string t = topic("queue");
  ASSERT_NO_FATAL_FAILURE(subscribe_persistently(t, 1));
  ASSERT_NO_FATAL_FAILURE(bounce(Between::Kill9));
  ASSERT_NO_FATAL_FAILURE(publish_sequence(t, 1, kQueued));
  ASSERT_NO_FATAL_FAILURE(bounce(Between::Kill9));
  ASSERT_NO_FATAL_FAILURE(expect_queued(t, 1, kQueued));
}

// A clean-session connect discards the stored session: session present 0
// [MQTT-3.2.2-1], nothing queued is delivered, and the next persistent
// connect starts from nothing.
TEST_F(PersistentSession, CleanSessionDiscardsStoredSession) {
  const std::string t = topic("queue");
  ASSERT_NO_FATAL_FAILURE(subscribe_persistently(t, 1));
  ASSERT_NO_FATAL_FAILURE(publish_sequence(t, 1, 3));
  {
    PahoClient sub(uri(), kSubscriber);
    bool present = true;
    ASSERT_TRUE(sub.connect(true, &present));
    EXPECT_FALSE(present);
    ASSERT_TRUE(sub.subscribe(topic("marker"), 1));
    RawClient pub;
    ASSERT_TRUE(pub.open_and_connect(port(), "it-marker-pub"));
    ASSERT_TRUE(pub.publish(topic("marker"), "marker", 1));
    auto msg = sub.receive(5s);
    ASSERT_TRUE(msg);
    EXPECT_EQ(msg->get_payload_str(), "marker") << "a message of the discarded session arrived";
    ASSERT_TRUE(sub.disconnect());
  }
  PahoClient again(uri(), kSubscriber);
  bool present = true;
  ASSERT_TRUE(again.connect(false, &present));
  EXPECT_FALSE(present) << "clean session must have removed the stored session";
}

// A QoS 1 message the subscriber received but never acknowledged is sent
// again, with DUP=1 and the same packet id, after a clean gateway restart.
TEST_F(PersistentSession, UnacknowledgedRedeliveredAfterCleanRestart) {
  const std::string t = topic("unacked");
  RawClient sub;
  ASSERT_TRUE(sub.open_and_connect(port(), kSubscriber, false));
  ASSERT_TRUE(sub.subscribe(t, 1));
  PahoClient pub(uri(), "it-unacked-pub");
  ASSERT_TRUE(pub.connect(true));
  ASSERT_TRUE(pub.publish(t, "unacked", 1));
  mqtt::Publish first;
  ASSERT_TRUE(sub.expect(first, 5s));
  EXPECT_FALSE(first.dup);
  sub.close();  // no PUBACK, no DISCONNECT
  ASSERT_TRUE(pub.disconnect());

  ASSERT_TRUE(gw().stop());
  ASSERT_TRUE(gw().restart());
  ASSERT_TRUE(sub.open(port()));
  mqtt::Connack ack;
  ASSERT_TRUE(sub.connect(make_connect(kSubscriber, false), ack));
  EXPECT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  EXPECT_TRUE(ack.session_present);
  mqtt::Publish again;
  ASSERT_TRUE(sub.expect(again, 5s));
  EXPECT_EQ(again.payload, "unacked");
  EXPECT_TRUE(again.dup);
  EXPECT_EQ(again.qos, 1);
  EXPECT_EQ(again.packet_id, first.packet_id);
  EXPECT_TRUE(sub.send(mqtt::Puback{again.packet_id}));
}

}  // namespace
}  // namespace edgemq::itest
