// Retained messages on SUBSCRIBE, paced (design in shard.h, RetainedFeed).
// Before, every match was sent or queued at once: a new "fleet/#"
// subscriber among 200,000 retained topics got 8,389 of them, the rest
// dropped at its 1 MiB output budget, and at QoS 1 all of them sat in its
// queue. Now each loop turn sends what the client has room for, in topic
// order, and nothing is dropped for want of room.
#include <algorithm>

#include "gateway/core/client.h"
#include "gateway/core/shard.h"
#include "protocols/mqtt/topic.h"

namespace edgemq::core {
namespace {

// Work per loop turn per session: at most this many topics looked at in the
// index (under its lock), so one huge feed cannot hold up the worker.
constexpr size_t kScanPerTurn = 1024;
constexpr size_t kBatch = 64;

}  // namespace

void Shard::deliver_retained(Session& s, const std::string& filter, uint8_t granted, uint32_t subscription_id) {
  // The SUBACK (and this) may have waited for a commit while an UNSUBSCRIBE
  // of the filter was handled: nothing is owed for it then [MQTT-3.10.4-2].
  if (!s.subscriptions.contains(filter)) return;
  // A repeated SUBSCRIBE of the same filter starts its retained messages over.
  drop_retained_feed(s, filter);
  std::vector<RetainedFeed>& feeds = retained_feeds_[&s];
  feeds.push_back(RetainedFeed{filter, granted, subscription_id, broker_.retained().cursor()});
  feed_retained(s, feeds);
  if (feeds.empty()) retained_feeds_.erase(&s);
}

void Shard::drop_retained_feed(Session& s, std::string_view filter) {
  auto it = retained_feeds_.find(&s);
  if (it == retained_feeds_.end()) return;
  std::erase_if(it->second, [&](const RetainedFeed& f) { return f.filter == filter; });
  if (it->second.empty()) retained_feeds_.erase(it);
}

void Shard::pump_retained() {
  for (auto it = retained_feeds_.begin(); it != retained_feeds_.end();) {
    Session& s = *it->first;
    // An offline session keeps its place until its client is back.
    if (s.client != nullptr) feed_retained(s, it->second);
    it = it->second.empty() ? retained_feeds_.erase(it) : std::next(it);
  }
}

void Shard::send_retained(Session& s, const RetainedFeed& feed, const MessagePtr& m,
                          const DeliveryExtrasPtr& extras) {
  if (expired(*m)) return;  // a retained message expires too [MQTT-3.3.2-5]
  const uint8_t qos = std::min(feed.granted, m->qos);
  if (qos > 0) {
    enqueue(s, Outgoing{m, qos, 0, 0, storage::DeliveryState::Pending, true, extras});
    return;
  }
  // Retain flag set [MQTT-3.3.1-8].
  if (s.client->send_message(*m, 0, 0, false, true, broker_.wall_ms(), extras.get())) {
    broker_.stats().count_sent(index_, 0, m->payload.size());
  } else {
    Stats::add(broker_.stats().dropped_too_large);
  }
}

void Shard::feed_retained(Session& s, std::vector<RetainedFeed>& feeds) {
  if (s.client == nullptr) return;
  Link& link = s.client->link();
  // Room: QoS 0 goes while the output is under half its budget; QoS 1/2
  // while the queue behind the window is short (the window drains it).
  // A closing link takes nothing: what it is sent is dropped.
  auto full = [&] {
    return link.closing() || link.queued_bytes() >= limits_.max_outbound_bytes / 2 || s.queue.size() >= window(s);
  };
  thread_local std::vector<MessagePtr> batch;
  size_t scanned_budget = kScanPerTurn;
  for (auto feed = feeds.begin(); feed != feeds.end() && scanned_budget > 0;) {
    DeliveryExtrasPtr extras;
    if (feed->subscription_id != 0) {
      extras = std::make_shared<const DeliveryExtras>(DeliveryExtras{{feed->subscription_id}, {}});
    }
    while (!feed->cursor.done && !full() && scanned_budget > 0) {
      batch.clear();
      scanned_budget -= broker_.retained().next(feed->filter, feed->cursor, kBatch, scanned_budget, batch);
      for (size_t i = 0; i < batch.size(); ++i) {
        // Room is checked per message: a batch of large ones must not
        // overrun the budget. The rest of the batch is read again next time.
        if (i > 0 && full()) {
          feed->cursor.after = batch[i - 1]->topic;
          feed->cursor.started = true;
          feed->cursor.done = false;
          break;
        }
        send_retained(s, *feed, batch[i], extras);
      }
    }
    feed = feed->cursor.done ? feeds.erase(feed) : std::next(feed);
  }
}

}  // namespace edgemq::core
