// The core half of one worker: the sessions whose home this shard is, the
// connected clients bound to them, and the MQTT flows between the two. Only
// the owning worker's thread calls it; other shards reach it through
// Broker::post. It does no I/O: packets leave through each client's Link.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/core/broker.h"
#include "gateway/core/link.h"
#include "gateway/core/ordered_acks.h"
#include "gateway/core/session.h"
#include "gateway/core/session_table.h"
#include "protocols/mqtt/packet.h"

namespace edgemq::core {

class Client;

class Shard {
 public:
  Shard(Broker& broker, size_t index);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  size_t index() const { return index_; }
  Broker& broker() { return broker_; }

  // --- connections (called by the net layer) ---
  // Every link of this shard, from accept to on_link_closed, by id. on_connect
  // adds a link it has not seen.
  void attach(Link& link) { links_.emplace(link.id(), &link); }
  Link* link(uint64_t link_id) const;
  template <typename F>
  void for_each_link(F&& f) const {
    for (const auto& [id, link] : links_) f(*link);
  }
  enum class ConnectOutcome { Accepted, Rejected, HandOver };
  struct ConnectResult {
    ConnectOutcome outcome;
    size_t home_shard;  // for HandOver: where the connection must go
  };
  // A CONNECT decoded on this shard. Accepted: CONNACK is queued on `link`
  // and later packets go to on_packet. Rejected: an error CONNACK is queued
  // and the link is being closed. HandOver: nothing sent; the client id lives
  // on another shard, which must get the connection and this CONNECT.
  ConnectResult on_connect(Link& link, mqtt::Connect& connect);
  // A packet after CONNECT. Returns false for a protocol violation; the
  // caller then closes the link (abnormally, so the will is published).
  bool on_packet(uint64_t link_id, mqtt::Packet&& packet);
  // The link is gone (and detached). graceful = it sent DISCONNECT first.
  void on_link_closed(uint64_t link_id, bool graceful);

  // --- deliveries (from Broker::publish, on this thread) ---
  // `gate`, if any, is released once the session has room (Shard::enqueue).
  void deliver(const std::string& client_id, const MessagePtr& m, uint8_t qos, uint64_t seq,
               AckGatePtr gate = nullptr);
  // Every worker tick: congested sessions that made no room in time stop
  // holding acknowledgements back.
  void on_tick(uint64_t now_ms);

  // --- start-up: sessions and queues read back from the store ---
  void restore_session(storage::SessionRecord&& record);
  void restore_queued(std::string_view client_id, storage::QueuedMessage&& queued);
  void restore_inbound_qos2(std::string_view client_id, uint16_t packet_id);

  // --- used by Client ---
  Client* client(uint64_t link_id);
  void ack_committed(uint64_t link_id, uint64_t token, const storage::Status& status);
  // The commit `commit` of an inbound QoS 2 message of `client_id` ended.
  void inbound_qos2_committed(const std::string& client_id, uint16_t packet_id, uint64_t commit,
                              const storage::Status& status);
  void subscribe(Client& c, const mqtt::Subscribe& sub);
  void unsubscribe(Client& c, const mqtt::Unsubscribe& unsub);
  void publish_from(Client& c, mqtt::Publish&& p);
  void on_pubrel(Client& c, uint16_t packet_id);
  void on_puback(Session& s, uint16_t packet_id);
  void on_pubrec(Session& s, uint16_t packet_id);
  void on_pubcomp(Session& s, uint16_t packet_id);

  // Replies to `link_id` waiting in line (for store commits); 0 if unknown.
  size_t pending_acks(uint64_t link_id);

  size_t session_count() const { return sessions_.size(); }

 private:
  std::string assign_client_id();
  Session& create_session(const std::string& client_id, bool persistent);
  void destroy_session(Session& s);
  void take_over(Session& s);
  void persist_subscriptions(Session& s, storage::WriteSet& ws);
  // Queues `emit` in the client's reply line, ready at once if `ws` is empty,
  // else once `ws` is committed.
  void reply_after(Client& c, OrderedAcks::Emit emit, storage::WriteSet ws);
  void deliver_retained(Session& s, const std::string& filter, uint8_t granted);
  void publish_will(Client& c);

  // Outbound QoS flows (shard_delivery.cpp).
  void enqueue(Session& s, Outgoing&& o, AckGatePtr gate = nullptr);
  void congest(Session& s);
  void release_held(Session& s);
  // After the window took messages from a congested session's queue.
  void drained(Session& s);
  // Ends the session's congestion: held acknowledgements go out.
  void relieve(Session& s);
  void send_now(Session& s, Outgoing&& o);
  void pump(Session& s);
  void resume(Session& s);
  void persist_state(Session& s, const Outgoing& o);
  void forget(Session& s, const Outgoing& o);

  Broker& broker_;
  size_t index_;
  uint64_t assigned_ids_ = 0;
  uint64_t next_commit_ = 0;
  uint64_t now_ms_ = 0;  // the last tick's time
  std::vector<Session*> congested_;  // sessions with a Congestion; few  // tells a session's InboundQos2 entries apart across takeovers
  SessionTable sessions_;
  std::unordered_map<uint64_t, Link*> links_;
};

}  // namespace edgemq::core
