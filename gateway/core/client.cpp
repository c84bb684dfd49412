#include "gateway/core/client.h"

#include <type_traits>

#include "gateway/core/shard.h"
#include "protocols/mqtt/codec.h"

namespace edgemq::core {

namespace {

uint8_t on_disconnect(Client& c, mqtt::Disconnect& d) {
  V5State* v5 = c.v5_state();
  if (v5 != nullptr) {
    if (const auto& expiry = d.props->session_expiry) {
      // A session that was to end with the connection cannot be made to
      // outlive it at the last moment [MQTT-3.14.2-2].
      if (v5->session_expiry_was_zero && *expiry != 0) return mqtt::reason::kProtocolError;
      if (c.session() != nullptr) c.session()->set_expiry(*expiry);
    }
    // "Disconnect with Will Message": the will goes out as on a broken
    // connection [MQTT-3.14.4-3].
    if (d.reason_code == mqtt::reason::kDisconnectWithWill) {
      c.set_will_on_close();
      return mqtt::reason::kSuccess;
    }
  }
  // The will is discarded [MQTT-3.14.4-3]; the net layer closes the link.
  (void)c.take_will();
  return mqtt::reason::kSuccess;
}

}  // namespace

uint8_t Client::handle(Shard& shard, mqtt::Packet&& packet) {
  if (session_ == nullptr) return mqtt::reason::kSuccess;  // taken over; the link is closing
  Session& s = *session_;
  return std::visit(
      [&](auto&& p) -> uint8_t {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, mqtt::Publish>) {
          return shard.publish_from(*this, std::move(p));
        } else if constexpr (std::is_same_v<T, mqtt::Puback>) {
          return shard.on_puback(s, p.packet_id);
        } else if constexpr (std::is_same_v<T, mqtt::Pubrec>) {
          return shard.on_pubrec(s, p.packet_id, p.reason_code);
        } else if constexpr (std::is_same_v<T, mqtt::Pubrel>) {
          shard.on_pubrel(*this, p.packet_id);
        } else if constexpr (std::is_same_v<T, mqtt::Pubcomp>) {
          return shard.on_pubcomp(s, p.packet_id);
        } else if constexpr (std::is_same_v<T, mqtt::Subscribe>) {
          return shard.subscribe(*this, p);
        } else if constexpr (std::is_same_v<T, mqtt::Unsubscribe>) {
          shard.unsubscribe(*this, p);
        } else if constexpr (std::is_same_v<T, mqtt::Pingreq>) {
          link_.send(mqtt::Pingresp{});
        } else if constexpr (std::is_same_v<T, mqtt::Disconnect>) {
          return on_disconnect(*this, p);
        } else if constexpr (std::is_same_v<T, mqtt::Auth>) {
          return shard.on_reauth(*this, std::move(p));
        } else {
          // CONNECT again [MQTT-3.1.0-2], or a server-to-client packet.
          return mqtt::reason::kProtocolError;
        }
        return mqtt::reason::kSuccess;
      },
      std::move(packet));
}

bool Client::send_message(const Message& m, uint8_t qos, uint16_t packet_id, bool dup, bool retain,
                          uint64_t now_wall_ms, const DeliveryExtras* extras) {
  mqtt::PublishView view{dup, qos, retain, m.topic, packet_id, m.payload, nullptr};
  V5State* v5 = v5_state();
  if (v5 == nullptr) {
    link_.send_publish(view);
    return true;
  }
  const bool aliases = v5->topic_alias_maximum > 0;
  const bool ids = extras != nullptr && !extras->subscription_ids.empty();
  if (m.props.null() && m.expires_at_ms == 0 && !aliases && !ids) {
    return send_checked(*v5, view);
  }
  mqtt::Properties props = m.props.get();
  if (ids) props.subscription_ids = extras->subscription_ids;
  if (m.expires_at_ms != 0) {
    // The interval left, rounded up: the subscriber sees the message expire
    // no earlier than the publisher asked [MQTT-3.3.2-6].
    const uint64_t left = m.expires_at_ms > now_wall_ms ? m.expires_at_ms - now_wall_ms : 0;
    props.message_expiry = static_cast<uint32_t>((left + 999) / 1000);
  }
  bool new_alias = false;
  if (aliases) {
    auto it = v5->aliases_out.find(m.topic);
    if (it != v5->aliases_out.end()) {
      props.topic_alias = it->second;
      view.topic = {};  // the alias stands for the topic [MQTT-3.3.2-13]
    } else if (v5->aliases_out.size() < v5->topic_alias_maximum) {
      props.topic_alias = static_cast<uint16_t>(v5->aliases_out.size() + 1);
      new_alias = true;
    }
  }
  view.props = &props;
  if (!send_checked(*v5, view)) return false;
  if (new_alias) v5->aliases_out.emplace(m.topic, *props.topic_alias);
  return true;
}

bool Client::send_checked(const V5State& v5, const mqtt::PublishView& view) {
  if (v5.maximum_packet_size != 0 &&
      mqtt::encoded_size(view, mqtt::ProtocolLevel::V5) > v5.maximum_packet_size) {
    return false;
  }
  link_.send_publish(view);
  return true;
}

}  // namespace edgemq::core
