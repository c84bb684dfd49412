// The admin endpoint of a running gateway: what it reports (a Snapshot of
// the gateway's counters and the process) and on which address, by the
// loopback rule: without admin_tokens it listens on 127.0.0.1 only.
#pragma once

#include <memory>
#include <string>

#include "gateway/admin/server.h"
#include "gateway/app/config.h"
#include "gateway/net/gateway.h"

namespace edgemq::app {

// Null when listen_admin is empty; null with `error` set when it cannot bind.
// Logs the address it listens on.
std::unique_ptr<admin::AdminServer> start_admin(net::Gateway& gateway, const Config& config, std::string& error);

// The address the endpoint actually uses: `configured`, or 127.0.0.1 with the
// same port when there is no token and `configured` is not loopback.
std::string admin_address(const std::string& configured, bool have_tokens);

}  // namespace edgemq::app
