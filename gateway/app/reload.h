// What SIGHUP changes in a running gateway. The configuration is read again
// (the TOML file; the environment and flags are the process's own, so they
// stay as they were); keys that can change live take effect, each change
// said in the log, and keys that need a restart are named and left as they
// run. Certificates are reloaded apart (Gateway::reload_tls).
#pragma once

#include <string>
#include <vector>

#include "gateway/app/config.h"
#include "gateway/net/gateway.h"

namespace edgemq::app {

struct ReloadPlan {
  Config next;                       // the running configuration with the live changes
  std::vector<std::string> applied;  // "max_inflight 32 -> 64"
  std::vector<std::string> need_restart;  // keys that changed and cannot live
  bool log_level = false;
  bool limits = false;
  bool memory = false;  // partial_packet_budget or memory_high_watermark
};

// Pure: what reloading `fresh` over `running` changes.
ReloadPlan plan_reload(const Config& running, const Config& fresh);

// Applies the plan to the gateway and the log, says what it did, and
// returns the configuration now in force. A watermark given as a share is
// taken of the memory limit as it is now (memory_limit.h).
Config apply_reload(const ReloadPlan& plan, net::Gateway& gateway);

}  // namespace edgemq::app
