#include "gateway/admin/server.h"

#include <spdlog/spdlog.h>

#include <cstdint>
#include <exception>
#include <optional>
#include <vector>

namespace edgemq::admin {

// One HTTP client: its socket, a deadline timer, the request parser.
// Requests on a keep-alive connection are answered in order. Freed once
// both handles' close callbacks have run.
class AdminServer::Conn {
 public:
  explicit Conn(AdminServer& server) : server_(server), parser_(http::ParseLimits{}) {
    uv_tcp_init(&server.loop_, &tcp_);
    uv_timer_init(&server.loop_, &timer_);
    tcp_.data = this;
    timer_.data = this;
  }

  bool accept(uv_stream_t* listener) {
    if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&tcp_)) != 0) return false;
    waiting_since_ = uv_now(&server_.loop_);
    arm();
    uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), on_alloc, on_read);
    return true;
  }

  // Answers `r` and closes once it is written.
  void answer_and_close(const http::Response& r) {
    write(http::serialize(r, false));
    closing_after_write_ = true;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  }

  // Since when it has been waiting for its next request to arrive whole;
  // nullopt while it is writing an answer or closing.
  std::optional<uint64_t> waiting_since() const {
    if (closed_ || closing_after_write_ || writes_ > 0) return std::nullopt;
    return waiting_since_;
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    server_.conns_.erase(this);
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_closed);
  }

 private:
  struct Write {
    uv_write_t req{};
    std::string bytes;
    Conn* conn = nullptr;
  };

  // A request must arrive whole within the timeout (a slow client costs a
  // socket for that long, no more).
  void arm() { uv_timer_start(&timer_, on_timeout, kRequestTimeoutMs, 0); }

  static void on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) {
    thread_local char storage[16384];  // the admin thread's one read buffer
    *buf = uv_buf_init(storage, sizeof storage);
  }

  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
    auto* self = static_cast<Conn*>(s->data);
    if (nread == 0) return;
    if (nread < 0) {
      self->close();
      return;
    }
    std::vector<http::Request> requests;
    std::optional<http::ParseError> error;
    self->parser_.feed({reinterpret_cast<const uint8_t*>(buf->base), static_cast<size_t>(nread)}, requests, error);
    for (const http::Request& r : requests) {
      const http::Response response = self->server_.answer(r);
      spdlog::debug("admin: {} {} -> {}", r.method, r.path, response.status);
      if (!r.keep_alive) {
        self->answer_and_close(response);
        return;
      }
      self->write(http::serialize(response, true));
    }
    if (error) {
      spdlog::debug("admin: bad request: {}", error->message);
      self->answer_and_close(error_response(error->status, "bad_request", error->message));
      return;
    }
    if (!requests.empty()) {
      self->arm();  // the next request gets its own time
      self->waiting_since_ = uv_now(&self->server_.loop_);
    }
  }

  static void on_timeout(uv_timer_t* t) {
    auto* self = static_cast<Conn*>(t->data);
    // An idle keep-alive connection just goes: an unasked-for 408 there
    // would make HTTP clients log an "unsolicited response".
    if (self->parser_.idle()) {
      self->close();
      return;
    }
    self->answer_and_close(error_response(408, "request_timeout", "the request did not arrive in time"));
  }

  void write(std::string bytes) {
    auto* w = new Write{{}, std::move(bytes), this};
    w->req.data = w;
    const uv_buf_t b = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
    ++writes_;
    if (uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp_), &b, 1, on_write) != 0) {
      --writes_;
      delete w;
      close();
    }
  }

  static void on_write(uv_write_t* req, int status) {
    std::unique_ptr<Write> w(static_cast<Write*>(req->data));
    Conn* self = w->conn;
    --self->writes_;
    if (status < 0 || (self->closing_after_write_ && self->writes_ == 0)) self->close();
  }

  static void on_closed(uv_handle_t* h) {
    auto* self = static_cast<Conn*>(h->data);
    if (++self->handles_closed_ == 2) delete self;
  }

  AdminServer& server_;
  uv_tcp_t tcp_{};
  uv_timer_t timer_{};
  http::RequestParser parser_;
  int writes_ = 0;
  int handles_closed_ = 0;
  uint64_t waiting_since_ = 0;  // loop time of its accept or its last whole request
  bool closing_after_write_ = false;
  bool closed_ = false;
};

AdminServer::AdminServer(Api api) : api_(std::move(api)) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &stop_async_, on_stop);
  stop_async_.data = this;
  uv_tcp_init(&loop_, &listener_);
  listener_.data = this;
}

AdminServer::~AdminServer() {
  stop();
  if (!thread_.joinable() && !stopped_.exchange(true)) {
    // Never started: close the handles here.
    on_stop(&stop_async_);
  }
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

bool AdminServer::listen(const std::string& host, int port, std::string& error) {
  sockaddr_storage addr{};
  const bool v6 = host.find(':') != std::string::npos;
  int rc = v6 ? uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr))
              : uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc == 0) rc = uv_tcp_bind(&listener_, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 128, on_connection);
  if (rc != 0) {
    error = "cannot listen for admin on " + host + ":" + std::to_string(port) + ": " + uv_strerror(rc);
    return false;
  }
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(&listener_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  listening_ = true;
  return true;
}

void AdminServer::start() {
  thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
}

void AdminServer::stop() {
  if (!thread_.joinable()) return;
  if (!stopped_.exchange(true)) uv_async_send(&stop_async_);
  thread_.join();
}

http::Response AdminServer::answer(const http::Request& r) const {
  // This runs in a libuv callback: nothing may escape it (std::terminate).
  try {
    return api_.handle(r);
  } catch (const std::exception& e) {
    spdlog::error("admin: {} {}: {}", r.method, r.path, e.what());
    return error_response(500, "internal_error", "the request failed; see the gateway's log");
  }
}

void AdminServer::on_connection(uv_stream_t* server, int status) {
  auto* self = static_cast<AdminServer*>(server->data);
  if (status < 0) return;
  auto* c = new Conn(*self);
  self->conns_.insert(c);
  if (!c->accept(server)) {
    c->close();
    return;
  }
  if (self->conns_.size() > kMaxConnections && !self->evict_oldest_waiting()) {
    c->answer_and_close(error_response(503, "busy", "too many admin connections"));
  }
}

bool AdminServer::evict_oldest_waiting() {
  Conn* oldest = nullptr;
  uint64_t since = UINT64_MAX;
  for (Conn* c : conns_) {
    const std::optional<uint64_t> w = c->waiting_since();
    if (w && *w < since) {
      since = *w;
      oldest = c;
    }
  }
  if (oldest == nullptr) return false;
  spdlog::debug("admin: {} connections: closing the one waiting longest for a request", kMaxConnections);
  oldest->close();
  return true;
}

void AdminServer::on_stop(uv_async_t* h) {
  auto* self = static_cast<AdminServer*>(h->data);
  std::vector<Conn*> all(self->conns_.begin(), self->conns_.end());
  for (Conn* c : all) c->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&self->listener_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_async_), nullptr);
}

}  // namespace edgemq::admin
