#include "gateway/net/listener.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "gateway/net/worker.h"

namespace edgemq::net {

const char* name_of(ListenerKind k) {
  switch (k) {
    case ListenerKind::Mqtt: return "mqtt";
    case ListenerKind::Ws: return "ws";
    case ListenerKind::Mqtts: return "mqtts";
    case ListenerKind::Wss: return "wss";
  }
  return "?";
}

Listener::Listener(Worker& worker, ListenerKind kind) : worker_(worker), kind_(kind) {}

namespace {

// SO_REUSEPORT lets any process of the same user bind a port that is already
// listening, and the kernel then splits new connections between the two: a
// second edgemq started by mistake would take half the clients, and messages
// between the halves would never meet. A bind without SO_REUSEPORT fails
// while anyone listens there, so it tells.
bool someone_listens(const sockaddr* addr, socklen_t len) {
  const int probe = ::socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return false;
  int one = 1;
  ::setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const bool taken = ::bind(probe, addr, len) != 0 && errno == EADDRINUSE;
  ::close(probe);
  return taken;
}

}  // namespace

bool Listener::open(const std::string& host, int port, bool first, std::string& error) {
  sockaddr_storage addr{};
  bool v6 = host.find(':') != std::string::npos;
  int rc = v6 ? uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr))
              : uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) {
    error = "bad listen address " + host + ": " + uv_strerror(rc);
    return false;
  }
  const auto addr_len = static_cast<socklen_t>(v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in));
  if (first && port != 0 && someone_listens(reinterpret_cast<sockaddr*>(&addr), addr_len)) {
    error = "cannot bind " + host + ":" + std::to_string(port) + ": address in use (another broker?)";
    return false;
  }
  // libuv 1.44 has no SO_REUSEPORT flag, so the socket is made here and handed over.
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in)) != 0) {
    error = "cannot bind " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return false;
  }
  uv_tcp_init(worker_.loop(), &handle_);
  handle_.data = this;
  open_ = true;
  if ((rc = uv_tcp_open(&handle_, fd)) != 0) {
    ::close(fd);  // the handle does not own it yet
    error = std::string("cannot listen: ") + uv_strerror(rc);
    return false;
  }
  if ((rc = uv_listen(reinterpret_cast<uv_stream_t*>(&handle_), 4096, on_connection)) != 0) {
    error = std::string("cannot listen: ") + uv_strerror(rc);
    return false;
  }
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(&handle_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return true;
}

void Listener::close() {
  if (!open_) return;
  open_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), nullptr);
}

void Listener::on_connection(uv_stream_t* server, int status) {
  auto* self = static_cast<Listener*>(server->data);
  if (status < 0) return;  // EMFILE and the like: the next accept may succeed
  self->worker_.accepted(server, self->kind_);
}

}  // namespace edgemq::net
