// Who may connect. The gateway hands CONNECT's credentials to an
// Authenticator; real methods (password files, tokens) come with their own
// issue, so the default allows everyone.
#pragma once

#include <optional>
#include <string>

#include "protocols/mqtt/packet.h"

namespace edgemq::core {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Returns Accepted, BadUsernameOrPassword or NotAuthorized.
  virtual mqtt::ConnackCode authenticate(const std::string& client_id,
                                         const std::optional<std::string>& username,
                                         const std::optional<std::string>& password) = 0;
};

class AllowAll final : public Authenticator {
 public:
  mqtt::ConnackCode authenticate(const std::string&, const std::optional<std::string>&,
                                 const std::optional<std::string>&) override {
    return mqtt::ConnackCode::Accepted;
  }
};

}  // namespace edgemq::core
