#include "tests/integration/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace edgemq::itest {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxPacket = 1 << 20;

}  // namespace

const char* name_of(ReadStatus s) {
  switch (s) {
    case ReadStatus::Packet: return "a packet";
    case ReadStatus::Timeout: return "a timeout";
    case ReadStatus::Closed: return "connection closed";
    case ReadStatus::Malformed: return "malformed bytes";
  }
  return "?";
}

mqtt::Connect make_connect(const std::string& client_id, bool clean_session,
                           uint16_t keep_alive) {
  mqtt::Connect c;
  c.client_id = client_id;
  c.clean_session = clean_session;
  c.keep_alive = keep_alive;
  return c;
}

mqtt::Connect make_connect_v5(const std::string& client_id, bool clean_start,
                              const mqtt::Properties& props, uint16_t keep_alive) {
  mqtt::Connect c = make_connect(client_id, clean_start, keep_alive);
  c.level = mqtt::ProtocolLevel::V5;
  if (props != mqtt::Properties{}) c.props = props;
  return c;
}

std::string encode(const mqtt::Packet& p) {
  std::string out;
  mqtt::encode(p, out);
  return out;
}

std::string encode(const mqtt::Packet& p, mqtt::ProtocolLevel level) {
  std::string out;
  mqtt::encode(p, out, level);
  return out;
}

std::string hex_byte(uint8_t b) {
  static const char digits[] = "0123456789abcdef";
  return {'0', 'x', digits[b >> 4], digits[b & 0x0f]};
}

std::string describe(const mqtt::Packet& p) {
  std::ostringstream s;
  s << mqtt::name_of(mqtt::type_of(p));
  if (const auto* pub = std::get_if<mqtt::Publish>(&p)) {
    s << "(topic '" << pub->topic << "', payload '" << pub->payload << "', qos "
      << int(pub->qos) << ", dup " << pub->dup << ", retain " << pub->retain << ", id "
      << pub->packet_id << ")";
    if (pub->props->topic_alias) s << " (topic alias " << *pub->props->topic_alias << ")";
  } else if (const auto* ack = std::get_if<mqtt::Connack>(&p)) {
    s << "(code " << int(ack->code) << ", session present " << ack->session_present << ")";
  } else if (const auto* d = std::get_if<mqtt::Disconnect>(&p)) {
    s << "(reason " << hex_byte(d->reason_code) << ")";
  } else if (const auto* sa = std::get_if<mqtt::Suback>(&p)) {
    s << "(id " << sa->packet_id << ", codes";
    for (uint8_t c : sa->return_codes) s << " " << hex_byte(c);
    s << ")";
  } else {
    std::visit(
        [&s](const auto& v) {
          if constexpr (requires { v.packet_id; v.reason_code; }) {
            s << "(id " << v.packet_id << ", reason " << hex_byte(v.reason_code) << ")";
          }
        },
        p);
  }
  return s.str();
}

RawClient::~RawClient() { close(); }

::testing::AssertionResult RawClient::open(int port) {
  close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return ::testing::AssertionFailure() << "socket: " << std::strerror(errno);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    close();
    return ::testing::AssertionFailure() << "connect to port " << port << ": " << std::strerror(e);
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return ::testing::AssertionSuccess();
}

void RawClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

bool RawClient::send_bytes(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawClient::send(const mqtt::Packet& p) { return send_bytes(encode(p, level_)); }

ReadStatus RawClient::read(mqtt::Packet& out, milliseconds limit) {
  if (fd_ < 0) return ReadStatus::Closed;
  const auto deadline = Clock::now() + limit;
  for (;;) {
    const auto* data = reinterpret_cast<const uint8_t*>(buffer_.data());
    mqtt::DecodeResult r = mqtt::decode({data, buffer_.size()}, kMaxPacket, level_);
    if (r.status == mqtt::DecodeResult::Status::Packet) {
      out = std::move(r.packet);
      buffer_.erase(0, r.consumed);
      return ReadStatus::Packet;
    }
    if (r.status == mqtt::DecodeResult::Status::Error) return ReadStatus::Malformed;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return ReadStatus::Timeout;
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return ReadStatus::Timeout;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ReadStatus::Closed;  // EOF, or a reset
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

::testing::AssertionResult RawClient::expect_closed(milliseconds limit,
                                                    std::vector<mqtt::Packet>* before) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    mqtt::Packet p;
    switch (read(p, left.count() > 0 ? left : milliseconds(0))) {
      case ReadStatus::Closed: return ::testing::AssertionSuccess();
      case ReadStatus::Timeout:
        return ::testing::AssertionFailure() << "still open after " << limit.count() << " ms";
      case ReadStatus::Malformed: return ::testing::AssertionFailure() << "broker sent malformed bytes";
      case ReadStatus::Packet:
        if (before != nullptr) before->push_back(std::move(p));
        break;
    }
  }
}

::testing::AssertionResult RawClient::connect(const mqtt::Connect& c, mqtt::Connack& ack,
                                              milliseconds limit) {
  level_ = c.level == mqtt::ProtocolLevel::V5 ? mqtt::ProtocolLevel::V5 : mqtt::ProtocolLevel::V311;
  if (!send(c)) return ::testing::AssertionFailure() << "sending CONNECT failed";
  return expect(ack, limit);
}

::testing::AssertionResult RawClient::open_and_connect(int port, const std::string& client_id,
                                                       bool clean_session, uint16_t keep_alive) {
  if (auto r = open(port); !r) return r;
  mqtt::Connack ack;
  if (auto r = connect(make_connect(client_id, clean_session, keep_alive), ack); !r) return r;
  if (ack.code != mqtt::ConnackCode::Accepted) {
    return ::testing::AssertionFailure() << "CONNACK code " << int(ack.code);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult RawClient::subscribe(const std::string& filter, uint8_t qos,
                                                uint16_t packet_id) {
  if (!send(mqtt::Subscribe{packet_id, {{filter, qos}}})) {
    return ::testing::AssertionFailure() << "sending SUBSCRIBE failed";
  }
  mqtt::Suback ack;
  if (auto r = expect(ack, milliseconds(5000)); !r) return r;
  if (ack.packet_id != packet_id || ack.return_codes != std::vector<uint8_t>{qos}) {
    return ::testing::AssertionFailure() << "SUBACK id " << ack.packet_id << " with "
                                         << ack.return_codes.size() << " codes, first "
                                         << (ack.return_codes.empty() ? -1 : ack.return_codes[0]);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult RawClient::publish(const std::string& topic, const std::string& payload,
                                              uint8_t qos, bool retain, uint16_t packet_id) {
  mqtt::Publish p;
  p.topic = topic;
  p.payload = payload;
  p.qos = qos;
  p.retain = retain;
  p.packet_id = qos > 0 ? packet_id : 0;
  if (!send(p)) return ::testing::AssertionFailure() << "sending PUBLISH failed";
  const milliseconds limit(5000);
  if (qos == 1) {
    mqtt::Puback ack;
    if (auto r = expect(ack, limit); !r) return r;
    if (ack.packet_id != packet_id) return ::testing::AssertionFailure() << "PUBACK for another id";
  } else if (qos == 2) {
    mqtt::Pubrec rec;
    if (auto r = expect(rec, limit); !r) return r;
    if (!send(mqtt::Pubrel{packet_id})) return ::testing::AssertionFailure() << "PUBREL failed";
    mqtt::Pubcomp comp;
    if (auto r = expect(comp, limit); !r) return r;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult RawClient::ping(milliseconds limit) {
  if (!send(mqtt::Pingreq{})) return ::testing::AssertionFailure() << "sending PINGREQ failed";
  mqtt::Pingresp resp;
  return expect(resp, limit);
}

bool RawClient::disconnect() {
  const bool ok = send(mqtt::Disconnect{});
  close();
  return ok;
}

::testing::AssertionResult RawClient::open_and_connect_v5(int port, const mqtt::Connect& c,
                                                         mqtt::Connack* ack) {
  if (auto r = open(port); !r) return r;
  mqtt::Connack got;
  if (auto r = connect(c, got); !r) return r;
  if (ack != nullptr) *ack = got;
  if (got.code != mqtt::ConnackCode::Accepted) {
    return ::testing::AssertionFailure()
           << "CONNACK reason " << hex_byte(static_cast<uint8_t>(got.code));
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult RawClient::publish(const mqtt::Publish& p, uint8_t* reason) {
  if (!send(p)) return ::testing::AssertionFailure() << "sending PUBLISH failed";
  const milliseconds limit(5000);
  uint8_t code = mqtt::reason::kSuccess;
  if (p.qos == 1) {
    mqtt::Puback ack;
    if (auto r = expect(ack, limit); !r) return r;
    if (ack.packet_id != p.packet_id) return ::testing::AssertionFailure() << "PUBACK for another id";
    code = ack.reason_code;
  } else if (p.qos == 2) {
    mqtt::Pubrec rec;
    if (auto r = expect(rec, limit); !r) return r;
    if (rec.packet_id != p.packet_id) return ::testing::AssertionFailure() << "PUBREC for another id";
    code = rec.reason_code;
    if (code < mqtt::reason::kUnspecified) {
      if (!send(mqtt::Pubrel{p.packet_id})) return ::testing::AssertionFailure() << "PUBREL failed";
      mqtt::Pubcomp comp;
      if (auto r = expect(comp, limit); !r) return r;
    }
  }
  if (reason != nullptr) *reason = code;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult RawClient::subscribe(const mqtt::Subscribe& s, mqtt::Suback& ack) {
  if (!send(s)) return ::testing::AssertionFailure() << "sending SUBSCRIBE failed";
  if (auto r = expect(ack, milliseconds(5000)); !r) return r;
  if (ack.packet_id != s.packet_id) return ::testing::AssertionFailure() << "SUBACK for another id";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult RawClient::expect_disconnect(uint8_t reason, milliseconds limit,
                                                        std::vector<mqtt::Packet>* before) {
  mqtt::Disconnect ignored;
  return expect_disconnect(reason, limit, ignored, before);
}

::testing::AssertionResult RawClient::expect_disconnect(uint8_t reason, milliseconds limit,
                                                        mqtt::Disconnect& got,
                                                        std::vector<mqtt::Packet>* before) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    mqtt::Packet p;
    switch (read(p, left.count() > 0 ? left : milliseconds(0))) {
      case ReadStatus::Closed:
        return ::testing::AssertionFailure() << "closed without DISCONNECT " << hex_byte(reason);
      case ReadStatus::Timeout:
        return ::testing::AssertionFailure() << "no DISCONNECT within " << limit.count() << " ms";
      case ReadStatus::Malformed:
        return ::testing::AssertionFailure() << "broker sent malformed bytes";
      case ReadStatus::Packet:
        break;
    }
    if (const auto* d = std::get_if<mqtt::Disconnect>(&p)) {
      got = *d;
      if (d->reason_code != reason) {
        return ::testing::AssertionFailure() << "DISCONNECT reason " << hex_byte(d->reason_code)
                                             << ", expected " << hex_byte(reason);
      }
      const auto rest = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (auto r = expect_closed(rest.count() > 0 ? rest : milliseconds(0), before); !r) {
        return r << " (after DISCONNECT)";
      }
      return ::testing::AssertionSuccess();
    }
    if (before != nullptr) before->push_back(std::move(p));
  }
}

::testing::AssertionResult RawClient::expect_nothing(milliseconds quiet) {
  mqtt::Packet p;
  const ReadStatus s = read(p, quiet);
  if (s == ReadStatus::Timeout) return ::testing::AssertionSuccess();
  if (s == ReadStatus::Packet) return ::testing::AssertionFailure() << "unexpected " << describe(p);
  return ::testing::AssertionFailure() << "expected silence, got " << name_of(s);
}

}  // namespace edgemq::itest
