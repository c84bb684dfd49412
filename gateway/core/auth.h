// Who may connect. The gateway hands CONNECT's credentials to an
// Authenticator; real methods (password files, tokens) come with their own
// issue, so the default allows everyone.
//
// MQTT 5 enhanced authentication [MQTT-4.12] is a challenge/response
// exchange named by an authentication method: CONNECT carries the method and
// its first data, the two sides trade AUTH packets (reason 0x18) until the
// method accepts or refuses, and CONNACK ends it. An authenticator offers a
// method by returning an AuthExchange for it; one exchange lives for one
// authentication, so a method keeps its per-client state there. The same
// hooks serve re-authentication (AUTH 0x19 after CONNACK) [MQTT-4.12.1].
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/mqtt/packet.h"

namespace edgemq::core {

struct AuthStep {
  enum class Outcome : uint8_t { Accept, Continue, Refuse };
  Outcome outcome = Outcome::Refuse;
  // Continue: the challenge for the client (AUTH's authentication data);
  // Accept: optional final data, sent in CONNACK (or AUTH 0x00).
  std::optional<std::string> data;
  // Refuse: the reason code (e.g. 0x86 bad credentials, 0x87 not authorized).
  uint8_t reason = mqtt::reason::kNotAuthorized;
};

class AuthExchange {
 public:
  virtual ~AuthExchange() = default;
  // The client's authentication data (CONNECT's, then each AUTH's).
  virtual AuthStep respond(const std::optional<std::string>& data) = 0;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Returns Accepted, BadUsernameOrPassword or NotAuthorized.
  virtual mqtt::ConnackCode authenticate(const std::string& client_id,
                                         const std::optional<std::string>& username,
                                         const std::optional<std::string>& password) = 0;
  // An exchange for enhanced authentication `method` by `client_id`, or null
  // when the method is not offered (CONNACK 0x8C [MQTT-4.12.0-1]). Username
  // and password, if sent, are checked by authenticate() first.
  virtual std::unique_ptr<AuthExchange> start_exchange(std::string_view /*method*/,
                                                       std::string_view /*client_id*/) {
    return nullptr;
  }
};

class AllowAll final : public Authenticator {
 public:
  mqtt::ConnackCode authenticate(const std::string&, const std::optional<std::string>&,
                                 const std::optional<std::string>&) override {
    return mqtt::ConnackCode::Accepted;
  }
};

}  // namespace edgemq::core
