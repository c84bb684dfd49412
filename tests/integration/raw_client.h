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

  // The protocol version packets are encoded and decoded for. connect() sets
  // it from the CONNECT it sends (5.0, or 3.1.1 for anything older); a test
  // that sends its CONNECT as raw bytes says so itself.
  void set_level(mqtt::ProtocolLevel level) { level_ = level; }
  mqtt::ProtocolLevel level() const { return level_; }

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

  // MQTT 5.0 --------------------------------------------------------------

  // open() + `c` (a 5.0 CONNECT, see make_connect_v5); success only for
  // CONNACK 0. The CONNACK is copied to `ack` when given.
  ::testing::AssertionResult open_and_connect_v5(int port, const mqtt::Connect& c,
                                                 mqtt::Connack* ack = nullptr);
  // PUBLISH `p` and, for QoS 1/2, the whole acknowledgement flow; `reason`
  // gets the PUBACK's or PUBREC's reason code. A PUBREC of 0x80 or more ends
  // a QoS 2 flow [MQTT-4.3.3], so no PUBREL follows it.
  ::testing::AssertionResult publish(const mqtt::Publish& p, uint8_t* reason);
  // SUBSCRIBE with `s`; `ack` gets the SUBACK (whatever its codes).
  ::testing::AssertionResult subscribe(const mqtt::Subscribe& s, mqtt::Suback& ack);
  // Success if a DISCONNECT with `reason` arrives and then the connection
  // closes, both within `limit`. Packets before the DISCONNECT are skipped
  // (appended to `before` when given).
  ::testing::AssertionResult expect_disconnect(uint8_t reason, milliseconds limit,
                                               std::vector<mqtt::Packet>* before = nullptr);
  // The same, and the DISCONNECT itself (its properties: reason string, ...)
  // goes to `got`.
  ::testing::AssertionResult expect_disconnect(uint8_t reason, milliseconds limit,
                                               mqtt::Disconnect& got,
                                               std::vector<mqtt::Packet>* before = nullptr);
  // Nothing arrives for `quiet` (a PUBLISH that should not come); a failure
  // names what did.
  ::testing::AssertionResult expect_nothing(milliseconds quiet);

 private:
  int fd_ = -1;
  std::string buffer_;  // bytes read but not yet decoded
  mqtt::ProtocolLevel level_ = mqtt::ProtocolLevel::V311;
};

mqtt::Connect make_connect(const std::string& client_id, bool clean_session = true,
                           uint16_t keep_alive = 60);
std::string encode(const mqtt::Packet& p);
std::string encode(const mqtt::Packet& p, mqtt::ProtocolLevel level);
std::string describe(const mqtt::Packet& p);
// "0x8e": reason codes as the spec writes them.
std::string hex_byte(uint8_t b);

// A 5.0 CONNECT; `props` are its properties (session expiry, receive
// maximum, topic alias maximum, ...).
mqtt::Connect make_connect_v5(const std::string& client_id, bool clean_start = true,
                              const mqtt::Properties& props = {}, uint16_t keep_alive = 60);

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
