#include "gateway/app/admin_endpoint.h"

#include <spdlog/spdlog.h>

#include "gateway/app/admin_backend.h"

namespace edgemq::app {

namespace {

bool is_loopback(const std::string& host) {
  return host.rfind("127.", 0) == 0 || host == "::1" || host == "localhost";
}

}  // namespace

std::string admin_address(const std::string& configured, bool have_tokens) {
  std::string host;
  int port = 0;
  if (have_tokens || !split_host_port(configured, host, port) || is_loopback(host)) return configured;
  return "127.0.0.1:" + std::to_string(port);
}

std::unique_ptr<admin::AdminServer> start_admin(net::Gateway& gateway, const Config& config, std::string& error) {
  if (config.listen_admin.empty()) return nullptr;
  std::vector<std::string> tokens = split_list(config.admin_tokens);
  const bool have_tokens = !tokens.empty();
  const std::string address = admin_address(config.listen_admin, have_tokens);
  if (address != config.listen_admin) {
    spdlog::warn("admin endpoint: no admin_tokens configured, so it listens on {} only (not {})", address,
                 config.listen_admin);
  }
  auto server = std::make_unique<admin::AdminServer>(
      admin::Api(std::move(tokens), std::make_shared<GatewayBackend>(gateway)));
  std::string host;
  int port = 0;
  split_host_port(address, host, port);
  if (!server->listen(host, port, error)) return nullptr;
  server->start();
  // Said here, where the address and the tokens were decided.
  spdlog::info("admin endpoint on {} (port {}){}", address, server->port(),
               have_tokens ? ", bearer token required" : ", no token asked");
  return server;
}

}  // namespace edgemq::app
