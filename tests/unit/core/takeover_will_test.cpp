// The will of a connection taken over by a new one for the same client id,
// for every combination that decides it: the protocol version of the old
// connection, whether the old session was to outlive it, whether the new
// CONNECT continues the session, and the will delay. The rule (docs/
// architecture.md, "Takeover"): the server closes the old connection without
// a DISCONNECT from it, so its will goes out at once [MQTT-3.1.2-8]; only a
// 5.0 will with a delay, of a session the new connection continues, is not
// sent [MQTT-3.1.3-9] (the non-normative comments of 3.1.3.2.2 and 3.1.4).
#include <optional>
#include <string>

#include "tests/unit/core/v5_harness.h"

namespace edgemq::core::testing {
namespace {

using mqtt::ProtocolLevel;

struct Side {
  ProtocolLevel level;
  bool clean;           // clean session (3.1, 3.1.1) or clean start (5.0)
  uint32_t expiry = 0;  // 5.0 session expiry interval
};

struct TakeoverCase {
  const char* name;
  Side old_side;
  uint32_t will_delay;  // 5.0 only
  Side new_side;
  bool will_published;
};

void PrintTo(const TakeoverCase& c, std::ostream* os) { *os << c.name; }

mqtt::Connect connect_packet(const Side& side, std::optional<mqtt::Will> will = std::nullopt) {
  mqtt::Connect c;
  c.level = side.level;
  c.client_id = "dev";
  c.clean_session = side.clean;
  c.will = std::move(will);
  if (side.level == ProtocolLevel::V5 && side.expiry != 0) c.props.mut().session_expiry = side.expiry;
  return c;
}

mqtt::Will will_of(const TakeoverCase& c) {
  mqtt::Will w{"will/dev", "gone", 0, false, {}};
  if (c.will_delay != 0) w.props.mut().will_delay = c.will_delay;
  return w;
}

class TakeoverWill : public ::testing::TestWithParam<TakeoverCase> {};

TEST_P(TakeoverWill, IsPublishedAtOnceUnlessADelayedWillsSessionContinues) {
  const TakeoverCase& tc = GetParam();
  V5Harness h;
  FakeLink sub(1), old_link(2), new_link(3);
  h.connect(sub, "sub");
  h.subscribe(sub, "will/#", 0);
  mqtt::Connect first = connect_packet(tc.old_side, will_of(tc));
  h.send_connect(old_link, first);
  mqtt::Connect second = connect_packet(tc.new_side);
  h.send_connect(new_link, second);

  EXPECT_TRUE(old_link.closed) << "the old connection is closed [MQTT-3.1.4-2]";
  EXPECT_FALSE(new_link.closed);
  EXPECT_EQ(sub.all<mqtt::Publish>().size(), tc.will_published ? 1u : 0u) << "at the takeover";
  // The net layer reports the old link closed; the will is not sent twice,
  // and a will that was not sent does not come later either.
  h.shard().on_link_closed(old_link.id(), false);
  h.advance(60'000);
  EXPECT_EQ(sub.all<mqtt::Publish>().size(), tc.will_published ? 1u : 0u) << "a minute later";
}

constexpr Side k31Clean{ProtocolLevel::V31, true};
constexpr Side k31Persistent{ProtocolLevel::V31, false};
constexpr Side k311Clean{ProtocolLevel::V311, true};
constexpr Side k311Persistent{ProtocolLevel::V311, false};
constexpr Side k5Transient{ProtocolLevel::V5, true, 0};       // clean start, expiry 0
constexpr Side k5Lasting{ProtocolLevel::V5, false, 60};       // continues, outlives the connection
constexpr Side k5LastingFresh{ProtocolLevel::V5, true, 60};   // clean start, outlives the connection
constexpr Side k5ContinuesBriefly{ProtocolLevel::V5, false, 0};  // continues, ends with the connection

INSTANTIATE_TEST_SUITE_P(
    Matrix, TakeoverWill,
    ::testing::Values(
        // 3.1.1 has no will delay: every takeover publishes [MQTT-3.1.2-8].
        TakeoverCase{"V311_CleanThenClean_MQTT_3_1_2_8", k311Clean, 0, k311Clean, true},
        TakeoverCase{"V311_CleanThenPersistent_MQTT_3_1_2_8", k311Clean, 0, k311Persistent, true},
        TakeoverCase{"V311_PersistentThenClean_MQTT_3_1_2_8", k311Persistent, 0, k311Clean, true},
        TakeoverCase{"V311_PersistentThenPersistent_MQTT_3_1_2_8", k311Persistent, 0, k311Persistent, true},
        TakeoverCase{"V31_CleanThenClean", k31Clean, 0, k31Clean, true},
        TakeoverCase{"V31_PersistentThenPersistent", k31Persistent, 0, k31Persistent, true},
        // 5.0 without a delay: sent at the close (3.1.3.2.2, 3.1.4 comments).
        TakeoverCase{"V5_NoDelay_SessionEndsByExpiry_MQTT_3_1_2_8", k5Transient, 0, k5Transient, true},
        TakeoverCase{"V5_NoDelay_SessionEndsByCleanStart_MQTT_3_1_2_8", k5Lasting, 0, k5LastingFresh, true},
        TakeoverCase{"V5_NoDelay_SessionContinues_MQTT_3_1_2_8", k5Lasting, 0, k5Lasting, true},
        // 5.0 with a delay: sent only when the session ends with the takeover.
        TakeoverCase{"V5_Delay_SessionContinues_MQTT_3_1_3_9", k5Lasting, 5, k5Lasting, false},
        TakeoverCase{"V5_Delay_NewCleanStartEndsTheSession_MQTT_3_1_3_9", k5Lasting, 5, k5LastingFresh, true},
        TakeoverCase{"V5_Delay_OldExpiryZeroEndsTheSession_MQTT_3_1_3_9", k5Transient, 5, k5ContinuesBriefly, true},
        // The old connection's version decides: a 3.1.1 will has no delay.
        TakeoverCase{"V311WillTakenOverBy5_MQTT_3_1_2_8", k311Persistent, 0, k5Lasting, true}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// A session that was to end with its connection ends with the takeover, even
// for a CONNECT that would continue it: nothing to resume [MQTT-3.1.2-23].
TEST(TakeoverSession, ASessionWithExpiryZeroIsNotResumed_MQTT_3_1_2_23) {
  V5Harness h;
  FakeLink first(1), second(2), third(3);
  h.connect_v5(first, "dev", with_expiry(60), false);
  h.subscribe(first, "t/#", 1);
  // Resumed, and from now on to end with its connection.
  EXPECT_TRUE(h.connect_v5(second, "dev", {}, false).session_present);
  EXPECT_FALSE(h.connect_v5(third, "dev", with_expiry(60), false).session_present);
}

// A will waiting out its delay (the connection already broke) goes out at
// once when a clean start ends its session; only a CONNECT that continues
// the session cancels it [MQTT-3.1.3-9], section 3.1.3.2.2.
TEST(TakeoverSession, ACleanStartSendsAWillWaitingOutItsDelay_MQTT_3_1_3_9) {
  V5Harness h;
  FakeLink sub(1), dev(2), back(3);
  h.connect(sub, "sub");
  h.subscribe(sub, "will/#", 0);
  mqtt::Will w{"will/dev", "gone", 0, false, {}};
  w.props.mut().will_delay = 30;
  h.connect_v5(dev, "dev", with_expiry(60), false, w);
  h.shard().on_link_closed(dev.id(), false);
  h.advance(1'000);
  EXPECT_TRUE(sub.all<mqtt::Publish>().empty()) << "still within its delay";
  h.connect_v5(back, "dev", with_expiry(60), true);
  EXPECT_EQ(sub.all<mqtt::Publish>().size(), 1u) << "the clean start ended the session";
  h.advance(60'000);
  EXPECT_EQ(sub.all<mqtt::Publish>().size(), 1u);
}

}  // namespace
}  // namespace edgemq::core::testing
