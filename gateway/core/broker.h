// What all shards share: the router, the retained index, the store and its
// group committer, limits, counters, and the way to reach another shard.
//
// Shards: one per worker thread. A client id has a home shard (a hash of the
// id); its session lives there and is touched only by that thread, so
// takeover, offline queues and wills never need locks. A PUBLISH is routed by
// the publisher's shard: it matches the router, writes the queue records of
// persistent subscribers into one WriteSet, submits it, and only then hands
// each target shard its deliveries, so a subscriber's acknowledgement can
// never reach the store before the record it deletes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/auth.h"
#include "gateway/core/congestion_set.h"
#include "gateway/core/delivery.h"
#include "gateway/core/limits.h"
#include "gateway/core/message.h"
#include "gateway/core/retained_index.h"
#include "gateway/core/router.h"
#include "gateway/core/stats.h"
#include "storage/group_committer.h"

namespace edgemq::core {

class Shard;

// Runs work on a shard's own thread. The net layer implements it with each
// worker's inbox.
class ShardPoster {
 public:
  virtual ~ShardPoster() = default;
  virtual void post(size_t shard, std::function<void(Shard&)> work) = 0;
  // Called on shard `from`'s thread with a non-empty batch for shard `to`.
  // Takes every record, leaving `batch` empty (it may come back with another
  // vector's capacity); shard `to` then runs deliver_batch on its own thread.
  // Batches from one origin to one target are delivered in hand-off order.
  virtual void hand_off(size_t from, size_t to, DeliveryBatch& batch) = 0;
};

class Broker {
 public:
  Broker(const Limits& limits, storage::Store& store, storage::GroupCommitter& committer,
         Authenticator& auth, size_t shard_count);

  void set_poster(ShardPoster* poster) { poster_ = poster; }

  // Routes `m` from `origin` to every matching subscriber and records a
  // retained message. `ws` may hold the publisher's own records, committed
  // with the message's. When a store commit must precede the
  // acknowledgement, submits it and returns true; `committed` then runs later
  // on the origin shard. Returns false when nothing needed the store.
  // `matched`, if given, gets the number of subscribers the message went to.
  // `publisher` is the client id it came from: no-local subscriptions of
  // that client do not get it [MQTT-3.8.3-3].
  bool publish(const MessagePtr& m, Shard& origin,
               std::function<void(Shard&, const storage::Status&)> committed,
               storage::WriteSet ws = {}, size_t* matched = nullptr, std::string_view publisher = {}) {
    return route(m, origin, std::move(committed), std::move(ws), true, matched, publisher);
  }
  // The gateway's own $SYS messages: routed and retained in memory, never
  // stored (they are rebuilt every sys_interval).
  void publish_system(const MessagePtr& m, Shard& origin) { route(m, origin, nullptr, {}, false, nullptr, {}); }
  // Gives `m`, which the member `from` of shared subscription `filter` will
  // not take, to another member; false if there is none. Runs on `origin`'s
  // thread like a publish; the new member's queue record is written first.
  bool redirect(const MessagePtr& m, std::string_view filter, std::string_view from, uint8_t qos, Shard& origin);

  // Clears the retained message of `topic` without publishing anything (the
  // admin endpoint's DELETE; a client would publish an empty retained
  // message, which subscribers get). Any thread. False if nothing was
  // retained there; else `done` runs on the committer's thread once the
  // store no longer has it.
  bool clear_retained(std::string_view topic, std::function<void(const storage::Status&)> done);

  // The store takes no new data now (disk below min_free_disk, or a write
  // failed): client messages that would add records are refused. Any thread.
  bool store_refusing() const { return committer_.guard().refusing(); }
  const storage::StoreGuard& store_guard() const { return committer_.guard(); }
  // Whether routing a message would write to the store: a retained message
  // with a payload, or a QoS 1/2 delivery to a persistent session. Costs a
  // router match, so it is asked only while store_refusing().
  bool needs_store(std::string_view topic, uint8_t qos, bool retain_with_payload, std::string_view publisher) const;

  // Submits `ws`; `done`, if any, runs on shard `shard` after the commit.
  void commit(storage::WriteSet ws, size_t shard,
              std::function<void(Shard&, const storage::Status&)> done);

  // Reads up to `max` queued messages of `client_id` from seq `from` on, in
  // seq order, after every set submitted before this call is applied
  // (GroupCommitter::submit_task), leaving out the seqs in `skip` (what the
  // session holds in memory now: by the time the read runs it may have
  // acknowledged them, their deletes still behind the read). `done` runs on
  // shard `shard` with what was read and the next seq to read from: every
  // queue record below it that will ever exist was visible to the read (see
  // read_horizon()).
  struct QueueRead {
    std::vector<storage::QueuedMessage> messages;
    uint64_t next = 0;       // read from here next time
    bool complete = false;   // nothing more was there to read up to the horizon
    storage::Status status;
  };
  void read_queue(std::string client_id, uint64_t from, size_t max, std::vector<uint64_t> skip, size_t shard,
                  std::function<void(Shard&, QueueRead&&)> done);
  // Deletes the oldest queued messages of `client_id` from seq `from` on,
  // except the seqs in `keep` (what its session holds in memory), until at
  // least `bytes` (queued_bytes) are freed or none is left up to the
  // horizon; ordered with the sets like read_queue. `done` runs on `shard`.
  struct QueueTrim {
    uint64_t dropped = 0;
    uint64_t bytes = 0;
    uint64_t next = 0;  // every record below it was deleted, or kept as asked
    storage::Status status;
  };
  void trim_queue(std::string client_id, uint64_t from, std::vector<uint64_t> keep, uint64_t bytes, size_t shard,
                  std::function<void(Shard&, QueueTrim&&)> done);
  // Every queue record with a seq at or below this was submitted to the
  // committer already, or will never be written. Exact only under the
  // committer's queue lock (a task's stamp), where it is called.
  uint64_t read_horizon() const;
  // Every queue record of a session created after the start has a seq above this.
  uint64_t start_seq() const { return start_seq_; }
  // At start-up, before any routing: a restored record's seq. New seqs go
  // above it even if the store's high-water mark was lower.
  void restored_seq(uint64_t seq) {
    if (seq > seq_.load()) seq_.store(seq);
    if (seq > start_seq_) start_seq_ = seq;
  }
  // Bytes of all sessions' queues on disk (Backlog::bytes summed), for
  // max_queued_bytes_total. Any thread.
  std::atomic<uint64_t>& backlog_bytes() { return backlog_bytes_; }
  // Something an operator should read (a queue at its bound, ...): the net
  // layer logs it. The core does no I/O of its own. Any thread.
  std::function<void(const std::string&)> notice;

  size_t home_shard(std::string_view client_id) const;
  size_t shard_count() const { return shard_count_; }
  void post(size_t shard, std::function<void(Shard&)> work) { poster_->post(shard, std::move(work)); }
  // On shard `origin`'s thread, once per loop turn: hands each non-empty
  // outbox of that shard to its target.
  void flush_deliveries(size_t origin);
  // Records shard `origin` routed to `target` this loop turn (origin's thread).
  size_t outbox_size(size_t origin, size_t target) const { return outboxes_[origin][target].size(); }

  // The limits the gateway started with; each shard enforces its own copy
  // (Shard::limits), which a reload changes.
  const Limits& limits() const { return limits_; }
  Router& router() { return router_; }
  RetainedIndex& retained() { return retained_; }
  Stats& stats() { return stats_; }
  Authenticator& auth() { return auth_; }
  CongestionSet& congested() { return congested_; }
  storage::Store& store() { return store_; }
  uint64_t uptime_start_ms = 0;
  // Wall-clock milliseconds since the epoch: message and session expiry
  // survive restarts, so they count in wall time. Tests replace the clock.
  uint64_t wall_ms() const { return wall_clock ? wall_clock() : system_wall_ms(); }
  std::function<uint64_t()> wall_clock;
  static uint64_t system_wall_ms();

 private:
  // Seqs are handed out by one counter; route_floor_[shard] is, while that
  // shard routes a message that got seqs and has not submitted them yet,
  // a seq no higher than the first of them (UINT64_MAX otherwise), so that
  // read_horizon() never lets a reader pass a record still on its way.
  uint64_t next_seq(size_t shard);
  void clear_route_floor(size_t shard) {
    route_floors_[shard].store(UINT64_MAX, std::memory_order_seq_cst);
  }
  bool route(const MessagePtr& m, Shard& origin, std::function<void(Shard&, const storage::Status&)> committed,
             storage::WriteSet ws, bool store_retained, size_t* matched, std::string_view publisher);
  // Queues one delivery of `m` to `t` (a queue record into `ws` for a
  // persistent subscriber), into `local` or the outbox of t's shard. `props`
  // caches m's stored properties across the deliveries of one message.
  void add_delivery(const MessagePtr& m, RouteTarget& t, Shard& origin, std::optional<std::string>& props,
                    storage::WriteSet& ws, DeliveryBatch& local, AckGatePtr held);

  Limits limits_;
  storage::Store& store_;
  storage::GroupCommitter& committer_;
  Authenticator& auth_;
  size_t shard_count_;
  ShardPoster* poster_ = nullptr;
  Router router_;
  RetainedIndex retained_;
  std::mutex retained_order_mu_;  // orders retained index updates with their store submits
  Stats stats_;
  CongestionSet congested_;
  std::atomic<uint64_t> seq_;
  uint64_t start_seq_;
  std::atomic<uint64_t> backlog_bytes_{0};
  std::unique_ptr<std::atomic<uint64_t>[]> route_floors_;
  // outboxes_[origin][target]: touched only by shard `origin`'s thread.
  std::vector<std::vector<DeliveryBatch>> outboxes_;
};

}  // namespace edgemq::core
