// The will of a connection taken over by a new CONNECT for its client id, on
// the wire: the server closes the old connection without a DISCONNECT from
// it, so the will goes out at once [MQTT-3.1.2-8], unless it is a 5.0 will
// with a delay and the new connection continues the session [MQTT-3.1.3-9]
// (docs/architecture.md, "Takeover"; every combination in
// tests/unit/core/takeover_will_test.cpp).
#include <string>

#include "tests/integration/v5_support.h"

namespace edgemq::itest {
namespace {

struct Side {
  mqtt::ProtocolLevel level;
  bool clean;           // clean session (3.1.1) or clean start (5.0)
  uint32_t expiry = 0;  // 5.0 session expiry interval
};

struct Case {
  const char* name;
  Side old_side;
  uint32_t will_delay;  // 5.0 only
  Side new_side;
  bool will_published;
  bool session_present;  // in the new connection's CONNACK
  const char* skip_under_mosquitto = nullptr;  // why mosquitto behaves differently
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

constexpr Side k311Clean{mqtt::ProtocolLevel::V311, true};
constexpr Side k311Persistent{mqtt::ProtocolLevel::V311, false};
constexpr Side k5Transient{mqtt::ProtocolLevel::V5, true, 0};
constexpr Side k5Lasting{mqtt::ProtocolLevel::V5, false, 60};
constexpr Side k5LastingFresh{mqtt::ProtocolLevel::V5, true, 60};
constexpr Side k5ContinuesBriefly{mqtt::ProtocolLevel::V5, false, 0};

constexpr const char* kMosquittoDropsWill =
    "mosquitto 2.0.11 drops the will when both connections keep the session";
constexpr const char* kMosquittoDropsDelayedWill =
    "mosquitto 2.0.11 drops a delayed will when a CONNECT ends its session";

std::vector<Case> cases() {
  return {
      {"V311_CleanThenClean_MQTT_3_1_2_8", k311Clean, 0, k311Clean, true, false},
      {"V311_PersistentThenPersistent_MQTT_3_1_2_8", k311Persistent, 0, k311Persistent, true, true,
       kMosquittoDropsWill},
      {"V5_NoDelay_SessionContinues_MQTT_3_1_2_8", k5Lasting, 0, k5Lasting, true, true,
       kMosquittoDropsWill},
      {"V5_Delay_SessionContinues_MQTT_3_1_3_9", k5Lasting, 5, k5Lasting, false, true},
      {"V5_Delay_NewCleanStart_MQTT_3_1_3_9", k5Lasting, 5, k5LastingFresh, true, false,
       kMosquittoDropsDelayedWill},
      {"V5_Delay_OldExpiryZero_MQTT_3_1_3_9", k5Transient, 5, k5ContinuesBriefly, true, false,
       kMosquittoDropsDelayedWill},
  };
}

class TakeoverWill : public V5Gateway, public ::testing::WithParamInterface<Case> {
 protected:
  mqtt::Connect connect_packet(const Side& side) const {
    mqtt::Connect c = make_connect("it-takeover-dev", side.clean);
    c.level = side.level;
    if (side.level == mqtt::ProtocolLevel::V5) c.props = session_expiry(side.expiry);
    return c;
  }

  // The first PUBLISH the watcher gets after a marker is published: "marker"
  // when no will came before it (the broker has closed the old connection
  // by then, so a will would be routed ahead of the marker).
  std::string next_after_marker(RawClient& watcher) {
    RawClient pub;
    EXPECT_TRUE(pub.open_and_connect(port(), "it-takeover-marker"));
    EXPECT_TRUE(pub.publish(topic("marker"), "marker", 1));
    mqtt::Publish p;
    if (!watcher.expect(p, 5s)) return "(nothing)";
    if (p.qos == 1) watcher.send(mqtt::Puback{p.packet_id});
    return p.payload;
  }
};

TEST_P(TakeoverWill, OldConnectionClosedAndItsWillPublishedOrNot) {
  const Case& c = GetParam();
  if (c.skip_under_mosquitto != nullptr) EDGEMQ_SKIP_UNDER_MOSQUITTO(c.skip_under_mosquitto);
  RawClient watcher, first, second;
  ASSERT_TRUE(watcher.open_and_connect(port(), "it-takeover-watcher"));
  ASSERT_TRUE(watcher.subscribe(topic("#"), 1));

  mqtt::Connect old_connect = connect_packet(c.old_side);
  old_connect.will = mqtt::Will{topic("will"), "gone", 1, false, {}};
  if (c.will_delay != 0) old_connect.will->props.mut().will_delay = c.will_delay;
  ASSERT_TRUE(first.open(port()));
  mqtt::Connack ack;
  ASSERT_TRUE(first.connect(old_connect, ack));
  ASSERT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  ASSERT_TRUE(first.ping());

  ASSERT_TRUE(second.open(port()));
  ASSERT_TRUE(second.connect(connect_packet(c.new_side), ack));
  ASSERT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  EXPECT_EQ(ack.session_present, c.session_present);
  if (c.old_side.level == mqtt::ProtocolLevel::V5 && !under_mosquitto()) {
    EXPECT_TRUE(first.expect_disconnect(reason::kSessionTakenOver, 5s)) << "[MQTT-3.1.4-3]";
  } else {
    EXPECT_TRUE(first.expect_closed(5s)) << "[MQTT-3.1.4-2]";
  }

  if (c.will_published) {
    mqtt::Publish will;
    ASSERT_TRUE(watcher.expect(will, 2s)) << "the will, at once";
    EXPECT_EQ(will.topic, topic("will"));
    EXPECT_EQ(will.payload, "gone");
    EXPECT_EQ(will.qos, 1);
    EXPECT_FALSE(will.retain);
    watcher.send(mqtt::Puback{will.packet_id});
  }
  EXPECT_EQ(next_after_marker(watcher), "marker") << "a will that was not to come, or came twice";
  EXPECT_TRUE(second.ping()) << "the new connection is unaffected";
}

INSTANTIATE_TEST_SUITE_P(Matrix, TakeoverWill, ::testing::ValuesIn(cases()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

using DelayedWill = V5Gateway;

// A will waiting out its delay, its connection already broken: a clean
// start ends the session, and the will goes out at once (section 3.1.3.2.2:
// "or the Session ends, whichever happens first").
TEST_F(DelayedWill, CleanStartSendsItAtOnce_MQTT_3_1_3_9) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO(kMosquittoDropsDelayedWill);
  RawClient watcher, dev, back;
  ASSERT_TRUE(watcher.open_and_connect(port(), "it-takeover-watcher"));
  ASSERT_TRUE(watcher.subscribe(topic("#"), 1));
  mqtt::Connect c = make_connect_v5("it-takeover-dev", false, session_expiry(60));
  mqtt::Properties wp;
  wp.will_delay = 30;
  c.will = mqtt::Will{topic("will"), "gone", 1, false, wp};
  ASSERT_TRUE(dev.open_and_connect_v5(port(), c));
  dev.close();
  EXPECT_TRUE(watcher.expect_nothing(500ms)) << "the will waits for its delay";
  mqtt::Connack ack;
  ASSERT_NO_FATAL_FAILURE(connect_v5(back, "it-takeover-dev", session_expiry(60), true, &ack));
  EXPECT_FALSE(ack.session_present);
  mqtt::Publish will;
  ASSERT_TRUE(watcher.expect(will, 2s)) << "the clean start ended the session";
  EXPECT_EQ(will.topic, topic("will"));
  EXPECT_EQ(will.payload, "gone");
}

}  // namespace
}  // namespace edgemq::itest
