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

// Paho 1.2 turns every 5.0 reason code above 0x02 into an exception, even
// successful ones (0x11 "no subscription existed"). True if `e` is such an
// answer from the broker, a success or a refusal, rather than a transport
// failure; `code` gets the reason.
bool reason_from(const ::mqtt::exception& e, int& code) {
  if (e.get_reason_code() == 0) return false;
  code = e.get_reason_code();
  return true;
}

}  // namespace

PahoClient::PahoClient(const std::string& uri, const std::string& client_id)
    : PahoClient(uri, client_id, MQTTVERSION_3_1_1) {}

PahoClient::PahoClient(const std::string& uri, const std::string& client_id, int mqtt_version)
    : version_(mqtt_version), client_(uri, client_id, ::mqtt::create_options(mqtt_version)) {
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
  if (version_ == MQTTVERSION_5) {
    return connect_v5(clean_session, {}, session_present, nullptr, keep_alive_s);
  }
  auto opts = ::mqtt::connect_options_builder()
                  .mqtt_version(MQTTVERSION_3_1_1)
                  .clean_session(clean_session)
                  .keep_alive_interval(std::chrono::seconds(keep_alive_s))
                  .connect_timeout(kLimit)
                  .finalize();
  return connect_with(opts, session_present, nullptr);
}

::testing::AssertionResult PahoClient::connect_with(::mqtt::connect_options opts, bool* session_present,
                                                    ::mqtt::properties* connack_props) {
  if (ssl_) opts.set_ssl(*ssl_);
  try {
    auto tok = client_.connect(opts);
    if (!tok->wait_for(kLimit + 1s)) return timed_out("connect");
    const auto response = tok->get_connect_response();
    if (session_present != nullptr) *session_present = response.is_session_present();
    if (connack_props != nullptr) *connack_props = response.get_properties();
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

::testing::AssertionResult PahoClient::connect_v5(bool clean_start, const ::mqtt::properties& props,
                                                  bool* session_present,
                                                  ::mqtt::properties* connack_props,
                                                  int keep_alive_s) {
  // mqtt_version() before clean_start(): it resets the clean flags.
  auto opts = ::mqtt::connect_options_builder()
                  .mqtt_version(MQTTVERSION_5)
                  .clean_start(clean_start)
                  .properties(props)
                  .keep_alive_interval(std::chrono::seconds(keep_alive_s))
                  .connect_timeout(kLimit)
                  .finalize();
  return connect_with(opts, session_present, connack_props);
}

::testing::AssertionResult PahoClient::publish(const ::mqtt::message_ptr& msg, int* reason) {
  int code = 0;
  try {
    auto tok = client_.publish(msg);
    if (!tok->wait_for(kLimit)) return timed_out("publish");
    code = tok->get_reason_code();
  } catch (const ::mqtt::exception& e) {
    if (!reason_from(e, code)) return paho_error("publish", e);
  }
  if (reason != nullptr) *reason = code;
  return ::testing::AssertionSuccess();
}

namespace {

// Runs `start` (which returns Paho's token), waits for it and collects the
// reason codes `codes_of` reads from it; a refusal Paho throws is a code too.
template <typename Start, typename CodesOf>
::testing::AssertionResult reason_codes_of(const char* what, Start start, CodesOf codes_of,
                                           std::vector<int>* reasons) {
  std::vector<int> codes;
  try {
    auto tok = start();
    if (!tok->wait_for(kLimit)) return timed_out(what);
    for (auto c : codes_of(*tok)) codes.push_back(int(c));
  } catch (const ::mqtt::exception& e) {
    int code = 0;
    if (!reason_from(e, code)) return paho_error(what, e);
    codes = {code};
  }
  if (reasons != nullptr) *reasons = codes;
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult PahoClient::subscribe(const std::string& filter, int qos,
                                                 const ::mqtt::subscribe_options& opts,
                                                 std::vector<int>* reasons) {
  return reason_codes_of(
      "subscribe", [&] { return client_.subscribe(filter, qos, opts); },
      [](::mqtt::token& t) { return t.get_subscribe_response().get_reason_codes(); }, reasons);
}

::testing::AssertionResult PahoClient::unsubscribe(const std::string& filter,
                                                   std::vector<int>* reasons) {
  return reason_codes_of(
      "unsubscribe", [&] { return client_.unsubscribe(filter); },
      [](::mqtt::token& t) { return t.get_unsubscribe_response().get_reason_codes(); }, reasons);
}

::testing::AssertionResult is_message_with_properties(const ::mqtt::const_message_ptr& m, const std::string& topic,
                                                      const std::string& payload, int qos,
                                                      const std::string& content_type,
                                                      const std::pair<std::string, std::string>& user_property) {
  if (!m) return ::testing::AssertionFailure() << "no message";
  const auto& props = m->get_properties();
  const std::string got_type = props.contains(::mqtt::property::CONTENT_TYPE)
                                   ? ::mqtt::get<std::string>(props, ::mqtt::property::CONTENT_TYPE)
                                   : "(none)";
  std::pair<std::string, std::string> got_user{"(none)", ""};
  if (props.contains(::mqtt::property::USER_PROPERTY)) {
    const auto u = ::mqtt::get<::mqtt::string_pair>(props, ::mqtt::property::USER_PROPERTY);
    got_user = {std::get<0>(u), std::get<1>(u)};
  }
  if (m->get_topic() != topic || m->get_payload_str() != payload || m->get_qos() != qos ||
      got_type != content_type || got_user != user_property) {
    return ::testing::AssertionFailure() << "got " << m->get_topic() << " '" << m->get_payload_str() << "' qos "
                                         << m->get_qos() << " content type " << got_type << " user property "
                                         << got_user.first << "=" << got_user.second;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace edgemq::itest
