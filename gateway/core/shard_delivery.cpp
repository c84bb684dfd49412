// Outbound flows to one shard's sessions: QoS 0 fire-and-forget, QoS 1
// PUBLISH/PUBACK, QoS 2 PUBLISH/PUBREC/PUBREL/PUBCOMP [MQTT-4.3], the
// inflight window, the bounded queue behind it, and redelivery on resume.
// Every step of a stored message (seq != 0) is mirrored in the store so that a
// restart resumes it where it stood.
#include "gateway/core/client.h"
#include "gateway/core/shard.h"
#include "gateway/core/v5_properties.h"

namespace edgemq::core {

void Shard::deliver(Delivery& d) {
  const std::string& client_id = d.client_id;
  const MessagePtr& m = d.msg;
  const uint8_t qos = d.qos;
  const uint64_t seq = d.seq;
  AckGatePtr gate = std::move(d.gate);
  Session* found = sessions_.find(client_id);
  if (found == nullptr) {
    if (gate) gate->release();
    // The session ended while the message was on its way.
    if (seq != 0) {
      storage::WriteSet ws;
      ws.delete_queued(client_id, seq);
      broker_.commit(std::move(ws), index_, nullptr);
    }
    return;
  }
  Session& s = *found;
  if (seq != 0 && s.backlog && seq < s.backlog->cursor) {
    // Read back from the store before its delivery came (shard_backlog.cpp):
    // the session has it already, whatever became of it since.
    if (gate) gate->release();
    return;
  }
  if (m->expires_at_ms != 0 && expired(*m)) {
    // Expired on its way here (e.g. behind a full hand-off) [MQTT-3.3.2-5].
    if (gate) gate->release();
    Stats::add(broker_.stats().expired_messages);
    if (seq != 0) forget(s, Outgoing{m, qos, seq});
    return;
  }
  if (qos == 0) {
    if (s.client == nullptr) {
      Stats::add(broker_.stats().dropped_offline_qos0);
    } else if (s.client->link().queued_bytes() > limits_.max_outbound_bytes) {
      Stats::add(broker_.stats().dropped_qos0_slow);
    } else if (s.client->send_message(*m, 0, 0, false, d.retain, m->expires_at_ms ? broker_.wall_ms() : 0,
                                      d.extras.get())) {
      broker_.stats().count_sent(index_, 0, m->payload.size());
    } else {
      Stats::add(broker_.stats().dropped_too_large);
    }
    return;
  }
  enqueue(s, Outgoing{m, qos, seq, 0, storage::DeliveryState::Pending, d.retain, std::move(d.extras)},
          std::move(gate));
}

void Shard::enqueue(Session& s, Outgoing&& o, AckGatePtr gate) {
  // A stored message past a persistent session's memory window waits on
  // disk: it never holds its publisher back (shard_backlog.cpp).
  if (o.seq != 0 && s.persistent()) {
    if (!leave_to_store(s, o)) {
      // Within the read-ahead: memory, bounded by it, not by max_queued_messages.
      if (s.client != nullptr && s.queue.empty() && s.inflight.size() < window(s)) {
        send_now(s, std::move(o));
      } else {
        s.queue.push_back(std::move(o));
      }
    }
    if (gate) gate->release();
    return;
  }
  const size_t limit = limits_.max_queued_messages;
  if (s.client != nullptr && s.queue.empty() && s.inflight.size() < window(s)) {
    send_now(s, std::move(o));
  } else if (s.queue.size() < limit) {
    s.queue.push_back(std::move(o));
    if (s.queue.size() >= limit && s.client != nullptr) congest(s);
  } else {
    // Full (a queue that filled while offline stays so for a while after the
    // client is back). Online and not stuck: take it; with a gate, keep the
    // publisher's ack until there is room. One without a gate was routed
    // before the congestion was visible: those are bounded by what is in
    // flight between workers (the hand-off backlog), not by this queue.
    if (s.client != nullptr) congest(s);
    if (s.congestion && !s.congestion->stuck) {
      s.queue.push_back(std::move(o));
      if (gate) {
        if (s.congestion->held.empty()) s.congestion->held_since_ms = now_ms_;
        s.congestion->held.push_back(std::move(gate));
        return;
      }
    } else {
      Stats::add(broker_.stats().dropped_queue_full);
      forget(s, o);
    }
  }
  if (gate) gate->release();
}

void Shard::congest(Session& s) {
  if (s.congestion) return;
  s.congestion = std::make_unique<Congestion>();
  congested_.push_back(&s);
  broker_.congested().add(s.client_id());
}

void Shard::release_held(Session& s) {
  auto held = std::move(s.congestion->held);
  s.congestion->held.clear();
  for (auto& gate : held) gate->release();
}

void Shard::relieve(Session& s) {
  if (!s.congestion) return;
  release_held(s);
  if (!s.congestion->stuck) broker_.congested().remove(s.client_id());
  s.congestion.reset();
  std::erase(congested_, &s);
}

void Shard::drained(Session& s) {
  Congestion& c = *s.congestion;
  // Publishers stay gated until the queue is empty, so that the ones whose
  // acks go out now cannot refill it ungated at once; their acks go out in
  // bulk at half the limit (hysteresis: not one release per PUBACK).
  if (s.queue.empty()) {
    relieve(s);
  } else if (!c.stuck && !c.held.empty() && s.queue.size() <= limits_.max_queued_messages / 2) {
    release_held(s);
  }
}

void Shard::on_tick(uint64_t now_ms) {
  now_ms_ = now_ms;
  if (!expiring_.empty() || !will_delays_.empty()) {
    const uint64_t wall = broker_.wall_ms();
    publish_due_wills(wall);  // first: a will due when its session ends goes before it
    expire_sessions(wall);
  }
  for (Session* s : congested_) {
    Congestion& c = *s->congestion;
    if (c.stuck || c.held.empty() || now_ms - c.held_since_ms < limits_.ack_hold_timeout_ms) continue;
    // Not room enough in time: a client that takes messages slower than they
    // come, or not at all, must not stall every publisher on its topics for
    // longer than this. It drops past its limit from now on (counted) until
    // its queue has drained; a persistent session's queue is on disk instead.
    c.stuck = true;
    Stats::add(broker_.stats().ack_hold_timeouts);
    broker_.congested().remove(s->client_id());
    release_held(*s);
  }
  retry_reads();
}

void Shard::send_now(Session& s, Outgoing&& o) {
  o.packet_id = s.next_packet_id();
  const uint64_t now = o.msg->expires_at_ms ? broker_.wall_ms() : 0;
  if (!s.client->send_message(*o.msg, o.qos, o.packet_id, false, o.retain, now, o.extras.get())) {
    // Too large for this client: as if it had been delivered [MQTT-3.1.2-25].
    Stats::add(broker_.stats().dropped_too_large);
    forget(s, o);
    return;
  }
  o.state = storage::DeliveryState::Sent;
  broker_.stats().count_sent(index_, o.qos, o.msg->payload.size());
  persist_state(s, o);
  s.inflight.push_back(std::move(o));
}

void Shard::pump(Session& s) {
  const size_t limit = window(s);
  while (s.client != nullptr && !s.queue.empty() && s.inflight.size() < limit) {
    Outgoing o = std::move(s.queue.front());
    s.queue.pop_front();
    if (o.msg->expires_at_ms != 0 && expired(*o.msg)) {
      // Never sent, so never delivered [MQTT-3.3.2-5].
      Stats::add(broker_.stats().expired_messages);
      forget(s, o);
      continue;
    }
    send_now(s, std::move(o));
  }
  if (s.congestion) drained(s);
  refill(s);
}

void Shard::resume(Session& s) {
  // Unacknowledged messages go again, in their original order, with DUP set
  // [MQTT-4.4.0-1]; a QoS 2 message already PUBRECed gets its PUBREL again.
  // Once sent, a message is resent even past its expiry: its delivery began.
  for (auto it = s.inflight.begin(); it != s.inflight.end();) {
    const Outgoing& o = *it;
    if (o.state == storage::DeliveryState::Received) {
      s.client->link().send(mqtt::Pubrel{o.packet_id, mqtt::reason::kSuccess, {}});
    } else if (s.client->send_message(*o.msg, o.qos, o.packet_id, true, o.retain,
                                      o.msg->expires_at_ms ? broker_.wall_ms() : 0, o.extras.get())) {
      broker_.stats().count_sent(index_, o.qos, o.msg->payload.size());
    } else {
      // The new connection allows smaller packets than the old one did.
      Stats::add(broker_.stats().dropped_too_large);
      forget(s, o);
      it = s.inflight.erase(it);
      continue;
    }
    ++it;
  }
  pump(s);
}

// An acknowledgement of the wrong kind for a message in flight (a PUBREC
// or PUBCOMP for QoS 1, a PUBACK for QoS 2, a PUBCOMP before the PUBREC) is
// a protocol violation [MQTT-4.8.0-1]; 5.0 says Protocol Error (section
// 4.13). One for an id not in flight is ignored, as Mosquitto does: it can
// be a late duplicate of an acknowledgement already taken.
uint8_t Shard::on_puback(Session& s, uint16_t packet_id) {
  Outgoing* o = s.find_inflight(packet_id);
  if (o == nullptr) return mqtt::reason::kSuccess;  // nothing owed
  if (o->qos != 1) return mqtt::reason::kProtocolError;  // [MQTT-4.3.3-3]: QoS 2 wants PUBREC
  forget(s, *o);
  s.erase_inflight(packet_id);
  pump(s);
  return mqtt::reason::kSuccess;
}

uint8_t Shard::on_pubrec(Session& s, uint16_t packet_id, uint8_t reason_code) {
  Outgoing* o = s.find_inflight(packet_id);
  if (o == nullptr) {
    // PUBREL is answered even for an id we no longer know, so the client can
    // finish its flow [MQTT-4.3.3-1]; 5.0 says the id was not found (3.6.2.1).
    if (reason_code < mqtt::reason::kUnspecified && s.client != nullptr) {
      const uint8_t rc = s.client->v5() ? mqtt::reason::kPacketIdNotFound : mqtt::reason::kSuccess;
      s.client->link().send(mqtt::Pubrel{packet_id, rc, {}});
    }
    return mqtt::reason::kSuccess;
  }
  if (o->qos != 2) return mqtt::reason::kProtocolError;  // [MQTT-4.3.2-3]: QoS 1 wants PUBACK
  if (o->state != storage::DeliveryState::Sent) {
    // PUBREC again for a message already received: PUBREL again.
    if (reason_code < mqtt::reason::kUnspecified && s.client != nullptr) {
      s.client->link().send(mqtt::Pubrel{packet_id, mqtt::reason::kSuccess, {}});
    }
    return mqtt::reason::kSuccess;
  }
  if (reason_code >= mqtt::reason::kUnspecified) {
    // A 5.0 client refused the message: the flow ends here, no PUBREL
    // (section 4.3.3); the message counts as delivered.
    forget(s, *o);
    s.erase_inflight(packet_id);
    pump(s);
    return mqtt::reason::kSuccess;
  }
  o->state = storage::DeliveryState::Received;
  persist_state(s, *o);
  if (s.client != nullptr) s.client->link().send(mqtt::Pubrel{packet_id, mqtt::reason::kSuccess, {}});
  return mqtt::reason::kSuccess;
}

uint8_t Shard::on_pubcomp(Session& s, uint16_t packet_id) {
  Outgoing* o = s.find_inflight(packet_id);
  if (o == nullptr) return mqtt::reason::kSuccess;
  // PUBCOMP answers the PUBREL of a QoS 2 message [MQTT-4.3.3-5]; for QoS 1,
  // or before the PUBREC, it answers nothing the gateway sent.
  if (o->qos != 2 || o->state != storage::DeliveryState::Received) return mqtt::reason::kProtocolError;
  forget(s, *o);
  s.erase_inflight(packet_id);
  pump(s);
  return mqtt::reason::kSuccess;
}

void Shard::persist_state(Session& s, const Outgoing& o) {
  if (o.seq == 0) return;
  storage::WriteSet ws;
  ws.put_queued(s.client_id(), {o.seq, o.msg->topic, o.msg->payload, o.qos, o.retain, o.packet_id, o.state,
                                stored_properties(o.msg->props, o.extras ? &o.extras->subscription_ids : nullptr),
                                o.msg->expires_at_ms, o.extras ? o.extras->shared_filter : std::string()});
  broker_.commit(std::move(ws), index_, nullptr);
}

void Shard::forget(Session& s, const Outgoing& o) {
  if (o.seq == 0) return;
  storage::WriteSet ws;
  ws.delete_queued(s.client_id(), o.seq);
  broker_.commit(std::move(ws), index_, nullptr);
}

}  // namespace edgemq::core
