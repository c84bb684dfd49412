// MQTT 5.0 enhanced authentication through the Authenticator hooks [MQTT-4.12]:
// a challenge/response method, at CONNECT and as re-authentication.
#include "tests/unit/core/v5_harness.h"

namespace edgemq::core::testing {
namespace {

namespace reason = mqtt::reason;

// "CHALLENGE": the client says "hello", gets "nonce", must answer "nonce-signed".
class ChallengeExchange final : public AuthExchange {
 public:
  AuthStep respond(const std::optional<std::string>& data) override {
    if (!challenged_ && data == "hello") {
      challenged_ = true;
      return {AuthStep::Outcome::Continue, "nonce"};
    }
    if (challenged_ && data == "nonce-signed") return {AuthStep::Outcome::Accept, "welcome"};
    return {AuthStep::Outcome::Refuse, std::nullopt, reason::kNotAuthorized};
  }

 private:
  bool challenged_ = false;
};

class ChallengeAuth final : public Authenticator {
 public:
  mqtt::ConnackCode authenticate(const std::string&, const std::optional<std::string>&,
                                 const std::optional<std::string>&) override {
    return mqtt::ConnackCode::Accepted;
  }
  std::unique_ptr<AuthExchange> start_exchange(std::string_view method, std::string_view) override {
    ++started;
    if (method != "CHALLENGE") return nullptr;
    return std::make_unique<ChallengeExchange>();
  }
  int started = 0;
};

mqtt::Connect connect_with(const std::string& method, const std::string& data) {
  mqtt::Connect c;
  c.level = mqtt::ProtocolLevel::V5;
  c.client_id = "dev";
  c.props.mut().auth_method = method;
  c.props.mut().auth_data = data;
  return c;
}

mqtt::Auth auth(uint8_t code, const std::string& method, const std::string& data) {
  mqtt::Auth a{code, {}};
  a.props.mut().auth_method = method;
  a.props.mut().auth_data = data;
  return a;
}

struct EnhancedAuth : ::testing::Test {
  ChallengeAuth method;
  V5Harness h{Limits{}, &method};
  FakeLink link{1};
};

TEST_F(EnhancedAuth, AMethodNotOfferedGetsBadAuthenticationMethod_MQTT_4_12_0_1) {
  mqtt::Connect c = connect_with("SCRAM-SHA-1", "x");
  EXPECT_EQ(h.shard().on_connect(link, c).outcome, Shard::ConnectOutcome::Rejected);
  ASSERT_EQ(link.all<mqtt::Connack>().size(), 1u);
  EXPECT_EQ(static_cast<uint8_t>(link.all<mqtt::Connack>()[0].code), reason::kBadAuthenticationMethod);
  EXPECT_TRUE(link.closed);
}

TEST_F(EnhancedAuth, AChallengeAndItsAnswerEndInConnack_MQTT_4_12) {
  mqtt::Connect c = connect_with("CHALLENGE", "hello");
  EXPECT_EQ(h.shard().on_connect(link, c).outcome, Shard::ConnectOutcome::Authenticating);
  EXPECT_TRUE(link.all<mqtt::Connack>().empty());
  auto challenges = link.all<mqtt::Auth>();
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].reason_code, reason::kContinueAuthentication);
  EXPECT_EQ(challenges[0].props->auth_method, "CHALLENGE");
  EXPECT_EQ(challenges[0].props->auth_data, "nonce");

  auto r = h.shard().on_auth(link, auth(reason::kContinueAuthentication, "CHALLENGE", "nonce-signed"));
  EXPECT_EQ(r.outcome, Shard::ConnectOutcome::Accepted);
  auto acks = link.all<mqtt::Connack>();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].code, mqtt::ConnackCode::Accepted);
  EXPECT_EQ(acks[0].props->auth_method, "CHALLENGE") << "CONNACK names the method";
  EXPECT_EQ(acks[0].props->auth_data, "welcome");
  EXPECT_EQ(h.shard().session_count(), 1u);
}

TEST_F(EnhancedAuth, AWrongAnswerIsRefusedWithTheMethodsReason) {
  mqtt::Connect c = connect_with("CHALLENGE", "hello");
  h.shard().on_connect(link, c);
  auto r = h.shard().on_auth(link, auth(reason::kContinueAuthentication, "CHALLENGE", "guess"));
  EXPECT_EQ(r.outcome, Shard::ConnectOutcome::Rejected);
  EXPECT_EQ(static_cast<uint8_t>(link.all<mqtt::Connack>().at(0).code), reason::kNotAuthorized);
  EXPECT_TRUE(link.closed);
  EXPECT_EQ(h.shard().session_count(), 0u);
}

TEST_F(EnhancedAuth, AnotherMethodMidwayIsAProtocolError_MQTT_4_12) {
  mqtt::Connect c = connect_with("CHALLENGE", "hello");
  h.shard().on_connect(link, c);
  auto r = h.shard().on_auth(link, auth(reason::kContinueAuthentication, "OTHER", "nonce-signed"));
  EXPECT_EQ(r.outcome, Shard::ConnectOutcome::Rejected);
  EXPECT_EQ(static_cast<uint8_t>(link.all<mqtt::Connack>().at(0).code), reason::kProtocolError);
}

TEST_F(EnhancedAuth, ReauthenticationRunsTheSameExchangeAfterConnack_MQTT_4_12_1) {
  mqtt::Connect c = connect_with("CHALLENGE", "hello");
  h.shard().on_connect(link, c);
  h.shard().on_auth(link, auth(reason::kContinueAuthentication, "CHALLENGE", "nonce-signed"));
  ASSERT_EQ(h.shard().on_packet(link.id(), auth(reason::kReauthenticate, "CHALLENGE", "hello")), 0);
  ASSERT_EQ(h.shard().on_packet(link.id(), auth(reason::kContinueAuthentication, "CHALLENGE", "nonce-signed")), 0);
  auto auths = link.all<mqtt::Auth>();
  ASSERT_EQ(auths.size(), 3u) << "challenge at CONNECT, challenge and success on re-authentication";
  EXPECT_EQ(auths[1].reason_code, reason::kContinueAuthentication);
  EXPECT_EQ(auths[2].reason_code, reason::kSuccess);
  EXPECT_EQ(auths[2].props->auth_data, "welcome");
  EXPECT_EQ(method.started, 2);
}

TEST_F(EnhancedAuth, AFailedReauthenticationDisconnects_MQTT_4_12_1) {
  mqtt::Connect c = connect_with("CHALLENGE", "hello");
  h.shard().on_connect(link, c);
  h.shard().on_auth(link, auth(reason::kContinueAuthentication, "CHALLENGE", "nonce-signed"));
  ASSERT_EQ(h.shard().on_packet(link.id(), auth(reason::kReauthenticate, "CHALLENGE", "hello")), 0);
  EXPECT_EQ(h.shard().on_packet(link.id(), auth(reason::kContinueAuthentication, "CHALLENGE", "wrong")),
            reason::kNotAuthorized);
}

TEST_F(EnhancedAuth, AuthWithoutEnhancedAuthenticationIsAProtocolError) {
  h.connect_v5(link, "plain");
  EXPECT_EQ(h.shard().on_packet(link.id(), auth(reason::kReauthenticate, "CHALLENGE", "hello")),
            reason::kProtocolError);
}

}  // namespace
}  // namespace edgemq::core::testing
