// SUBSCRIBE, UNSUBSCRIBE and inbound PUBLISH for one shard's clients, and the
// restore of persistent sessions at start-up.
#include <algorithm>
#include <vector>

#include "gateway/core/client.h"
#include "gateway/core/shard.h"
#include "gateway/core/sys_topics.h"
#include "gateway/core/v5_properties.h"
#include "protocols/mqtt/topic.h"

namespace edgemq::core {

uint8_t Shard::subscribe(Client& c, const mqtt::Subscribe& sub) {
  Session& s = *c.session();
  const bool v5 = c.v5();
  mqtt::Suback ack{sub.packet_id, {}, {}};
  // One identifier for every filter of the packet [MQTT-3.8.2.1.2].
  const uint32_t id = sub.props->subscription_ids.empty() ? 0 : sub.props->subscription_ids.front();
  std::vector<bool> send_retained(sub.subscriptions.size(), false);
  for (size_t i = 0; i < sub.subscriptions.size(); ++i) {
    const auto& want = sub.subscriptions[i];
    const SubscriptionOptions options{std::min(want.qos, limits_.max_qos), want.no_local,
                                      want.retain_as_published, id};
    if (!within_topic_limits(want.filter, limits_)) {
      // Well formed, but more than this gateway takes (max_topic_length,
      // max_topic_levels): 5.0's "topic filter invalid" says just that.
      Stats::add(broker_.stats().subscriptions_refused);
      ack.return_codes.push_back(v5 ? mqtt::reason::kTopicFilterInvalid : mqtt::kSubackFailure);
      continue;
    }
    const bool existed = s.subscriptions.contains(want.filter);
    if (s.subscriptions.size() >= limits_.max_subscriptions && !existed) {
      Stats::add(broker_.stats().subscriptions_refused);
      // [MQTT-3.9.3]; 5.0 says why.
      ack.return_codes.push_back(v5 ? mqtt::reason::kQuotaExceeded : mqtt::kSubackFailure);
      continue;
    }
    // A repeated filter replaces the old subscription [MQTT-3.8.4-3].
    broker_.router().subscribe(want.filter, s.client_id(), options, s.persistent());
    s.subscriptions[want.filter] = options;
    ack.return_codes.push_back(options.qos);
    // Retain handling [MQTT-3.3.1-9/10/11]; 3.1.1 always sends them. A
    // shared subscription gets none: they are for a session, not a group.
    send_retained[i] = !mqtt::is_shared_filter(want.filter) &&
                       (want.retain_handling == mqtt::RetainHandling::OnSubscribe ||
                        (want.retain_handling == mqtt::RetainHandling::OnNewSubscribe && !existed));
  }
  // SUBACK, then the retained messages [MQTT-3.3.1-6]: after the
  // subscription is durable, so a restart cannot forget an acknowledged one.
  auto emit = [this, &c, ack, send_retained, id, filters = sub.subscriptions]() {
    c.link().send(ack);
    Session* bound = c.session();
    if (bound == nullptr) return;
    for (size_t i = 0; i < filters.size(); ++i) {
      if (send_retained[i]) deliver_retained(*bound, filters[i].filter, ack.return_codes[i], id);
    }
  };
  storage::WriteSet ws;
  if (s.persistent()) persist_subscriptions(s, ws);
  reply_after(c, std::move(emit), std::move(ws));
  return mqtt::reason::kSuccess;
}

void Shard::unsubscribe(Client& c, const mqtt::Unsubscribe& unsub) {
  Session& s = *c.session();
  mqtt::Unsuback ack{unsub.packet_id, {}, {}};
  for (const auto& filter : unsub.filters) {
    const bool existed = s.subscriptions.contains(filter);
    broker_.router().unsubscribe(filter, s.client_id());
    s.subscriptions.erase(filter);
    drop_retained_feed(s, filter);
    // 5.0 says whether there was one [MQTT-3.11.3-1]; 3.1.1 has no codes.
    if (c.v5()) ack.reason_codes.push_back(existed ? mqtt::reason::kSuccess : mqtt::reason::kNoSubscriptionExisted);
  }
  auto emit = [&c, ack = std::move(ack)] { c.link().send(ack); };  // [MQTT-3.10.4-4]
  storage::WriteSet ws;
  if (s.persistent()) persist_subscriptions(s, ws);
  reply_after(c, std::move(emit), std::move(ws));
}

uint8_t Shard::publish_from(Client& c, mqtt::Publish&& p) {
  Session& s = *c.session();
  const uint8_t qos = p.qos;
  const uint16_t id = p.packet_id;
  InboundQos2* known = qos == 2 ? s.inbound_qos2.find(id) : nullptr;
  if (c.v5()) {
    const uint8_t refused = accept_v5_publish(c, p, qos > 0 && known == nullptr);
    if (refused != mqtt::reason::kSuccess) return refused;
  }
  broker_.stats().count_received(index_, qos, p.payload.size());
  const uint64_t link_id = c.link().id();
  // $SYS belongs to the gateway, and a topic past max_topic_length or
  // max_topic_levels is not taken (its levels would cost every wildcard
  // match, and a retained one the store). MQTT 3.1.1 has no negative
  // PUBACK, so such a message is acknowledged and dropped, as Mosquitto's ACL
  // does (closing would make the client resend it forever); 5.0 says "not
  // authorized" or "topic name invalid" (section 3.4.2.1), which ends a QoS 2 flow.
  const bool to_sys = is_sys_topic(p.topic);
  const bool too_big = !to_sys && !within_topic_limits(p.topic, limits_);
  const bool dropped = to_sys || too_big;
  const bool refused = dropped && c.v5();
  // A 5.0 ack says what became of the message; the routing below fills it in
  // before the ack can go out (OrderedAcks runs it after `committed`).
  std::shared_ptr<uint8_t> verdict;
  if (c.v5() && qos > 0 && known == nullptr) {
    verdict = std::make_shared<uint8_t>(!refused ? mqtt::reason::kSuccess
                                        : to_sys ? mqtt::reason::kNotAuthorized
                                                 : mqtt::reason::kTopicNameInvalid);
  }
  auto emit = [&c, id, qos, verdict] {
    const uint8_t rc = verdict ? *verdict : mqtt::reason::kSuccess;
    V5State* st = c.v5_state();
    // The receive quota comes back with the PUBACK, or with a PUBREC that
    // ends the flow; otherwise with the PUBCOMP (on_pubrel) (section 4.9).
    if (st != nullptr && st->unacknowledged_in > 0 && (qos == 1 || rc >= mqtt::reason::kUnspecified)) {
      --st->unacknowledged_in;
    }
    if (qos == 1) {
      c.link().send(mqtt::Puback{id, rc, {}});
    } else {
      c.link().send(mqtt::Pubrec{id, rc, {}});
    }
  };
  if (known != nullptr) {
    // Already received and routed once: acknowledge again, deliver nothing
    // [MQTT-4.3.3-2]; not before the first copy is durable.
    const bool durable = known->durable;
    const uint64_t token = c.acks().push(std::move(emit), durable);
    if (!durable) known->waiting.emplace_back(link_id, token);
    return mqtt::reason::kSuccess;
  }
  // A persistent session's QoS 2 id is a record of its own [MQTT-4.3.3-2]:
  // routing it unstored would deliver it again on every resend.
  if (!dropped && broker_.store_refusing() && (qos > 0 || p.retain) &&
      ((qos == 2 && s.persistent()) ||
       broker_.needs_store(p.topic, qos, p.retain && !p.payload.empty(), s.client_id()))) {
    if (qos > 0) return refuse_for_store(c, std::move(emit), verdict);
    // QoS 0 has no one to tell: delivered, but its retained value not kept.
    p.retain = false;
    Stats::add(broker_.stats().retained_refused_store);
  }
  storage::WriteSet own;
  const uint64_t commit = ++next_commit_;
  if (qos == 2 && !refused) {
    s.inbound_qos2[id] = InboundQos2{false, commit, {}};
    if (s.persistent()) own.put_inbound_qos2(s.client_id(), id);
  }
  if (to_sys) Stats::add(broker_.stats().dropped_sys_publish);
  if (too_big) Stats::add(broker_.stats().dropped_topic_limits);
  mqtt::Props forwarded;
  uint64_t expires_at = 0;
  if (c.v5()) {
    forwarded = forwarded_properties(p.props);
    expires_at = expiry_time(p.props, broker_.wall_ms());
  }
  if (qos == 0) {
    if (!dropped) {
      broker_.publish(make_message(std::move(p.topic), std::move(p.payload), 0, p.retain, std::move(forwarded), expires_at),
                      *this, nullptr, {}, nullptr, s.client_id());
    }
    return mqtt::reason::kSuccess;
  }
  const uint64_t token = c.acks().push(std::move(emit), false);
  auto committed = [link_id, token, client_id = qos == 2 ? s.client_id() : std::string(), id, commit, verdict](
                       Shard& sh, const storage::Status& st) {
    if (!client_id.empty()) sh.inbound_qos2_committed(client_id, id, commit, st);
    if (!st.ok && verdict) {
      // 5.0 can say it: the ack carries why, and the connection stays.
      *verdict = st.no_space ? mqtt::reason::kQuotaExceeded : mqtt::reason::kUnspecified;
      sh.ack_committed(link_id, token, storage::Status{});
      return;
    }
    sh.ack_committed(link_id, token, st);
  };
  bool waits = !own.empty();
  if (dropped) {
    if (waits) broker_.commit(std::move(own), index_, committed);
  } else {
    auto m = make_message(std::move(p.topic), std::move(p.payload), qos, p.retain, std::move(forwarded), expires_at);
    size_t matched = 0;
    waits = broker_.publish(m, *this, committed, std::move(own), verdict ? &matched : nullptr, s.client_id());
    if (verdict && matched == 0) *verdict = mqtt::reason::kNoMatchingSubscribers;
  }
  if (!waits) committed(*this, storage::Status{});
  return mqtt::reason::kSuccess;
}

uint8_t Shard::refuse_for_store(Client& c, OrderedAcks::Emit emit, const std::shared_ptr<uint8_t>& verdict) {
  Stats::add(broker_.stats().refused_store_unavailable);
  if (verdict) {
    // Quota exceeded (5.0 section 3.4.2.1): a PUBREC with it ends a QoS 2 flow
    // too, so no packet id is kept; the client may send again later.
    *verdict = mqtt::reason::kQuotaExceeded;
    c.acks().push(std::move(emit), true);
    return mqtt::reason::kSuccess;
  }
  // 3.1.1 has no negative PUBACK. Leaving the message unacknowledged on an
  // open connection would strand it in the client's window (clients resend
  // only on reconnect [MQTT-4.4.0-1]); closing makes the client come back
  // and send it again, by then perhaps with room on the disk.
  c.set_close_reason(DisconnectReason::StoreUnavailable);
  c.link().close();
  return mqtt::reason::kSuccess;
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
  const uint64_t now = broker_.wall_ms();
  const uint64_t deadline = record.expires_at_s * 1000;
  // Expired while the gateway was down, or meant to end with a connection
  // the restart cut: gone with its queue.
  if (record.expiry_s == 0 || (record.expires_at_s != 0 && deadline <= now)) {
    storage::WriteSet ws;
    ws.delete_session(record.client_id);
    broker_.commit(std::move(ws), index_, nullptr);
    if (record.expiry_s != 0) Stats::add(broker_.stats().sessions_expired);
    return;
  }
  Session& s = sessions_.insert(std::make_unique<Session>(record.client_id, record.expiry_s));
  if (record.expiry_s != kNeverExpires) {
    // Offline from now on; a session that was online when the gateway
    // stopped starts counting at the restart.
    expiring_.set(&s, record.expires_at_s != 0 ? deadline : now + uint64_t{record.expiry_s} * 1000);
  }
  for (auto& sub : record.subscriptions) {
    const SubscriptionOptions options{sub.qos, sub.no_local, sub.retain_as_published, sub.subscription_id};
    broker_.router().subscribe(sub.filter, s.client_id(), options, true);
    // Offline until its client connects: other members come first.
    broker_.router().set_member_online(sub.filter, s.client_id(), false);
    s.subscriptions[sub.filter] = options;
  }
}

void Shard::on_pubrel(Client& c, uint16_t packet_id) {
  // QoS 2 inbound, step 2: the id may carry a new message from now on
  // [MQTT-4.3.3-2]. A persistent session forgets it durably before PUBCOMP,
  // or a restart could take the next message with this id for a resend.
  Session& s = *c.session();
  storage::WriteSet ws;
  const bool known = s.inbound_qos2.contains(packet_id);
  if (InboundQos2* entry = s.inbound_qos2.find(packet_id)) {
    // A PUBREL before any PUBREC (a client out of step): the resends' PUBRECs
    // no longer matter, but they must not block the replies behind them.
    for (const auto& [link_id, token] : entry->waiting) ack_committed(link_id, token, storage::Status{});
    s.inbound_qos2.erase(packet_id);
    if (s.persistent()) ws.delete_inbound_qos2(s.client_id(), packet_id);
  }
  auto emit = [&c, packet_id, known] {
    V5State* st = c.v5_state();
    if (st != nullptr && known && st->unacknowledged_in > 0) --st->unacknowledged_in;
    // 5.0 tells the client the id was not in flight [MQTT-3.7.2.1].
    const uint8_t rc = st != nullptr && !known ? mqtt::reason::kPacketIdNotFound : mqtt::reason::kSuccess;
    c.link().send(mqtt::Pubcomp{packet_id, rc, {}});
  };
  reply_after(c, std::move(emit), std::move(ws));
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
  broker_.restored_seq(q.seq);
  if (q.state == storage::DeliveryState::Pending) {
    // Not sent yet: it stays on disk and is read back when the client
    // takes messages, so a restart does not load every queue into memory.
    if (!s.backlog) s.backlog = std::make_unique<Backlog>();  // cursor 0: the whole queue
    Backlog& b = *s.backlog;
    b.active = true;
    b.max_seq = std::max(b.max_seq, q.seq);
    ++b.count;
    const uint64_t bytes = queued_bytes(q.topic.size(), q.payload.size());
    b.bytes += bytes;
    broker_.backlog_bytes().fetch_add(bytes, std::memory_order_relaxed);
    return;
  }
  // Sent, or received by a QoS 2 subscriber: in flight again, in memory, so
  // that its packet id is not given to another message.
  s.inflight.push_back(outgoing_from(std::move(q)));
}

Outgoing Shard::outgoing_from(storage::QueuedMessage&& q) {
  std::vector<uint32_t> ids;
  mqtt::Props props = restored_properties(q.properties, &ids);
  DeliveryExtrasPtr extras;
  if (!ids.empty() || !q.shared_filter.empty()) {
    extras = std::make_shared<const DeliveryExtras>(DeliveryExtras{std::move(ids), std::move(q.shared_filter)});
  }
  return Outgoing{make_message(std::move(q.topic), std::move(q.payload), q.qos, false, std::move(props), q.expires_at_ms),
                  q.qos, q.seq, q.packet_id, q.state, q.retain, std::move(extras)};
}

}  // namespace edgemq::core
