// Every bound the core enforces, with its default, and the few core settings
// that are not bounds (marked so). Each has a config key
// (docs/configuration.md); each bound has a counter in Stats for when it is hit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/router.h"

namespace edgemq::core {

struct Limits {
  // Largest packet accepted from a client, fixed header included.
  size_t max_packet_size = 1024 * 1024;
  // Largest packet before CONNECT is accepted: a CONNECT is small.
  size_t max_connect_packet_size = 64 * 1024;
  // QoS 1/2 messages sent to one subscriber and not yet acknowledged.
  uint32_t max_inflight = 32;
  // QoS 1/2 messages waiting in memory behind the inflight window, per
  // session whose messages are not stored (clean sessions; a persistent
  // session's go to its queue on disk past a short read-ahead). Beyond it,
  // an online session takes up to as many again while it holds back the
  // publishers' acknowledgements; an offline or stuck one drops new messages
  // (counted).
  uint32_t max_queued_messages = 1000;
  // Bytes of messages one persistent session may have queued on disk, and
  // all sessions together; past either, `queue_full_policy` decides which
  // message goes (counted per session and in dropped{cause="queue_bytes"}).
  // 32 MiB holds a day of a sensor's message a second at ~350 bytes each.
  uint64_t max_queued_bytes = 32ull << 20;
  uint64_t max_queued_bytes_total = 8ull << 30;
  enum class QueueFullPolicy : uint8_t { DropOldest, DropNewest };
  QueueFullPolicy queue_full_policy = QueueFullPolicy::DropOldest;
  // How long a full memory queue of an online session may hold back a
  // publisher's acknowledgement (docs/architecture.md, "Overload") before the
  // session is treated as slow and new messages past its limit are dropped
  // instead. Enforced at the worker's 100 ms tick, so a hold lasts at most
  // this plus a tick. Short: one slow subscriber must not set the pace of
  // every publisher on its topics.
  uint32_t ack_hold_timeout_ms = 100;
  // Bytes waiting to be written to one socket. Beyond it, QoS 0 messages to
  // that client are dropped and counted (QoS 1/2 are bounded by the window).
  size_t max_outbound_bytes = 1024 * 1024;
  // Seconds a new connection may take to send CONNECT.
  uint32_t connect_timeout_s = 10;
  // Seconds a connected client may hold a packet begun and not finished
  // without finishing one (enforced by the net layer, docs/security.md):
  // then it is closed as a lost connection. 60 s lets a 1 MiB packet
  // through at 17 KiB/s.
  uint32_t packet_timeout_s = 60;
  // Replies one client may have waiting for store commits. Past it the
  // gateway stops reading from that client until they drain: a publisher
  // cannot outrun the disk by more than this.
  uint32_t max_pending_acks = 1024;
  // Subscriptions one session may hold; past it SUBACK says 0x80 for new filters.
  uint32_t max_subscriptions = 1000;
  // Bytes and levels of a topic a client publishes to, or of a filter it
  // subscribes (a shared one whole, "$share/g/" included). A level costs
  // every wildcard match a step, and the router a node per '+'; bytes cost
  // the router, the retained index and the store. Real fleets use a handful
  // of levels and well under a hundred bytes; 128 levels is EMQX's default.
  uint32_t max_topic_length = 4096;
  uint32_t max_topic_levels = 128;
  // Retained topics in all; past it a new topic's retained message is routed
  // but not retained (replacing or clearing an existing one always works).
  uint32_t max_retained_messages = 1000000;
  // Highest QoS granted to a subscription (and, for 5.0 clients, accepted
  // in PUBLISH: CONNACK says so [MQTT-3.2.2-9]).
  uint8_t max_qos = 2;
  // 5.0: QoS 1/2 PUBLISHes one client may have unanswered (CONNACK's receive
  // maximum); one more is a protocol violation [MQTT-3.3.4-9].
  uint16_t receive_maximum = 1024;
  // 5.0: topic aliases one client may set (CONNACK's topic alias maximum).
  uint16_t topic_alias_maximum = 64;
  // 5.0: longest keep-alive a client may ask for, 0 = any; a longer one (or
  // none) is replaced by this, told in CONNACK's server keep alive.
  uint16_t max_keep_alive_s = 0;
  // Not a bound: how a shared subscription picks the member for a message.
  ShareStrategy share_strategy = ShareStrategy::RoundRobin;
  // Not a bound: what CONNACK's response information says to a 5.0 client
  // that asks for it (the basis of its response topics); empty: nothing.
  std::string response_information;
};

// Whether a topic or filter is within max_topic_length and max_topic_levels.
// Levels are counted only when the length allows more than the limit.
inline bool within_topic_limits(std::string_view topic, const Limits& limits) {
  if (topic.size() > limits.max_topic_length) return false;
  if (topic.size() < limits.max_topic_levels) return true;  // levels <= separators + 1
  size_t levels = 1;
  for (char ch : topic) levels += ch == '/';
  return levels <= limits.max_topic_levels;
}

}  // namespace edgemq::core
