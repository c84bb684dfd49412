#include "gateway/net/listener.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
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

Listener::~Listener() {
  // close() ran and the loop ran once more (the handles' callbacks are null),
  // or open() never started anything.
  if (fd_ >= 0) ::close(fd_);
}

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
  fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd_ < 0 || ::setsockopt(fd_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0 || ::listen(fd_, 4096) != 0) {
    error = "cannot bind " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
    return false;
  }
  if ((rc = uv_poll_init_socket(worker_.loop(), &poll_, fd_)) != 0) {
    error = std::string("cannot listen: ") + uv_strerror(rc);
    return false;
  }
  uv_timer_init(worker_.loop(), &backoff_);
  poll_.data = this;
  backoff_.data = this;
  open_ = true;
  uv_poll_start(&poll_, UV_READABLE, on_readable);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return true;
}

void Listener::close() {
  if (!open_) return;
  open_ = false;
  // Closing a poll handle stops watching the descriptor at once, so the
  // socket can go now; the handles' memory stays until the loop runs again.
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&backoff_), nullptr);
  ::close(fd_);
  fd_ = -1;
}

void Listener::on_readable(uv_poll_t* poll, int status, int /*events*/) {
  auto* self = static_cast<Listener*>(poll->data);
  // libuv has stopped watching after an error: back off and start again.
  if (status < 0) {
    self->back_off(EIO);
    return;
  }
  self->accept_pending();
}

void Listener::accept_pending() {
  // Level-triggered: what is left for the next loop turn wakes us again.
  for (int i = 0; i < 128 && open_; ++i) {
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      backoff_ms_ = 0;
      worker_.accepted(fd, kind_);
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    // The client gave up before we took it, or its SYN's connection broke.
    if (errno == ECONNABORTED || errno == EINTR || errno == EPROTO) continue;
    back_off(errno);
    return;
  }
}

void Listener::back_off(int error) {
  backoff_ms_ = backoff_ms_ == 0 ? 50 : std::min<uint32_t>(backoff_ms_ * 2, 1000);
  worker_.accept_failed(kind_, error, backoff_ms_);
  uv_poll_stop(&poll_);
  uv_timer_start(&backoff_, on_backoff_done, backoff_ms_, 0);
}

void Listener::on_backoff_done(uv_timer_t* timer) {
  auto* self = static_cast<Listener*>(timer->data);
  if (!self->open_) return;
  uv_poll_start(&self->poll_, UV_READABLE, on_readable);
  self->accept_pending();
}

}  // namespace edgemq::net
