#include "gateway/core/broker.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "gateway/core/shard.h"
#include "gateway/core/v5_properties.h"

namespace edgemq::core {

Broker::Broker(const Limits& limits, storage::Store& store, storage::GroupCommitter& committer,
               Authenticator& auth, size_t shard_count)
    : limits_(limits),
      store_(store),
      committer_(committer),
      auth_(auth),
      shard_count_(shard_count == 0 ? 1 : shard_count),
      router_(limits.share_strategy),
      stats_(shard_count_),
      seq_(store.last_seq()),
      start_seq_(store.last_seq()),
      route_floors_(std::make_unique<std::atomic<uint64_t>[]>(shard_count_)),
      outboxes_(shard_count_, std::vector<DeliveryBatch>(shard_count_)) {
  for (size_t i = 0; i < shard_count_; ++i) route_floors_[i].store(UINT64_MAX);
}

uint64_t Broker::next_seq(size_t shard) {
  // The floor is set before the seq is taken (both sequentially consistent):
  // a reader that sees the counter past this seq sees the floor too.
  if (route_floors_[shard].load(std::memory_order_relaxed) == UINT64_MAX) {
    route_floors_[shard].store(seq_.load(std::memory_order_seq_cst) + 1, std::memory_order_seq_cst);
  }
  return seq_.fetch_add(1, std::memory_order_seq_cst) + 1;
}

uint64_t Broker::read_horizon() const {
  // The counter first: a seq taken after this load is above it; one taken
  // before has its floor visible below, until its set is submitted, which
  // needs the committer's lock the caller holds.
  uint64_t horizon = seq_.load(std::memory_order_seq_cst);
  for (size_t i = 0; i < shard_count_; ++i) {
    const uint64_t floor = route_floors_[i].load(std::memory_order_seq_cst);
    if (floor != UINT64_MAX && floor - 1 < horizon) horizon = floor - 1;
  }
  return horizon;
}

void Broker::read_queue(std::string client_id, uint64_t from, size_t max, std::vector<uint64_t> skip, size_t shard,
                        std::function<void(Shard&, QueueRead&&)> done) {
  committer_.submit_task(
      [this, client_id = std::move(client_id), from, max, skip = std::move(skip), shard,
       done = std::move(done)](storage::Store& store, uint64_t horizon) {
        auto read = std::make_shared<QueueRead>();
        // Skipped records count against the scan, not against `max`.
        const size_t scan_max = max + skip.size();
        size_t scanned = 0;
        uint64_t last = 0;
        read->status = store.read_queue(client_id, from, horizon, scan_max, [&](storage::QueuedMessage&& m) {
          ++scanned;
          last = m.seq;
          if (std::find(skip.begin(), skip.end(), m.seq) == skip.end()) read->messages.push_back(std::move(m));
        });
        // A failed scan is not the end of the queue: read again from what it got to.
        read->complete = read->status.ok && scanned < scan_max;
        if (read->complete) {
          read->next = std::max(from, horizon + 1);
        } else {
          read->next = scanned == 0 ? from : last + 1;
        }
        post(shard, [read, done](Shard& s) { done(s, std::move(*read)); });
      },
      [this] { return read_horizon(); });
}

uint64_t Broker::system_wall_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

size_t Broker::home_shard(std::string_view client_id) const {
  return std::hash<std::string_view>{}(client_id) % shard_count_;
}

bool Broker::needs_store(std::string_view topic, uint8_t qos, bool retain_with_payload,
                         std::string_view publisher) const {
  if (retain_with_payload) return true;
  if (qos == 0) return false;
  std::vector<RouteTarget> matches;
  router_.match(topic, matches);
  return std::any_of(matches.begin(), matches.end(), [&](const RouteTarget& t) {
    return t.persistent && t.qos > 0 && !(t.no_local && t.client_id == publisher);
  });
}

void Broker::commit(storage::WriteSet ws, size_t shard,
                    std::function<void(Shard&, const storage::Status&)> done) {
  if (!done) {
    committer_.submit(std::move(ws));
    return;
  }
  committer_.submit(std::move(ws), [this, shard, done = std::move(done)](const storage::Status& st) {
    if (!st.ok) Stats::add(stats_.store_errors);
    post(shard, [done, st](Shard& s) { done(s, st); });
  });
}

void Broker::trim_queue(std::string client_id, uint64_t from, std::vector<uint64_t> keep, uint64_t bytes,
                        size_t shard, std::function<void(Shard&, QueueTrim&&)> done) {
  committer_.submit_task(
      [this, client_id = std::move(client_id), from, keep = std::move(keep), bytes, shard,
       done = std::move(done)](storage::Store& store, uint64_t horizon) {
        auto trim = std::make_shared<QueueTrim>();
        storage::WriteSet ws;
        uint64_t next = from;
        constexpr size_t kChunk = 256;
        while (trim->bytes < bytes && next <= horizon) {
          size_t seen = 0;
          trim->status = store.read_queue(client_id, next, horizon, kChunk, [&](storage::QueuedMessage&& m) {
            ++seen;
            if (trim->bytes >= bytes) return;  // enough: this one and the rest stay, above `next`
            next = m.seq + 1;
            if (std::find(keep.begin(), keep.end(), m.seq) != keep.end()) return;
            ws.delete_queued(client_id, m.seq);
            ++trim->dropped;
            trim->bytes += queued_bytes(m.topic.size(), m.payload.size());
          });
          if (!trim->status.ok || seen < kChunk) break;
        }
        // Applied here, on the committer's thread, so that no set submitted
        // later is overtaken; a failed delete drops nothing.
        trim->next = next;
        if (!ws.empty()) {
          if (storage::Status st = store.apply(ws, false); !st.ok) *trim = QueueTrim{0, 0, from, st};
        }
        post(shard, [trim, done](Shard& s) { done(s, std::move(*trim)); });
      },
      [this] { return read_horizon(); });
}

bool Broker::clear_retained(std::string_view topic, std::function<void(const storage::Status&)> done) {
  // In the same order as route()'s updates of the same topic.
  std::lock_guard retained_order(retained_order_mu_);
  if (!retained_.erase(topic)) return false;
  storage::WriteSet ws;
  ws.delete_retained(topic);
  committer_.submit(std::move(ws), [this, done = std::move(done)](const storage::Status& st) {
    if (!st.ok) Stats::add(stats_.store_errors);
    if (done) done(st);
  });
  return true;
}

bool Broker::route(const MessagePtr& m, Shard& origin, std::function<void(Shard&, const storage::Status&)> committed,
                   storage::WriteSet ws, bool store_retained, size_t* matched, std::string_view publisher) {
  // Two workers setting the same retained topic must reach the index and the
  // store in the same order, or a restart could bring back the older value:
  // the set and the submit happen under one lock (the submit only queues).
  std::unique_lock retained_order(retained_order_mu_, std::defer_lock);
  if (m->retain) {
    if (store_retained) retained_order.lock();
    const bool kept = retained_.set(m, origin.limits().max_retained_messages);
    if (!kept) Stats::add(stats_.retained_refused);  // still routed, just not retained
    if (store_retained && kept) {
      if (m->payload.empty()) {
        ws.delete_retained(m->topic);
      } else {
        ws.put_retained({m->topic, m->payload, m->qos, stored_properties(m->props), m->expires_at_ms});
      }
    }
  }

  thread_local std::vector<RouteTarget> matches;
  thread_local DeliveryBatch local;  // Shard::deliver never routes, so this is not re-entered
  router_.match(m->topic, matches);
  if (matched != nullptr) *matched = matches.size();
  // A publisher waiting for its ack, and a target whose queue is full: the
  // ack waits for room too (ack_gate.h). Created on the first such target.
  AckGatePtr gate;
  const bool may_gate = committed && m->qos > 0 && !congested_.empty();
  // Encoded once for all of this message's queue records, when the first needs it.
  std::optional<std::string> props;
  for (auto& t : matches) {
    if (t.no_local && t.client_id == publisher) {
      if (matched != nullptr) --*matched;
      continue;
    }
    const uint8_t qos = std::min(t.qos, m->qos);
    AckGatePtr held;
    if (may_gate && qos > 0 && congested_.contains(t.client_id)) {
      if (!gate) gate = std::make_shared<AckGate>(*this, origin.index(), std::move(committed));
      gate->hold();
      held = gate;
      Stats::add(stats_.acks_held);
    }
    add_delivery(m, t, origin, props, ws, local, std::move(held));
  }

  bool waits = !ws.empty();
  if (gate) {
    // The gate's first hold is the route's: released by the commit, or now.
    if (waits) {
      committer_.submit(std::move(ws), [this, gate](const storage::Status& st) {
        if (!st.ok) Stats::add(stats_.store_errors);
        gate->release(&st);
      });
    } else {
      gate->release();
    }
    waits = true;  // the caller's `committed` now belongs to the gate
  } else if (waits) {
    commit(std::move(ws), origin.index(), std::move(committed));
  }
  clear_route_floor(origin.index());  // this message's seqs are submitted, if it had any
  if (retained_order.owns_lock()) retained_order.unlock();

  // Deliveries go out after the submit: see the header.
  if (!local.empty()) deliver_batch(origin, local);
  return waits;
}

void Broker::add_delivery(const MessagePtr& m, RouteTarget& t, Shard& origin, std::optional<std::string>& props,
                          storage::WriteSet& ws, DeliveryBatch& local, AckGatePtr held) {
  const uint8_t qos = std::min(t.qos, m->qos);
  const bool retain = t.retain_as_published && m->retain;  // else 0 [MQTT-3.3.1-12]
  DeliveryExtrasPtr extras;
  if (!t.subscription_ids.empty() || !t.shared_filter.empty()) {
    extras = std::make_shared<const DeliveryExtras>(
        DeliveryExtras{std::move(t.subscription_ids), std::move(t.shared_filter)});
  }
  uint64_t seq = 0;
  if (qos > 0 && t.persistent) {
    seq = next_seq(origin.index());
    if (!props) props = m->props.null() ? std::string() : stored_properties(m->props);
    ws.put_queued(t.client_id, {seq, m->topic, m->payload, qos, retain, 0, storage::DeliveryState::Pending,
                                extras && !extras->subscription_ids.empty()
                                    ? stored_properties(m->props, &extras->subscription_ids)
                                    : *props,
                                m->expires_at_ms, extras ? extras->shared_filter : std::string()});
  }
  const size_t s = home_shard(t.client_id);
  // Remote records wait in the outbox; it is handed over only by
  // flush_deliveries at the end of this loop turn, after the store submit.
  (s == origin.index() ? local : outboxes_[origin.index()][s])
      .push_back({m, std::move(t.client_id), qos, retain, seq, std::move(held), std::move(extras)});
}

bool Broker::redirect(const MessagePtr& m, std::string_view filter, std::string_view from, uint8_t qos,
                      Shard& origin) {
  RouteTarget t;
  if (!router_.pick_member(filter, from, t)) return false;
  t.qos = std::min(t.qos, qos);
  thread_local DeliveryBatch local;
  storage::WriteSet ws;
  std::optional<std::string> props;
  add_delivery(m, t, origin, props, ws, local, nullptr);
  if (!ws.empty()) committer_.submit(std::move(ws));
  clear_route_floor(origin.index());
  if (!local.empty()) deliver_batch(origin, local);
  return true;
}

void Broker::flush_deliveries(size_t origin) {
  auto& outbox = outboxes_[origin];
  for (size_t to = 0; to < shard_count_; ++to) {
    if (!outbox[to].empty()) poster_->hand_off(origin, to, outbox[to]);
  }
}

}  // namespace edgemq::core
