// edgemq: starts the gateway on its configuration and runs until SIGTERM or
// SIGINT, then stops accepting, closes connections, flushes the store and
// exits 0.
#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "gateway/app/config.h"
#include "gateway/net/gateway.h"

namespace {

const char* lookup_env(const char* name) { return std::getenv(name); }

edgemq::net::GatewayOptions options_from(const edgemq::app::Config& c) {
  edgemq::net::GatewayOptions o;
  edgemq::app::split_host_port(c.listen_mqtt, o.mqtt_host, o.mqtt_port);
  if (!c.listen_ws.empty()) edgemq::app::split_host_port(c.listen_ws, o.ws_host, o.ws_port);
  o.ws.paths = edgemq::app::split_list(c.ws_paths);
  o.ws.allowed_origins = edgemq::app::split_list(c.ws_origins);
  o.data_dir = c.data_dir;
  o.workers = c.workers;
  o.sync_commits = c.durability == "power";
  o.sys_interval_s = c.sys_interval;
  o.limits = c.limits;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken by sigwait below; every thread started later inherits
  // this mask, so none of them is interrupted. Writes to a closed socket
  // must fail with EPIPE, not kill the process.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  edgemq::app::Config config;
  auto parsed = edgemq::app::load_config(argc, argv, lookup_env, config);
  if (parsed.help) {
    std::fputs(edgemq::app::config_help().c_str(), stdout);
    return 0;
  }
  if (parsed.version) {
    std::puts("edgemq " EDGEMQ_VERSION);
    return 0;
  }
  if (!parsed.ok) {
    std::fprintf(stderr, "edgemq: %s\n", parsed.error.c_str());
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  edgemq::net::Gateway gateway(options_from(config));
  std::string error;
  if (!gateway.open(error)) {
    spdlog::error("{}", error);
    gateway.shutdown();
    return 1;
  }
  gateway.start();
  spdlog::info("edgemq {} listening on mqtt {} (port {}), data in {}, durability {}", EDGEMQ_VERSION,
               config.listen_mqtt, gateway.mqtt_port(), config.data_dir, config.durability);
  if (gateway.ws_port() != 0) {
    spdlog::info("listening on mqtt over websocket {} (port {}), paths {}", config.listen_ws, gateway.ws_port(),
                 config.ws_paths);
  }

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("signal {}: stopping", sig);
  gateway.shutdown();
  spdlog::info("stopped");
  return 0;
}
