#include "gateway/net/gateway.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

#include "gateway/core/v5_properties.h"
#include "gateway/net/log_burst.h"
#include "gateway/net/store_log.h"
#include "storage/rocks_store.h"

namespace edgemq::net {

Gateway::Gateway(GatewayOptions options) : options_(std::move(options)) {}

Gateway::~Gateway() {
  // Without shutdown() (a failed start), the committer must still stop before
  // the workers and the broker its completions reach are destroyed.
  if (committer_) committer_->stop();
}

bool Gateway::open(std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir, ec);
  storage::Status st;
  storage::RocksTuning tuning;
  tuning.log = make_store_log();
  storage::RecoveryReport report;
  store_ = storage::open_rocks_store(options_.data_dir, tuning, storage::WalRecovery::Strict, st, report);
  for (const std::string& line : report.warnings) spdlog::warn("{}", line);
  if (!st.ok || !store_) {
    // A refused log explains itself in a few lines; anything else in RocksDB's words.
    error.clear();
    for (const std::string& line : report.refusal) error += (error.empty() ? "" : "\n") + line;
    if (error.empty()) error = "cannot open store in " + options_.data_dir + ": " + st.message;
    return false;
  }
  storage::StoreGuard::Options guard;
  guard.dir = options_.data_dir;
  guard.min_free_bytes = options_.min_free_disk;
  guard.observer = make_guard_log(options_.data_dir);
  committer_ = std::make_unique<storage::GroupCommitter>(*store_, options_.sync_commits, std::move(guard));
  size_t n = options_.workers != 0 ? options_.workers : std::max(1u, std::thread::hardware_concurrency());
  broker_ = std::make_unique<core::Broker>(options_.limits, *store_, *committer_, auth_, n);
  broker_->set_poster(this);
  // Thousands of queues can reach a bound together: rate limited.
  broker_->notice = [burst = std::make_shared<LogBurst>(20)](const std::string& line) {
    uint64_t dropped = 0;
    if (!burst->admit(dropped)) return;
    if (dropped > 0) spdlog::warn("{} more notices were not logged (at most 20 a minute)", dropped);
    spdlog::warn("{}", line);
  };
  committer_->set_observer([&stats = broker_->stats()](uint64_t ns) { stats.commit_duration.observe_ns(ns); });
  memory_ = std::make_unique<MemoryGuard>(broker_->stats(), options_.partial_packet_budget,
                                         options_.memory_high_watermark);
  std::vector<Worker*> peers;
  for (size_t i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, *broker_, *memory_));
    peers.push_back(workers_.back().get());
  }
  for (auto& w : workers_) w->set_peers(peers);
  workers_[0]->set_sys_interval(options_.sys_interval_s);
  if (!restore(error)) return false;
  if (!options_.mqtts_host.empty() || !options_.wss_host.empty()) {
    if (options_.tls.cert_file.empty() || options_.tls.key_file.empty()) {
      error = "a TLS listener (listen_mqtts, listen_wss) needs tls_cert and tls_key";
      return false;
    }
    tls_ = std::make_shared<TlsContext>(options_.tls);
    if (!tls_->reload(error)) return false;
  }
  options_.ws.max_message_bytes = options_.limits.max_packet_size;
  for (auto& w : workers_) w->set_transport_options(options_.ws, tls_);
  if (!listen_all(ListenerKind::Mqtt, options_.mqtt_host, options_.mqtt_port, error)) return false;
  if (!options_.ws_host.empty() && !listen_all(ListenerKind::Ws, options_.ws_host, options_.ws_port, error)) {
    return false;
  }
  if (!options_.mqtts_host.empty() &&
      !listen_all(ListenerKind::Mqtts, options_.mqtts_host, options_.mqtts_port, error)) {
    return false;
  }
  if (!options_.wss_host.empty() && !listen_all(ListenerKind::Wss, options_.wss_host, options_.wss_port, error)) {
    return false;
  }
  return true;
}

bool Gateway::listen_all(ListenerKind kind, const std::string& host, int port, std::string& error) {
  // Worker 0 resolves port 0 to a real port; the others share it.
  if (!workers_[0]->listen(kind, host, port, error)) return false;
  for (size_t i = 1; i < workers_.size(); ++i) {
    if (!workers_[i]->listen(kind, host, workers_[0]->bound_port(kind), error)) return false;
  }
  return true;
}

int Gateway::port(ListenerKind kind) const { return workers_.empty() ? 0 : workers_[0]->bound_port(kind); }

bool Gateway::reload_tls(std::string& error) {
  if (!tls_) {
    error = "no TLS listener is configured";
    return false;
  }
  return tls_->reload(error);
}

void Gateway::reload_limits(const core::Limits& limits) {
  for (auto& w : workers_) {
    w->post([limits](Worker& self) { self.set_limits(limits); });
  }
}

void Gateway::reload_memory(uint64_t partial_packet_budget, uint64_t memory_high_watermark) {
  memory_->budget().set_limit(partial_packet_budget);
  memory_->set_watermark(memory_high_watermark);
}

bool Gateway::restore(std::string& error) {
  size_t retained = 0, sessions = 0, queued = 0;
  const uint64_t now = broker_->wall_ms();
  auto st = store_->load_retained([&](storage::RetainedMessage&& r) {
    // Expired while the gateway was down: never delivered again (the record
    // goes when the topic is next set or cleared).
    if (r.expires_at_ms != 0 && r.expires_at_ms <= now) return;
    broker_->retained().set(core::make_message(std::move(r.topic), std::move(r.payload), r.qos, true,
                                               core::restored_properties(r.properties), r.expires_at_ms));
    ++retained;
  });
  auto warn = [](const storage::Status& s) {
    if (s.ok && !s.message.empty()) spdlog::warn("store: {}", s.message);
  };
  warn(st);
  if (st.ok) {
    st = store_->load_sessions([&](storage::SessionRecord&& s) {
      workers_[broker_->home_shard(s.client_id)]->shard().restore_session(std::move(s));
      ++sessions;
    });
    warn(st);
  }
  if (st.ok) {
    st = store_->load_queues([&](std::string_view id, storage::QueuedMessage&& q) {
      workers_[broker_->home_shard(id)]->shard().restore_queued(id, std::move(q));
      ++queued;
    });
    warn(st);
  }
  if (st.ok) {
    st = store_->load_inbound_qos2([&](std::string_view id, uint16_t packet_id) {
      workers_[broker_->home_shard(id)]->shard().restore_inbound_qos2(id, packet_id);
    });
    warn(st);
  }
  if (!st.ok) {
    error = "cannot read store: " + st.message;
    return false;
  }
  spdlog::info("restored {} retained messages, {} persistent sessions, {} queued messages", retained,
               sessions, queued);
  return true;
}


void Gateway::start() {
  broker_->uptime_start_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
  for (auto& w : workers_) w->start();
  started_ = true;
}

void Gateway::shutdown() {
  if (started_) {
    for (auto& w : workers_) w->request_drain();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto live = [&] {
      size_t n = 0;
      for (auto& w : workers_) n += w->live_connections();
      return n;
    };
    while (live() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (auto& w : workers_) w->request_stop();
    for (auto& w : workers_) w->join();
  }
  // The committer goes first: until stop() returns, its thread still runs
  // completions that post to the workers (dropped now: their inboxes are
  // closed), so the workers must outlive it.
  if (!committer_) return;
  committer_->stop();  // everything submitted is now written, or failed
  workers_.clear();
  const storage::StoreGuard& guard = committer_->guard();
  if (guard.failed()) {
    spdlog::error("store: stopped while failed ({} writes failed); what was acknowledged is stored, what was "
                  "refused was not",
                  committer_->batches_failed());
  } else {
    spdlog::info("store flushed");
  }
}

void Gateway::post(size_t shard, std::function<void(core::Shard&)> work) {
  workers_[shard]->post([work = std::move(work)](Worker& w) { work(w.shard()); });
}

void Gateway::hand_off(size_t from, size_t to, core::DeliveryBatch& batch) {
  workers_[to]->take_deliveries(from, batch);
}

}  // namespace edgemq::net
