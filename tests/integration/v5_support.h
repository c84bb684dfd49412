// Shared by the MQTT 5.0 integration tests: building 5.0 packets for the raw
// client, and a fixture whose gateway can be given extra command-line flags.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "tests/integration/fixture.h"
#include "tests/integration/raw_client.h"

namespace edgemq::itest {

namespace reason = mqtt::reason;

inline mqtt::Publish make_publish(const std::string& topic, const std::string& payload, uint8_t qos,
                                  uint16_t packet_id = 1, const mqtt::Properties& props = {}) {
  mqtt::Publish p;
  p.topic = topic;
  p.payload = payload;
  p.qos = qos;
  p.packet_id = qos > 0 ? packet_id : 0;
  if (props != mqtt::Properties{}) p.props = props;
  return p;
}

inline mqtt::Subscribe make_subscribe(const std::string& filter, uint8_t qos,
                                      uint16_t packet_id = 1,
                                      mqtt::RetainHandling rh = mqtt::RetainHandling::OnSubscribe) {
  mqtt::Subscribe s;
  s.packet_id = packet_id;
  mqtt::Subscription sub;
  sub.filter = filter;
  sub.qos = qos;
  sub.retain_handling = rh;
  s.subscriptions.push_back(sub);
  return s;
}

// Hand-made wire bytes, for what the encoder will not produce.
inline std::string bytes(std::initializer_list<int> b) {
  std::string out;
  for (int c : b) out.push_back(static_cast<char>(c));
  return out;
}

inline mqtt::Properties session_expiry(uint32_t seconds) {
  mqtt::Properties p;
  p.session_expiry = seconds;
  return p;
}

// Connack's code as the 5.0 reason byte it is on the wire.
inline uint8_t reason_of(const mqtt::Connack& ack) { return static_cast<uint8_t>(ack.code); }

// The gateway under test, started with `extra_args()` on its command line.
// Mosquitto takes none of edgemq's flags, so tests that need them are
// edgemq-specific and skip under mosquitto.
class V5Gateway : public GatewayTest {
 protected:
  virtual std::vector<std::string> extra_args() const { return {}; }
  GatewayOptions options() const override {
    GatewayOptions o;
    o.extra_args = extra_args();
    return o;
  }

  // A 5.0 client connected with clean start and `props`; fatal on refusal.
  void connect_v5(RawClient& c, const std::string& id, const mqtt::Properties& props = {},
                  bool clean_start = true, mqtt::Connack* ack = nullptr) {
    ASSERT_TRUE(c.open_and_connect_v5(port(), make_connect_v5(id, clean_start, props), ack));
  }

  // Reads the next PUBLISH (within 5 s) and acknowledges it if QoS 1.
  ::testing::AssertionResult receive(RawClient& c, mqtt::Publish& p) {
    if (auto r = c.expect(p, 5s); !r) return r;
    if (p.qos == 1) c.send(mqtt::Puback{p.packet_id});
    return ::testing::AssertionSuccess();
  }
};

}  // namespace edgemq::itest
