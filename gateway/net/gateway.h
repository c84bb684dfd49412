// The running gateway: the store, its committer, the broker and one worker
// per thread. Start-up reads persistent sessions, their queues and retained
// messages back from the store before any worker accepts a connection.
// Shutdown: stop accepting, close connections, stop loops, flush the store.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gateway/core/broker.h"
#include "gateway/net/worker.h"
#include "storage/group_committer.h"

namespace edgemq::net {

struct GatewayOptions {
  std::string mqtt_host = "0.0.0.0";
  int mqtt_port = 1883;
  // MQTT over WebSocket; off while ws_host is empty.
  std::string ws_host;
  int ws_port = 8083;
  WsOptions ws;
  // MQTT over TLS, and over WebSocket in TLS; each off while its host is
  // empty. Either needs `tls` (certificate and key).
  std::string mqtts_host;
  int mqtts_port = 8883;
  std::string wss_host;
  int wss_port = 8084;
  TlsOptions tls;
  std::string data_dir = "./data";
  size_t workers = 0;  // 0: one per core
  bool sync_commits = false;  // durability "power": fsync every group commit
  uint64_t min_free_disk = 0;  // bytes kept free on data_dir's filesystem (storage/store_guard.h)
  uint32_t sys_interval_s = 10;  // $SYS publishing period; 0 disables
  // Bytes held for unfinished packets, all connections together
  // (partial_packet_budget.h).
  uint64_t partial_packet_budget = 64ull << 20;
  uint64_t memory_high_watermark = 0;  // RSS in bytes at which the gateway sheds; 0: off
  core::Limits limits;
};

class Gateway final : public core::ShardPoster {
 public:
  explicit Gateway(GatewayOptions options);
  ~Gateway() override;

  // Opens the store, restores state and binds the listeners.
  bool open(std::string& error);
  int port(ListenerKind kind) const;  // 0 when off
  int mqtt_port() const { return port(ListenerKind::Mqtt); }
  // Reads the TLS certificate, key and CA files again (SIGHUP): new
  // connections get them, open ones keep theirs. False with `error` (the
  // old ones stay) on a bad file, or when no TLS listener is configured.
  bool reload_tls(std::string& error);
  // New bounds for every shard (posted: each applies them on its own
  // thread); the ones a reload may change are listed in app/reload.cpp.
  void reload_limits(const core::Limits& limits);
  // A new partial packet budget and memory watermark; they apply at once.
  void reload_memory(uint64_t partial_packet_budget, uint64_t memory_high_watermark);
  const MemoryGuard& memory() const { return *memory_; }
  // The current certificate's subject; empty without TLS.
  std::string tls_subject() const { return tls_ ? tls_->describe() : std::string(); }
  void start();
  // Blocks until every worker has closed its connections and stopped, then
  // flushes the store. Call from the thread that called start().
  void shutdown();

  void post(size_t shard, std::function<void(core::Shard&)> work) override;
  void hand_off(size_t from, size_t to, core::DeliveryBatch& batch) override;
  core::Broker& broker() { return *broker_; }
  const std::string& data_dir() const { return options_.data_dir; }

 private:
  bool restore(std::string& error);
  // Every worker listens on host:port (port 0: the first one's choice).
  bool listen_all(ListenerKind kind, const std::string& host, int port, std::string& error);

  GatewayOptions options_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::GroupCommitter> committer_;
  core::AllowAll auth_;
  std::shared_ptr<TlsContext> tls_;  // with an MQTTS or WSS listener
  std::unique_ptr<core::Broker> broker_;
  std::unique_ptr<MemoryGuard> memory_;  // outlives the workers, which use it
  std::vector<std::unique_ptr<Worker>> workers_;
  bool started_ = false;
};

}  // namespace edgemq::net
