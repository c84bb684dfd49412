#include "gateway/core/client.h"

#include <type_traits>

#include "gateway/core/shard.h"

namespace edgemq::core {

bool Client::handle(Shard& shard, mqtt::Packet&& packet) {
  if (session_ == nullptr) return true;  // taken over; the link is closing
  Session& s = *session_;
  return std::visit(
      [&](auto&& p) -> bool {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, mqtt::Publish>) {
          shard.publish_from(*this, std::move(p));
        } else if constexpr (std::is_same_v<T, mqtt::Puback>) {
          shard.on_puback(s, p.packet_id);
        } else if constexpr (std::is_same_v<T, mqtt::Pubrec>) {
          shard.on_pubrec(s, p.packet_id);
        } else if constexpr (std::is_same_v<T, mqtt::Pubrel>) {
          shard.on_pubrel(*this, p.packet_id);
        } else if constexpr (std::is_same_v<T, mqtt::Pubcomp>) {
          shard.on_pubcomp(s, p.packet_id);
        } else if constexpr (std::is_same_v<T, mqtt::Subscribe>) {
          shard.subscribe(*this, p);
        } else if constexpr (std::is_same_v<T, mqtt::Unsubscribe>) {
          shard.unsubscribe(*this, p);
        } else if constexpr (std::is_same_v<T, mqtt::Pingreq>) {
          link_.send(mqtt::Pingresp{});
        } else if constexpr (std::is_same_v<T, mqtt::Disconnect>) {
          // The will is discarded [MQTT-3.14.4-3]; the net layer closes the link.
          will_.reset();
        } else {
          // CONNECT again [MQTT-3.1.0-2] or a server-to-client packet.
          return false;
        }
        return true;
      },
      std::move(packet));
}

}  // namespace edgemq::core
