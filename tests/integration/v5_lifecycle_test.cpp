// The ends of MQTT 5.0 connections and sessions, at the byte level: the will
// delay interval (a delayed will, cancelled by a return, cut short by the
// session's end), the DISCONNECTs the gateway sends (keep-alive timeout,
// shutdown, packet too large; with reason strings), and enhanced
// authentication (refused method, AUTH without one).
#include <thread>

#include "tests/integration/cli.h"
#include "tests/integration/v5_support.h"

namespace edgemq::itest {
namespace {

using Clock = std::chrono::steady_clock;

// ------------------------------------------------------------ will delay --

class V5WillDelay : public V5Gateway {
 protected:
  void watch(RawClient& watcher) {
    ASSERT_NO_FATAL_FAILURE(connect_v5(watcher, "it-wd-watcher"));
    ASSERT_TRUE(watcher.subscribe(topic("#"), 1));
  }

  // `dev` connected with a QoS 1 will ("gone") delayed by `delay_s`, and a
  // session expiry interval of `expiry_s`.
  void connect_with_will(RawClient& dev, uint32_t expiry_s, uint32_t delay_s,
                         bool clean_start = true) {
    mqtt::Connect c = make_connect_v5("it-wd-dev", clean_start, session_expiry(expiry_s));
    mqtt::Properties wp;
    wp.will_delay = delay_s;
    c.will = mqtt::Will{topic("will"), "gone", 1, false, wp};
    ASSERT_TRUE(dev.open_and_connect_v5(port(), c));
  }

  // The payload of the first PUBLISH the watcher gets after a marker is
  // published: "marker" if no will came before it.
  std::string next_after_marker(RawClient& watcher) {
    RawClient pub;
    EXPECT_NO_FATAL_FAILURE(connect_v5(pub, "it-wd-marker"));
    EXPECT_TRUE(pub.publish(make_publish(topic("marker"), "marker", 1), nullptr));
    mqtt::Publish p;
    if (!receive(watcher, p)) return "(nothing)";
    return p.payload;
  }
};

// A will with a delay of 2 s, its session living on (expiry 60 s): after the
// connection breaks, nothing for the first second, then the will, not before
// 2 s (section 3.1.3.2.2, [MQTT-3.1.2-8]).
TEST_F(V5WillDelay, WillPublishedAfterDelay_MQTT_3_1_2_8) {
  RawClient watcher, dev;
  ASSERT_NO_FATAL_FAILURE(watch(watcher));
  ASSERT_NO_FATAL_FAILURE(connect_with_will(dev, 60, 2));
  dev.close();
  const auto closed = Clock::now();
  EXPECT_TRUE(watcher.expect_nothing(1s)) << "the will did not wait for its delay";
  mqtt::Publish p;
  ASSERT_TRUE(receive(watcher, p)) << "no will within 6 s of the close";
  const auto waited = Clock::now() - closed;
  EXPECT_EQ(p.topic, topic("will"));
  EXPECT_EQ(p.payload, "gone");
  EXPECT_GE(waited, 1900ms) << "published before its 2 s delay";
  EXPECT_LE(waited, 4s);
}

// Back before the delay has passed (clean start 0, the same session): the
// will is not sent at all [MQTT-3.1.3-9].
TEST_F(V5WillDelay, ReconnectWithinDelayCancelsWill_MQTT_3_1_3_9) {
  RawClient watcher, dev;
  ASSERT_NO_FATAL_FAILURE(watch(watcher));
  ASSERT_NO_FATAL_FAILURE(connect_with_will(dev, 60, 2));
  dev.close();
  const auto closed = Clock::now();
  RawClient back;
  mqtt::Connack ack;
  ASSERT_NO_FATAL_FAILURE(connect_v5(back, "it-wd-dev", session_expiry(60), false, &ack));
  EXPECT_TRUE(ack.session_present);
  std::this_thread::sleep_until(closed + 2500ms);  // past the delay: a will would be out
  EXPECT_EQ(next_after_marker(watcher), "marker") << "the will was published";
}

// A new connection taking over the session while the old one is still up
// is back within the delay too: the old connection's will is not sent
// [MQTT-3.1.3-9] (without a delay it is, see V5Will).
TEST_F(V5WillDelay, TakeoverWithinDelayCancelsWill_MQTT_3_1_3_9) {
  RawClient watcher, dev, second;
  ASSERT_NO_FATAL_FAILURE(watch(watcher));
  ASSERT_NO_FATAL_FAILURE(connect_with_will(dev, 60, 2));
  const auto taken = Clock::now();
  mqtt::Connack ack;
  ASSERT_NO_FATAL_FAILURE(connect_v5(second, "it-wd-dev", session_expiry(60), false, &ack));
  EXPECT_TRUE(ack.session_present);
  EXPECT_TRUE(dev.expect_closed(5s));
  std::this_thread::sleep_until(taken + 2500ms);
  EXPECT_EQ(next_after_marker(watcher), "marker") << "the will was published";
}

// The session ends before the delay does (expiry 1 s, delay 30 s): the will
// goes out when the session ends (section 3.1.3.2.2: "until the Will Delay
// Interval has passed or the Session ends, whichever happens first").
TEST_F(V5WillDelay, SessionEndingFirstPublishesWill_MQTT_3_1_3_2) {
  RawClient watcher, dev;
  ASSERT_NO_FATAL_FAILURE(watch(watcher));
  ASSERT_NO_FATAL_FAILURE(connect_with_will(dev, 1, 30));
  dev.close();
  const auto closed = Clock::now();
  mqtt::Publish p;
  ASSERT_TRUE(receive(watcher, p)) << "no will within 5 s of a 1 s session's end";
  EXPECT_EQ(p.payload, "gone");
  EXPECT_GE(Clock::now() - closed, 900ms) << "published before the session ended";
  // And the session is gone with it.
  RawClient back;
  mqtt::Connack ack;
  ASSERT_NO_FATAL_FAILURE(connect_v5(back, "it-wd-dev", session_expiry(1), false, &ack));
  EXPECT_FALSE(ack.session_present);
}

// A session that ends with the connection (expiry 0) does not wait for the
// will's delay either: the will goes out at once.
TEST_F(V5WillDelay, ZeroSessionExpiryPublishesWillAtOnce_MQTT_3_1_3_2) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("mosquitto 2.0.11 waits for the delay although the session has ended");
  RawClient watcher, dev;
  ASSERT_NO_FATAL_FAILURE(watch(watcher));
  ASSERT_NO_FATAL_FAILURE(connect_with_will(dev, 0, 30));
  dev.close();
  mqtt::Publish p;
  ASSERT_TRUE(watcher.expect(p, 2s)) << "will held back although the session ended";
  EXPECT_EQ(p.payload, "gone");
}

// ------------------------------------------------- server DISCONNECTs --

using V5ServerDisconnect = V5Gateway;

// Silent for 1.5 keep-alive periods [MQTT-3.1.2-22]: a 5.0 client is told
// why before the close, DISCONNECT 0x8D with a reason string.
TEST_F(V5ServerDisconnect, KeepAliveTimeout_MQTT_3_1_2_22) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("mosquitto 2.0.11 closes without DISCONNECT");
  RawClient c;
  const auto connected = Clock::now();
  ASSERT_TRUE(c.open_and_connect_v5(port(), make_connect_v5("it-sd-ka", true, {}, 1)));
  mqtt::Disconnect d;
  ASSERT_TRUE(c.expect_disconnect(reason::kKeepAliveTimeout, 3s, d));
  EXPECT_GE(Clock::now() - connected, 1400ms) << "cut before 1.5 keep-alive periods";
  ASSERT_TRUE(d.props->reason_string);
  EXPECT_EQ(*d.props->reason_string, "Keep Alive timeout");
}

// SIGTERM: each 5.0 client is told DISCONNECT 0x8B before its connection
// closes (docs/mqtt5.md: best effort; on an idle loopback connection it
// always gets through).
TEST_F(V5ServerDisconnect, ShutdownSendsServerShuttingDown_MQTT_3_14_2_1) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("mosquitto 2.0.11 closes without DISCONNECT");
  RawClient a, b;
  ASSERT_NO_FATAL_FAILURE(connect_v5(a, "it-sd-shut-a"));
  ASSERT_NO_FATAL_FAILURE(connect_v5(b, "it-sd-shut-b", session_expiry(60)));
  ASSERT_TRUE(gw().stop());
  mqtt::Disconnect d;
  EXPECT_TRUE(a.expect_disconnect(reason::kServerShuttingDown, 2s, d));
  EXPECT_TRUE(b.expect_disconnect(reason::kServerShuttingDown, 2s));
}

// SIGTERM closes connections without publishing their wills
// (docs/configuration.md, "Signals"): a persistent subscriber to the will
// topic finds none after the restart.
TEST_F(V5ServerDisconnect, ShutdownPublishesNoWill) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq's documented choice");
  {
    RawClient watcher;
    ASSERT_NO_FATAL_FAILURE(connect_v5(watcher, "it-sd-watcher", session_expiry(300), false));
    ASSERT_TRUE(watcher.subscribe(topic("#"), 1));
    ASSERT_TRUE(watcher.disconnect());
  }
  RawClient dev;
  mqtt::Connect c = make_connect_v5("it-sd-dev");
  c.will = mqtt::Will{topic("will"), "gone", 1, false, {}};
  ASSERT_TRUE(dev.open_and_connect_v5(port(), c));
  ASSERT_TRUE(gw().stop());
  ASSERT_TRUE(gw().restart());
  RawClient pub;
  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-sd-marker"));
  ASSERT_TRUE(pub.publish(make_publish(topic("marker"), "marker", 1), nullptr));
  RawClient watcher;
  mqtt::Connack ack;
  ASSERT_NO_FATAL_FAILURE(connect_v5(watcher, "it-sd-watcher", session_expiry(300), false, &ack));
  ASSERT_TRUE(ack.session_present);
  mqtt::Publish p;
  ASSERT_TRUE(receive(watcher, p));
  EXPECT_EQ(p.payload, "marker") << "a will was published at shutdown";
}

class V5SmallPacketsDisconnect : public V5Gateway {
 protected:
  std::vector<std::string> extra_args() const override { return {"--max-packet-size", "1024"}; }
};

// A packet larger than --max-packet-size: DISCONNECT 0x95 [MQTT-3.2.2.3.6]
// whose reason string says so (section 3.14.2.2.3).
TEST_F(V5SmallPacketsDisconnect, PacketTooLargeWithReasonString_MQTT_3_2_2_3_6) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq command-line flags");
  RawClient c;
  ASSERT_NO_FATAL_FAILURE(connect_v5(c, "it-sd-big"));
  ASSERT_TRUE(c.send(make_publish(topic("t"), std::string(2000, 'x'), 1, 1)));
  mqtt::Disconnect d;
  ASSERT_TRUE(c.expect_disconnect(reason::kPacketTooLarge, 5s, d));
  ASSERT_TRUE(d.props->reason_string) << "no reason string";
  EXPECT_EQ(d.props->reason_string->rfind("Packet too large", 0), 0u) << *d.props->reason_string;
}

// A violation's DISCONNECT names the reason and the packet in its reason
// string (docs/mqtt5.md: 0x94 "Topic Alias invalid: PUBLISH"), and leaves
// the reason string out when it would make the packet larger than the
// client's maximum packet size [MQTT-3.14.2-3].
TEST_F(V5ServerDisconnect, ReasonStringNamesViolation_MQTT_3_14_2_3) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq's reason strings");
  mqtt::Properties alias;
  alias.topic_alias = 1000;
  {
    RawClient c;
    ASSERT_NO_FATAL_FAILURE(connect_v5(c, "it-sd-alias"));
    ASSERT_TRUE(c.send(make_publish(topic("t"), "x", 0, 0, alias)));
    mqtt::Disconnect d;
    ASSERT_TRUE(c.expect_disconnect(reason::kTopicAliasInvalid, 5s, d));
    EXPECT_EQ(d.props->reason_string, std::optional<std::string>("Topic Alias invalid: PUBLISH"));
  }
  {
    RawClient c;
    mqtt::Properties tiny;
    tiny.maximum_packet_size = 32;  // CONNACK (16 bytes) fits, the reason string not
    ASSERT_NO_FATAL_FAILURE(connect_v5(c, "it-sd-tiny", tiny));
    ASSERT_TRUE(c.send(make_publish(topic("t"), "x", 0, 0, alias)));
    mqtt::Disconnect d;
    ASSERT_TRUE(c.expect_disconnect(reason::kTopicAliasInvalid, 5s, d));
    EXPECT_FALSE(d.props->reason_string) << "DISCONNECT larger than the client's maximum";
  }
}

// ------------------------------------------------ enhanced authentication --

using V5Auth = V5Gateway;

// AUTH from a client whose CONNECT named no authentication method, whether
// re-authentication (0x19) or continue (0x18), is a Protocol Error: the
// client cannot have started an exchange (section 4.12).
TEST_F(V5Auth, AuthWithoutMethodInConnectIsProtocolError_MQTT_4_12) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("mosquitto 2.0.11 closes without DISCONNECT");
  for (const uint8_t code : {reason::kReauthenticate, reason::kContinueAuthentication}) {
    SCOPED_TRACE("AUTH " + hex_byte(code));
    RawClient c;
    ASSERT_NO_FATAL_FAILURE(connect_v5(c, "it-auth-none"));
    mqtt::Auth auth{code, {}};
    auth.props.mut().auth_method = "SCRAM-SHA-1";
    auth.props.mut().auth_data = "client-first";
    ASSERT_TRUE(c.send(auth));
    EXPECT_TRUE(c.expect_disconnect(reason::kProtocolError, 5s));
  }
}

// mosquitto_pub naming an authentication method the gateway does not offer:
// CONNACK 0x8C [MQTT-4.12.0-1], which mosquitto_pub makes its exit status.
TEST_F(V5Auth, MosquittoPubWithUnknownMethodRefused_MQTT_4_12_0_1) {
  const CliResult r =
      run_cli("mosquitto_pub",
              {"-h", "127.0.0.1", "-p", std::to_string(port()), "-i", "it-auth-cli", "-V",
               "mqttv5", "-t", topic("t"), "-m", "x", "-D", "connect", "authentication-method",
               "SCRAM-SHA-1"},
              10s);
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, reason::kBadAuthenticationMethod) << r.out << r.err;
  RawClient c;
  ASSERT_NO_FATAL_FAILURE(connect_v5(c, "it-auth-after"));
  EXPECT_TRUE(c.ping()) << "the gateway is unharmed";
}

}  // namespace
}  // namespace edgemq::itest
