#include "tests/integration/paho_client.h"

namespace edgemq::itest {

namespace {

using namespace std::chrono_literals;
constexpr auto kLimit = 5s;

::testing::AssertionResult timed_out(const char* what) {
  return ::testing::AssertionFailure() << what << " did not complete within 5 s";
}

::testing::AssertionResult paho_error(const char* what, const ::mqtt::exception& e) {
  return ::testing::AssertionFailure() << what << " failed: " << e.what();
}

}  // namespace

PahoClient::PahoClient(const std::string& uri, const std::string& client_id)
    : client_(uri, client_id, ::mqtt::create_options(MQTTVERSION_3_1_1)) {
  client_.start_consuming();  // before connect: queued messages may follow CONNACK at once
}

PahoClient::~PahoClient() {
  try {
    if (client_.is_connected()) client_.disconnect(0)->wait_for(2s);
  } catch (const ::mqtt::exception&) {
    // The broker may be gone already; nothing to clean up then.
  }
}

::testing::AssertionResult PahoClient::connect(bool clean_session, bool* session_present,
                                               int keep_alive_s) {
  auto opts = ::mqtt::connect_options_builder()
                  .mqtt_version(MQTTVERSION_3_1_1)
                  .clean_session(clean_session)
                  .keep_alive_interval(std::chrono::seconds(keep_alive_s))
                  .connect_timeout(kLimit)
                  .finalize();
  try {
    auto tok = client_.connect(opts);
    if (!tok->wait_for(kLimit + 1s)) return timed_out("connect");
    if (session_present != nullptr) {
      *session_present = tok->get_connect_response().is_session_present();
    }
  } catch (const ::mqtt::exception& e) {
    return paho_error("connect", e);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PahoClient::subscribe(const std::string& filter, int qos) {
  try {
    auto tok = client_.subscribe(filter, qos);
    if (!tok->wait_for(kLimit)) return timed_out("subscribe");
    // Paho C++ 1.2.0 reports garbage granted QoS for a v3.1.1 single-topic
    // SUBACK, so the grant is checked at the byte level (RawClient) instead.
  } catch (const ::mqtt::exception& e) {
    return paho_error("subscribe", e);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PahoClient::publish(const std::string& topic, const std::string& payload,
                                               int qos, bool retained) {
  try {
    auto tok = client_.publish(topic, payload.data(), payload.size(), qos, retained);
    if (!tok->wait_for(kLimit)) return timed_out("publish");
  } catch (const ::mqtt::exception& e) {
    return paho_error("publish", e);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PahoClient::disconnect() {
  try {
    if (!client_.disconnect()->wait_for(kLimit)) return timed_out("disconnect");
  } catch (const ::mqtt::exception& e) {
    return paho_error("disconnect", e);
  }
  return ::testing::AssertionSuccess();
}

mqtt::const_message_ptr PahoClient::receive(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  ::mqtt::const_message_ptr msg;
  while (client_.try_consume_message_until(&msg, deadline)) {
    if (msg) return msg;
  }
  return nullptr;
}

}  // namespace edgemq::itest
