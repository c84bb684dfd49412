// edgemq: starts the gateway on its configuration and runs until SIGTERM or
// SIGINT, then stops accepting, closes connections, flushes the store and
// exits 0. SIGHUP rereads the configuration (what can change live does,
// app/reload.h) and the TLS certificate and key. `edgemq salvage` opens a
// store whose write-ahead log start-up refused, reports and exits
// (app/salvage.h).
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <spdlog/spdlog.h>

#include "gateway/app/admin_endpoint.h"
#include "gateway/app/config.h"
#include "gateway/app/memory_limit.h"
#include "gateway/app/reload.h"
#include "gateway/app/salvage.h"
#include "gateway/net/gateway.h"

namespace {

const char* lookup_env(const char* name) { return std::getenv(name); }

edgemq::net::GatewayOptions options_from(const edgemq::app::Config& c) {
  edgemq::net::GatewayOptions o;
  edgemq::app::split_host_port(c.listen_mqtt, o.mqtt_host, o.mqtt_port);
  if (!c.listen_ws.empty()) edgemq::app::split_host_port(c.listen_ws, o.ws_host, o.ws_port);
  if (!c.listen_mqtts.empty()) edgemq::app::split_host_port(c.listen_mqtts, o.mqtts_host, o.mqtts_port);
  if (!c.listen_wss.empty()) edgemq::app::split_host_port(c.listen_wss, o.wss_host, o.wss_port);
  o.tls.cert_file = c.tls_cert;
  o.tls.key_file = c.tls_key;
  o.tls.ca_file = c.tls_ca;
  o.tls.require_client_cert = c.tls_require_client_cert;
  o.tls.cn_as_username = c.tls_cn_as_username;
  o.ws.paths = edgemq::app::split_list(c.ws_paths);
  o.ws.allowed_origins = edgemq::app::split_list(c.ws_origins);
  o.data_dir = c.data_dir;
  o.workers = c.workers;
  o.sync_commits = c.durability == "power";
  o.min_free_disk = c.min_free_disk;
  o.sys_interval_s = c.sys_interval;
  o.partial_packet_budget = c.partial_packet_budget;
  o.memory_high_watermark = edgemq::app::resolve(c.memory_high_watermark, edgemq::app::memory_limit().bytes);
  o.limits = c.limits;
  return o;
}

// One log entry per line, so a refusal that takes a few lines reads as a few.
void log_lines(spdlog::level::level_enum level, const std::string& text) {
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    spdlog::log(level, "{}", text.substr(start, end - start));
    start = end + 1;
  }
}

// Where the memory bounds stand, once at start: a share of what, and how much.
void log_memory_bounds(const edgemq::app::Config& c) {
  const edgemq::app::MemoryLimit limit = edgemq::app::memory_limit();
  const uint64_t watermark = edgemq::app::resolve(c.memory_high_watermark, limit.bytes);
  auto mib = [](uint64_t b) { return static_cast<double>(b) / (1 << 20); };
  if (watermark == 0) {
    spdlog::info("memory: no memory_high_watermark (0: off); partial_packet_budget {:.1f} MiB",
                 mib(c.partial_packet_budget));
  } else if (c.memory_high_watermark.percent != 0) {
    spdlog::info("memory: memory_high_watermark {:.1f} MiB ({}% of {:.1f} MiB, {}); partial_packet_budget {:.1f} MiB",
                 mib(watermark), c.memory_high_watermark.percent, mib(limit.bytes), limit.source,
                 mib(c.partial_packet_budget));
  } else {
    spdlog::info("memory: memory_high_watermark {:.1f} MiB; partial_packet_budget {:.1f} MiB", mib(watermark),
                 mib(c.partial_packet_budget));
  }
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
  sigaddset(&stop_signals, SIGHUP);
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
  if (parsed.command == edgemq::app::Command::Salvage) return edgemq::app::run_salvage(config);

  log_memory_bounds(config);
  edgemq::net::Gateway gateway(options_from(config));
  std::string error;
  if (!gateway.open(error)) {
    log_lines(spdlog::level::err, error);
    gateway.shutdown();
    return 1;
  }
  gateway.start();
  std::unique_ptr<edgemq::admin::AdminServer> admin = edgemq::app::start_admin(gateway, config, error);
  if (!admin && !error.empty()) {
    spdlog::error("{}", error);
    gateway.shutdown();
    return 1;
  }
  spdlog::info("edgemq {} listening on mqtt {} (port {}), data in {}, durability {}", EDGEMQ_VERSION,
               config.listen_mqtt, gateway.mqtt_port(), config.data_dir, config.durability);
  using edgemq::net::ListenerKind;
  if (gateway.port(ListenerKind::Ws) != 0) {
    spdlog::info("listening on mqtt over websocket {} (port {}), paths {}", config.listen_ws,
                 gateway.port(ListenerKind::Ws), config.ws_paths);
  }
  if (gateway.port(ListenerKind::Mqtts) != 0) {
    spdlog::info("listening on mqtt over tls {} (port {})", config.listen_mqtts, gateway.port(ListenerKind::Mqtts));
  }
  if (gateway.port(ListenerKind::Wss) != 0) {
    spdlog::info("listening on mqtt over websocket in tls {} (port {}), paths {}", config.listen_wss,
                 gateway.port(ListenerKind::Wss), config.ws_paths);
  }
  if (!gateway.tls_subject().empty()) {
    spdlog::info("tls certificate {}{}", gateway.tls_subject(),
                 config.tls_require_client_cert ? ", client certificates required" : "");
  }

  int sig = 0;
  for (;;) {
    sigwait(&stop_signals, &sig);
    if (sig != SIGHUP) break;
    edgemq::app::Config fresh;
    const auto reread = edgemq::app::load_config(argc, argv, lookup_env, fresh);
    if (reread.ok) {
      config = edgemq::app::apply_reload(edgemq::app::plan_reload(config, fresh), gateway);
    } else {
      spdlog::error("SIGHUP: configuration not reloaded, the running one stays: {}", reread.error);
    }
    if (gateway.tls_subject().empty()) continue;  // no TLS listener
    error.clear();
    if (gateway.reload_tls(error)) {
      spdlog::info("SIGHUP: tls certificate reloaded: {}", gateway.tls_subject());
    } else {
      spdlog::error("SIGHUP: tls certificate not reloaded, the previous one stays: {}", error);
    }
  }
  spdlog::info("signal {}: stopping", sig);
  if (admin) admin->stop();
  gateway.shutdown();
  spdlog::info("stopped");
  return 0;
}
