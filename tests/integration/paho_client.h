// A thin, bounded wrapper over Paho's async client for MQTT 3.1.1: every call
// waits at most a few seconds and turns Paho's exceptions into assertion
// results, and messages are read from Paho's consumer queue with a deadline.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <mqtt/async_client.h>

namespace edgemq::itest {

class PahoClient {
 public:
  PahoClient(const std::string& uri, const std::string& client_id);
  ~PahoClient();  // disconnects (bounded) if still connected
  PahoClient(const PahoClient&) = delete;
  PahoClient& operator=(const PahoClient&) = delete;

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

  bool is_connected() const { return client_.is_connected(); }
  ::mqtt::async_client& client() { return client_; }

 private:
  ::mqtt::async_client client_;
};

}  // namespace edgemq::itest
