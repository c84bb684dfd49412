// What the admin endpoint may change in a shard: disconnecting a client and
// discarding its session. (What it reads, it reads through for_each_session
// on this thread.)
#include "gateway/core/client.h"
#include "gateway/core/shard.h"

namespace edgemq::core {

Shard::KickOutcome Shard::kick(std::string_view client_id, bool discard_session) {
  Session* s = sessions_.find(client_id);
  if (s == nullptr) return KickOutcome::NotFound;
  if (s->client == nullptr) {
    if (!discard_session) return KickOutcome::NotConnected;
    destroy_session(*s);  // a delayed will goes out now [MQTT-3.1.3-9]
    return KickOutcome::SessionDiscarded;
  }
  Client& c = *s->client;
  c.set_close_reason(DisconnectReason::Kicked);
  if (discard_session) {
    // Ended now, not when the connection has finished closing: a TLS or
    // WebSocket close may wait seconds for the peer, and a client that
    // reconnected meanwhile would take the session over and keep it. The
    // will goes out now too, as the session ends with it [MQTT-3.1.3-9];
    // on_link_closed then finds a detached client, as after a takeover.
    if (std::unique_ptr<mqtt::Will> will = c.take_will()) publish_will(std::move(*will));
    c.detach();
    s->client = nullptr;
    destroy_session(*s);
  }
  if (c.v5()) c.link().send(mqtt::Disconnect{mqtt::reason::kAdministrativeAction, {}});
  c.link().close();
  return discard_session ? KickOutcome::SessionDiscarded : KickOutcome::Disconnected;
}

}  // namespace edgemq::core
