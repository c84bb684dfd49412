// A thin, bounded wrapper over Paho's async client for MQTT 3.1.1 (default)
// or 5.0: every call waits at most a few seconds and turns Paho's exceptions
// into assertion results, and messages are read from Paho's consumer queue
// with a deadline.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <mqtt/async_client.h>

namespace edgemq::itest {

class PahoClient {
 public:
  PahoClient(const std::string& uri, const std::string& client_id);
  // `mqtt_version` is MQTTVERSION_3_1_1 or MQTTVERSION_5; it cannot change later.
  PahoClient(const std::string& uri, const std::string& client_id, int mqtt_version);
  ~PahoClient();  // disconnects (bounded) if still connected
  PahoClient(const PahoClient&) = delete;
  PahoClient& operator=(const PahoClient&) = delete;

  // For a 5.0 client `clean_session` is clean start, with no properties.
  ::testing::AssertionResult connect(bool clean_session, bool* session_present = nullptr,
                                     int keep_alive_s = 30);
  // Succeeds when the SUBACK arrives (its grant is not checked: see the .cpp).
  ::testing::AssertionResult subscribe(const std::string& filter, int qos);
  // Publishes and waits for the flow to finish (PUBACK / PUBCOMP for QoS 1/2).
  ::testing::AssertionResult publish(const std::string& topic, const std::string& payload, int qos,
                                     bool retained = false);
  ::testing::AssertionResult disconnect();

  // The next message, or nullptr at the deadline. Connection-lost markers in
  // Paho's queue are skipped.
  ::mqtt::const_message_ptr receive(std::chrono::milliseconds limit);

  // For ssl:// and wss:// URIs: the trust store and, for mTLS, the client's
  // certificate and key, used by every connect() after this.
  void use_tls(const ::mqtt::ssl_options& ssl) { ssl_ = ssl; }

  bool is_connected() const { return client_.is_connected(); }
  ::mqtt::async_client& client() { return client_; }
  int mqtt_version() const { return version_; }

  // MQTT 5.0 (a client constructed with MQTTVERSION_5) ----------------------

  // CONNECT with clean start and `props` (e.g. session expiry interval); the
  // CONNACK's session present flag and properties go to the pointers given.
  ::testing::AssertionResult connect_v5(bool clean_start, const ::mqtt::properties& props = {},
                                        bool* session_present = nullptr,
                                        ::mqtt::properties* connack_props = nullptr,
                                        int keep_alive_s = 30);
  // Publishes `msg` (with its properties) and waits for the flow to finish;
  // a refusal (PUBACK/PUBREC reason 0x80 or more) is not a failure here but
  // goes to `reason` for the caller to check. Paho 1.2 reports every
  // successful PUBACK as 0x00, 0x10 "no matching subscribers" included.
  ::testing::AssertionResult publish(const ::mqtt::message_ptr& msg, int* reason = nullptr);
  // SUBSCRIBE with 5.0 options; `reasons` gets the SUBACK's codes.
  ::testing::AssertionResult subscribe(const std::string& filter, int qos,
                                       const ::mqtt::subscribe_options& opts,
                                       std::vector<int>* reasons = nullptr);
  // UNSUBSCRIBE; `reasons` gets the UNSUBACK's codes.
  ::testing::AssertionResult unsubscribe(const std::string& filter,
                                         std::vector<int>* reasons = nullptr);
  // No DISCONNECT with a reason code (0x04 for the will): Paho C++ 1.2 puts
  // 0x00 on the wire whatever disconnect_options says; RawClient sends it.

 private:
  // Connects with `opts` and waits (bounded); reports CONNACK's session present and properties.
  // `opts` by value: connecting from a const connect_options, Paho 1.2 lost
  // its 5.0 properties (session expiry, topic alias maximum were not sent).
  ::testing::AssertionResult connect_with(::mqtt::connect_options opts, bool* session_present,
                                         ::mqtt::properties* connack_props);
  int version_ = MQTTVERSION_3_1_1;
  std::optional<::mqtt::ssl_options> ssl_;
  ::mqtt::async_client client_;
};

// Whether `m` is `payload` on `topic` at `qos`, carrying the 5.0 content
// type and the one user property given; says what differs.
::testing::AssertionResult is_message_with_properties(const ::mqtt::const_message_ptr& m, const std::string& topic,
                                                      const std::string& payload, int qos,
                                                      const std::string& content_type,
                                                      const std::pair<std::string, std::string>& user_property);

}  // namespace edgemq::itest
