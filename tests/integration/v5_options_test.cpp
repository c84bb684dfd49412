// MQTT 5.0 subscription options and identifiers end to end: no local,
// retain as published, subscription identifiers (overlapping subscriptions,
// retained messages, replacement, persistence), and request problem
// information 0; with the raw client (bytes), Paho and mosquitto_sub.
// Retain handling is in v5_delivery_test.cpp and paho_v5_test.cpp.
#include <mqtt/properties.h>
#include <mqtt/subscribe_options.h>

#include <algorithm>

#include "tests/integration/cli.h"
#include "tests/integration/paho_client.h"
#include "tests/integration/v5_support.h"

namespace edgemq::itest {
namespace {

// A SUBSCRIBE of one filter with the given options and identifier (0: none).
mqtt::Subscribe subscribe_with(const std::string& filter, uint16_t packet_id, uint32_t id,
                               bool no_local = false, bool rap = false) {
  mqtt::Subscribe s = make_subscribe(filter, 1, packet_id);
  s.subscriptions[0].no_local = no_local;
  s.subscriptions[0].retain_as_published = rap;
  if (id != 0) s.props.mut().subscription_ids = {id};
  return s;
}

std::vector<uint32_t> sorted(std::vector<uint32_t> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

class V5Options : public V5Gateway {
 protected:
  void subscribe_ok(RawClient& c, const mqtt::Subscribe& s) {
    mqtt::Suback ack;
    ASSERT_TRUE(c.subscribe(s, ack));
    ASSERT_EQ(ack.return_codes, std::vector<uint8_t>(s.subscriptions.size(), 1));
  }

  // Publishes a QoS 1 marker on topic("marker") that `c` must be subscribed
  // to, and returns every PUBLISH `c` got before it: as the marker is
  // published last, anything else would have come first.
  std::vector<mqtt::Publish> until_marker(RawClient& c, RawClient& pub, uint16_t id) {
    EXPECT_TRUE(pub.publish(make_publish(topic("marker"), "marker", 1, id), nullptr));
    std::vector<mqtt::Publish> before;
    for (;;) {
      mqtt::Publish p;
      if (!receive(c, p)) {
        ADD_FAILURE() << "marker never arrived";
        return before;
      }
      if (p.payload == "marker") return before;
      before.push_back(p);
    }
  }
};

// ------------------------------------------------------------- no local --

using V5NoLocal = V5Options;

// A no-local subscription does not get the client's own messages
// [MQTT-3.8.3-3]; another client's subscription to the topic does, and the
// no-local subscriber still gets what others publish.
TEST_F(V5NoLocal, OwnMessagesNotForwarded_MQTT_3_8_3_3) {
  RawClient self, other, third;
  ASSERT_NO_FATAL_FAILURE(connect_v5(self, "it-nl-self"));
  ASSERT_NO_FATAL_FAILURE(subscribe_ok(self, subscribe_with(topic("t"), 1, 0, true)));
  ASSERT_NO_FATAL_FAILURE(subscribe_ok(self, subscribe_with(topic("marker"), 2, 0)));
  ASSERT_NO_FATAL_FAILURE(connect_v5(other, "it-nl-other"));
  ASSERT_NO_FATAL_FAILURE(subscribe_ok(other, subscribe_with(topic("t"), 1, 0)));
  ASSERT_NO_FATAL_FAILURE(connect_v5(third, "it-nl-third"));

  uint8_t rc = 0xFF;
  ASSERT_TRUE(self.publish(make_publish(topic("t"), "mine", 1, 1), &rc));
  EXPECT_EQ(rc, reason::kSuccess) << "another subscriber matched";
  ASSERT_TRUE(third.publish(make_publish(topic("t"), "theirs", 1, 1), nullptr));

  mqtt::Publish p;
  ASSERT_TRUE(receive(other, p));
  EXPECT_EQ(p.payload, "mine");
  ASSERT_TRUE(receive(other, p));
  EXPECT_EQ(p.payload, "theirs");

  const auto got = until_marker(self, third, 2);
  ASSERT_EQ(got.size(), 1u) << "own message forwarded to the no-local subscription";
  EXPECT_EQ(got[0].payload, "theirs");
}

// No Local belongs to one subscription: an overlapping subscription of the
// same client without it still forwards the client's own message, once.
TEST_F(V5NoLocal, OverlappingSubscriptionWithoutNoLocalStillForwards_MQTT_3_8_3_3) {
  RawClient self, pub;
  ASSERT_NO_FATAL_FAILURE(connect_v5(self, "it-nl-self"));
  ASSERT_NO_FATAL_FAILURE(subscribe_ok(self, subscribe_with(topic("t"), 1, 0, true)));
  ASSERT_NO_FATAL_FAILURE(subscribe_ok(self, subscribe_with(topic("+"), 2, 0)));
  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-nl-pub"));
  // The PUBLISH back may come before or after the PUBACK.
  ASSERT_TRUE(self.send(make_publish(topic("t"), "mine", 1, 1)));
  std::vector<mqtt::Publish> got;
  bool acked = false;
  while (!acked) {
    mqtt::Packet packet;
    ASSERT_EQ(self.read(packet, 5s), ReadStatus::Packet) << "no PUBACK";
    if (auto* p = std::get_if<mqtt::Publish>(&packet)) {
      got.push_back(*p);
      ASSERT_TRUE(self.send(mqtt::Puback{p->packet_id}));
    } else {
      ASSERT_TRUE(std::holds_alternative<mqtt::Puback>(packet)) << describe(packet);
      acked = true;
    }
  }
  for (const auto& p : until_marker(self, pub, 2)) got.push_back(p);
  ASSERT_GE(got.size(), 1u) << "the subscription without no local forwards it";
  for (const auto& p : got) EXPECT_EQ(p.payload, "mine");
  if (!under_mosquitto()) {
    EXPECT_EQ(got.size(), 1u) << "edgemq sends one copy per client";
  }
}

// The same through Paho's subscribe options, as an application sees it.
TEST_F(V5NoLocal, PahoNoLocalOption_MQTT_3_8_3_3) {
  using SO = ::mqtt::subscribe_options;
  PahoClient self(uri(), "it-nl-paho-self", MQTTVERSION_5);
  PahoClient other(uri(), "it-nl-paho-other", MQTTVERSION_5);
  ASSERT_TRUE(self.connect_v5(true));
  ASSERT_TRUE(other.connect_v5(true));
  std::vector<int> codes;
  ASSERT_TRUE(self.subscribe(topic("t"), 1, SO(SO::SUBSCRIBE_NO_LOCAL), &codes));
  EXPECT_EQ(codes, std::vector<int>{1});
  ASSERT_TRUE(other.subscribe(topic("t"), 1, SO(), &codes));
  ASSERT_TRUE(self.publish(::mqtt::make_message(topic("t"), "mine", 1, false)));
  ASSERT_TRUE(other.publish(::mqtt::make_message(topic("t"), "theirs", 1, false)));

  auto m = other.receive(5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->get_payload_str(), "mine");
  m = self.receive(5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->get_payload_str(), "theirs") << "own message forwarded to the no-local subscription";
  EXPECT_FALSE(self.receive(300ms));
}

// -------------------------------------------------- retain as published --

using V5RetainAsPublished = V5Options;

// On live messages the RETAIN flag is kept as published for a subscription
// with Retain As Published [MQTT-3.3.1-13] and cleared without it
// [MQTT-3.3.1-12]; retained messages sent because of a SUBSCRIBE have it set
// either way (section 3.3.1.3).
TEST_F(V5RetainAsPublished, RetainFlagOnlyKeptWithOption_MQTT_3_3_1_12) {
  RawClient rap, plain, pub;
  ASSERT_NO_FATAL_FAILURE(connect_v5(rap, "it-rap-rap"));
  ASSERT_NO_FATAL_FAILURE(subscribe_ok(rap, subscribe_with(topic("t"), 1, 0, false, true)));
  ASSERT_NO_FATAL_FAILURE(connect_v5(plain, "it-rap-plain"));
  ASSERT_NO_FATAL_FAILURE(subscribe_ok(plain, subscribe_with(topic("t"), 1, 0)));
  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-rap-pub"));
  mqtt::Publish retained = make_publish(topic("t"), "retained", 1, 1);
  retained.retain = true;
  ASSERT_TRUE(pub.publish(retained, nullptr));
  ASSERT_TRUE(pub.publish(make_publish(topic("t"), "plain", 1, 2), nullptr));

  mqtt::Publish p;
  ASSERT_TRUE(receive(rap, p));
  EXPECT_EQ(p.payload, "retained");
  EXPECT_TRUE(p.retain) << "retain as published: the flag as published";
  ASSERT_TRUE(receive(rap, p));
  EXPECT_EQ(p.payload, "plain");
  EXPECT_FALSE(p.retain);
  ASSERT_TRUE(receive(plain, p));
  EXPECT_EQ(p.payload, "retained");
  EXPECT_FALSE(p.retain) << "without retain as published the flag is cleared";
  ASSERT_TRUE(receive(plain, p));
  EXPECT_FALSE(p.retain);

  for (bool option : {false, true}) {
    SCOPED_TRACE(option ? "new subscription with retain as published" : "new plain subscription");
    RawClient late;
    ASSERT_NO_FATAL_FAILURE(connect_v5(late, "it-rap-late"));
    ASSERT_NO_FATAL_FAILURE(subscribe_ok(late, subscribe_with(topic("t"), 1, 0, false, option)));
    ASSERT_TRUE(receive(late, p));
    EXPECT_EQ(p.payload, "retained");
    EXPECT_TRUE(p.retain) << "a retained message sent on SUBSCRIBE has RETAIN 1";
  }
}

// mosquitto_sub --retain-as-published prints the flag (%r) as published;
// without it, 0 for a live message.
TEST_F(V5RetainAsPublished, MosquittoSubRetainAsPublished_MQTT_3_3_1_13) {
  const std::string t = topic("t");
  auto sub_args = [&](const std::string& id) -> std::vector<std::string> {
    return {"-h", "127.0.0.1", "-p", std::to_string(port()), "-i", id, "-V", "mqttv5",
            "-t", t, "-q", "1", "-C", "2", "-F", "msg|%r|%p", "-d", "-W", "10"};
  };
  CliProcess rap, plain;
  std::vector<std::string> args = sub_args("it-rap-cli-rap");
  args.push_back("--retain-as-published");
  ASSERT_TRUE(rap.start("mosquitto_sub", args));
  ASSERT_TRUE(plain.start("mosquitto_sub", sub_args("it-rap-cli-plain")));
  ASSERT_TRUE(rap.wait_for_output("Subscribed (mid: 1)", 5s)) << rap.out() << rap.err();
  ASSERT_TRUE(plain.wait_for_output("Subscribed (mid: 1)", 5s)) << plain.out() << plain.err();
  for (const auto& extra : {std::vector<std::string>{"-m", "retained", "-r"},
                            std::vector<std::string>{"-m", "plain"}}) {
    std::vector<std::string> p = {"-h", "127.0.0.1", "-p", std::to_string(port()),
                                  "-V", "mqttv5", "-t", t, "-q", "1"};
    p.insert(p.end(), extra.begin(), extra.end());
    const CliResult r = run_cli("mosquitto_pub", p, 10s);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  auto lines = [](CliProcess& sub) {
    const CliResult r = sub.wait(10s);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::vector<std::string> out;
    for (const auto& l : split_lines(r.out)) {
      if (l.rfind("msg|", 0) == 0) out.push_back(l);
    }
    return out;
  };
  EXPECT_EQ(lines(rap), (std::vector<std::string>{"msg|1|retained", "msg|0|plain"}));
  EXPECT_EQ(lines(plain), (std::vector<std::string>{"msg|0|retained", "msg|0|plain"}));
}

// ----------------------------------------------- subscription identifiers --

using V5SubscriptionId = V5Options;

// Overlapping subscriptions with identifiers 1 and 2 (and one without):
// one PUBLISH that carries both identifiers [MQTT-3.3.4-4]; a topic only
// one of them matches carries only its identifier [MQTT-3.3.4-3].
TEST_F(V5SubscriptionId, OverlappingSubscriptionsAllIdsInOnePublish_MQTT_3_3_4_4) {
  RawClient c, pub;
  ASSERT_NO_FATAL_FAILURE(connect_v5(c, "it-subid"));
  ASSERT_NO_FATAL_FAILURE(subscribe_ok(c, subscribe_with(topic("t"), 1, 1)));
  ASSERT_NO_FATAL_FAILURE(subscribe_ok(c, subscribe_with(topic("+"), 2, 2)));
  ASSERT_NO_FATAL_FAILURE(subscribe_ok(c, subscribe_with(topic("#"), 3, 0)));
  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-subid-pub"));
  ASSERT_TRUE(pub.publish(make_publish(topic("t"), "both", 1, 1), nullptr));
  ASSERT_TRUE(pub.publish(make_publish(topic("u"), "wildcards", 1, 2), nullptr));
  ASSERT_TRUE(pub.publish(make_publish(topic("u/v"), "hash only", 1, 3), nullptr));

  std::vector<uint32_t> both, wildcards, hash_only;
  size_t copies = 0;
  for (;;) {
    mqtt::Publish p;
    ASSERT_TRUE(receive(c, p));
    ++copies;
    auto& ids = p.payload == "both" ? both : p.payload == "wildcards" ? wildcards : hash_only;
    ids.insert(ids.end(), p.props->subscription_ids.begin(), p.props->subscription_ids.end());
    if (p.payload == "hash only") break;
  }
  EXPECT_EQ(sorted(both), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(wildcards, std::vector<uint32_t>{2});
  EXPECT_TRUE(hash_only.empty()) << "an identifier its subscription did not have";
  if (!under_mosquitto()) {
    EXPECT_EQ(copies, 3u) << "edgemq sends one copy per client";
  }
}

// A retained message sent because of a SUBSCRIBE carries that subscription's
// identifier; a SUBSCRIBE for the same filter replaces the identifier with
// its own, or with none [MQTT-3.8.2.1.2]; one identifier covers every filter
// of its SUBSCRIBE.
TEST_F(V5SubscriptionId, RetainedAndReplacedSubscriptions_MQTT_3_8_2_1_2) {
  RawClient c, pub;
  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-subid-pub"));
  mqtt::Publish kept = make_publish(topic("r"), "kept", 1, 1);
  kept.retain = true;
  ASSERT_TRUE(pub.publish(kept, nullptr));

  ASSERT_NO_FATAL_FAILURE(connect_v5(c, "it-subid"));
  mqtt::Subscribe two = subscribe_with(topic("r"), 1, 9);
  two.subscriptions.push_back(mqtt::Subscription{topic("marker"), 1});
  ASSERT_NO_FATAL_FAILURE(subscribe_ok(c, two));
  mqtt::Publish p;
  ASSERT_TRUE(receive(c, p));
  EXPECT_EQ(p.payload, "kept");
  EXPECT_TRUE(p.retain);
  EXPECT_EQ(p.props->subscription_ids, std::vector<uint32_t>{9});
  ASSERT_TRUE(pub.publish(make_publish(topic("marker"), "second filter", 1, 2), nullptr));
  ASSERT_TRUE(receive(c, p));
  EXPECT_EQ(p.props->subscription_ids, std::vector<uint32_t>{9}) << "one id for every filter";

  // Replaced with identifier 10: the retained message and live ones carry 10.
  ASSERT_NO_FATAL_FAILURE(subscribe_ok(c, subscribe_with(topic("r"), 3, 10)));
  ASSERT_TRUE(receive(c, p));
  EXPECT_EQ(p.payload, "kept");
  EXPECT_EQ(p.props->subscription_ids, std::vector<uint32_t>{10});
  ASSERT_TRUE(pub.publish(make_publish(topic("r"), "live", 1, 3), nullptr));
  ASSERT_TRUE(receive(c, p));
  EXPECT_EQ(p.payload, "live");
  EXPECT_EQ(p.props->subscription_ids, std::vector<uint32_t>{10}) << "the replaced id lingers";

  // Replaced without an identifier: none any more.
  ASSERT_NO_FATAL_FAILURE(subscribe_ok(c, subscribe_with(topic("r"), 4, 0)));
  ASSERT_TRUE(receive(c, p));
  EXPECT_EQ(p.payload, "kept");
  EXPECT_TRUE(p.props->subscription_ids.empty());
  ASSERT_TRUE(pub.publish(make_publish(topic("r"), "live again", 1, 4), nullptr));
  ASSERT_TRUE(receive(c, p));
  EXPECT_EQ(p.payload, "live again");
  EXPECT_TRUE(p.props->subscription_ids.empty()) << "absence of an id not stored";
}

// The identifier is part of the stored subscription: after a restart, a
// message queued before it and one published after it both carry it.
TEST_F(V5SubscriptionId, KeptWithPersistentSessionAcrossRestart) {
  {
    RawClient c;
    ASSERT_NO_FATAL_FAILURE(connect_v5(c, "it-subid-persist", session_expiry(300), false));
    ASSERT_NO_FATAL_FAILURE(subscribe_ok(c, subscribe_with(topic("t"), 1, 42)));
    ASSERT_TRUE(c.disconnect());
  }
  RawClient pub;
  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-subid-pub"));
  ASSERT_TRUE(pub.publish(make_publish(topic("t"), "queued", 1, 1), nullptr));
  ASSERT_TRUE(pub.disconnect());
  ASSERT_TRUE(gw().stop());
  ASSERT_TRUE(gw().restart());
  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-subid-pub"));
  ASSERT_TRUE(pub.publish(make_publish(topic("t"), "after restart", 1, 2), nullptr));

  RawClient c;
  mqtt::Connack ack;
  ASSERT_NO_FATAL_FAILURE(connect_v5(c, "it-subid-persist", session_expiry(300), false, &ack));
  EXPECT_TRUE(ack.session_present);
  for (const char* want : {"queued", "after restart"}) {
    mqtt::Publish p;
    ASSERT_TRUE(receive(c, p));
    EXPECT_EQ(p.payload, want);
    EXPECT_EQ(p.props->subscription_ids, std::vector<uint32_t>{42}) << want;
  }
}

// mosquitto_sub can give its subscription an identifier (-D subscribe
// subscription-identifier) and print the one a message carries (%S).
TEST_F(V5SubscriptionId, MosquittoSubPrintsIdentifier_MQTT_3_3_4_3) {
  const std::string t = topic("t");
  CliProcess sub;
  ASSERT_TRUE(sub.start("mosquitto_sub",
                        {"-h", "127.0.0.1", "-p", std::to_string(port()), "-i", "it-subid-cli",
                         "-V", "mqttv5", "-t", t, "-q", "1", "-C", "1", "-F", "msg|%S|%p",
                         "-D", "subscribe", "subscription-identifier", "77", "-d", "-W", "10"}));
  ASSERT_TRUE(sub.wait_for_output("Subscribed (mid: 1)", 5s)) << sub.out() << sub.err();
  const CliResult p = run_cli("mosquitto_pub",
                              {"-h", "127.0.0.1", "-p", std::to_string(port()), "-V", "mqttv5",
                               "-t", t, "-q", "1", "-m", "hello"},
                              10s);
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  const CliResult r = sub.wait(10s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<std::string> lines;
  for (const auto& l : split_lines(r.out)) {
    if (l.rfind("msg|", 0) == 0) lines.push_back(l);
  }
  EXPECT_EQ(lines, std::vector<std::string>{"msg|77|hello"}) << r.out;
}

// ------------------------------------------- request problem information --

using V5ProblemInfo = V5Options;

// With Request Problem Information 0 the gateway sends no Reason String or
// User Property on anything but PUBLISH, CONNACK and DISCONNECT
// [MQTT-3.1.2-29]: every ack, refusals included, comes without properties,
// while a PUBLISH still carries its publisher's user properties.
TEST_F(V5ProblemInfo, AcksCarryNoReasonStringOrUserProperty_MQTT_3_1_2_29) {
  mqtt::Properties quiet;
  quiet.request_problem_info = 0;
  RawClient c;
  ASSERT_NO_FATAL_FAILURE(connect_v5(c, "it-rpi", quiet));
  const mqtt::Properties none;

  // PUBACK 0x10 (nobody subscribed).
  ASSERT_TRUE(c.send(make_publish(topic("t"), "x", 1, 1)));
  mqtt::Puback puback;
  ASSERT_TRUE(c.expect(puback, 5s));
  EXPECT_EQ(puback.reason_code, reason::kNoMatchingSubscribers);
  EXPECT_EQ(puback.props.get(), none) << "PUBACK";

  // PUBREC and PUBCOMP of a QoS 2 flow.
  ASSERT_TRUE(c.send(make_publish(topic("t"), "x", 2, 2)));
  mqtt::Pubrec pubrec;
  ASSERT_TRUE(c.expect(pubrec, 5s));
  EXPECT_EQ(pubrec.props.get(), none) << "PUBREC";
  ASSERT_TRUE(c.send(mqtt::Pubrel{2}));
  mqtt::Pubcomp pubcomp;
  ASSERT_TRUE(c.expect(pubcomp, 5s));
  EXPECT_EQ(pubcomp.props.get(), none) << "PUBCOMP";

  // PUBCOMP 0x92 (unknown packet id): an error, still without a reason string.
  ASSERT_TRUE(c.send(mqtt::Pubrel{99}));
  ASSERT_TRUE(c.expect(pubcomp, 5s));
  if (!under_mosquitto()) {
    EXPECT_EQ(pubcomp.reason_code, reason::kPacketIdNotFound);
  }
  EXPECT_EQ(pubcomp.props.get(), none) << "PUBCOMP for an unknown id";

  // PUBACK 0x87 for $SYS.
  if (!under_mosquitto()) {
    ASSERT_TRUE(c.send(make_publish("$SYS/broker/fake", "x", 1, 3)));
    ASSERT_TRUE(c.expect(puback, 5s));
    EXPECT_EQ(puback.reason_code, reason::kNotAuthorized);
    EXPECT_EQ(puback.props.get(), none) << "PUBACK refusing $SYS";
  }

  // SUBACK, with a user property in the SUBSCRIBE.
  mqtt::Subscribe s = make_subscribe(topic("t"), 1, 4);
  s.props.mut().user_properties = {{"ask", "why"}};
  mqtt::Suback suback;
  ASSERT_TRUE(c.subscribe(s, suback));
  EXPECT_EQ(suback.return_codes, std::vector<uint8_t>{1});
  EXPECT_EQ(suback.props.get(), none) << "SUBACK";

  // UNSUBACK 0x11 (no such subscription).
  ASSERT_TRUE(c.send(mqtt::Unsubscribe{5, {topic("never")}, {}}));
  mqtt::Unsuback unsuback;
  ASSERT_TRUE(c.expect(unsuback, 5s));
  EXPECT_EQ(unsuback.reason_codes, std::vector<uint8_t>{reason::kNoSubscriptionExisted});
  EXPECT_EQ(unsuback.props.get(), none) << "UNSUBACK";

  // A PUBLISH to this client keeps its user properties.
  RawClient pub;
  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-rpi-pub"));
  mqtt::Properties user;
  user.user_properties = {{"k", "v"}};
  ASSERT_TRUE(pub.publish(make_publish(topic("t"), "with props", 1, 1, user), nullptr));
  mqtt::Publish p;
  ASSERT_TRUE(receive(c, p));
  EXPECT_EQ(p.payload, "with props");
  EXPECT_EQ(p.props->user_properties, user.user_properties);
  EXPECT_TRUE(c.ping());
}

}  // namespace
}  // namespace edgemq::itest
