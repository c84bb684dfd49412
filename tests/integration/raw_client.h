// A blocking loopback MQTT client that speaks bytes: it sends whatever it is
// given (well-formed packets through edgemq's encoder, or hand-made malformed
// bytes) and reads packets back through edgemq's decoder. Every read has a
// deadline; nothing here retries, acknowledges or pings on its own, so a test
// sees exactly what the broker sent.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "protocols/mqtt/codec.h"
#include "protocols/mqtt/packet.h"

namespace edgemq::itest {

using std::chrono::milliseconds;

enum class ReadStatus { Packet, Timeout, Closed, Malformed };
const char* name_of(ReadStatus s);

class RawClient {
 public:
  RawClient() = default;
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // TCP connect to 127.0.0.1:port.
  ::testing::AssertionResult open(int port);
  // Closes the socket without sending DISCONNECT: an abnormal close.
  void close();
  bool is_open() const { return fd_ >= 0; }

  bool send_bytes(std::string_view bytes);
  bool send(const mqtt::Packet& p);

  // The next packet; Timeout, Closed (EOF or reset) or Malformed otherwise.
  ReadStatus read(mqtt::Packet& out, milliseconds limit);
  // The next packet if it is a T, else a failure naming what came instead.
  template <typename T>
  ::testing::AssertionResult expect(T& out, milliseconds limit);
  // Success if the broker closes the connection within `limit`; packets
  // received before the close are appended to `before` when given.
  ::testing::AssertionResult expect_closed(milliseconds limit,
                                           std::vector<mqtt::Packet>* before = nullptr);

  // CONNECT, then the CONNACK (whatever its code).
  ::testing::AssertionResult connect(const mqtt::Connect& c, mqtt::Connack& ack,
                                     milliseconds limit = milliseconds(5000));
  // open() + CONNECT with a clean session; success only for CONNACK 0.
  ::testing::AssertionResult open_and_connect(int port, const std::string& client_id,
                                              bool clean_session = true,
                                              uint16_t keep_alive = 60);
  // SUBSCRIBE to one filter; success when the SUBACK grants `qos`.
  ::testing::AssertionResult subscribe(const std::string& filter, uint8_t qos,
                                       uint16_t packet_id = 1);
  // PUBLISH and, for QoS 1/2, the whole acknowledgement flow.
  ::testing::AssertionResult publish(const std::string& topic, const std::string& payload,
                                     uint8_t qos, bool retain = false, uint16_t packet_id = 1);
  // PINGREQ, then PINGRESP.
  ::testing::AssertionResult ping(milliseconds limit = milliseconds(5000));
  bool disconnect();  // DISCONNECT, then close()

 private:
  int fd_ = -1;
  std::string buffer_;  // bytes read but not yet decoded
};

mqtt::Connect make_connect(const std::string& client_id, bool clean_session = true,
                           uint16_t keep_alive = 60);
std::string encode(const mqtt::Packet& p);
std::string describe(const mqtt::Packet& p);

template <typename T>
::testing::AssertionResult RawClient::expect(T& out, milliseconds limit) {
  mqtt::Packet p;
  const ReadStatus s = read(p, limit);
  if (s != ReadStatus::Packet) {
    return ::testing::AssertionFailure() << "expected a packet, got " << name_of(s);
  }
  if (auto* t = std::get_if<T>(&p)) {
    out = *t;
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "unexpected packet " << describe(p);
}

}  // namespace edgemq::itest
