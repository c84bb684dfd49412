// Shared subscriptions "$share/{group}/{filter}" end to end [MQTT-4.8.2]:
// how a group's members split the messages under each strategy, that every
// group and every ordinary subscriber still gets each message, what happens
// to a leaving member's unfinished messages, persistence across a restart,
// no retained messages, and 3.1.1 members; with the raw client (bytes, exact
// counts) and mosquitto_sub/mosquitto_pub.
#include <algorithm>
#include <set>

#include "tests/integration/cli.h"
#include "tests/integration/v5_support.h"

namespace edgemq::itest {
namespace {

using Clock = std::chrono::steady_clock;
using Payloads = std::vector<std::string>;

// "1".."n", the payloads publish_numbered() sends.
Payloads numbered(int n, int step = 1, int first = 1) {
  Payloads out;
  for (int i = first; i <= n; i += step) out.push_back(std::to_string(i));
  return out;
}

std::multiset<std::string> all_of(const std::vector<Payloads>& lists) {
  std::multiset<std::string> out;
  for (const auto& l : lists) out.insert(l.begin(), l.end());
  return out;
}

class V5Shared : public V5Gateway {
 protected:
  // --shared-subscription-strategy; empty: the default (round_robin).
  virtual std::string strategy() const { return {}; }
  std::vector<std::string> extra_args() const override {
    if (strategy().empty()) return {};
    return {"--shared-subscription-strategy", strategy()};
  }

  std::string shared(const std::string& group, const std::string& suffix = "t") const {
    return "$share/" + group + "/" + topic(suffix);
  }

  // A 5.0 client subscribed to `filter` at QoS 1.
  void subscriber(RawClient& c, const std::string& id, const std::string& filter,
                  const mqtt::Properties& props = {}) {
    ASSERT_NO_FATAL_FAILURE(connect_v5(c, id, props));
    ASSERT_TRUE(c.subscribe(filter, 1));
  }

  // Publishes "1".."n" at QoS 1, in order, to topic(suffix); each PUBACK
  // must say that something matched.
  void publish_numbered(int n, const std::string& suffix = "t") {
    RawClient pub;
    ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-share-pub"));
    for (int i = 1; i <= n; ++i) {
      uint8_t rc = 0xFF;
      ASSERT_TRUE(pub.publish(
          make_publish(topic(suffix), std::to_string(i), 1, static_cast<uint16_t>(i)), &rc));
      EXPECT_EQ(rc, reason::kSuccess) << "message " << i;
    }
    EXPECT_TRUE(pub.disconnect());
  }

  // Reads every client in turn, acknowledging QoS 1, until `total` PUBLISHes
  // have arrived across them (at most 5 s), then for `quiet` longer so that
  // a duplicate would show. The payloads each client got, in order.
  std::vector<Payloads> gather(const std::vector<RawClient*>& clients, size_t total,
                               milliseconds quiet = 300ms) {
    std::vector<Payloads> got(clients.size());
    size_t count = 0;
    auto poll_all = [&] {
      for (size_t i = 0; i < clients.size(); ++i) {
        mqtt::Packet packet;
        const ReadStatus st = clients[i]->read(packet, 10ms);
        if (st == ReadStatus::Timeout) continue;
        if (st != ReadStatus::Packet) {
          ADD_FAILURE() << "client " << i << ": " << name_of(st);
          return false;
        }
        auto* p = std::get_if<mqtt::Publish>(&packet);
        if (p == nullptr) {
          ADD_FAILURE() << "client " << i << ": unexpected " << describe(packet);
          return false;
        }
        got[i].push_back(p->payload);
        ++count;
        if (p->qos == 1) clients[i]->send(mqtt::Puback{p->packet_id});
      }
      return true;
    };
    const auto deadline = Clock::now() + 5s;
    while (count < total && Clock::now() < deadline) {
      if (!poll_all()) return got;
    }
    EXPECT_GE(count, total) << "messages missing after 5 s";
    const auto quiet_end = Clock::now() + quiet;
    while (Clock::now() < quiet_end) {
      if (!poll_all()) break;
    }
    return got;
  }
};

// --------------------------------------------------------- round robin --

// Two members of one group and an ordinary subscriber: each message goes to
// exactly one member, taking turns (round_robin, the default), while the
// ordinary subscriber gets every message [MQTT-4.8.2].
TEST_F(V5Shared, MembersTakeTurnsOrdinarySubscriberGetsAll_MQTT_4_8_2) {
  RawClient a, b, plain;
  ASSERT_NO_FATAL_FAILURE(subscriber(a, "it-share-a", shared("g")));
  ASSERT_NO_FATAL_FAILURE(subscriber(b, "it-share-b", shared("g")));
  ASSERT_NO_FATAL_FAILURE(subscriber(plain, "it-share-plain", topic("t")));
  constexpr int kN = 10;
  ASSERT_NO_FATAL_FAILURE(publish_numbered(kN));
  const auto got = gather({&a, &b, &plain}, 2 * kN);
  EXPECT_EQ(got[2], numbered(kN)) << "the ordinary subscriber gets every message, in order";
  const std::multiset<std::string> members = all_of({got[0], got[1]});
  EXPECT_EQ(members, all_of({numbered(kN)})) << "each message to exactly one member";
  if (under_mosquitto()) return;  // its choice of member is its own
  // Round robin: strictly alternating, the first member to join first.
  EXPECT_EQ(got[0], numbered(kN, 2, 1));
  EXPECT_EQ(got[1], numbered(kN, 2, 2));
}

// Every group matching a topic gets every message, each through one of its
// members [MQTT-4.8.2]: groups are independent of each other.
TEST_F(V5Shared, EachGroupGetsEveryMessage_MQTT_4_8_2) {
  RawClient a1, a2, b1;
  ASSERT_NO_FATAL_FAILURE(subscriber(a1, "it-share-a1", shared("ga")));
  ASSERT_NO_FATAL_FAILURE(subscriber(a2, "it-share-a2", shared("ga")));
  ASSERT_NO_FATAL_FAILURE(subscriber(b1, "it-share-b1", "$share/gb/" + topic("+")));
  constexpr int kN = 8;
  ASSERT_NO_FATAL_FAILURE(publish_numbered(kN));
  const auto got = gather({&a1, &a2, &b1}, 2 * kN);
  EXPECT_EQ(all_of({got[0], got[1]}), all_of({numbered(kN)})) << "group ga";
  EXPECT_EQ(got[2], numbered(kN)) << "group gb, its only member";
  if (!under_mosquitto()) {
    EXPECT_EQ(got[0].size(), size_t{kN / 2});
    EXPECT_EQ(got[1].size(), size_t{kN / 2});
  }
}

// A session that subscribes to the same topic both in a group and directly
// gets a message once through each: two subscriptions, two deliveries.
TEST_F(V5Shared, MemberAlsoSubscribedDirectlyGetsBothCopies_MQTT_4_8_2) {
  RawClient a;
  ASSERT_NO_FATAL_FAILURE(subscriber(a, "it-share-both", shared("g")));
  ASSERT_TRUE(a.subscribe(topic("t"), 1, 2));
  ASSERT_NO_FATAL_FAILURE(publish_numbered(3));
  const auto got = gather({&a}, 6);
  EXPECT_EQ(all_of(got), all_of({numbered(3), numbered(3)}));
}

// --------------------------------------------------- sticky and random --

class V5SharedSticky : public V5Shared {
 protected:
  std::string strategy() const override { return "sticky"; }
};

// sticky: the same member gets every message while it stays.
TEST_F(V5SharedSticky, OneMemberGetsAll) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq command-line flags");
  RawClient a, b;
  ASSERT_NO_FATAL_FAILURE(subscriber(a, "it-share-a", shared("g")));
  ASSERT_NO_FATAL_FAILURE(subscriber(b, "it-share-b", shared("g")));
  constexpr int kN = 10;
  ASSERT_NO_FATAL_FAILURE(publish_numbered(kN));
  const auto got = gather({&a, &b}, kN);
  const bool a_has_them = !got[0].empty();
  EXPECT_EQ(got[a_has_them ? 0 : 1], numbered(kN)) << "all, in order, to one member";
  EXPECT_TRUE(got[a_has_them ? 1 : 0].empty()) << "the other member got some";

  // When that member leaves, the other one takes over, again for everything.
  (a_has_them ? a : b).close();
  RawClient& other = a_has_them ? b : a;
  RawClient pub;
  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-share-pub2"));
  for (uint16_t i = 1; i <= 3; ++i) {
    uint8_t rc = 0xFF;
    ASSERT_TRUE(pub.publish(make_publish(topic("t"), "after-" + std::to_string(i), 1, i), &rc));
  }
  const auto later = gather({&other}, 3);
  EXPECT_EQ(later[0], (Payloads{"after-1", "after-2", "after-3"}));
}

class V5SharedRandom : public V5Shared {
 protected:
  std::string strategy() const override { return "random"; }
};

// random: still each message to exactly one member, none lost or doubled.
TEST_F(V5SharedRandom, EachMessageToOneMember) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq command-line flags");
  RawClient a, b;
  ASSERT_NO_FATAL_FAILURE(subscriber(a, "it-share-a", shared("g")));
  ASSERT_NO_FATAL_FAILURE(subscriber(b, "it-share-b", shared("g")));
  constexpr int kN = 20;
  ASSERT_NO_FATAL_FAILURE(publish_numbered(kN));
  const auto got = gather({&a, &b}, kN);
  EXPECT_EQ(all_of(got), all_of({numbered(kN)}));
  // All 20 to one member by chance: 2 in a million.
  EXPECT_FALSE(got[0].empty() || got[1].empty())
      << "random chose one member for all " << kN << " messages";
}

// ------------------------------------------------- members leaving, offline --

class V5SharedInflight1 : public V5Shared {
 protected:
  std::vector<std::string> extra_args() const override { return {"--max-inflight", "1"}; }

  // A member that takes its first message and acknowledges nothing, so that
  // one message is in flight to it and its later ones wait in its queue;
  // then its connection ends. The other member must get all of them.
  void lazy_member_leaves(uint32_t lazy_expiry) {
    RawClient lazy, busy;
    ASSERT_NO_FATAL_FAILURE(
        subscriber(lazy, "it-share-lazy", shared("g"), session_expiry(lazy_expiry)));
    ASSERT_NO_FATAL_FAILURE(subscriber(busy, "it-share-busy", shared("g")));
    constexpr int kN = 6;
    ASSERT_NO_FATAL_FAILURE(publish_numbered(kN));
    mqtt::Publish first;
    ASSERT_TRUE(lazy.expect(first, 5s));
    EXPECT_EQ(first.payload, "1");
    EXPECT_TRUE(lazy.expect_nothing(300ms)) << "more in flight than --max-inflight 1";
    const auto before = gather({&busy}, kN / 2, 0ms);
    EXPECT_EQ(before[0], numbered(kN, 2, 2));

    lazy.close();  // without PUBACK or DISCONNECT
    const auto after = gather({&busy}, kN / 2);
    EXPECT_EQ(after[0], numbered(kN, 2, 1))
        << "the in-flight and queued messages of the member that left";

    if (lazy_expiry == 0) return;
    // Its session lives on, but what went to another member is not sent again.
    RawClient back;
    mqtt::Connack ack;
    ASSERT_NO_FATAL_FAILURE(
        connect_v5(back, "it-share-lazy", session_expiry(lazy_expiry), false, &ack));
    EXPECT_TRUE(ack.session_present);
    EXPECT_TRUE(back.expect_nothing(500ms)) << "delivered to both members";
  }
};

// A member's connection breaks with a message in flight (no PUBACK) and more
// queued behind it: the group's other member gets them all [MQTT-4.8.2:
// the Server "MAY attempt to send the message to another Client as soon as it
// loses its connection to the first Client"]; nothing is lost.
TEST_F(V5SharedInflight1, UnfinishedMessagesOfLeavingMemberGoToAnother_MQTT_4_8_2) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq command-line flags");
  ASSERT_NO_FATAL_FAILURE(lazy_member_leaves(0));
}

// The same when the leaving member's session outlives its connection: the
// messages move on at once, and are not delivered to it again when it
// returns.
TEST_F(V5SharedInflight1, UnfinishedMessagesOfPersistentMemberGoToAnother_MQTT_4_8_2) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq command-line flags");
  ASSERT_NO_FATAL_FAILURE(lazy_member_leaves(60));
}

// Members online are chosen before offline ones (docs/configuration.md): a
// persistent member that is away gets nothing queued while another member
// is connected.
TEST_F(V5Shared, OnlineMembersChosenFirst) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("edgemq's choice: members online first");
  {
    RawClient away;
    ASSERT_NO_FATAL_FAILURE(subscriber(away, "it-share-away", shared("g"), session_expiry(60)));
    ASSERT_TRUE(away.disconnect());
  }
  RawClient online;
  ASSERT_NO_FATAL_FAILURE(subscriber(online, "it-share-online", shared("g")));
  constexpr int kN = 6;
  ASSERT_NO_FATAL_FAILURE(publish_numbered(kN));
  EXPECT_EQ(gather({&online}, kN)[0], numbered(kN));
  RawClient away;
  mqtt::Connack ack;
  ASSERT_NO_FATAL_FAILURE(connect_v5(away, "it-share-away", session_expiry(60), false, &ack));
  EXPECT_TRUE(ack.session_present);
  EXPECT_TRUE(away.expect_nothing(300ms)) << "a message was queued for the offline member";
}

// A persistent member's membership is part of its session: it survives a
// restart. Alone in its group, it has messages queued for it while away,
// before and after the restart, and gets them on its return with clean
// start 0.
TEST_F(V5Shared, PersistentMembershipSurvivesRestart_MQTT_4_8_2) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("mosquitto 2.0.11 loses this session in the restart");
  {
    RawClient m;
    ASSERT_NO_FATAL_FAILURE(subscriber(m, "it-share-persist", shared("g"), session_expiry(300)));
    ASSERT_TRUE(m.disconnect());
  }
  RawClient pub;
  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-share-pub"));
  uint8_t rc = 0xFF;
  ASSERT_TRUE(pub.publish(make_publish(topic("t"), "before restart", 1, 1), &rc));
  EXPECT_EQ(rc, reason::kSuccess) << "the offline member's subscription matches";
  ASSERT_TRUE(pub.disconnect());

  ASSERT_TRUE(gw().stop());
  ASSERT_TRUE(gw().restart());

  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-share-pub"));
  ASSERT_TRUE(pub.publish(make_publish(topic("t"), "after restart", 1, 2), &rc));
  EXPECT_EQ(rc, reason::kSuccess) << "membership lost in the restart";

  RawClient m;
  mqtt::Connack ack;
  ASSERT_NO_FATAL_FAILURE(connect_v5(m, "it-share-persist", session_expiry(300), false, &ack));
  EXPECT_TRUE(ack.session_present);
  EXPECT_EQ(gather({&m}, 2)[0], (Payloads{"before restart", "after restart"}));
}

// --------------------------------------------------- retained, options --

// No retained messages are sent for a shared subscription, whatever its
// retain handling (they are for a session, not a group) [MQTT-4.8.2]; an
// ordinary subscription to the same topic gets them.
TEST_F(V5Shared, NoRetainedMessagesForSharedSubscription_MQTT_4_8_2) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("mosquitto 2.0.11 sends retained messages to shared subscriptions");
  RawClient pub;
  ASSERT_NO_FATAL_FAILURE(connect_v5(pub, "it-share-pub"));
  mqtt::Publish kept = make_publish(topic("t"), "kept", 1, 1);
  kept.retain = true;
  ASSERT_TRUE(pub.publish(kept, nullptr));

  RawClient member, plain;
  ASSERT_NO_FATAL_FAILURE(connect_v5(member, "it-share-member"));
  mqtt::Suback ack;
  ASSERT_TRUE(member.subscribe(make_subscribe(shared("g"), 1, 1), ack));
  EXPECT_EQ(ack.return_codes, std::vector<uint8_t>{1});
  ASSERT_NO_FATAL_FAILURE(connect_v5(plain, "it-share-plain"));
  ASSERT_TRUE(plain.subscribe(make_subscribe(topic("t"), 1, 1), ack));

  ASSERT_TRUE(pub.publish(make_publish(topic("t"), "live", 1, 2), nullptr));
  mqtt::Publish p;
  ASSERT_TRUE(receive(member, p));
  EXPECT_EQ(p.payload, "live") << "a retained message was sent for the shared subscription";
  EXPECT_FALSE(p.retain);
  EXPECT_TRUE(member.expect_nothing(200ms));

  ASSERT_TRUE(receive(plain, p));
  EXPECT_EQ(p.payload, "kept");
  EXPECT_TRUE(p.retain);
  ASSERT_TRUE(receive(plain, p));
  EXPECT_EQ(p.payload, "live");
}

// No Local on a shared subscription is a Protocol Error [MQTT-3.8.3-4].
TEST_F(V5Shared, NoLocalOnSharedSubscriptionIsProtocolError_MQTT_3_8_3_4) {
  EDGEMQ_SKIP_UNDER_MOSQUITTO("mosquitto 2.0.11 accepts the subscription");
  RawClient c;
  ASSERT_NO_FATAL_FAILURE(connect_v5(c, "it-share-nolocal"));
  mqtt::Subscribe s = make_subscribe(shared("g"), 1);
  s.subscriptions[0].no_local = true;
  ASSERT_TRUE(c.send(s));
  EXPECT_TRUE(c.expect_disconnect(reason::kProtocolError, 5s));
}

// ------------------------------------------------ mosquitto_sub and _pub --

class V5SharedCli : public V5Shared {
 protected:
  std::vector<std::string> base(const std::string& id, const std::string& version = "mqttv5") const {
    return mosquitto_args(port(), id, version);
  }

  // mosquitto_sub with `args`, once its SUBACK has arrived (-d says so).
  void start_sub(CliProcess& sub, const std::string& id, std::vector<std::string> args,
                 const std::string& version = "mqttv5") {
    ASSERT_TRUE(start_mosquitto_sub(sub, port(), id, args, version));
  }

  // mosquitto_pub -l: each line of `lines` a QoS 1 message to topic("t").
  void publish_lines(const Payloads& lines) {
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    std::vector<std::string> args = base("it-share-clipub");
    args.insert(args.end(), {"-t", topic("t"), "-q", "1", "-l"});
    const CliResult r = run_cli("mosquitto_pub", args, 10s, text);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  // The payloads a mosquitto_sub with -F 'msg|%p' printed.
  static Payloads printed(CliProcess& sub) {
    const CliResult r = sub.wait(10s);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    Payloads out;
    for (const auto& line : split_lines(r.out)) {
      if (line.rfind("msg|", 0) == 0) out.push_back(line.substr(4));
    }
    return out;
  }
};

// Two mosquitto_sub members of one group and an ordinary mosquitto_sub:
// each member prints half of the messages (-C stops it there; a member
// waiting for more would run into -W and fail), the ordinary one all.
TEST_F(V5SharedCli, MosquittoSubMembersSplitMessages_MQTT_4_8_2) {
  constexpr int kN = 10;
  const std::string half = std::to_string(kN / 2);
  CliProcess m1, m2, plain;
  ASSERT_NO_FATAL_FAILURE(start_sub(
      m1, "it-share-cli-m1", {"-t", shared("g"), "-q", "1", "-C", half, "-F", "msg|%p"}));
  ASSERT_NO_FATAL_FAILURE(start_sub(
      m2, "it-share-cli-m2", {"-t", shared("g"), "-q", "1", "-C", half, "-F", "msg|%p"}));
  ASSERT_NO_FATAL_FAILURE(start_sub(
      plain, "it-share-cli-plain",
      {"-t", topic("t"), "-q", "1", "-C", std::to_string(kN), "-F", "msg|%p"}));
  ASSERT_NO_FATAL_FAILURE(publish_lines(numbered(kN)));
  const Payloads got1 = printed(m1);
  const Payloads got2 = printed(m2);
  EXPECT_EQ(printed(plain), numbered(kN));
  EXPECT_EQ(all_of({got1, got2}), all_of({numbered(kN)}));
  if (!under_mosquitto()) {
    EXPECT_EQ(got1, numbered(kN, 2, 1)) << "round robin, first member first";
    EXPECT_EQ(got2, numbered(kN, 2, 2));
  }
}

// A 3.1.1 client may join a group (mosquitto_sub -V mqttv311) and shares
// its messages with a 5.0 member (docs/mqtt5.md: "3.1.1 clients may join
// groups too").
TEST_F(V5SharedCli, V311ClientJoinsGroup) {
  constexpr int kN = 6;
  CliProcess old_member;
  ASSERT_NO_FATAL_FAILURE(start_sub(old_member, "it-share-cli-v311",
                                    {"-t", shared("g"), "-q", "1", "-C", std::to_string(kN / 2),
                                     "-F", "msg|%p"},
                                    "mqttv311"));
  RawClient v5_member;
  ASSERT_NO_FATAL_FAILURE(subscriber(v5_member, "it-share-v5", shared("g")));
  ASSERT_NO_FATAL_FAILURE(publish_lines(numbered(kN)));
  const auto got = gather({&v5_member}, kN / 2);
  const Payloads old_got = printed(old_member);
  EXPECT_EQ(all_of({old_got, got[0]}), all_of({numbered(kN)}));
  EXPECT_EQ(old_got.size(), size_t{kN / 2});
}

}  // namespace
}  // namespace edgemq::itest
