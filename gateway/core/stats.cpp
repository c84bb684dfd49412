#include "gateway/core/stats.h"

namespace edgemq::core {

const char* name_of(DisconnectReason r) {
  switch (r) {
    case DisconnectReason::ClientDisconnect: return "client_disconnect";
    case DisconnectReason::ConnectionLost: return "connection_lost";
    case DisconnectReason::KeepAliveTimeout: return "keepalive_timeout";
    case DisconnectReason::ProtocolError: return "protocol_error";
    case DisconnectReason::TakenOver: return "taken_over";
    case DisconnectReason::Kicked: return "kicked";
    case DisconnectReason::ServerShutdown: return "server_shutdown";
    case DisconnectReason::StoreUnavailable: return "store_unavailable";
    case DisconnectReason::PacketTimeout: return "packet_timeout";
    case DisconnectReason::None:
    case DisconnectReason::Count: break;
  }
  return "none";
}

const char* name_of(ConnectResult r) {
  switch (r) {
    case ConnectResult::Accepted: return "accepted";
    case ConnectResult::Rejected: return "rejected";
    case ConnectResult::Timeout: return "timeout";
    case ConnectResult::Malformed: return "malformed";
    case ConnectResult::Closed: return "closed";
    case ConnectResult::HandshakeFailed: return "handshake_failed";
    case ConnectResult::Busy: return "busy";
    case ConnectResult::Count: break;
  }
  return "unknown";
}

}  // namespace edgemq::core
