#include "gateway/app/admin_backend.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "gateway/app/shard_answers.h"
#include "gateway/core/client.h"
#include "gateway/core/v5_properties.h"
#include "protocols/mqtt/topic.h"

namespace edgemq::app {

using admin::Answer;
using admin::Outcome;
using admin::Page;

namespace {

// The process's own CPU time and open files, from /proc/self (its resident
// memory comes from net::ProcessRss, which the memory watermark reads too).
void read_process(admin::Snapshot& s) {
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (std::getline(stat, line)) {
    // Fields after the command name (which may hold spaces) start after ')'.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    uint64_t utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    s.process_cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  if (DIR* d = opendir("/proc/self/fd")) {
    uint64_t n = 0;
    while (const dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    closedir(d);
    s.process_open_fds = n > 0 ? n - 1 : 0;  // less the one opendir holds
  }
}

// What the store's files take on disk (RocksDB's SSTs, WAL and manifest:
// everything under the data directory), for sizing the volume.
uint64_t directory_bytes(const std::string& dir) {
  std::error_code ec;
  uint64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const uintmax_t n = it->file_size(size_ec);
      if (!size_ec) total += n;
    }
  }
  return total;
}

// Where paging ends, saturated: a shard never needs to send more than that.
size_t page_end(const admin::Paging& p) { return p.offset > SIZE_MAX - p.limit ? SIZE_MAX : p.offset + p.limit; }

// The shards' sorted partial pages merged into the page asked for.
template <typename T, typename Less>
Page<T> merge_pages(std::vector<Page<T>>&& parts, const admin::Paging& p, Less less) {
  Page<T> out;
  std::vector<T> all;
  for (Page<T>& part : parts) {
    out.total += part.total;
    std::move(part.items.begin(), part.items.end(), std::back_inserter(all));
  }
  std::sort(all.begin(), all.end(), less);
  for (size_t i = p.offset; i < all.size() && out.items.size() < p.limit; ++i) out.items.push_back(std::move(all[i]));
  return out;
}

// Keeps the first `keep` of `v` by `less`, sorted.
template <typename T, typename Less>
void keep_first(std::vector<T>& v, size_t keep, Less less) {
  if (v.size() > keep) {
    std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(keep), v.end(), less);
    v.resize(keep);
  } else {
    std::sort(v.begin(), v.end(), less);
  }
}

admin::SubscriptionItem subscription_item(const core::Session& s, const std::string& filter,
                                          const core::SubscriptionOptions& o) {
  return {s.client_id(), filter, o.qos, o.no_local, o.retain_as_published, o.subscription_id};
}

// On the session's shard thread.
admin::ClientItem client_item(const core::Session& s, bool with_subscriptions) {
  admin::ClientItem c;
  c.client_id = s.client_id();
  c.persistent = s.persistent();
  c.session_expiry_s = s.expiry_s();
  c.inflight = s.inflight.size();
  c.queued = s.queued();
  c.subscription_count = s.subscriptions.size();
  if (core::Client* client = s.client) {
    const core::Link::Info info = client->link().info();
    c.connected = true;
    c.username = std::string(client->username());
    c.transport = info.listener;
    c.peer = info.peer;
    c.keep_alive_s = info.keep_alive_s;
    c.protocol = client->v5() ? "5.0" : "3.1.1";
    c.connected_at_ms = client->connected_at_ms();
  }
  if (with_subscriptions) {
    for (const auto& [filter, o] : s.subscriptions) c.subscriptions.push_back(subscription_item(s, filter, o));
  }
  return c;
}

bool client_matches(const admin::ClientQuery& q, const core::Session& s) {
  using State = admin::ClientQuery::State;
  if (!s.client_id().starts_with(q.id_prefix)) return false;
  core::Client* c = s.client;
  if ((q.state == State::Connected && c == nullptr) || (q.state == State::Offline && c != nullptr)) return false;
  if (!q.username.empty() && (c == nullptr || c->username() != q.username)) return false;
  if (!q.transport.empty() && (c == nullptr || c->link().info().listener != q.transport)) return false;
  return true;
}

bool subscription_matches(const admin::SubscriptionQuery& q, const std::string& filter,
                          const core::SubscriptionOptions& o) {
  if (!q.filter.empty() && filter != q.filter) return false;
  if (q.qos >= 0 && o.qos != q.qos) return false;
  if (!q.share_group.empty()) {
    mqtt::SharedFilter shared;
    if (!mqtt::parse_shared_filter(filter, shared) || shared.group != q.share_group) return false;
  }
  return true;
}

bool by_client_then_filter(const admin::SubscriptionItem& a, const admin::SubscriptionItem& b) {
  return std::tie(a.client_id, a.filter) < std::tie(b.client_id, b.filter);
}

bool by_client_id(const admin::ClientItem& a, const admin::ClientItem& b) { return a.client_id < b.client_id; }

admin::HistogramData histogram_data(const core::Histogram& h) {
  admin::HistogramData d;
  d.bounds.assign(std::begin(core::Histogram::kBounds), std::end(core::Histogram::kBounds));
  for (const auto& c : h.counts) d.counts.push_back(c.load(std::memory_order_relaxed));
  d.sum_s = static_cast<double>(h.sum_ns.load(std::memory_order_relaxed)) / 1e9;
  return d;
}

std::vector<std::pair<std::string, uint64_t>> by_qos(const core::Stats& st,
                                                     std::atomic<uint64_t> (core::WorkerCounters::*field)[3]) {
  return {{"0", st.sum(field, 0)}, {"1", st.sum(field, 1)}, {"2", st.sum(field, 2)}};
}

Outcome outcome_of(core::Shard::KickOutcome k) {
  switch (k) {
    case core::Shard::KickOutcome::NotFound: return Outcome::NotFound;
    case core::Shard::KickOutcome::NotConnected: return Outcome::NotConnected;
    case core::Shard::KickOutcome::Disconnected:
    case core::Shard::KickOutcome::SessionDiscarded: break;
  }
  return Outcome::Ok;
}

}  // namespace

admin::Snapshot GatewayBackend::counters(bool process_and_disk) {
  using net::ListenerKind;
  core::Broker& broker = gateway_.broker();
  const core::Stats& st = broker.stats();
  admin::Snapshot s;
  s.version = EDGEMQ_VERSION;
  const auto now_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
  s.uptime_s = (now_ms - broker.uptime_start_ms) / 1000;
  for (ListenerKind k : {ListenerKind::Mqtt, ListenerKind::Ws, ListenerKind::Mqtts, ListenerKind::Wss}) {
    if (const int port = gateway_.port(k); port != 0) s.listeners.emplace_back(net::name_of(k), port);
    s.accepted_by_listener.emplace_back(net::name_of(k),
                                        core::Stats::get(st.accepted_by_listener[static_cast<size_t>(k)]));
    for (int v5 = 0; v5 < 2; ++v5) {
      const int64_t n = st.connected_by[static_cast<size_t>(k)][v5].load(std::memory_order_relaxed);
      s.connected_by.push_back({net::name_of(k), v5 ? "5.0" : "3.1.1", static_cast<uint64_t>(std::max<int64_t>(0, n))});
    }
  }
  s.store_errors = core::Stats::get(st.store_errors);
  // Not ready for a minute after a store error, however often anyone asks
  // (the dashboard polls every second; a per-call "since last time" would
  // hide the error from the health check).
  if (s.store_errors != last_store_errors_) {
    last_store_errors_ = s.store_errors;
    last_store_error_ms_ = now_ms;
  }
  const storage::StoreGuard& guard = broker.store_guard();
  s.store_disk_low = guard.disk_low();
  s.store_failed = guard.failed();
  s.disk_free_bytes = guard.free_bytes();
  s.min_free_disk = guard.min_free_bytes();
  s.store_ok = (last_store_error_ms_ == 0 || now_ms - last_store_error_ms_ >= kStoreErrorWindowMs) &&
               !s.store_disk_low && !s.store_failed;
  const net::MemoryGuard& memory = gateway_.memory();
  s.memory_high = memory.high();
  s.memory_high_watermark = memory.watermark();
  s.memory_rss_bytes = memory.rss();
  s.partial_packet_bytes = memory.budget().held();
  s.partial_packet_budget = memory.budget().limit();
  s.partial_packet_pauses = core::Stats::get(st.partial_packet_pauses);
  s.heap_trims = core::Stats::get(st.heap_trims);
  s.heap_trim_seconds = static_cast<double>(core::Stats::get(st.heap_trim_us)) / 1e6;
  s.connections = static_cast<uint64_t>(std::max<int64_t>(0, st.clients_connected.load()));
  s.protocol_errors = core::Stats::get(st.protocol_errors);
  s.keepalive_timeouts = core::Stats::get(st.keepalive_timeouts);
  s.packet_timeouts = core::Stats::get(st.packet_timeouts);
  s.tls_handshake_failures = core::Stats::get(st.tls_handshake_failures);
  s.accept_errors = core::Stats::get(st.accept_errors);
  s.messages_received = st.messages_received();
  s.messages_sent = st.messages_sent();
  s.bytes_received = core::Stats::get(st.bytes_received);
  s.bytes_sent = core::Stats::get(st.bytes_sent);
  s.dropped = {{"qos0_slow_subscriber", core::Stats::get(st.dropped_qos0_slow)},
               {"queue_full", core::Stats::get(st.dropped_queue_full)},
               {"queue_bytes", core::Stats::get(st.dropped_queue_bytes)},
               {"offline_qos0", core::Stats::get(st.dropped_offline_qos0)},
               {"too_large", core::Stats::get(st.dropped_too_large)},
               {"expired", core::Stats::get(st.expired_messages)},
               {"sys_publish", core::Stats::get(st.dropped_sys_publish)},
               {"topic_limits", core::Stats::get(st.dropped_topic_limits)},
               {"retained_on_subscribe", core::Stats::get(st.dropped_retained_on_subscribe)},
               {"store_unavailable", core::Stats::get(st.refused_store_unavailable)},
               {"retained_store_unavailable", core::Stats::get(st.retained_refused_store)}};
  s.received_by_qos = by_qos(st, &core::WorkerCounters::received_by_qos);
  s.sent_by_qos = by_qos(st, &core::WorkerCounters::sent_by_qos);
  s.received_payload_bytes_by_qos = by_qos(st, &core::WorkerCounters::received_payload_bytes_by_qos);
  s.sent_payload_bytes_by_qos = by_qos(st, &core::WorkerCounters::sent_payload_bytes_by_qos);
  for (size_t r = 1; r < static_cast<size_t>(core::DisconnectReason::Count); ++r) {
    s.disconnects.emplace_back(core::name_of(static_cast<core::DisconnectReason>(r)), core::Stats::get(st.disconnects[r]));
  }
  for (ListenerKind k : {ListenerKind::Mqtt, ListenerKind::Ws, ListenerKind::Mqtts, ListenerKind::Wss}) {
    for (size_t r = 0; r < static_cast<size_t>(core::ConnectResult::Count); ++r) {
      s.connect_attempts.push_back({net::name_of(k), core::name_of(static_cast<core::ConnectResult>(r)),
                                    core::Stats::get(st.connect_results[static_cast<size_t>(k)][r])});
    }
  }
  s.commit_duration = histogram_data(st.commit_duration);
  uint64_t lag_max_ns = 0;
  for (size_t w = 0; w < st.loop_lag.size(); ++w) {
    s.loop_lag.push_back(histogram_data(st.loop_lag[w]));
    lag_max_ns = std::max(lag_max_ns, st.loop_lag_max_ns[w].load(std::memory_order_relaxed));
  }
  s.loop_lag_max_ms = static_cast<double>(lag_max_ns) / 1e6;
  s.retained = broker.retained().size();
  if (process_and_disk) s.store_bytes = directory_bytes(gateway_.data_dir());
  s.wills_published = core::Stats::get(st.wills_published);
  s.sessions_expired = core::Stats::get(st.sessions_expired);
  if (process_and_disk) {
    read_process(s);
    s.process_rss_bytes = process_rss_.read();
  }
  return s;
}

std::optional<admin::SessionTotals> GatewayBackend::session_totals() {
  // A second at most: a scrape would rather lose these gauges than wait.
  auto parts = ask_every_shard<admin::SessionTotals>(
      gateway_,
      [](core::Shard& shard) {
        admin::SessionTotals t;
        shard.for_each_session([&](const core::Session& s) {
          ++(s.client != nullptr ? t.connected : t.offline);
          t.queued += s.queued();
          t.inflight += s.inflight.size();
          t.subscriptions += s.subscriptions.size();
        });
        return t;
      },
      std::chrono::milliseconds(1000));
  if (!parts) return std::nullopt;
  admin::SessionTotals sum;
  for (const admin::SessionTotals& t : *parts) {
    sum.connected += t.connected;
    sum.offline += t.offline;
    sum.queued += t.queued;
    sum.inflight += t.inflight;
    sum.subscriptions += t.subscriptions;
  }
  return sum;
}

std::vector<admin::RetainedItem> GatewayBackend::retained(const std::string& filter) {
  core::Broker& broker = gateway_.broker();
  std::vector<core::MessagePtr> found;
  broker.retained().matching(filter, found);  // the index locks itself
  // Expired messages are never delivered, so they are not shown either.
  const uint64_t now = broker.wall_ms();
  std::vector<admin::RetainedItem> out;
  for (const core::MessagePtr& m : found) {
    if (m->expires_at_ms != 0 && m->expires_at_ms <= now) continue;
    out.push_back({m->topic, m->payload, m->qos, m->expires_at_ms, m->props->content_type.value_or("")});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.topic < b.topic; });
  return out;
}

Answer<Page<admin::ClientItem>> GatewayBackend::clients(const admin::ClientQuery& q) {
  const size_t keep = page_end(q.paging);
  auto parts = ask_every_shard<Page<admin::ClientItem>>(
      gateway_,
      [q, keep](core::Shard& shard) {
        // Sessions first, items only for the ones that may be on the page.
        std::vector<const core::Session*> hits;
        shard.for_each_session([&](const core::Session& s) {
          if (client_matches(q, s)) hits.push_back(&s);
        });
        Page<admin::ClientItem> part{hits.size(), {}};
        keep_first(hits, keep, [](const core::Session* a, const core::Session* b) {
          return a->client_id() < b->client_id();
        });
        for (const core::Session* s : hits) part.items.push_back(client_item(*s, false));
        return part;
      },
      kWorkerAnswerTimeout);
  if (!parts) return {Outcome::Busy, {}};
  return {Outcome::Ok, merge_pages(std::move(*parts), q.paging, by_client_id)};
}

Answer<admin::ClientItem> GatewayBackend::client(const std::string& client_id) {
  const size_t home = gateway_.broker().home_shard(client_id);
  auto got = ask_shard<std::optional<admin::ClientItem>>(
      gateway_, home,
      [client_id](core::Shard& shard, const auto& answer) {
        const core::Session* s = shard.find_session(client_id);
        answer(s == nullptr ? std::nullopt : std::optional(client_item(*s, true)));
      },
      kWorkerAnswerTimeout);
  if (!got) return {Outcome::Busy, {}};
  if (!*got) return {Outcome::NotFound, {}};
  return {Outcome::Ok, std::move(**got)};
}

Outcome GatewayBackend::kick(const std::string& client_id, bool discard_session) {
  const size_t home = gateway_.broker().home_shard(client_id);
  auto got = ask_shard<core::Shard::KickOutcome>(
      gateway_, home,
      [client_id, discard_session](core::Shard& shard, const auto& answer) {
        answer(shard.kick(client_id, discard_session));
      },
      kWorkerAnswerTimeout);
  return got ? outcome_of(*got) : Outcome::Busy;
}

Answer<Page<admin::SubscriptionItem>> GatewayBackend::subscriptions(const admin::SubscriptionQuery& q) {
  const size_t keep = page_end(q.paging);
  auto parts = ask_every_shard<Page<admin::SubscriptionItem>>(
      gateway_,
      [q, keep](core::Shard& shard) {
        Page<admin::SubscriptionItem> part;
        const size_t bound = keep >= SIZE_MAX / 4 ? SIZE_MAX : 2 * keep + 64;
        auto add = [&](const core::Session& s) {
          for (const auto& [filter, o] : s.subscriptions) {
            if (!subscription_matches(q, filter, o)) continue;
            ++part.total;
            part.items.push_back(subscription_item(s, filter, o));
            // Bounded while it gathers: a shard may hold many subscriptions.
            if (part.items.size() >= bound) keep_first(part.items, keep, by_client_then_filter);
          }
        };
        if (!q.client_id.empty()) {
          if (const core::Session* s = shard.find_session(q.client_id)) add(*s);
        } else {
          shard.for_each_session(add);
        }
        keep_first(part.items, keep, by_client_then_filter);
        return part;
      },
      kWorkerAnswerTimeout);
  if (!parts) return {Outcome::Busy, {}};
  return {Outcome::Ok, merge_pages(std::move(*parts), q.paging, by_client_then_filter)};
}

Answer<Page<admin::TopicItem>> GatewayBackend::topics(const admin::TopicQuery& q) {
  using Counts = std::map<std::string, admin::TopicItem, std::less<>>;
  auto parts = ask_every_shard<Counts>(
      gateway_,
      [q](core::Shard& shard) {
        Counts counts;
        shard.for_each_session([&](const core::Session& s) {
          for (const auto& [filter, o] : s.subscriptions) {
            mqtt::SharedFilter shared;
            const bool is_shared = mqtt::parse_shared_filter(filter, shared);
            const std::string_view plain = is_shared ? shared.filter : std::string_view(filter);
            if (!q.match.empty() && !mqtt::topic_matches(plain, q.match)) continue;
            auto it = counts.find(plain);
            if (it == counts.end()) it = counts.emplace(std::string(plain), admin::TopicItem{std::string(plain)}).first;
            ++(is_shared ? it->second.shared : it->second.subscriptions);
          }
        });
        return counts;
      },
      kWorkerAnswerTimeout);
  if (!parts) return {Outcome::Busy, {}};
  Counts all;
  for (Counts& part : *parts) {
    for (auto& [filter, item] : part) {
      admin::TopicItem& sum = all.try_emplace(filter, admin::TopicItem{filter}).first->second;
      sum.subscriptions += item.subscriptions;
      sum.shared += item.shared;
    }
  }
  Page<admin::TopicItem> page{all.size(), {}};
  auto it = all.begin();
  std::advance(it, static_cast<std::ptrdiff_t>(std::min(q.paging.offset, all.size())));
  for (; it != all.end() && page.items.size() < q.paging.limit; ++it) page.items.push_back(it->second);
  return {Outcome::Ok, std::move(page)};
}

Outcome GatewayBackend::delete_retained(const std::string& topic) {
  using State = ShardAnswer<bool>::State;
  auto state = std::make_shared<State>(1);
  const ShardAnswer<bool> answer(state, 0);
  if (!gateway_.broker().clear_retained(topic, [answer](const storage::Status& st) { answer(st.ok); })) {
    return Outcome::NotFound;
  }
  std::unique_lock lock(state->mu);
  if (!state->cv.wait_for(lock, kWorkerAnswerTimeout, [&] { return state->left == 0; })) return Outcome::Busy;
  return *state->got[0] ? Outcome::Ok : Outcome::StoreError;
}

Answer<size_t> GatewayBackend::publish(admin::PublishRequest r) {
  core::Broker& broker = gateway_.broker();
  const uint64_t expires = core::expiry_time(r.props, broker.wall_ms());
  core::MessagePtr m = core::make_message(std::move(r.topic), std::move(r.payload), r.qos, r.retain,
                                          core::forwarded_properties(r.props), expires);
  // Refused like a client's message while the store takes no new data.
  if (broker.store_refusing() && broker.needs_store(m->topic, m->qos, m->retain && !m->payload.empty(), {})) {
    return {Outcome::StoreError, 0};
  }
  // Published from the topic's home shard, so the endpoint's messages on one
  // topic keep their order among themselves.
  struct Routed {
    bool stored = true;
    size_t matched = 0;
  };
  auto got = ask_shard<Routed>(
      gateway_, broker.home_shard(m->topic),
      [m](core::Shard& shard, const ShardAnswer<Routed>& answer) {
        auto matched = std::make_shared<size_t>(0);
        const bool waits = shard.broker().publish(
            m, shard, [answer, matched](core::Shard&, const storage::Status& st) { answer({st.ok, *matched}); }, {},
            matched.get());
        if (!waits) answer({true, *matched});
      },
      kWorkerAnswerTimeout);
  if (!got) return {Outcome::Busy, 0};
  if (!got->stored) return {Outcome::StoreError, 0};
  return {Outcome::Ok, got->matched};
}

}  // namespace edgemq::app
