// SUBSCRIBE, UNSUBSCRIBE and inbound PUBLISH for one shard's clients, and the
// restore of persistent sessions at start-up.
#include <algorithm>
#include <vector>

#include "gateway/core/client.h"
#include "gateway/core/shard.h"
#include "gateway/core/sys_topics.h"

namespace edgemq::core {

void Shard::subscribe(Client& c, const mqtt::Subscribe& sub) {
  Session& s = *c.session();
  mqtt::Suback ack{sub.packet_id, {}};
  for (const auto& want : sub.subscriptions) {
    uint8_t granted = std::min(want.qos, broker_.limits().max_qos);
    if (s.subscriptions.size() >= broker_.limits().max_subscriptions && !s.subscriptions.contains(want.filter)) {
      Stats::add(broker_.stats().subscriptions_refused);
      ack.return_codes.push_back(mqtt::kSubackFailure);  // [MQTT-3.9.3]
      continue;
    }
    // A repeated filter replaces the old subscription [MQTT-3.8.4-3].
    broker_.router().subscribe(want.filter, s.client_id(), granted, s.persistent());
    s.subscriptions[want.filter] = granted;
    ack.return_codes.push_back(granted);
  }
  // SUBACK, then the retained messages [MQTT-3.3.1-6]: after the
  // subscription is durable, so a restart cannot forget an acknowledged one.
  auto emit = [this, &c, ack, filters = sub.subscriptions]() {
    c.link().send(ack);
    Session* bound = c.session();
    if (bound == nullptr) return;
    for (size_t i = 0; i < filters.size(); ++i) {
      if (ack.return_codes[i] != mqtt::kSubackFailure) deliver_retained(*bound, filters[i].filter, ack.return_codes[i]);
    }
  };
  storage::WriteSet ws;
  if (s.persistent()) persist_subscriptions(s, ws);
  reply_after(c, std::move(emit), std::move(ws));
}

void Shard::unsubscribe(Client& c, const mqtt::Unsubscribe& unsub) {
  Session& s = *c.session();
  for (const auto& filter : unsub.filters) {
    broker_.router().unsubscribe(filter, s.client_id());
    s.subscriptions.erase(filter);
  }
  uint16_t id = unsub.packet_id;
  auto emit = [&c, id] { c.link().send(mqtt::Unsuback{id}); };  // [MQTT-3.10.4-4]
  storage::WriteSet ws;
  if (s.persistent()) persist_subscriptions(s, ws);
  reply_after(c, std::move(emit), std::move(ws));
}

void Shard::deliver_retained(Session& s, const std::string& filter, uint8_t granted) {
  std::vector<MessagePtr> found;
  broker_.retained().matching(filter, found);
  for (const auto& m : found) {
    uint8_t qos = std::min(granted, m->qos);
    if (qos == 0) {
      if (s.client->link().queued_bytes() > broker_.limits().max_outbound_bytes) {
        Stats::add(broker_.stats().dropped_retained_on_subscribe);
        continue;
      }
      s.client->link().send_publish(*m, 0, 0, false, true);  // retain flag set [MQTT-3.3.1-8]
      Stats::add(broker_.stats().messages_sent);
      continue;
    }
    enqueue(s, Outgoing{m, qos, 0, 0, storage::DeliveryState::Pending, true});
  }
}

void Shard::publish_from(Client& c, mqtt::Publish&& p) {
  Session& s = *c.session();
  Stats::add(broker_.stats().messages_received);
  const uint8_t qos = p.qos;
  const uint16_t id = p.packet_id;
  const uint64_t link_id = c.link().id();
  auto emit = [&c, id, qos] {
    if (qos == 1) {
      c.link().send(mqtt::Puback{id});
    } else {
      c.link().send(mqtt::Pubrec{id});
    }
  };
  if (qos == 2) {
    InboundQos2* known = s.inbound_qos2.find(id);
    if (known != nullptr) {
      // Already received and routed once: acknowledge again, deliver nothing
      // [MQTT-4.3.3-2]; not before the first copy is durable.
      const bool durable = known->durable;
      const uint64_t token = c.acks().push(std::move(emit), durable);
      if (!durable) known->waiting.emplace_back(link_id, token);
      return;
    }
  }
  storage::WriteSet own;
  const uint64_t commit = ++next_commit_;
  if (qos == 2) {
    s.inbound_qos2[id] = InboundQos2{false, commit, {}};
    if (s.persistent()) own.put_inbound_qos2(s.client_id(), id);
  }
  // $SYS belongs to the gateway. MQTT 3.1.1 has no negative PUBACK, so a
  // client's message there is acknowledged and dropped, as Mosquitto's ACL does.
  const bool to_sys = is_sys_topic(p.topic);
  if (to_sys) Stats::add(broker_.stats().dropped_sys_publish);
  if (qos == 0) {
    if (!to_sys) broker_.publish(make_message(std::move(p.topic), std::move(p.payload), 0, p.retain), *this, nullptr);
    return;
  }
  const uint64_t token = c.acks().push(std::move(emit), false);
  auto committed = [link_id, token, client_id = qos == 2 ? s.client_id() : std::string(), id, commit](
                       Shard& sh, const storage::Status& st) {
    if (!client_id.empty()) sh.inbound_qos2_committed(client_id, id, commit, st);
    sh.ack_committed(link_id, token, st);
  };
  bool waits = !own.empty();
  if (to_sys) {
    if (waits) broker_.commit(std::move(own), index_, committed);
  } else {
    auto m = make_message(std::move(p.topic), std::move(p.payload), qos, p.retain);
    waits = broker_.publish(m, *this, committed, std::move(own));
  }
  if (!waits) committed(*this, storage::Status{});
}

void Shard::inbound_qos2_committed(const std::string& client_id, uint16_t packet_id, uint64_t commit,
                                   const storage::Status& status) {
  Session* session = sessions_.find(client_id);
  if (session == nullptr) return;
  InboundQos2* entry = session->inbound_qos2.find(packet_id);
  if (entry == nullptr || entry->commit != commit) return;  // released, or a newer session's
  auto waiting = std::move(entry->waiting);
  entry->waiting.clear();
  if (status.ok) {
    entry->durable = true;
  } else {
    // Not stored, so not received: the client's resend must be routed anew.
    session->inbound_qos2.erase(packet_id);
  }
  for (const auto& [link_id, token] : waiting) ack_committed(link_id, token, status);
}

void Shard::restore_session(storage::SessionRecord&& record) {
  Session& s = sessions_.insert(std::make_unique<Session>(record.client_id, true));
  for (auto& sub : record.subscriptions) {
    broker_.router().subscribe(sub.filter, s.client_id(), sub.qos, true);
    s.subscriptions[sub.filter] = sub.qos;
  }
}

void Shard::on_pubrel(Client& c, uint16_t packet_id) {
  // QoS 2 inbound, step 2: the id may carry a new message from now on
  // [MQTT-4.3.3-2]. A persistent session forgets it durably before PUBCOMP,
  // or a restart could take the next message with this id for a resend.
  Session& s = *c.session();
  storage::WriteSet ws;
  if (InboundQos2* entry = s.inbound_qos2.find(packet_id)) {
    // A PUBREL before any PUBREC (a client out of step): the resends' PUBRECs
    // no longer matter, but they must not block the replies behind them.
    for (const auto& [link_id, token] : entry->waiting) ack_committed(link_id, token, storage::Status{});
    s.inbound_qos2.erase(packet_id);
    if (s.persistent()) ws.delete_inbound_qos2(s.client_id(), packet_id);
  }
  reply_after(c, [&c, packet_id] { c.link().send(mqtt::Pubcomp{packet_id}); }, std::move(ws));
}

void Shard::restore_inbound_qos2(std::string_view client_id, uint16_t packet_id) {
  if (Session* s = sessions_.find(client_id)) s->inbound_qos2[packet_id] = InboundQos2{true, 0, {}};
}

void Shard::restore_queued(std::string_view client_id, storage::QueuedMessage&& q) {
  Session* found = sessions_.find(client_id);
  if (found == nullptr) {
    // A record that outlived its session (a race with a clean start): drop it.
    storage::WriteSet ws;
    ws.delete_queued(client_id, q.seq);
    broker_.commit(std::move(ws), index_, nullptr);
    return;
  }
  Session& s = *found;
  Outgoing o{make_message(std::move(q.topic), std::move(q.payload), q.qos, false), q.qos, q.seq,
             q.packet_id, q.state, q.retain};
  if (q.state == storage::DeliveryState::Pending) {
    s.queue.push_back(std::move(o));
  } else {
    s.inflight.push_back(std::move(o));
  }
}

}  // namespace edgemq::core
