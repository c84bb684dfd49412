// The MQTT 5.0 flows of one shard: what CONNACK negotiates, session and
// message expiry, receive maximum both ways, topic aliases both ways,
// maximum packet size, forwarded properties and the reason codes of acks.
#include "tests/unit/core/v5_harness.h"

namespace edgemq::core::testing {
namespace {

namespace reason = mqtt::reason;

mqtt::Will delayed_will(uint32_t delay_s) {
  mqtt::Will w{"will", "gone", 0, false, {}};
  w.props.mut().will_delay = delay_s;
  return w;
}

// ---- CONNECT / CONNACK -----------------------------------------------------

TEST(V5Connect, ConnackStatesTheGatewaysLimits_MQTT_3_2_2_3) {
  Limits limits;
  limits.receive_maximum = 100;
  limits.topic_alias_maximum = 8;
  limits.max_packet_size = 4096;
  V5Harness h(limits);
  FakeLink a(1);
  auto ack = h.connect_v5(a, "dev");
  EXPECT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  const mqtt::Properties& p = ack.props.get();
  EXPECT_EQ(p.receive_maximum, 100);
  EXPECT_EQ(p.topic_alias_maximum, 8);
  EXPECT_EQ(p.maximum_packet_size, 4096u);
  EXPECT_FALSE(p.sub_id_available) << "available: the property is left out";
  EXPECT_FALSE(p.shared_sub_available) << "available: the property is left out";
  EXPECT_FALSE(p.assigned_client_id) << "the client named itself";
  EXPECT_FALSE(p.maximum_qos) << "QoS 2 is available: the property is left out";
}

TEST(V5Connect, EmptyIdIsAssignedAndNamedEvenWithoutCleanStart_MQTT_3_2_2_16) {
  V5Harness h;
  FakeLink a(1);
  auto ack = h.connect_v5(a, "", with_expiry(60), false);
  ASSERT_EQ(ack.code, mqtt::ConnackCode::Accepted);
  ASSERT_TRUE(ack.props->assigned_client_id);
  EXPECT_EQ(ack.props->assigned_client_id->rfind("edgemq-", 0), 0u);
}

TEST(V5Connect, AnAuthenticationMethodIsRefusedWhenNoneIsConfigured_MQTT_4_12_0_1) {
  V5Harness h;
  FakeLink a(1);
  mqtt::Properties p;
  p.auth_method = "SCRAM-SHA-1";
  auto ack = h.connect_v5(a, "dev", p);
  EXPECT_EQ(static_cast<uint8_t>(ack.code), reason::kBadAuthenticationMethod);
  EXPECT_TRUE(a.closed);
}

TEST(V5Connect, AWillAboveTheMaximumQosIsRefused_MQTT_3_2_2_12) {
  Limits limits;
  limits.max_qos = 1;
  V5Harness h(limits);
  FakeLink a(1);
  auto ack = h.connect_v5(a, "dev", {}, true, mqtt::Will{"w", "gone", 2, false, {}});
  EXPECT_EQ(static_cast<uint8_t>(ack.code), reason::kQosNotSupported);
}

TEST(V5Connect, ServerKeepAliveReplacesALongerOne_MQTT_3_2_2_21) {
  Limits limits;
  limits.max_keep_alive_s = 60;
  V5Harness h(limits);
  FakeLink a(1);
  mqtt::Connect c;
  c.level = mqtt::ProtocolLevel::V5;
  c.client_id = "dev";
  c.keep_alive = 600;
  auto r = h.shard().on_connect(a, c);
  EXPECT_EQ(r.keep_alive, 60);
  EXPECT_EQ(a.all<mqtt::Connack>().at(0).props->server_keep_alive, 60);
}

TEST(V5Connect, ResponseInformationOnlyToClientsThatAsk_MQTT_3_1_2_28) {
  Limits limits;
  limits.response_information = "reply/";
  V5Harness h(limits);
  FakeLink asks(1), silent(2);
  mqtt::Properties p;
  p.request_response_info = 1;
  EXPECT_EQ(h.connect_v5(asks, "asks", p).props->response_info, "reply/");
  EXPECT_FALSE(h.connect_v5(silent, "silent").props->response_info);
}

TEST(V5Connect, TakeoverTellsTheOldConnectionWhy_MQTT_3_1_4_3) {
  V5Harness h;
  FakeLink a(1), b(2);
  h.connect_v5(a, "dev");
  h.connect_v5(b, "dev");
  auto d = a.all<mqtt::Disconnect>();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].reason_code, reason::kSessionTakenOver);
  EXPECT_TRUE(a.closed);
}

// Of two sessions that continue, only the will without a delay goes out
// (every case: takeover_will_test.cpp).
TEST(V5Connect, TakeoverPublishesAWillWithoutDelayOnly_MQTT_3_1_4_3) {
  V5Harness h;
  FakeLink sub(1), a(2), b(3), c(4), d(5);
  h.connect(sub, "sub");
  h.subscribe(sub, "will", 0);
  h.connect_v5(a, "now", with_expiry(60), false, mqtt::Will{"will", "now", 0, false, {}});
  h.connect_v5(b, "now", with_expiry(60), false);
  h.connect_v5(c, "later", with_expiry(60), false, delayed_will(5));
  h.connect_v5(d, "later", with_expiry(60), false);
  h.advance(10'000);
  auto got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 1u) << "the delayed will: its client came back in time [MQTT-3.1.3-9]";
  EXPECT_EQ(got[0].payload, "now");
}

// ---- session expiry --------------------------------------------------------

TEST(V5SessionExpiry, ZeroExpiryEndsTheSessionWithTheConnection_MQTT_3_1_2_23) {
  V5Harness h;
  FakeLink a(1), b(2);
  h.connect_v5(a, "dev", {}, false);
  h.disconnect(a);
  EXPECT_EQ(h.shard().session_count(), 0u);
  EXPECT_FALSE(h.connect_v5(b, "dev", {}, false).session_present);
}

TEST(V5SessionExpiry, AnOfflineSessionKeepsItsMessagesUntilItExpires) {
  V5Harness h;
  FakeLink sub(1), pub(2), back(3), late(4);
  h.connect_v5(sub, "sub", with_expiry(10), false);
  h.subscribe(sub, "t", 1);
  h.disconnect(sub);
  h.connect_v5(pub, "pub");
  h.publish(pub, "t", "queued", 1, 1);
  h.settle();

  h.advance(9'000);
  auto ack = h.connect_v5(back, "sub", with_expiry(10), false);
  EXPECT_TRUE(ack.session_present) << "9 s of 10 [MQTT-3.2.2-2]";
  auto got = h.await_publishes(back, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "queued");

  h.disconnect(back);
  h.advance(10'001);
  EXPECT_EQ(h.shard().session_count(), 1u) << "the publisher's, online; the subscriber's expired";
  EXPECT_EQ(h.broker().stats().sessions_expired.load(), 1u);
  EXPECT_FALSE(h.connect_v5(late, "sub", with_expiry(10), false).session_present);
}

TEST(V5SessionExpiry, DisconnectCannotGiveExpiryToASessionThatHadNone_MQTT_3_14_2_2) {
  V5Harness h;
  FakeLink a(1);
  h.connect_v5(a, "dev");
  mqtt::Disconnect d;
  d.props.mut().session_expiry = 30;
  EXPECT_EQ(h.shard().on_packet(a.id(), std::move(d)), reason::kProtocolError);
}

TEST(V5SessionExpiry, DisconnectMayShortenIt_MQTT_3_14_2_2) {
  V5Harness h;
  FakeLink a(1);
  h.connect_v5(a, "dev", with_expiry(3600), false);
  mqtt::Disconnect d;
  d.props.mut().session_expiry = 0;
  h.disconnect(a, std::move(d));
  EXPECT_EQ(h.shard().session_count(), 0u);
}

TEST(V5SessionExpiry, ARestoredRecordPastItsDeadlineIsDeleted) {
  V5Harness h;
  storage::SessionRecord gone{"gone", {{"t", 1}}, 60, kStart / 1000 - 1};
  storage::SessionRecord kept{"kept", {{"t", 1}}, 60, kStart / 1000 + 30};
  h.shard().restore_session(std::move(gone));
  h.shard().restore_session(std::move(kept));
  EXPECT_EQ(h.shard().session_count(), 1u);
  h.advance(31'000);
  EXPECT_EQ(h.shard().session_count(), 0u);
}

// ---- flow control ----------------------------------------------------------

TEST(V5ReceiveMaximum, TheGatewaySendsNoMoreUnacknowledgedThanTheClientAllows_MQTT_3_3_4_7) {
  V5Harness h;
  FakeLink sub(1), pub(2);
  mqtt::Properties p;
  p.receive_maximum = 2;
  h.connect_v5(sub, "sub", p);
  h.subscribe(sub, "t", 1);
  h.connect(pub, "pub");
  for (uint16_t i = 1; i <= 5; ++i) h.publish(pub, "t", std::to_string(i), 1, i);
  h.settle();
  auto got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 2u);
  ASSERT_EQ(h.shard().on_packet(sub.id(), mqtt::Puback{got[0].packet_id}), 0);
  got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].payload, "3");
}

TEST(V5ReceiveMaximum, AClientExceedingTheGatewaysIsDisconnected_MQTT_3_3_4_9) {
  Limits limits;
  limits.receive_maximum = 2;
  V5Harness h(limits);
  FakeLink pub(1);
  h.connect_v5(pub, "pub");
  // QoS 2 stays unacknowledged until PUBREL/PUBCOMP.
  EXPECT_EQ(h.shard().on_packet(pub.id(), publish_v5("t", 2, 1, {})), 0);
  EXPECT_EQ(h.shard().on_packet(pub.id(), publish_v5("t", 2, 2, {})), 0);
  h.settle();
  EXPECT_EQ(h.shard().on_packet(pub.id(), publish_v5("t", 2, 3, {})), reason::kReceiveMaximumExceeded);
}

TEST(V5ReceiveMaximum, PubcompGivesTheQuotaBack) {
  Limits limits;
  limits.receive_maximum = 1;
  V5Harness h(limits);
  FakeLink pub(1);
  h.connect_v5(pub, "pub");
  EXPECT_EQ(h.shard().on_packet(pub.id(), publish_v5("t", 2, 1, {})), 0);
  h.settle();
  EXPECT_EQ(h.shard().on_packet(pub.id(), mqtt::Pubrel{1}), 0);
  h.settle();
  EXPECT_EQ(h.shard().on_packet(pub.id(), publish_v5("t", 2, 2, {})), 0);
  EXPECT_EQ(h.shard().on_packet(pub.id(), publish_v5("t", 1, 3, {})), reason::kReceiveMaximumExceeded);
}

// ---- topic aliases ---------------------------------------------------------

TEST(V5TopicAlias, AnAliasStandsForTheTopicItWasSetWith_MQTT_3_3_2_12) {
  V5Harness h;
  FakeLink sub(1), pub(2);
  h.connect(sub, "sub");
  h.subscribe(sub, "a/b", 0);
  h.connect_v5(pub, "pub");
  mqtt::Properties alias;
  alias.topic_alias = 3;
  ASSERT_EQ(h.shard().on_packet(pub.id(), publish_v5("a/b", 0, 0, alias, "1")), 0);
  ASSERT_EQ(h.shard().on_packet(pub.id(), publish_v5("", 0, 0, alias, "2")), 0);
  auto got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].topic, "a/b");
  EXPECT_EQ(got[1].payload, "2");
}

TEST(V5TopicAlias, ZeroOrAboveTheMaximumIsInvalid_MQTT_3_3_2_8_and_9) {
  Limits limits;
  limits.topic_alias_maximum = 4;
  V5Harness h(limits);
  FakeLink a(1), b(2);
  h.connect_v5(a, "a");
  h.connect_v5(b, "b");
  mqtt::Properties zero, five;
  zero.topic_alias = 0;
  five.topic_alias = 5;
  EXPECT_EQ(h.shard().on_packet(a.id(), publish_v5("t", 0, 0, zero)), reason::kTopicAliasInvalid);
  EXPECT_EQ(h.shard().on_packet(b.id(), publish_v5("t", 0, 0, five)), reason::kTopicAliasInvalid);
}

TEST(V5TopicAlias, AnAliasNeverSetIsAProtocolError) {
  V5Harness h;
  FakeLink a(1);
  h.connect_v5(a, "a");
  mqtt::Properties alias;
  alias.topic_alias = 1;
  EXPECT_EQ(h.shard().on_packet(a.id(), publish_v5("", 0, 0, alias)), reason::kProtocolError);
}

TEST(V5TopicAlias, TheGatewayUsesAliasesUpToTheClientsMaximum_MQTT_3_3_2_10) {
  V5Harness h;
  FakeLink sub(1), pub(2);
  mqtt::Properties p;
  p.topic_alias_maximum = 1;
  h.connect_v5(sub, "sub", p);
  h.subscribe(sub, "#", 0);
  h.connect(pub, "pub");
  h.publish(pub, "a", "1", 0);
  h.publish(pub, "a", "2", 0);
  h.publish(pub, "b", "3", 0);
  auto got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].topic, "a");
  EXPECT_EQ(got[0].props->topic_alias, 1);
  EXPECT_EQ(got[1].topic, "") << "the alias alone names the topic";
  EXPECT_EQ(got[1].props->topic_alias, 1);
  EXPECT_EQ(got[2].topic, "b");
  EXPECT_FALSE(got[2].props->topic_alias) << "no alias left";
}

TEST(V5TopicAlias, TheGatewayUsesNoMoreThanItsOwnMaximum) {
  Limits limits;
  limits.topic_alias_maximum = 2;
  V5Harness h(limits);
  FakeLink sub(1), pub(2);
  mqtt::Properties p;
  p.topic_alias_maximum = 1000;
  h.connect_v5(sub, "sub", p);
  h.subscribe(sub, "#", 0);
  h.connect(pub, "pub");
  for (const char* t : {"a", "b", "c"}) h.publish(pub, t, "m", 0);
  auto got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].props->topic_alias, 2);
  EXPECT_FALSE(got[2].props->topic_alias) << "a third topic is not kept";
}

// ---- maximum packet size ---------------------------------------------------

TEST(V5MaximumPacketSize, ATooLargeMessageIsSkippedForThatClientOnly_MQTT_3_1_2_25) {
  V5Harness h;
  FakeLink small(1), big(2), pub(3);
  mqtt::Properties p;
  p.maximum_packet_size = 64;
  h.connect_v5(small, "small", p);
  h.subscribe(small, "t", 1);
  h.connect_v5(big, "big");
  h.subscribe(big, "t", 1);
  h.connect(pub, "pub");
  h.publish(pub, "t", std::string(100, 'x'), 1, 1);
  h.publish(pub, "t", "fits", 1, 2);
  h.settle();
  auto got = small.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "fits");
  EXPECT_EQ(big.all<mqtt::Publish>().size(), 2u);
  EXPECT_EQ(h.broker().stats().dropped_too_large.load(), 1u);
}

// ---- properties across versions --------------------------------------------

TEST(V5Properties, PublisherPropertiesReach5SubscribersAndNot311Ones_MQTT_3_3_2_17) {
  V5Harness h;
  FakeLink v5(1), v3(2), pub(3);
  h.connect_v5(v5, "v5");
  h.subscribe(v5, "t", 0);
  h.connect(v3, "v3");
  h.subscribe(v3, "t", 0);
  h.connect_v5(pub, "pub");
  mqtt::Properties p;
  p.payload_format = 1;
  p.content_type = "text/plain";
  p.response_topic = "reply/here";
  p.correlation_data = std::string("\x00\x01", 2);
  p.user_properties = {{"b", "2"}, {"a", "1"}, {"b", "3"}};
  ASSERT_EQ(h.shard().on_packet(pub.id(), publish_v5("t", 0, 0, p, "hello")), 0);
  auto got5 = v5.all<mqtt::Publish>();
  ASSERT_EQ(got5.size(), 1u);
  EXPECT_EQ(got5[0].props.get(), p) << "unchanged, user properties in order";
  auto got3 = v3.all<mqtt::Publish>();
  ASSERT_EQ(got3.size(), 1u);
  EXPECT_EQ(got3[0].payload, "hello");
  EXPECT_TRUE(got3[0].props.null());
}

TEST(V5MessageExpiry, TheRemainingIntervalIsSentAndExpiredMessagesAreNot_MQTT_3_3_2_5_and_6) {
  V5Harness h;
  FakeLink sub(1), pub(2), back(3);
  h.connect_v5(sub, "sub", with_expiry(3600), false);
  h.subscribe(sub, "t", 1);
  h.disconnect(sub);
  h.connect_v5(pub, "pub");
  mqtt::Properties ten, two;
  ten.message_expiry = 10;
  two.message_expiry = 2;
  ASSERT_EQ(h.shard().on_packet(pub.id(), publish_v5("t", 1, 1, ten, "lives")), 0);
  ASSERT_EQ(h.shard().on_packet(pub.id(), publish_v5("t", 1, 2, two, "dies")), 0);
  h.settle();
  h.advance(4'000);
  h.connect_v5(back, "sub", with_expiry(3600), false);
  auto got = h.await_publishes(back, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "lives");
  EXPECT_EQ(got[0].props->message_expiry, 6u);
  EXPECT_EQ(h.broker().stats().expired_messages.load(), 1u);
}

// ---- reason codes ----------------------------------------------------------

TEST(V5Acks, PubackSaysWhenNoOneSubscribed_MQTT_3_4_2_1) {
  V5Harness h;
  FakeLink pub(1), sub(2);
  h.connect_v5(pub, "pub");
  ASSERT_EQ(h.shard().on_packet(pub.id(), publish_v5("nobody", 1, 1, {})), 0);
  h.connect(sub, "sub");
  h.subscribe(sub, "t", 0);
  ASSERT_EQ(h.shard().on_packet(pub.id(), publish_v5("t", 1, 2, {})), 0);
  ASSERT_EQ(h.shard().on_packet(pub.id(), publish_v5("$SYS/x", 1, 3, {})), 0);
  h.settle();
  auto acks = pub.all<mqtt::Puback>();
  ASSERT_EQ(acks.size(), 3u);
  EXPECT_EQ(acks[0].reason_code, reason::kNoMatchingSubscribers);
  EXPECT_EQ(acks[1].reason_code, reason::kSuccess);
  EXPECT_EQ(acks[2].reason_code, reason::kNotAuthorized);
}

TEST(V5Acks, UnsubackSaysWhetherThereWasASubscription_MQTT_3_11_3_1) {
  V5Harness h;
  FakeLink a(1);
  h.connect_v5(a, "a");
  h.subscribe(a, "x", 0);
  ASSERT_EQ(h.shard().on_packet(a.id(), mqtt::Unsubscribe{2, {"x", "y"}, {}}), 0);
  h.settle();
  auto acks = a.all<mqtt::Unsuback>();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].reason_codes, (std::vector<uint8_t>{reason::kSuccess, reason::kNoSubscriptionExisted}));
}


TEST(V5Acks, PubrelForAnUnknownIdGetsPacketIdNotFound_MQTT_3_7_2_1) {
  V5Harness h;
  FakeLink a(1);
  h.connect_v5(a, "a");
  ASSERT_EQ(h.shard().on_packet(a.id(), mqtt::Pubrel{42}), 0);
  h.settle();
  auto comps = a.all<mqtt::Pubcomp>();
  ASSERT_EQ(comps.size(), 1u);
  EXPECT_EQ(comps[0].reason_code, reason::kPacketIdNotFound);
}

TEST(V5Acks, APubrecWithAnErrorEndsTheQos2Flow_MQTT_4_3_3) {
  Limits limits;
  limits.max_inflight = 1;
  V5Harness h(limits);
  FakeLink sub(1), pub(2);
  h.connect_v5(sub, "sub");
  h.subscribe(sub, "t", 2);
  h.connect(pub, "pub");
  h.publish(pub, "t", "1", 2, 1);
  h.publish(pub, "t", "2", 2, 2);
  h.settle();
  auto got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(h.shard().on_packet(sub.id(), mqtt::Pubrec{got[0].packet_id, reason::kImplementationSpecific, {}}), 0);
  EXPECT_TRUE(sub.all<mqtt::Pubrel>().empty()) << "no PUBREL after a refusing PUBREC";
  got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 2u) << "the window moved on";
  EXPECT_EQ(got[1].payload, "2");
}

// ---- subscription options and wills ----------------------------------------

TEST(V5Subscribe, RetainHandlingDecidesWhenRetainedMessagesAreSent_MQTT_3_3_1_9_to_11) {
  V5Harness h;
  FakeLink pub(1), a(2);
  h.connect(pub, "pub");
  h.publish(pub, "t", "kept", 0, 0, true);
  h.connect_v5(a, "a");
  auto sub = [&](uint16_t id, mqtt::RetainHandling rh) {
    mqtt::Subscribe s{id, {{"t", 0}}, {}};
    s.subscriptions[0].retain_handling = rh;
    ASSERT_EQ(h.shard().on_packet(a.id(), std::move(s)), 0);
    h.settle();
  };
  sub(1, mqtt::RetainHandling::OnNewSubscribe);
  EXPECT_EQ(a.all<mqtt::Publish>().size(), 1u) << "new subscription: sent";
  sub(2, mqtt::RetainHandling::OnNewSubscribe);
  EXPECT_EQ(a.all<mqtt::Publish>().size(), 1u) << "existing subscription: not sent";
  sub(3, mqtt::RetainHandling::Never);
  EXPECT_EQ(a.all<mqtt::Publish>().size(), 1u);
  sub(4, mqtt::RetainHandling::OnSubscribe);
  EXPECT_EQ(a.all<mqtt::Publish>().size(), 2u);
}

TEST(V5Will, DisconnectWithWillMessageStillPublishesIt_MQTT_3_14_4_3) {
  V5Harness h;
  FakeLink sub(1), dev(2);
  h.connect(sub, "sub");
  h.subscribe(sub, "will", 0);
  mqtt::Will w{"will", "gone", 0, false, {}};
  w.props.mut().content_type = "text/plain";
  h.connect_v5(dev, "dev", {}, true, w);
  h.disconnect(dev, mqtt::Disconnect{reason::kDisconnectWithWill, {}});
  auto got = sub.all<mqtt::Publish>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "gone");
}

TEST(V5Will, ANormalDisconnectDiscardsIt_MQTT_3_14_4_3) {
  V5Harness h;
  FakeLink sub(1), dev(2);
  h.connect(sub, "sub");
  h.subscribe(sub, "will", 0);
  h.connect_v5(dev, "dev", {}, true, mqtt::Will{"will", "gone", 0, false, {}});
  h.disconnect(dev);
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty());
}

TEST(V5WillDelay, TheWillWaitsForItsDelay_MQTT_3_1_3_9) {
  V5Harness h;
  FakeLink sub(1), dev(2);
  h.connect(sub, "sub");
  h.subscribe(sub, "will", 0);
  h.connect_v5(dev, "dev", with_expiry(60), false, delayed_will(5));
  h.shard().on_link_closed(dev.id(), false);  // the connection broke
  h.advance(4'900);
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty());
  h.advance(200);
  ASSERT_EQ(sub.all<mqtt::Publish>().size(), 1u);
  EXPECT_EQ(sub.all<mqtt::Publish>()[0].payload, "gone");
}

TEST(V5WillDelay, AClientBackInTimeCancelsIt_MQTT_3_1_3_9) {
  V5Harness h;
  FakeLink sub(1), dev(2), back(3);
  h.connect(sub, "sub");
  h.subscribe(sub, "will", 0);
  h.connect_v5(dev, "dev", with_expiry(60), false, delayed_will(5));
  h.shard().on_link_closed(dev.id(), false);
  h.advance(2'000);
  h.connect_v5(back, "dev", with_expiry(60), false);
  h.advance(10'000);
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty());
}

TEST(V5WillDelay, ASessionEndingFirstSendsItThen_MQTT_3_1_2_8) {
  V5Harness h;
  FakeLink sub(1), dev(2), now(3);
  h.connect(sub, "sub");
  h.subscribe(sub, "will", 0);
  h.connect_v5(dev, "dev", with_expiry(2), false, delayed_will(30));
  h.shard().on_link_closed(dev.id(), false);
  h.advance(2'100);
  EXPECT_EQ(sub.all<mqtt::Publish>().size(), 1u) << "the session ended at 2 s";

  h.connect_v5(now, "now", {}, true, delayed_will(30));  // expiry 0: the session ends with the connection
  h.shard().on_link_closed(now.id(), false);
  EXPECT_EQ(sub.all<mqtt::Publish>().size(), 2u);
}

// ---- what the store keeps --------------------------------------------------

TEST(V5Store, QueuedPropertiesAndExpirySurviveARestart) {
  V5Harness h;
  FakeLink sub(1), pub(2);
  h.connect_v5(sub, "sub", with_expiry(600), false);
  h.subscribe(sub, "t", 1);
  h.disconnect(sub);
  h.connect_v5(pub, "pub");
  mqtt::Properties p;
  p.content_type = "application/json";
  p.user_properties = {{"k", "v"}};
  p.message_expiry = 100;
  ASSERT_EQ(h.shard().on_packet(pub.id(), publish_v5("t", 1, 1, p, "{}")), 0);
  h.settle();

  std::vector<storage::QueuedMessage> queued;
  ASSERT_TRUE(h.store().load_queues([&](std::string_view, storage::QueuedMessage&& q) { queued.push_back(std::move(q)); }).ok);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].expires_at_ms, kStart + 100'000);
  std::vector<storage::SessionRecord> sessions;
  ASSERT_TRUE(h.store().load_sessions([&](storage::SessionRecord&& r) { sessions.push_back(std::move(r)); }).ok);
  ASSERT_EQ(sessions.size(), 1u) << "the publisher's session is not stored";
  EXPECT_EQ(sessions[0].expiry_s, 600u);
  EXPECT_EQ(sessions[0].expires_at_s, kStart / 1000 + 600) << "the deadline, so a restart does not extend it";

  // Second life, 40 s later, from what the first one stored.
  V5Harness h2;
  h2.now = kStart + 40'000;
  storage::WriteSet copy;
  copy.put_session(sessions[0]);
  copy.put_queued("sub", queued[0]);
  ASSERT_TRUE(h2.store().apply(copy, false).ok);
  ASSERT_TRUE(h2.store().load_sessions([&](storage::SessionRecord&& r) { h2.shard().restore_session(std::move(r)); }).ok);
  ASSERT_TRUE(h2.store().load_queues([&](std::string_view id, storage::QueuedMessage&& q) {
                           h2.shard().restore_queued(id, std::move(q));
                         }).ok);
  FakeLink back(3);
  EXPECT_TRUE(h2.connect_v5(back, "sub", with_expiry(600), false).session_present);
  auto got = h2.await_publishes(back, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].props->content_type, "application/json");
  EXPECT_EQ(got[0].props->user_properties, (mqtt::UserProperties{{"k", "v"}}));
  EXPECT_EQ(got[0].props->message_expiry, 60u);
}

}  // namespace
}  // namespace edgemq::core::testing
