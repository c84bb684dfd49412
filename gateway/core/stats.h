// Gateway-wide counters, updated by every worker with relaxed atomics: they
// are read for $SYS topics and metrics, never used to decide anything.
#pragma once

#include <atomic>
#include <cstdint>

namespace edgemq::core {

struct Stats {
  using Counter = std::atomic<uint64_t>;
  std::atomic<int64_t> clients_connected{0};
  Counter connections_accepted{0};
  Counter accepted_by_listener[4]{};  // by net::ListenerKind: mqtt, ws, mqtts, wss
  // Clients with CONNECT accepted now, by listener and protocol (3.1.1, 5.0).
  std::atomic<int64_t> connected_by[4][2]{};
  Counter messages_received{0};  // PUBLISH packets from clients
  Counter messages_sent{0};      // PUBLISH packets to clients
  Counter bytes_received{0};
  Counter bytes_sent{0};
  Counter protocol_errors{0};    // connections closed for a malformed or illegal packet
  Counter tls_handshake_failures{0};  // TLS connections that ended before their handshake finished
  Counter keepalive_timeouts{0};
  Counter dropped_qos0_slow{0};        // QoS 0 dropped: subscriber over its outbound byte budget
  Counter dropped_queue_full{0};       // QoS 1/2 dropped: session queue at max_queued_messages
  Counter dropped_offline_qos0{0};     // QoS 0 for an offline persistent session (not queued)
  Counter store_errors{0};             // store writes that failed; QoS>0 publishes refused
  Counter wills_published{0};
  Counter dropped_sys_publish{0};      // client PUBLISHes to $SYS: acknowledged, not routed
  Counter dropped_retained_on_subscribe{0};  // QoS 0 retained not sent: outbound byte budget full
  Counter subscriptions_refused{0};    // SUBACK 0x80: max_subscriptions reached
  Counter retained_refused{0};         // new retained topics past max_retained: not retained
  Counter acks_held{0};                // QoS 1/2 acks that waited for a full subscriber queue
  Counter ack_hold_timeouts{0};        // congested sessions that made no room in ack_hold_timeout
  Counter sessions_expired{0};         // offline sessions ended by their expiry interval
  Counter expired_messages{0};         // messages dropped undelivered: their expiry interval passed
  Counter dropped_too_large{0};        // deliveries skipped: above the client's maximum packet size
  Counter shared_redirected{0};        // shared-subscription messages moved to another member

  static void add(Counter& c, uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }
  static uint64_t get(const Counter& c) { return c.load(std::memory_order_relaxed); }
};

}  // namespace edgemq::core
