// What MQTT 5.0 adds to a shard's flows: the CONNACK negotiation, the checks
// and topic aliases of an inbound PUBLISH, the receive-maximum window, and
// message and session expiry.
#include <algorithm>

#include "gateway/core/client.h"
#include "gateway/core/shard.h"

namespace edgemq::core {

namespace {
// The largest maximum packet size a CONNACK can state: a four-byte field.
constexpr size_t kMaxStatedPacketSize = 0xFFFFFFFF;
}  // namespace

void Shard::v5_connack(const mqtt::Connect& connect, bool assigned_id, mqtt::Connack& ack,
                       uint16_t& keep_alive) const {
  const Limits& limits = limits_;
  const mqtt::Properties& in = connect.props.get();
  mqtt::Properties& out = ack.props.mut();
  if (assigned_id) out.assigned_client_id = connect.client_id;  // [MQTT-3.2.2-16]
  if (limits.receive_maximum < 65535) out.receive_maximum = limits.receive_maximum;
  out.maximum_packet_size = static_cast<uint32_t>(std::min(limits.max_packet_size, kMaxStatedPacketSize));
  if (limits.topic_alias_maximum > 0) out.topic_alias_maximum = limits.topic_alias_maximum;
  if (limits.max_qos < 2) out.maximum_qos = limits.max_qos;
  // Retain, wildcard subscriptions, subscription identifiers and shared
  // subscriptions are all available: their properties are left out (1).
  // Only to a client that asked [MQTT-3.1.2-28]; a gateway without any
  // configured says nothing, which the spec allows.
  if (in.request_response_info.value_or(0) == 1 && !limits.response_information.empty()) {
    out.response_info = limits.response_information;
  }
  if (limits.max_keep_alive_s != 0 && (keep_alive == 0 || keep_alive > limits.max_keep_alive_s)) {
    keep_alive = limits.max_keep_alive_s;
    out.server_keep_alive = keep_alive;  // the client must use it [MQTT-3.2.2-21]
  }
}

void Shard::negotiate_v5(Client& c, const mqtt::Connect& connect) {
  const mqtt::Properties& in = connect.props.get();
  V5State& st = *c.v5_state();  // made with the Client, as its CONNECT was 5.0
  st.receive_maximum = in.receive_maximum.value_or(65535);
  st.maximum_packet_size = in.maximum_packet_size.value_or(0);
  // Each alias the gateway uses keeps its topic per connection: no more than
  // the gateway allows clients, whatever the client would take.
  st.topic_alias_maximum = std::min(in.topic_alias_maximum.value_or(0), limits_.topic_alias_maximum);
  st.problem_info = in.request_problem_info.value_or(1) != 0;
  st.session_expiry_was_zero = in.session_expiry.value_or(0) == 0;
  if (in.auth_method) st.auth_method = *in.auth_method;
}

uint8_t Shard::accept_v5_publish(Client& c, mqtt::Publish& p, bool new_qos_message) {
  V5State& st = *c.v5_state();
  const Limits& limits = limits_;
  if (p.qos > limits.max_qos) return mqtt::reason::kQosNotSupported;  // [MQTT-3.2.2-11]
  // Subscription identifiers go from server to client only [MQTT-3.3.4-6].
  if (!p.props->subscription_ids.empty()) return mqtt::reason::kProtocolError;
  if (const auto alias = p.props->topic_alias) {
    // 0 or above what CONNACK allowed [MQTT-3.3.2-8/9].
    if (*alias == 0 || *alias > limits.topic_alias_maximum) return mqtt::reason::kTopicAliasInvalid;
    const size_t i = *alias - 1u;
    if (p.topic.empty()) {
      // An alias the client never set on this connection [MQTT-3.3.2-12].
      if (i >= st.aliases_in.size() || st.aliases_in[i].empty()) return mqtt::reason::kProtocolError;
      p.topic = st.aliases_in[i];
    } else {
      if (i >= st.aliases_in.size()) st.aliases_in.resize(i + 1);
      st.aliases_in[i] = p.topic;  // set or replaced [MQTT-3.3.2-11]
    }
  }
  if (new_qos_message) {
    if (st.unacknowledged_in >= limits.receive_maximum) {
      return mqtt::reason::kReceiveMaximumExceeded;  // [MQTT-3.3.4-9]
    }
    ++st.unacknowledged_in;
  }
  return mqtt::reason::kSuccess;
}

uint8_t Shard::on_reauth(Client& c, mqtt::Auth&& auth) {
  V5State* st = c.v5_state();
  // AUTH only after CONNECT chose a method, and always with it (section 4.12).
  if (st == nullptr || st->auth_method.empty() || auth.props->auth_method != st->auth_method) {
    return mqtt::reason::kProtocolError;
  }
  if (auth.reason_code == mqtt::reason::kReauthenticate) {
    st->reauth = broker_.auth().start_exchange(st->auth_method, c.session()->client_id());
    if (!st->reauth) return mqtt::reason::kNotAuthorized;  // the method is no longer offered
  } else if (auth.reason_code != mqtt::reason::kContinueAuthentication || !st->reauth) {
    return mqtt::reason::kProtocolError;
  }
  AuthStep step = st->reauth->respond(auth.props->auth_data);
  if (step.outcome == AuthStep::Outcome::Refuse) {
    st->reauth.reset();
    return step.reason;  // re-authentication failed: DISCONNECT (section 4.12.1)
  }
  const bool done = step.outcome == AuthStep::Outcome::Accept;
  if (done) st->reauth.reset();
  mqtt::Auth reply{done ? mqtt::reason::kSuccess : mqtt::reason::kContinueAuthentication, {}};
  reply.props.mut().auth_method = st->auth_method;
  reply.props.mut().auth_data = std::move(step.data);
  c.link().send(reply);
  return mqtt::reason::kSuccess;
}

size_t Shard::window(Session& s) const {
  size_t w = limits_.max_inflight;
  if (s.client != nullptr) {
    if (const V5State* st = s.client->v5_state()) w = std::min<size_t>(w, st->receive_maximum);
  }
  return w;
}

bool Shard::expired(const Message& m) const {
  return m.expires_at_ms != 0 && m.expires_at_ms <= broker_.wall_ms();
}

void Shard::schedule_expiry(Session& s) {
  if (s.expiry_s() == kNeverExpires) return;
  expiring_.set(&s, broker_.wall_ms() + uint64_t{s.expiry_s()} * 1000);
  if (s.persistent()) {
    // The deadline goes into the record, so a restart does not extend it.
    storage::WriteSet ws;
    persist_subscriptions(s, ws);
    broker_.commit(std::move(ws), index_, nullptr);
  }
}

void Shard::cancel_expiry(Session& s) {
  expiring_.erase(&s);
}

void Shard::delay_will(Session& s, std::unique_ptr<mqtt::Will> will, uint32_t delay_s) {
  will_delays_.set(&s, broker_.wall_ms() + uint64_t{delay_s} * 1000);
  delayed_wills_[&s] = std::move(will);
}

std::unique_ptr<mqtt::Will> Shard::cancel_will(Session& s) {
  if (!will_delays_.erase(&s)) return nullptr;
  auto it = delayed_wills_.find(&s);
  std::unique_ptr<mqtt::Will> will = std::move(it->second);
  delayed_wills_.erase(it);
  return will;
}

void Shard::publish_due_wills(uint64_t now_wall_ms) {
  while (Session* s = will_delays_.due(now_wall_ms)) {
    std::unique_ptr<mqtt::Will> will = cancel_will(*s);
    publish_will(std::move(*will));
  }
}

void Shard::expire_sessions(uint64_t now_wall_ms) {
  while (Session* s = expiring_.due(now_wall_ms)) {
    Stats::add(broker_.stats().sessions_expired);
    destroy_session(*s);  // also leaves expiring_
  }
}

}  // namespace edgemq::core
