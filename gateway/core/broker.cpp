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
      outboxes_(shard_count_, std::vector<DeliveryBatch>(shard_count_)) {}

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
    seq = next_seq();
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
