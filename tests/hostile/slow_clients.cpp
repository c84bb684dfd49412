#include "tests/hostile/slow_clients.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "tests/integration/gateway_process.h"
#include "tests/integration/raw_client.h"

namespace edgemq::itest {
namespace {

std::string varint(size_t n) {
  std::string out;
  do {
    uint8_t d = n % 128;
    n /= 128;
    if (n != 0) d |= 0x80;
    out.push_back(static_cast<char>(d));
  } while (n != 0);
  return out;
}

// A QoS 0 PUBLISH to `topic` of `packet_bytes` in all: its fixed header,
// topic and the first `first_bytes` of the body (or all but one byte).
std::string publish_start(const std::string& topic, size_t packet_bytes, size_t first_bytes, size_t& body_left) {
  // Remaining length r with 1 + len(varint(r)) + r == packet_bytes.
  size_t remaining = packet_bytes - 2;
  while (1 + varint(remaining).size() + remaining > packet_bytes) --remaining;
  const size_t payload = remaining - 2 - topic.size();
  const size_t first = std::min(first_bytes, payload - 1);
  body_left = payload - first - 1;  // the last byte never goes
  std::string out = "\x30" + varint(remaining);
  out.push_back(static_cast<char>(topic.size() >> 8));
  out.push_back(static_cast<char>(topic.size() & 0xFF));
  out += topic;
  out.append(first, 'x');
  return out;
}

}  // namespace

SlowPublishers::SlowPublishers(int port, size_t count, size_t packet_bytes, size_t first_bytes, std::string prefix)
    : port_(port), count_(count), packet_bytes_(packet_bytes), first_bytes_(first_bytes), prefix_(std::move(prefix)) {}

SlowPublishers::~SlowPublishers() { close_all(); }

::testing::AssertionResult SlowPublishers::open() {
  for (size_t i = 0; i < count_; ++i) {
    const int fd = connect_loopback(port_, 5);
    if (fd < 0) return ::testing::AssertionFailure() << "connection " << i << " failed";
    Client c;
    c.fd = fd;
    clients_.push_back(c);
    const std::string connect = encode(make_connect(prefix_ + std::to_string(i)));
    if (::send(fd, connect.data(), connect.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(connect.size())) {
      return ::testing::AssertionFailure() << "CONNECT " << i << " not sent";
    }
    char ack[4];
    if (::recv(fd, ack, sizeof ack, MSG_WAITALL) != 4 || ack[0] != 0x20 || ack[3] != 0) {
      return ::testing::AssertionFailure() << "no CONNACK 0 for connection " << i;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    clients_.back().first = publish_start("slow/" + prefix_, packet_bytes_, first_bytes_, clients_.back().left);
  }
  return ::testing::AssertionSuccess();
}

void SlowPublishers::pump(size_t limit) {
  for (Client& c : clients_) {
    const size_t end = limit == 0 ? c.first.size() : std::min(c.first.size(), c.sent + limit);
    while (c.fd >= 0 && c.sent < end) {
      const ssize_t n = ::send(c.fd, c.first.data() + c.sent, end - c.sent, MSG_NOSIGNAL);
      if (n <= 0) break;  // full (EAGAIN) or closed: closed_by_gateway() tells
      c.sent += static_cast<size_t>(n);
    }
  }
}

void SlowPublishers::trickle() {
  for (Client& c : clients_) {
    if (c.fd < 0 || c.sent < c.first.size() || c.left == 0) continue;
    if (::send(c.fd, "x", 1, MSG_NOSIGNAL) == 1) {
      --c.left;
      ++trickled_;
    }
  }
}

size_t SlowPublishers::closed_by_gateway() {
  size_t n = 0;
  for (Client& c : clients_) {
    if (c.fd >= 0 && !c.closed_by_gateway) {
      char b[64];
      const ssize_t r = ::recv(c.fd, b, sizeof b, 0);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) c.closed_by_gateway = true;
    }
    n += c.closed_by_gateway;
  }
  return n;
}

uint64_t SlowPublishers::bytes_sent() const {
  uint64_t n = trickled_;
  for (const Client& c : clients_) n += c.sent;
  return n;
}

void SlowPublishers::close_all() {
  for (Client& c : clients_) {
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
  }
}

uint64_t process_rss(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // "VmRSS:  1234 kB"
  }
  return 0;
}

}  // namespace edgemq::itest
