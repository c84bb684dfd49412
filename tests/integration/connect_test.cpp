// CONNECT rules: takeover of a connected client id [MQTT-3.1.4-2], empty
// client ids [MQTT-3.1.3-6..9], and MQTT 3.1 ("MQIsdp", level 3) clients.
#include "tests/integration/fixture.h"
#include "tests/integration/raw_client.h"

namespace edgemq::itest {
namespace {

using ConnectTest = GatewayTest;

TEST_F(ConnectTest, SecondConnectionWithSameIdTakesOver) {
  RawClient first, second;
  ASSERT_TRUE(first.open_and_connect(port(), "it-same-id"));
  ASSERT_TRUE(second.open(port()));
  mqtt::Connack ack;
  ASSERT_TRUE(second.connect(make_connect("it-same-id"), ack));
  EXPECT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  EXPECT_TRUE(first.expect_closed(5s)) << "old connection not closed on takeover";
  EXPECT_TRUE(second.ping()) << "new connection unusable after takeover";
}

// Taking over a persistent session keeps it: session present 1, and the new
// connection gets what the subscription matches.
TEST_F(ConnectTest, TakeoverKeepsPersistentSession) {
  RawClient first, second, pub;
  ASSERT_TRUE(first.open_and_connect(port(), "it-takeover", false));
  ASSERT_TRUE(first.subscribe(topic("t"), 1));
  ASSERT_TRUE(second.open(port()));
  mqtt::Connack ack;
  ASSERT_TRUE(second.connect(make_connect("it-takeover", false), ack));
  EXPECT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  EXPECT_TRUE(ack.session_present);
  EXPECT_TRUE(first.expect_closed(5s));

  ASSERT_TRUE(pub.open_and_connect(port(), "it-takeover-pub"));
  ASSERT_TRUE(pub.publish(topic("t"), "after-takeover", 1));
  mqtt::Publish got;
  ASSERT_TRUE(second.expect(got, 5s));
  EXPECT_EQ(got.payload, "after-takeover");
}

// Each empty-id clean-session client gets its own assigned id: if two got the
// same one, the second would take over the first.
TEST_F(ConnectTest, EmptyIdWithCleanSessionIsAssignedAnId) {
  RawClient a, b;
  for (RawClient* c : {&a, &b}) {
    ASSERT_TRUE(c->open(port()));
    mqtt::Connack ack;
    ASSERT_TRUE(c->connect(make_connect("", true), ack));
    EXPECT_EQ(ack.code, mqtt::ConnackCode::Accepted);
    EXPECT_FALSE(ack.session_present);
  }
  EXPECT_TRUE(a.ping()) << "first anonymous client was closed";
  EXPECT_TRUE(b.ping());
}

TEST_F(ConnectTest, EmptyIdWithoutCleanSessionIsRejected) {
  RawClient c;
  ASSERT_TRUE(c.open(port()));
  mqtt::Connack ack;
  ASSERT_TRUE(c.connect(make_connect("", false), ack));
  EXPECT_EQ(ack.code, mqtt::ConnackCode::IdentifierRejected);
  EXPECT_FALSE(ack.session_present);
  EXPECT_TRUE(c.expect_closed(5s)) << "connection must close after a refused CONNACK";
}

// An unknown protocol level gets CONNACK 0x01 and the connection closes
// [MQTT-3.1.2-2]. Level 7 is no MQTT version, so this stays true once MQTT 5
// (level 5) is supported.
TEST_F(ConnectTest, UnsupportedProtocolLevelGetsConnack1_MQTT_3_1_2_2) {
  RawClient c;
  ASSERT_TRUE(c.open(port()));
  mqtt::Connect connect = make_connect("it-level7");
  connect.level = static_cast<mqtt::ProtocolLevel>(7);
  mqtt::Connack ack;
  ASSERT_TRUE(c.connect(connect, ack));
  EXPECT_EQ(ack.code, mqtt::ConnackCode::UnacceptableProtocol);
  EXPECT_FALSE(ack.session_present);
  EXPECT_TRUE(c.expect_closed(5s));
}

TEST_F(ConnectTest, Mqtt31ClientCanPublishAndSubscribe) {
  RawClient c;
  ASSERT_TRUE(c.open(port()));
  mqtt::Connect connect = make_connect("it-mqisdp");
  connect.level = mqtt::ProtocolLevel::V31;
  mqtt::Connack ack;
  ASSERT_TRUE(c.connect(connect, ack));
  ASSERT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  ASSERT_TRUE(c.subscribe(topic("v31"), 1));

  RawClient pub;
  ASSERT_TRUE(pub.open_and_connect(port(), "it-v311-pub"));
  ASSERT_TRUE(pub.publish(topic("v31"), "to-3.1", 1));
  mqtt::Publish got;
  ASSERT_TRUE(c.expect(got, 5s));
  EXPECT_EQ(got.payload, "to-3.1");
  EXPECT_EQ(got.qos, 1);
}

// A second gateway pointed at a port the first one listens on must not share
// it (SO_REUSEPORT would let it, and each would get half the clients).
TEST_F(ConnectTest, ASecondGatewayOnTheSamePortDoesNotStart) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq's listen flag");
  GatewayOptions o;
  o.extra_args = {"--listen-mqtt", "127.0.0.1:" + std::to_string(port())};
  GatewayProcess second(o);
  EXPECT_FALSE(second.start());
  EXPECT_NE(second.log().find("address in use"), std::string::npos) << second.log();
  RawClient c;  // the first one is untouched
  EXPECT_TRUE(c.open_and_connect(port(), "it-still-first"));
}

}  // namespace
}  // namespace edgemq::itest
