// MQTT 5.0 as an application using Paho C++ sees it: CONNACK properties,
// message properties in and out, mixing with a 3.1.1 client, reason codes on
// the tokens, subscription options, session expiry with message expiry, and
// topic aliases.
#include <mqtt/properties.h>
#include <mqtt/subscribe_options.h>

#include <map>

#include "tests/integration/fixture.h"
#include "tests/integration/paho_client.h"

namespace edgemq::itest {
namespace {

using V5Paho = GatewayTest;

template <class T>
std::optional<T> prop(const ::mqtt::properties& props, ::mqtt::property::code code) {
  if (!props.contains(code)) return std::nullopt;
  return ::mqtt::get<T>(props, code);
}

std::vector<std::pair<std::string, std::string>> user_properties(const ::mqtt::properties& props) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < props.count(::mqtt::property::USER_PROPERTY); ++i) {
    const auto [k, v] = ::mqtt::get<::mqtt::string_pair>(props, ::mqtt::property::USER_PROPERTY, i);
    out.emplace_back(k, v);
  }
  return out;
}

::mqtt::message_ptr message(const std::string& topic, const std::string& payload, int qos,
                            const ::mqtt::properties& props = {}, bool retained = false) {
  auto m = ::mqtt::make_message(topic, payload, qos, retained);
  m->set_properties(props);
  return m;
}

::mqtt::properties session_expiry_props(int seconds) {
  return {::mqtt::property(::mqtt::property::SESSION_EXPIRY_INTERVAL, seconds)};
}

TEST_F(V5Paho, ConnackPropertiesReachApplication_MQTT_3_2_2_3) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq's limits");
  PahoClient c(uri(), "it-paho5-connack", MQTTVERSION_5);
  ::mqtt::properties connack;
  bool present = true;
  ASSERT_TRUE(c.connect_v5(true, {}, &present, &connack));
  EXPECT_FALSE(present);
  using P = ::mqtt::property;
  EXPECT_EQ(prop<uint16_t>(connack, P::RECEIVE_MAXIMUM), std::optional<uint16_t>(1024));
  EXPECT_EQ(prop<uint32_t>(connack, P::MAXIMUM_PACKET_SIZE), std::optional<uint32_t>(1048576));
  EXPECT_EQ(prop<uint16_t>(connack, P::TOPIC_ALIAS_MAXIMUM), std::optional<uint16_t>(64));
  EXPECT_TRUE(c.disconnect());
}

// Properties a Paho publisher sets are what a Paho 5.0 subscriber reads,
// user properties in order with duplicates [MQTT-3.3.2-17/18]; a 3.1.1
// subscriber gets the same payload.
TEST_F(V5Paho, MessagePropertiesRoundTrip_MQTT_3_3_2_17) {
  PahoClient sub5(uri(), "it-paho5-sub", MQTTVERSION_5);
  PahoClient sub3(uri(), "it-paho3-sub");
  PahoClient pub(uri(), "it-paho5-pub", MQTTVERSION_5);
  ASSERT_TRUE(sub5.connect_v5(true));
  ASSERT_TRUE(sub5.subscribe(topic("t"), 1));
  ASSERT_TRUE(sub3.connect(true));
  ASSERT_TRUE(sub3.subscribe(topic("t"), 1));
  ASSERT_TRUE(pub.connect_v5(true));

  using P = ::mqtt::property;
  const std::string correlation{'\x00', '\x2a', 'r', 'e', 'q'};
  ::mqtt::properties props{
      P(P::PAYLOAD_FORMAT_INDICATOR, 1),    P(P::CONTENT_TYPE, "text/plain"),
      P(P::RESPONSE_TOPIC, topic("reply")), P(P::CORRELATION_DATA, correlation),
      P(P::USER_PROPERTY, "k", "v1"),       P(P::USER_PROPERTY, "a", "x"),
      P(P::USER_PROPERTY, "k", "v2")};
  int rc = -1;
  ASSERT_TRUE(pub.publish(message(topic("t"), "hello", 1, props), &rc));
  EXPECT_EQ(rc, 0x00);

  auto got = sub5.receive(5s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->get_payload_str(), "hello");
  const auto& in = got->get_properties();
  EXPECT_EQ(prop<uint8_t>(in, P::PAYLOAD_FORMAT_INDICATOR), std::optional<uint8_t>(1));
  EXPECT_EQ(prop<std::string>(in, P::CONTENT_TYPE), std::optional<std::string>("text/plain"));
  EXPECT_EQ(prop<std::string>(in, P::RESPONSE_TOPIC), std::optional<std::string>(topic("reply")));
  EXPECT_EQ(prop<std::string>(in, P::CORRELATION_DATA), std::optional<std::string>(correlation));
  const std::vector<std::pair<std::string, std::string>> want = {
      {"k", "v1"}, {"a", "x"}, {"k", "v2"}};
  EXPECT_EQ(user_properties(in), want);

  auto old = sub3.receive(5s);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->get_payload_str(), "hello");
  EXPECT_EQ(old->get_topic(), topic("t"));
}

// A refused PUBLISH reaches the application as its reason code
// [MQTT-3.4.2.1]. (Paho 1.2 reads every successful PUBACK as 0x00, so the
// 0x10 "no matching subscribers" is checked with the raw client and
// mosquitto_pub instead.)
TEST_F(V5Paho, RefusedPublishReportedToApplication_MQTT_3_4_2_1) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq refuses $SYS publishes; mosquitto's ACL decides");
  PahoClient pub(uri(), "it-paho5-pub", MQTTVERSION_5);
  ASSERT_TRUE(pub.connect_v5(true));
  int rc = -1;
  ASSERT_TRUE(pub.publish(message("$SYS/broker/fake", "x", 1), &rc));
  EXPECT_EQ(rc, 0x87);
  ASSERT_TRUE(pub.publish(message(topic("t"), "fine", 1), &rc));
  EXPECT_EQ(rc, 0x00);
  EXPECT_TRUE(pub.is_connected());
}

// SUBACK and UNSUBACK codes as Paho reports them.
TEST_F(V5Paho, SubscribeAndUnsubscribeReasonCodes_MQTT_3_9_3) {
  PahoClient c(uri(), "it-paho5-codes", MQTTVERSION_5);
  ::mqtt::properties connack;
  ASSERT_TRUE(c.connect_v5(true, {}, nullptr, &connack));
  std::vector<int> codes;
  ASSERT_TRUE(c.subscribe(topic("t"), 2, ::mqtt::subscribe_options(), &codes));
  EXPECT_EQ(codes, std::vector<int>{2});
  ASSERT_TRUE(c.unsubscribe(topic("t"), &codes));
  EXPECT_EQ(codes, std::vector<int>{0x00});
  ASSERT_TRUE(c.unsubscribe(topic("t"), &codes));
  EXPECT_EQ(codes, std::vector<int>{0x11});
  // A $share filter as CONNACK announced [MQTT-3.2.2.3.13].
  const bool shared = prop<uint8_t>(connack, ::mqtt::property::SHARED_SUBSCRIPTION_AVAILABLE) !=
                      std::optional<uint8_t>(0);
  ASSERT_TRUE(c.subscribe("$share/g/" + topic("t"), 1, ::mqtt::subscribe_options(), &codes));
  EXPECT_EQ(codes, std::vector<int>{shared ? 0x01 : 0x9E});
  EXPECT_TRUE(c.is_connected());
}

// Retain handling through Paho's subscribe options [MQTT-3.3.1-9..11].
TEST_F(V5Paho, RetainHandlingOptions_MQTT_3_3_1_10) {
  PahoClient pub(uri(), "it-paho5-pub", MQTTVERSION_5);
  ASSERT_TRUE(pub.connect_v5(true));
  ASSERT_TRUE(pub.publish(message(topic("r"), "kept", 1, {}, true)));

  using SO = ::mqtt::subscribe_options;
  PahoClient sub(uri(), "it-paho5-sub", MQTTVERSION_5);
  ASSERT_TRUE(sub.connect_v5(true));
  // The first message after SUBSCRIBE with `rh`: "kept" if the retained
  // message came, else the live marker published after the SUBACK.
  auto first_after = [&](SO::RetainHandling rh) -> std::string {
    EXPECT_TRUE(
        sub.subscribe(topic("r"), 1, SO(SO::SUBSCRIBE_LOCAL, SO::NO_RETAIN_AS_PUBLISHED, rh)));
    EXPECT_TRUE(pub.publish(message(topic("r"), "marker", 1)));
    auto m = sub.receive(5s);
    if (!m) return "(nothing)";
    const std::string first = m->get_payload_str();
    if (first != "marker") {
      auto marker = sub.receive(5s);
      EXPECT_TRUE(marker && marker->get_payload_str() == "marker");
    }
    return first;
  };
  EXPECT_EQ(first_after(SO::DONT_SEND_RETAINED), "marker");
  EXPECT_EQ(first_after(SO::SEND_RETAINED_ON_NEW), "marker") << "subscription already existed";
  EXPECT_EQ(first_after(SO::SEND_RETAINED_ON_SUBSCRIBE), "kept");
  ASSERT_TRUE(sub.unsubscribe(topic("r")));
  EXPECT_EQ(first_after(SO::SEND_RETAINED_ON_NEW), "kept") << "new subscription";
}

// A session with an expiry interval: queued messages after reconnecting with
// clean start 0, session present reported to the application [MQTT-3.1.2-23].
TEST_F(V5Paho, SessionExpiryKeepsQueuedMessages_MQTT_3_1_2_23) {
  {
    PahoClient sub(uri(), "it-paho5-persist", MQTTVERSION_5);
    bool present = true;
    ASSERT_TRUE(sub.connect_v5(false, session_expiry_props(60), &present));
    EXPECT_FALSE(present);
    ASSERT_TRUE(sub.subscribe(topic("q"), 1));
    ASSERT_TRUE(sub.disconnect());
  }
  PahoClient pub(uri(), "it-paho5-pub", MQTTVERSION_5);
  ASSERT_TRUE(pub.connect_v5(true));
  using P = ::mqtt::property;
  for (int i = 1; i <= 3; ++i) {
    ::mqtt::properties props{P(P::MESSAGE_EXPIRY_INTERVAL, 120)};
    ASSERT_TRUE(pub.publish(message(topic("q"), "m" + std::to_string(i), 1, props)));
  }
  PahoClient sub(uri(), "it-paho5-persist", MQTTVERSION_5);
  bool present = false;
  ASSERT_TRUE(sub.connect_v5(false, session_expiry_props(60), &present));
  EXPECT_TRUE(present);
  for (int i = 1; i <= 3; ++i) {
    auto m = sub.receive(5s);
    ASSERT_TRUE(m) << "m" << i;
    EXPECT_EQ(m->get_payload_str(), "m" + std::to_string(i));
    const auto left = prop<uint32_t>(m->get_properties(), P::MESSAGE_EXPIRY_INTERVAL);
    ASSERT_TRUE(left);
    EXPECT_LE(*left, 120u);
    EXPECT_GT(*left, 100u);
  }
}

// Paho 1.2 (with Paho C 1.3) does not resolve topic aliases a broker sends:
// an application that declares a topic alias maximum gets the alias in the
// message properties and, from the second message on, an empty topic. So the
// application sees full topics only if it declares none (the gateway then
// sends no aliases); one that does can resolve them from the properties,
// which shows the gateway's aliases (see V5TopicAlias for the wire) are
// consistent.
TEST_F(V5Paho, TopicAliasesAsApplicationSeesThem_MQTT_3_3_2_3_4) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq-specific: mosquitto 2.0.11 sends no topic aliases");
  using P = ::mqtt::property;
  PahoClient plain(uri(), "it-paho5-plain", MQTTVERSION_5);
  ASSERT_TRUE(plain.connect_v5(true));
  ASSERT_TRUE(plain.subscribe(topic("#"), 1));
  PahoClient aliased(uri(), "it-paho5-alias", MQTTVERSION_5);
  ASSERT_TRUE(aliased.connect_v5(true, {P(P::TOPIC_ALIAS_MAXIMUM, 10)}));
  ASSERT_TRUE(aliased.subscribe(topic("#"), 1));
  PahoClient pub(uri(), "it-paho5-pub", MQTTVERSION_5);
  ASSERT_TRUE(pub.connect_v5(true));
  const std::vector<std::string> topics = {topic("a"), topic("a"), topic("b"), topic("a"),
                                           topic("b")};
  for (const auto& t : topics) ASSERT_TRUE(pub.publish(message(t, t, 1)));

  for (const auto& t : topics) {
    auto m = plain.receive(5s);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->get_payload_str(), t);
    EXPECT_EQ(m->get_topic(), t);
    EXPECT_FALSE(m->get_properties().contains(P::TOPIC_ALIAS));
  }
  std::map<uint16_t, std::string> aliases;
  for (const auto& t : topics) {
    auto m = aliased.receive(5s);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->get_payload_str(), t);
    const auto alias = prop<uint16_t>(m->get_properties(), P::TOPIC_ALIAS);
    ASSERT_TRUE(alias) << "no alias for a client that allows 10";
    if (!m->get_topic().empty()) aliases[*alias] = m->get_topic();
    EXPECT_EQ(aliases[*alias], t) << "alias " << *alias;
  }
  EXPECT_EQ(aliases.size(), 2u);
}

}  // namespace
}  // namespace edgemq::itest
