#include "gateway/core/shard.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <random>

#include "gateway/core/client.h"
#include "gateway/core/v5_properties.h"
#include "protocols/mqtt/codec.h"

namespace edgemq::core {

Shard::Shard(Broker& broker, size_t index) : broker_(broker), index_(index), limits_(broker.limits()) {}
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

namespace {

// A refusal in 5.0 terms [MQTT-3.2.2.2]: 3.1.1's return codes map onto the
// reason codes that mean the same.
mqtt::ConnackCode v5_refusal(mqtt::ConnackCode v311) {
  switch (v311) {
    case mqtt::ConnackCode::UnacceptableProtocol: return mqtt::ConnackCode{mqtt::reason::kUnsupportedProtocolVersion};
    case mqtt::ConnackCode::IdentifierRejected: return mqtt::ConnackCode{mqtt::reason::kClientIdNotValid};
    case mqtt::ConnackCode::ServerUnavailable: return mqtt::ConnackCode{mqtt::reason::kServerUnavailable};
    case mqtt::ConnackCode::BadUsernameOrPassword: return mqtt::ConnackCode{mqtt::reason::kBadUsernameOrPassword};
    case mqtt::ConnackCode::NotAuthorized: return mqtt::ConnackCode{mqtt::reason::kNotAuthorized};
    default: return v311;
  }
}

// A 5.0 client states the largest packet it takes, and the gateway must not
// send it a larger one [MQTT-3.1.2-24]: not even a CONNACK or an AUTH.
bool fits_client(const mqtt::Packet& p, const mqtt::Connect& c) {
  const std::optional<uint32_t> max = c.props->maximum_packet_size;
  return !max || mqtt::encoded_size(p, mqtt::ProtocolLevel::V5) <= *max;
}

// How long the session outlives the connection: 3.1.1's clean session 0
// means for ever, 5.0 says it in seconds (absent: 0) [MQTT-3.1.2-23].
uint32_t session_expiry_of(const mqtt::Connect& c) {
  if (c.level != mqtt::ProtocolLevel::V5) return c.clean_session ? 0 : kNeverExpires;
  return c.props->session_expiry.value_or(0);
}

}  // namespace

Shard::ConnectResult Shard::on_connect(Link& link, mqtt::Connect& c) {
  const bool v5 = c.level == mqtt::ProtocolLevel::V5;
  auto reject = [&](mqtt::ConnackCode v311, uint8_t v5_code = 0) {
    mqtt::ConnackCode code = v311;
    if (v5) code = v5_code != 0 ? mqtt::ConnackCode{v5_code} : v5_refusal(v311);
    const mqtt::Connack refusal{false, code, {}};
    if (fits_client(refusal, c)) link.send(refusal);
    link.close();
    return ConnectResult{ConnectOutcome::Rejected, index_};
  };
  bool assigned_id = false;
  if (c.client_id.empty()) {
    // 3.1 requires an id of 1 to 23 characters (MQTT V3.1, 3.1 "Payload"),
    // and has no assigned ids. Longer ones are accepted, as Mosquitto does:
    // 3.1.1 servers may take them [MQTT-3.1.3-5], and refusing the same id
    // from a 3.1 client would only break devices that work elsewhere.
    // 3.1.1: a zero-byte id is only for clean sessions [MQTT-3.1.3-7/8].
    // 5.0: the gateway assigns one either way and names it in CONNACK
    // [MQTT-3.1.3-6, 3.2.2-16], so the client can resume the session.
    if (c.level == mqtt::ProtocolLevel::V31 || (!v5 && !c.clean_session)) {
      return reject(mqtt::ConnackCode::IdentifierRejected);
    }
    c.client_id = assign_client_id();
    assigned_id = true;
  }
  attach(link);
  size_t home = broker_.home_shard(c.client_id);
  if (home != index_) return {ConnectOutcome::HandOver, home};

  if (v5 && c.will && c.will->qos > limits_.max_qos) {
    return reject({}, mqtt::reason::kQosNotSupported);  // [MQTT-3.2.2-12]
  }
  auto verdict = broker_.auth().authenticate(c.client_id, c.username, c.password);
  if (verdict != mqtt::ConnackCode::Accepted) return reject(verdict);
  if (v5 && c.props->auth_method) {
    std::unique_ptr<AuthExchange> exchange = broker_.auth().start_exchange(*c.props->auth_method, c.client_id);
    if (!exchange) return reject({}, mqtt::reason::kBadAuthenticationMethod);  // [MQTT-4.12.0-1]
    AuthStep step = exchange->respond(c.props->auth_data);
    return after_auth_step(link, std::move(step), PendingAuth{std::move(c), std::move(exchange), assigned_id});
  }
  return accept(link, c, assigned_id, std::nullopt);
}

Shard::ConnectResult Shard::accept(Link& link, mqtt::Connect& c, bool assigned_id,
                                   std::optional<std::string> auth_data) {
  const bool v5 = c.level == mqtt::ProtocolLevel::V5;
  mqtt::Connack ack{false, mqtt::ConnackCode::Accepted, {}};
  uint16_t keep_alive = c.keep_alive;
  if (v5) {
    v5_connack(c, assigned_id, ack, keep_alive);
    if (c.props->auth_method) {
      // CONNACK names the method again and ends the exchange (section 4.12).
      ack.props.mut().auth_method = c.props->auth_method;
      ack.props.mut().auth_data = std::move(auth_data);
    }
    // A client whose maximum packet size is below this CONNACK cannot be
    // told it is accepted, nor what the gateway allows: the connection is
    // closed without one (section 3.2.2.2 allows it), before it takes over
    // any session. A smaller CONNACK would misstate the limits.
    if (!fits_client(ack, c)) {
      link.close();
      return {ConnectOutcome::Rejected, index_};
    }
  }
  const uint32_t expiry = session_expiry_of(c);
  Session* s = sessions_.find(c.client_id);
  // A clean session discards any old state [MQTT-3.1.2-6], and one that was
  // to end with its connection (expiry 0) ends with it now, even for a
  // CONNECT that would continue it [MQTT-3.1.2-23]: that state is not "from
  // a previous session" it could resume.
  const bool ends_session = s != nullptr && (c.clean_session || s->expiry_s() == 0);
  if (s != nullptr && s->client != nullptr) take_over(*s, ends_session);  // [MQTT-3.1.4-2]
  if (ends_session) {
    destroy_session(*s);  // a will still waiting out its delay goes now (section 3.1.3.2.2)
    s = nullptr;
  } else if (s != nullptr) {
    cancel_will(*s);  // back before the will's delay ran out: it is not sent [MQTT-3.1.3-9]
  }
  bool present = s != nullptr;
  if (s == nullptr) {
    s = &create_session(c.client_id, expiry);
  } else {
    // The record loses its deadline, or a restart would end a live session.
    const bool was_counting = expiring_.at(s) != 0;
    cancel_expiry(*s);
    if (s->expiry_s() != expiry || was_counting) {
      s->set_expiry(expiry);  // persistent, or it would have been destroyed above
      storage::WriteSet ws;
      persist_subscriptions(*s, ws);
      broker_.commit(std::move(ws), index_, nullptr);
    }
  }

  link.client_ = std::make_unique<Client>(link, *s, std::move(c.will), c.level, c.username, broker_.wall_ms());
  Client& client = *link.client_;
  s->client = &client;
  set_shared_online(*s, true);
  broker_.stats().clients_connected.fetch_add(1, std::memory_order_relaxed);

  // [MQTT-3.2.2-2]. 3.1 has no session present flag: the byte is "reserved
  // values, not used" (MQTT V3.1, 3.2), so a 3.1 client always reads 0.
  ack.session_present = present && c.level != mqtt::ProtocolLevel::V31;
  if (v5) negotiate_v5(client, c);
  link.send(ack);
  if (present) resume(*s);
  return {ConnectOutcome::Accepted, index_, keep_alive};
}

Shard::ConnectResult Shard::after_auth_step(Link& link, AuthStep step, PendingAuth pending) {
  switch (step.outcome) {
    case AuthStep::Outcome::Accept: {
      pending_auth_.erase(link.id());
      return accept(link, pending.connect, pending.assigned_id, std::move(step.data));
    }
    case AuthStep::Outcome::Continue: {
      mqtt::Auth challenge{mqtt::reason::kContinueAuthentication, {}};
      challenge.props.mut().auth_method = pending.connect.props->auth_method;
      challenge.props.mut().auth_data = std::move(step.data);
      if (!fits_client(challenge, pending.connect)) {
        // The exchange cannot go on, nor can a refusal say why: closed.
        pending_auth_.erase(link.id());
        link.close();
        return {ConnectOutcome::Rejected, index_};
      }
      link.send(challenge);
      pending_auth_[link.id()] = std::move(pending);
      return {ConnectOutcome::Authenticating, index_};
    }
    case AuthStep::Outcome::Refuse:
      break;
  }
  pending_auth_.erase(link.id());
  const mqtt::Connack refusal{false, mqtt::ConnackCode{step.reason}, {}};
  if (fits_client(refusal, pending.connect)) link.send(refusal);
  link.close();
  return {ConnectOutcome::Rejected, index_};
}

Shard::ConnectResult Shard::on_auth(Link& link, mqtt::Auth&& auth) {
  auto it = pending_auth_.find(link.id());
  if (it == pending_auth_.end()) return {ConnectOutcome::Rejected, index_};
  PendingAuth pending = std::move(it->second);
  pending_auth_.erase(it);
  // Only a continuation (0x18) with the same method may come before CONNACK
  // (section 4.12).
  if (auth.reason_code != mqtt::reason::kContinueAuthentication ||
      auth.props->auth_method != pending.connect.props->auth_method) {
    return after_auth_step(link, AuthStep{AuthStep::Outcome::Refuse, {}, mqtt::reason::kProtocolError},
                           std::move(pending));
  }
  AuthStep step = pending.exchange->respond(auth.props->auth_data);
  return after_auth_step(link, std::move(step), std::move(pending));
}

void Shard::take_over(Session& s, bool session_ends) {
  Client* old = s.client;
  // The server closes the old connection without a DISCONNECT from it, so
  // its will goes out [MQTT-3.1.2-8], at once: 3.1 and 3.1.1 have no will
  // delay, and a 5.0 delay ends with the session (section 3.1.3.2.2). Only
  // a 5.0 will with a delay, of a session the new connection continues, is
  // not sent: the client is back within the delay [MQTT-3.1.3-9] (the
  // non-normative comments of 3.1.3.2.2 and 3.1.4 spell out this matrix).
  old->set_close_reason(DisconnectReason::TakenOver);
  std::unique_ptr<mqtt::Will> will = old->take_will();
  if (will && (session_ends || will->props->will_delay.value_or(0) == 0)) publish_will(std::move(*will));
  old->detach();
  s.client = nullptr;
  if (old->v5()) old->link().send(mqtt::Disconnect{mqtt::reason::kSessionTakenOver, {}});
  old->link().close();
}

uint8_t Shard::on_packet(uint64_t link_id, mqtt::Packet&& packet) {
  Client* c = client(link_id);
  if (c == nullptr) return mqtt::reason::kProtocolError;
  return c->handle(*this, std::move(packet));
}

void Shard::on_link_closed(uint64_t link_id, bool graceful) {
  pending_auth_.erase(link_id);
  auto it = links_.find(link_id);
  if (it == links_.end()) return;
  std::unique_ptr<Client> c = std::move(it->second->client_);
  links_.erase(it);
  if (!c) return;  // never connected
  broker_.stats().clients_connected.fetch_sub(1, std::memory_order_relaxed);
  c->set_close_reason(graceful ? DisconnectReason::ClientDisconnect : DisconnectReason::ConnectionLost);
  broker_.stats().count_disconnect(c->close_reason());
  Session* s = c->session();
  if ((!graceful || c->will_on_graceful_close()) && c->will()) {
    std::unique_ptr<mqtt::Will> will = c->take_will();
    const uint32_t delay = will->props->will_delay.value_or(0);
    // Delayed while the session lives on [MQTT-3.1.3-9]; a session ending
    // now ends the delay too.
    if (delay > 0 && s != nullptr && s->expiry_s() > 0) {
      delay_will(*s, std::move(will), delay);
    } else {
      publish_will(std::move(*will));
    }
  }
  if (s == nullptr) return;  // taken over
  s->client = nullptr;
  relieve(*s);  // an offline session holds no publisher back: it drops at its limit
  set_shared_online(*s, false);
  hand_shared_on(*s);
  if (s->expiry_s() == 0) {
    destroy_session(*s);  // [MQTT-3.1.2-6, 3.1.2-23]
  } else {
    schedule_expiry(*s);
  }
}

void Shard::publish_will(mqtt::Will&& w) {
  Stats::add(broker_.stats().wills_published);
  broker_.publish(make_message(std::move(w.topic), std::move(w.payload), w.qos, w.retain,
                               forwarded_properties(w.props), expiry_time(w.props, broker_.wall_ms())),
                  *this, nullptr);
}

Session& Shard::create_session(const std::string& client_id, uint32_t expiry_s) {
  Session& ref = sessions_.insert(std::make_unique<Session>(client_id, expiry_s));
  if (ref.persistent()) {
    storage::WriteSet ws;
    persist_subscriptions(ref, ws);
    broker_.commit(std::move(ws), index_, nullptr);
  }
  return ref;
}

void Shard::destroy_session(Session& s) {
  relieve(s);
  cancel_expiry(s);
  hand_shared_on(s);
  hand_shared_backlog_on(s);  // before its records are deleted below
  if (s.backlog) settle_backlog(*s.backlog);  // its records go with the session's
  // The session ends before the will's delay did: it goes out now.
  if (std::unique_ptr<mqtt::Will> will = cancel_will(s)) publish_will(std::move(*will));
  for (const auto& [filter, options] : s.subscriptions) broker_.router().unsubscribe(filter, s.client_id());
  if (s.persistent()) {
    storage::WriteSet ws;
    ws.delete_session(s.client_id());
    broker_.commit(std::move(ws), index_, nullptr);
  }
  retained_feeds_.erase(&s);
  sessions_.erase(s);
}

void Shard::persist_subscriptions(Session& s, storage::WriteSet& ws) {
  storage::SessionRecord r{s.client_id(), {}, s.expiry_s(), expiring_.at(&s) / 1000};
  for (const auto& [filter, o] : s.subscriptions) {
    r.subscriptions.push_back({filter, o.qos, o.no_local, o.retain_as_published, o.subscription_id});
  }
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
