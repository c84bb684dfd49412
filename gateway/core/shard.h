// The core half of one worker: the sessions whose home this shard is, the
// connected clients bound to them, and the MQTT flows between the two. Only
// the owning worker's thread calls it; other shards reach it through
// Broker::post. It does no I/O: packets leave through each client's Link.
#pragma once

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/core/broker.h"
#include "gateway/core/link.h"
#include "gateway/core/ordered_acks.h"
#include "gateway/core/retained_index.h"
#include "gateway/core/session.h"
#include "gateway/core/session_deadlines.h"
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
  // The bounds this shard enforces: the broker's at start, each shard's own
  // copy so a reload (set_limits, posted to every shard) never races a read.
  const Limits& limits() const { return limits_; }
  void set_limits(const Limits& l) { limits_ = l; }

  // --- connections (called by the net layer) ---
  // Every link of this shard, from accept to on_link_closed, by id. on_connect
  // adds a link it has not seen.
  void attach(Link& link) { links_.emplace(link.id(), &link); }
  Link* link(uint64_t link_id) const;
  template <typename F>
  void for_each_link(F&& f) const {
    for (const auto& [id, link] : links_) f(*link);
  }
  enum class ConnectOutcome { Accepted, Rejected, HandOver, Authenticating };
  struct ConnectResult {
    ConnectOutcome outcome;
    size_t home_shard;        // for HandOver: where the connection must go
    uint16_t keep_alive = 0;  // for Accepted: seconds, as CONNACK settled it
  };
  // A CONNECT decoded on this shard. Accepted: CONNACK is queued on `link`
  // and later packets go to on_packet. Rejected: an error CONNACK is queued
  // and the link is being closed. HandOver: nothing sent; the client id lives
  // on another shard, which must get the connection and this CONNECT.
  // Authenticating: a 5.0 enhanced authentication goes on; AUTH packets go
  // to on_auth until it ends in Accepted or Rejected.
  ConnectResult on_connect(Link& link, mqtt::Connect& connect);
  ConnectResult on_auth(Link& link, mqtt::Auth&& auth);
  // A packet after CONNECT. Returns reason::kSuccess, or the reason code of
  // a protocol violation: the caller then closes the link (abnormally, so the
  // will is published), sending a 5.0 client DISCONNECT with that reason.
  uint8_t on_packet(uint64_t link_id, mqtt::Packet&& packet);
  // The link is gone (and detached). graceful = it sent DISCONNECT first.
  void on_link_closed(uint64_t link_id, bool graceful);

  // --- deliveries (from Broker::publish, on this thread) ---
  // Its gate, if any, is released once the session has room (Shard::enqueue).
  void deliver(Delivery& d);
  // Every worker tick: congested sessions that made no room in time stop
  // holding acknowledgements back, and offline sessions past their expiry
  // interval end.
  void on_tick(uint64_t now_ms);

  // --- start-up: sessions and queues read back from the store ---
  void restore_session(storage::SessionRecord&& record);
  void restore_queued(std::string_view client_id, storage::QueuedMessage&& queued);
  // A queue record read back as a message owed to the session.
  static Outgoing outgoing_from(storage::QueuedMessage&& q);
  void restore_inbound_qos2(std::string_view client_id, uint16_t packet_id);

  // --- used by Client ---
  Client* client(uint64_t link_id);
  void ack_committed(uint64_t link_id, uint64_t token, const storage::Status& status);
  // The commit `commit` of an inbound QoS 2 message of `client_id` ended.
  void inbound_qos2_committed(const std::string& client_id, uint16_t packet_id, uint64_t commit,
                              const storage::Status& status);
  // These return reason::kSuccess or the reason to disconnect with.
  uint8_t subscribe(Client& c, const mqtt::Subscribe& sub);
  void unsubscribe(Client& c, const mqtt::Unsubscribe& unsub);
  uint8_t publish_from(Client& c, mqtt::Publish&& p);
  void on_pubrel(Client& c, uint16_t packet_id);
  uint8_t on_reauth(Client& c, mqtt::Auth&& auth);
  // Acknowledgements of outbound QoS 1/2 messages; reason::kProtocolError
  // for one of the wrong kind (shard_delivery.cpp).
  uint8_t on_puback(Session& s, uint16_t packet_id);
  uint8_t on_pubrec(Session& s, uint16_t packet_id, uint8_t reason_code);
  uint8_t on_pubcomp(Session& s, uint16_t packet_id);

  // Replies to `link_id` waiting in line (for store commits); 0 if unknown.
  size_t pending_acks(uint64_t link_id);

  size_t session_count() const { return sessions_.size(); }

  // Messages of an online session held in memory behind the inflight window
  // before the rest stays on disk: the window, and at least kMinReadAhead so
  // that a queue on disk is read back in batches, not one record a PUBACK.
  static constexpr size_t kMinReadAhead = 16;

  // Once per loop turn (the worker's prepare): sessions still owed retained
  // messages from a SUBSCRIBE get more as their client takes them
  // (shard_retained.cpp). Nothing to do, and cheap, when none is.
  void pump_retained();
  bool feeding_retained() const { return !retained_feeds_.empty(); }

  // --- the admin endpoint (shard_admin.cpp) ---
  Session* find_session(std::string_view client_id) const { return sessions_.find(client_id); }
  template <typename F>
  void for_each_session(F&& f) const {
    sessions_.for_each(f);
  }
  enum class KickOutcome { NotFound, NotConnected, Disconnected, SessionDiscarded };
  // Closes the connection of `client_id`, telling a 5.0 client "administrative
  // action" [MQTT-3.14.2.1]; the will goes out as for any connection the
  // server closes [MQTT-3.1.2-8]. With `discard_session` its session ends as
  // well (an offline one at once): NotConnected only without it.
  KickOutcome kick(std::string_view client_id, bool discard_session);

 private:
  std::string assign_client_id();
  // A CONNECT being authenticated by an exchange of AUTH packets.
  struct PendingAuth {
    mqtt::Connect connect;
    std::unique_ptr<AuthExchange> exchange;
    bool assigned_id = false;
  };
  ConnectResult after_auth_step(Link& link, AuthStep step, PendingAuth pending);
  // The CONNECT passed every check: the session is found or made, CONNACK
  // sent. Rejected, with nothing sent, when a 5.0 client cannot take that
  // CONNACK (its Maximum Packet Size).
  ConnectResult accept(Link& link, mqtt::Connect& c, bool assigned_id, std::optional<std::string> auth_data);
  // The properties of the CONNACK accepting a 5.0 CONNECT: what the gateway
  // allows (and a keep-alive it shortens); then the client's own limits
  // taken into its V5State.
  void v5_connack(const mqtt::Connect& connect, bool assigned_id, mqtt::Connack& ack, uint16_t& keep_alive) const;
  void negotiate_v5(Client& c, const mqtt::Connect& connect);
  Session& create_session(const std::string& client_id, uint32_t expiry_s);
  // An offline session with a finite expiry starts counting down; a resumed
  // one stops.
  void schedule_expiry(Session& s);
  void cancel_expiry(Session& s);
  void expire_sessions(uint64_t now_wall_ms);
  // Shared subscriptions (shard_shared.cpp): members online are chosen
  // first; what a member leaving holds goes to another member.
  void set_shared_online(Session& s, bool online);
  void hand_shared_on(Session& s);
  // The same for what it has on disk, when the session ends.
  void hand_shared_backlog_on(Session& s);
  void destroy_session(Session& s);
  // A new connection for `s`'s client id closes the one bound to it; whether
  // the old connection's will goes out depends on `session_ends`.
  void take_over(Session& s, bool session_ends);
  void persist_subscriptions(Session& s, storage::WriteSet& ws);
  // Queues `emit` in the client's reply line, ready at once if `ws` is empty,
  // else once `ws` is committed.
  void reply_after(Client& c, OrderedAcks::Emit emit, storage::WriteSet ws);
  // Retained messages on SUBSCRIBE (shard_retained.cpp): a feed per filter
  // reads them from the index in topic order and sends them as the client
  // takes them: QoS 0 while its output is under half of max_outbound_bytes,
  // QoS 1/2 while its queue is short. A client that stops reading keeps its
  // place in the index, not the messages.
  struct RetainedFeed {
    std::string filter;
    uint8_t granted = 0;
    uint32_t subscription_id = 0;
    RetainedCursor cursor;
  };
  void deliver_retained(Session& s, const std::string& filter, uint8_t granted, uint32_t subscription_id);
  // Sends what `s`'s feeds may send now; drops the finished ones.
  void feed_retained(Session& s, std::vector<RetainedFeed>& feeds);
  void send_retained(Session& s, const RetainedFeed& feed, const MessagePtr& m, const DeliveryExtrasPtr& extras);
  void drop_retained_feed(Session& s, std::string_view filter);
  void publish_will(mqtt::Will&& w);
  // A will with a delay waits in its session until the delay or the session
  // ends, or its client comes back (shard_v5.cpp).
  void delay_will(Session& s, std::unique_ptr<mqtt::Will> will, uint32_t delay_s);
  std::unique_ptr<mqtt::Will> cancel_will(Session& s);
  void publish_due_wills(uint64_t now_wall_ms);
  // The 5.0 side of an inbound PUBLISH: resolves its topic alias and checks
  // what 5.0 bounds; returns reason::kSuccess or the reason to disconnect with.
  uint8_t accept_v5_publish(Client& c, mqtt::Publish& p, bool new_qos_message);
  // A QoS 1/2 PUBLISH the store cannot take now (disk low, store failed):
  // a 5.0 client's ack (`emit`, `verdict`) says 0x97; a 3.1.1 client is closed.
  uint8_t refuse_for_store(Client& c, OrderedAcks::Emit emit, const std::shared_ptr<uint8_t>& verdict);
  // QoS 1/2 messages the session may have unacknowledged: the gateway's
  // window, narrowed by a 5.0 client's receive maximum [MQTT-3.3.4-7].
  size_t window(Session& s) const;
  // Whether `m` outlived its expiry interval [MQTT-3.3.2-5].
  bool expired(const Message& m) const;

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

  // Queues on disk (shard_backlog.cpp). Whether the stored message `o` for
  // persistent session `s` stays out of memory: it is already read back, or
  // left to the store (counted, or dropped at a bound). False: the caller
  // queues it in memory as usual.
  bool leave_to_store(Session& s, Outgoing& o);
  // Reads more of `s`'s queue on disk when its read-ahead runs short.
  void refill(Session& s);
  void refilled(const std::string& client_id, uint64_t token, Broker::QueueRead&& read);
  // Drop-oldest at a bound: deletes the oldest records on disk.
  void trim(Session& s);
  void trimmed(const std::string& client_id, uint64_t token, Broker::QueueTrim&& trim);
  // One read or trim per queue on disk at a time: a token tells its
  // completion from a stale one (the session ended, maybe began again).
  uint64_t begin_backlog_op(Backlog& b);
  Session* end_backlog_op(const std::string& client_id, uint64_t token);
  // A queue on disk met a bound (at) or left it: one notice per episode.
  void note_bound(Session& s, bool at, std::string_view which);
  size_t read_ahead(Session& s) const { return std::max(window(s), kMinReadAhead); }
  // Returns `b`'s bytes to the total and empties its counts.
  void settle_backlog(Backlog& b);
  // Sessions whose last read found nothing new although messages were left
  // to the store (their records not yet visible): read again at the tick.
  void retry_reads();

  Broker& broker_;
  size_t index_;
  Limits limits_;
  uint64_t assigned_ids_ = 0;
  uint64_t next_commit_ = 0;  // tells a session's InboundQos2 entries apart across takeovers
  uint64_t now_ms_ = 0;  // the last tick's time
  std::vector<Session*> congested_;  // sessions with a Congestion; few
  std::vector<std::string> read_retries_;  // client ids: see retry_reads()
  uint64_t backlog_ops_ = 0;  // tokens of reads and trims of queues on disk
  SessionDeadlines expiring_;      // offline sessions with a finite expiry
  SessionDeadlines will_delays_;   // sessions whose will waits out its delay
  std::unordered_map<Session*, std::unique_ptr<mqtt::Will>> delayed_wills_;
  std::unordered_map<Session*, std::vector<RetainedFeed>> retained_feeds_;  // sessions still owed retained messages
  SessionTable sessions_;
  std::unordered_map<uint64_t, Link*> links_;
  std::unordered_map<uint64_t, PendingAuth> pending_auth_;  // by link id; few, and only briefly
};

}  // namespace edgemq::core
