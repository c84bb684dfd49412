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
  // Expiry 0 ends the session when the connection closes, as a 5.0
  // DISCONNECT setting it would [MQTT-3.1.2-23]; on_link_closed does the rest.
  if (discard_session) s->set_expiry(0);
  Client& c = *s->client;
  c.set_close_reason(DisconnectReason::Kicked);
  if (c.v5()) c.link().send(mqtt::Disconnect{mqtt::reason::kAdministrativeAction, {}});
  c.link().close();
  return discard_session ? KickOutcome::SessionDiscarded : KickOutcome::Disconnected;
}

}  // namespace edgemq::core
