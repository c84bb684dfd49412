// A session's part in shared subscriptions [MQTT-4.8.2]: while it is offline
// other members are chosen first, and messages it got through a shared
// subscription but has not finished go to another member when it leaves,
// so a group keeps taking its messages whichever member drops out.
#include <algorithm>
#include <vector>

#include "gateway/core/client.h"
#include "gateway/core/shard.h"
#include "protocols/mqtt/topic.h"

namespace edgemq::core {

void Shard::set_shared_online(Session& s, bool online) {
  for (const auto& [filter, options] : s.subscriptions) {
    if (mqtt::is_shared_filter(filter)) broker_.router().set_member_online(filter, s.client_id(), online);
  }
}

void Shard::hand_shared_on(Session& s) {
  auto hand_on = [&](LazyDeque<Outgoing>& owed) {
    for (auto it = owed.begin(); it != owed.end();) {
      Outgoing& o = *it;
      // A QoS 2 message already PUBRECed is the member's: only PUBREL is owed.
      const bool movable = o.extras && !o.extras->shared_filter.empty() &&
                           o.state != storage::DeliveryState::Received;
      if (!movable || !broker_.redirect(o.msg, o.extras->shared_filter, s.client_id(), o.qos, *this)) {
        ++it;
        continue;
      }
      Stats::add(broker_.stats().shared_redirected);
      forget(s, o);
      it = owed.erase(it);
    }
  };
  hand_on(s.inflight);
  hand_on(s.queue);
}

void Shard::hand_shared_backlog_on(Session& s) {
  Backlog* b = s.backlog.get();
  if (b == nullptr || b->count == 0) return;
  const bool shares = std::any_of(s.subscriptions.begin(), s.subscriptions.end(),
                                  [](const auto& entry) { return mqtt::is_shared_filter(entry.first); });
  if (!shares) return;
  // Read here, on the worker's thread, before the session's records are
  // deleted behind it: rare (a member ending with messages on disk) and
  // bounded by max_queued_bytes. A record not committed yet belongs to a
  // delivery still on its way, which finds the session gone, as before.
  std::vector<Outgoing> owed;
  const storage::Status st =
      broker_.store().read_queue(s.client_id(), b->cursor, UINT64_MAX, SIZE_MAX, [&](storage::QueuedMessage&& q) {
        if (q.state == storage::DeliveryState::Pending && !q.shared_filter.empty()) {
          owed.push_back(outgoing_from(std::move(q)));
        }
      });
  if (!st.ok && broker_.notice) broker_.notice("queue of " + s.client_id() + ": " + st.message);
  for (Outgoing& o : owed) {
    if (broker_.redirect(o.msg, o.extras->shared_filter, s.client_id(), o.qos, *this)) {
      Stats::add(broker_.stats().shared_redirected);
    }
  }
}

}  // namespace edgemq::core
