// SUBSCRIBE, UNSUBSCRIBE and inbound PUBLISH for one shard's clients, and the
// restore of persistent sessions at start-up.
#include <algorithm>
#include <vector>

#include "gateway/core/client.h"
#include "gateway/core/shard.h"

namespace edgemq::core {

void Shard::subscribe(Client& c, const mqtt::Subscribe& sub) {
  Session& s = *c.session();
  mqtt::Suback ack{sub.packet_id, {}};
  for (const auto& want : sub.subscriptions) {
    uint8_t granted = std::min(want.qos, broker_.limits().max_qos);
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
    for (size_t i = 0; i < filters.size(); ++i) deliver_retained(*bound, filters[i].filter, ack.return_codes[i]);
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
  uint8_t qos = p.qos;
  uint16_t id = p.packet_id;
  if (qos == 2 && s.inbound_qos2.count(id) != 0) {
    // Already received and routed once: acknowledge again, deliver nothing [MQTT-4.3.3-2].
    c.acks().push([&c, id] { c.link().send(mqtt::Pubrec{id}); }, true);
    return;
  }
  storage::WriteSet own;
  if (qos == 2) {
    s.inbound_qos2.insert(id);
    if (s.persistent()) own.put_inbound_qos2(s.client_id(), id);
  }

  auto m = make_message(std::move(p.topic), std::move(p.payload), qos, p.retain);
  if (qos == 0) {
    broker_.publish(m, *this, nullptr);
    return;
  }
  auto emit = [&c, id, qos] {
    if (qos == 1) {
      c.link().send(mqtt::Puback{id});
    } else {
      c.link().send(mqtt::Pubrec{id});
    }
  };
  uint64_t token = c.acks().push(std::move(emit), false);
  uint64_t link_id = c.link().id();
  bool waits = broker_.publish(
      m, *this,
      [link_id, token](Shard& sh, const storage::Status& st) { sh.ack_committed(link_id, token, st); },
      std::move(own));
  if (!waits) c.acks().ready(token);
}

void Shard::restore_session(storage::SessionRecord&& record) {
  Session& s = *(sessions_[record.client_id] = std::make_unique<Session>(record.client_id, true));
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
  if (s.inbound_qos2.erase(packet_id) != 0 && s.persistent()) ws.delete_inbound_qos2(s.client_id(), packet_id);
  reply_after(c, [&c, packet_id] { c.link().send(mqtt::Pubcomp{packet_id}); }, std::move(ws));
}

void Shard::restore_inbound_qos2(std::string_view client_id, uint16_t packet_id) {
  auto it = sessions_.find(std::string(client_id));
  if (it != sessions_.end()) it->second->inbound_qos2.insert(packet_id);
}

void Shard::restore_queued(std::string_view client_id, storage::QueuedMessage&& q) {
  auto it = sessions_.find(std::string(client_id));
  if (it == sessions_.end()) {
    // A record that outlived its session (a race with a clean start): drop it.
    storage::WriteSet ws;
    ws.delete_queued(client_id, q.seq);
    broker_.commit(std::move(ws), index_, nullptr);
    return;
  }
  Session& s = *it->second;
  Outgoing o{make_message(std::move(q.topic), std::move(q.payload), q.qos, false), q.qos, q.seq,
             q.packet_id, q.state, q.retain};
  if (q.state == storage::DeliveryState::Pending) {
    s.queue.push_back(std::move(o));
  } else {
    s.inflight.push_back(std::move(o));
  }
}

}  // namespace edgemq::core
