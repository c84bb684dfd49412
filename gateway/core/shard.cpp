#include "gateway/core/shard.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <random>

#include "gateway/core/client.h"

namespace edgemq::core {

Shard::Shard(Broker& broker, size_t index) : broker_(broker), index_(index) {}
Shard::~Shard() = default;

Link* Shard::link(uint64_t link_id) const {
  auto it = links_.find(link_id);
  return it == links_.end() ? nullptr : it->second;
}

Client* Shard::client(uint64_t link_id) {
  Link* l = link(link_id);
  return l == nullptr ? nullptr : l->client_.get();
}

std::string Shard::assign_client_id() {
  // Ids are random so they do not repeat across restarts, and chosen to hash
  // to this shard so that the connection needs no hand-over.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[32];
  for (;;) {
    std::snprintf(buf, sizeof buf, "edgemq-%016" PRIx64, rng());
    if (broker_.home_shard(buf) == index_) return buf;
  }
}

Shard::ConnectResult Shard::on_connect(Link& link, mqtt::Connect& c) {
  auto reject = [&](mqtt::ConnackCode code) {
    link.send(mqtt::Connack{false, code});
    link.close();
    return ConnectResult{ConnectOutcome::Rejected, index_};
  };
  if (c.client_id.empty()) {
    // A zero-byte id is only for clean sessions [MQTT-3.1.3-7/8].
    if (!c.clean_session) return reject(mqtt::ConnackCode::IdentifierRejected);
    c.client_id = assign_client_id();
  }
  attach(link);
  size_t home = broker_.home_shard(c.client_id);
  if (home != index_) return {ConnectOutcome::HandOver, home};

  auto verdict = broker_.auth().authenticate(c.client_id, c.username, c.password);
  if (verdict != mqtt::ConnackCode::Accepted) return reject(verdict);

  Session* s = sessions_.find(c.client_id);
  if (s != nullptr && s->client != nullptr) take_over(*s);  // [MQTT-3.1.4-2]
  // A clean session discards any old state [MQTT-3.1.2-6]; a transient one
  // taken over by a persistent CONNECT is not "state from a previous session".
  if (s != nullptr && (c.clean_session || !s->persistent())) {
    destroy_session(*s);
    s = nullptr;
  }
  bool present = s != nullptr;
  if (s == nullptr) s = &create_session(c.client_id, !c.clean_session);

  link.client_ = std::make_unique<Client>(link, *s, std::move(c.will));
  s->client = link.client_.get();
  broker_.stats().clients_connected.fetch_add(1, std::memory_order_relaxed);

  link.send(mqtt::Connack{present, mqtt::ConnackCode::Accepted});  // [MQTT-3.2.2-2]
  if (present) resume(*s);
  return {ConnectOutcome::Accepted, index_};
}

void Shard::take_over(Session& s) {
  Client* old = s.client;
  // The old client is alive enough to be replaced: it gets no will.
  old->will().reset();
  old->detach();
  s.client = nullptr;
  old->link().close();
}

bool Shard::on_packet(uint64_t link_id, mqtt::Packet&& packet) {
  Client* c = client(link_id);
  if (c == nullptr) return false;
  return c->handle(*this, std::move(packet));
}

void Shard::on_link_closed(uint64_t link_id, bool graceful) {
  auto it = links_.find(link_id);
  if (it == links_.end()) return;
  std::unique_ptr<Client> c = std::move(it->second->client_);
  links_.erase(it);
  if (!c) return;  // never connected
  broker_.stats().clients_connected.fetch_sub(1, std::memory_order_relaxed);
  if (!graceful && c->will()) publish_will(*c);
  Session* s = c->session();
  if (s == nullptr) return;  // taken over
  s->client = nullptr;
  relieve(*s);  // an offline session holds no publisher back: it drops at its limit
  if (!s->persistent()) destroy_session(*s);  // [MQTT-3.1.2-6]
}

void Shard::publish_will(Client& c) {
  mqtt::Will w = std::move(*c.will());
  c.will().reset();
  Stats::add(broker_.stats().wills_published);
  broker_.publish(make_message(std::move(w.topic), std::move(w.payload), w.qos, w.retain), *this,
                  nullptr);
}

Session& Shard::create_session(const std::string& client_id, bool persistent) {
  Session& ref = sessions_.insert(std::make_unique<Session>(client_id, persistent));
  if (persistent) {
    storage::WriteSet ws;
    persist_subscriptions(ref, ws);
    broker_.commit(std::move(ws), index_, nullptr);
  }
  return ref;
}

void Shard::destroy_session(Session& s) {
  relieve(s);
  for (const auto& [filter, qos] : s.subscriptions) broker_.router().unsubscribe(filter, s.client_id());
  if (s.persistent()) {
    storage::WriteSet ws;
    ws.delete_session(s.client_id());
    broker_.commit(std::move(ws), index_, nullptr);
  }
  sessions_.erase(s);
}

void Shard::persist_subscriptions(Session& s, storage::WriteSet& ws) {
  storage::SessionRecord r{s.client_id(), {}};
  for (const auto& [filter, qos] : s.subscriptions) r.subscriptions.push_back({filter, qos});
  ws.put_session(r);
}

size_t Shard::pending_acks(uint64_t link_id) {
  Client* c = client(link_id);
  return c == nullptr ? 0 : c->acks().waiting();
}

void Shard::reply_after(Client& c, OrderedAcks::Emit emit, storage::WriteSet ws) {
  if (ws.empty()) {
    c.acks().push(std::move(emit), true);
    return;
  }
  uint64_t token = c.acks().push(std::move(emit), false);
  uint64_t link_id = c.link().id();
  broker_.commit(std::move(ws), index_, [link_id, token](Shard& sh, const storage::Status& st) {
    sh.ack_committed(link_id, token, st);
  });
}

void Shard::ack_committed(uint64_t link_id, uint64_t token, const storage::Status& status) {
  Client* c = client(link_id);
  if (c == nullptr) return;  // gone; the client will resend its unacknowledged packets
  if (!status.ok) {
    // Not durable, so not acknowledged: MQTT 3.1.1 has no negative PUBACK,
    // so the client reconnects and retries.
    c->link().close();
    return;
  }
  c->acks().ready(token);
}

}  // namespace edgemq::core
