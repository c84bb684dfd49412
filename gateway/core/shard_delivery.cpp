// Outbound flows to one shard's sessions: QoS 0 fire-and-forget, QoS 1
// PUBLISH/PUBACK, QoS 2 PUBLISH/PUBREC/PUBREL/PUBCOMP [MQTT-4.3], the
// inflight window, the bounded queue behind it, and redelivery on resume.
// Every step of a stored message (seq != 0) is mirrored in the store so that a
// restart resumes it where it stood.
#include "gateway/core/client.h"
#include "gateway/core/shard.h"

namespace edgemq::core {

void Shard::deliver(const std::string& client_id, const MessagePtr& m, uint8_t qos, uint64_t seq,
                    AckGatePtr gate) {
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
  if (qos == 0) {
    if (s.client == nullptr) {
      Stats::add(broker_.stats().dropped_offline_qos0);
    } else if (s.client->link().queued_bytes() > broker_.limits().max_outbound_bytes) {
      Stats::add(broker_.stats().dropped_qos0_slow);
    } else {
      s.client->link().send_publish(*m, 0, 0, false, false);  // retain 0 [MQTT-3.3.1-9]
      Stats::add(broker_.stats().messages_sent);
    }
    return;
  }
  enqueue(s, Outgoing{m, qos, seq, 0, storage::DeliveryState::Pending}, std::move(gate));
}

void Shard::enqueue(Session& s, Outgoing&& o, AckGatePtr gate) {
  const size_t limit = broker_.limits().max_queued_messages;
  if (s.client != nullptr && s.queue.empty() && s.inflight.size() < broker_.limits().max_inflight) {
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
  s.congestion->progress_ms = now_ms_;
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
  c.progress_ms = now_ms_;
  // Publishers stay gated until the queue is empty, so that the ones whose
  // acks go out now cannot refill it ungated at once; their acks go out in
  // bulk at half the limit (hysteresis: not one release per PUBACK).
  if (s.queue.empty()) {
    relieve(s);
  } else if (!c.stuck && !c.held.empty() && s.queue.size() <= broker_.limits().max_queued_messages / 2) {
    release_held(s);
  }
}

void Shard::on_tick(uint64_t now_ms) {
  now_ms_ = now_ms;
  const uint64_t timeout_ms = uint64_t{broker_.limits().ack_hold_timeout_s} * 1000;
  for (Session* s : congested_) {
    Congestion& c = *s->congestion;
    if (c.stuck || now_ms - c.progress_ms < timeout_ms) continue;
    // No message taken in time: a client that stopped taking messages must
    // not stall every publisher on its topics. It drops from now on, as an
    // offline session does, until its queue has drained.
    c.stuck = true;
    Stats::add(broker_.stats().ack_hold_timeouts);
    broker_.congested().remove(s->client_id());
    release_held(*s);
  }
}

void Shard::send_now(Session& s, Outgoing&& o) {
  o.packet_id = s.next_packet_id();
  o.state = storage::DeliveryState::Sent;
  s.client->link().send_publish(*o.msg, o.qos, o.packet_id, false, o.retain);
  Stats::add(broker_.stats().messages_sent);
  persist_state(s, o);
  s.inflight.push_back(std::move(o));
}

void Shard::pump(Session& s) {
  while (s.client != nullptr && !s.queue.empty() &&
         s.inflight.size() < broker_.limits().max_inflight) {
    Outgoing o = std::move(s.queue.front());
    s.queue.pop_front();
    send_now(s, std::move(o));
  }
  if (s.congestion) drained(s);
}

void Shard::resume(Session& s) {
  // Unacknowledged messages go again, in their original order, with DUP set
  // [MQTT-4.4.0-1]; a QoS 2 message already PUBRECed gets its PUBREL again.
  for (const Outgoing& o : s.inflight) {
    if (o.state == storage::DeliveryState::Received) {
      s.client->link().send(mqtt::Pubrel{o.packet_id});
    } else {
      s.client->link().send_publish(*o.msg, o.qos, o.packet_id, true, o.retain);
      Stats::add(broker_.stats().messages_sent);
    }
  }
  pump(s);
}

void Shard::on_puback(Session& s, uint16_t packet_id) {
  Outgoing* o = s.find_inflight(packet_id);
  if (o == nullptr || o->qos != 1) return;  // unknown id: nothing owed
  forget(s, *o);
  s.erase_inflight(packet_id);
  pump(s);
}

void Shard::on_pubrec(Session& s, uint16_t packet_id) {
  Outgoing* o = s.find_inflight(packet_id);
  if (o != nullptr && o->qos == 2 && o->state == storage::DeliveryState::Sent) {
    o->state = storage::DeliveryState::Received;
    persist_state(s, *o);
  }
  // PUBREL is answered even for an id we no longer know, so the client can
  // finish its flow [MQTT-4.3.3-1].
  if (s.client != nullptr) s.client->link().send(mqtt::Pubrel{packet_id});
}

void Shard::on_pubcomp(Session& s, uint16_t packet_id) {
  Outgoing* o = s.find_inflight(packet_id);
  if (o == nullptr || o->state != storage::DeliveryState::Received) return;
  forget(s, *o);
  s.erase_inflight(packet_id);
  pump(s);
}

void Shard::persist_state(Session& s, const Outgoing& o) {
  if (o.seq == 0) return;
  storage::WriteSet ws;
  ws.put_queued(s.client_id(),
                {o.seq, o.msg->topic, o.msg->payload, o.qos, o.retain, o.packet_id, o.state});
  broker_.commit(std::move(ws), index_, nullptr);
}

void Shard::forget(Session& s, const Outgoing& o) {
  if (o.seq == 0) return;
  storage::WriteSet ws;
  ws.delete_queued(s.client_id(), o.seq);
  broker_.commit(std::move(ws), index_, nullptr);
}

}  // namespace edgemq::core
