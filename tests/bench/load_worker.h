// One load process of edgemq-bench: a libuv loop with its slice of the clients.
// It connects them (paced by rate and concurrency), reports "ready", publishes
// between the start and end times the parent sends with "go", and after
// "drain" waits until nothing more arrives, then sends its WorkerReport.
//
// Parent <-> worker lines on a socketpair:
//   worker: progress <connected> <failed> <sent> <acked> <received>
//   worker: ready | published | <WorkerReport lines, ending "end">
//   parent: go <start_ns> <end_ns> | drain
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/bench/load_client.h"
#include "tests/bench/options.h"
#include "tests/bench/worker_report.h"

namespace edgemq::bench {

struct Range {
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t size() const { return end - begin; }
};

struct WorkerPlan {
  uint32_t process = 0;
  Range publishers, subscribers, connections;
  std::vector<std::string> sources;  // local addresses to bind, round robin; empty: none
};

// The share of `total` that process `k` of `n` takes: contiguous and balanced.
Range share(uint32_t total, uint32_t k, uint32_t n);

uint64_t monotonic_ns();

class LoadWorker {
 public:
  LoadWorker(const Options& options, WorkerPlan plan, int parent_fd);
  LoadWorker(const LoadWorker&) = delete;
  LoadWorker& operator=(const LoadWorker&) = delete;
  ~LoadWorker();

  // Runs until the report is delivered; returns the process exit code.
  int run();

  // For the clients.
  uv_loop_t* loop() { return &loop_; }
  // The process's client TLS context (null unless the transport is TLS or WSS).
  ssl_ctx_st* tls() const { return tls_.get(); }
  const Options& options() const { return options_; }
  std::pair<char*, size_t> read_buffer() { return {read_buffer_.data(), read_buffer_.size()}; }
  uint64_t now_ns() const { return monotonic_ns(); }
  bool publishing_unlimited() const { return phase_ == Phase::Publishing && options_.rate <= 0; }
  void on_client_settled(LoadClient& client);
  void on_client_dropped(LoadClient& client);
  void on_client_closed() { --open_handles_; }
  void on_sent() { ++report_.sent; }
  void on_acked(uint64_t sent_ns);
  void on_received(uint64_t sent_ns);
  void note_error(const std::string& what) { report_.note_error(what); }

 private:
  enum class Phase : uint8_t { Connecting, Ready, Armed, Publishing, Published, Draining, Finished };

  static void on_tick(uv_timer_t* timer) noexcept;
  static void on_parent_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
  static void on_parent_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void on_parent_written(uv_write_t* req, int status) noexcept;
  static void on_handle_closed(uv_handle_t* handle) noexcept;

  void create_clients();
  void start_more_clients(uint64_t now);
  void tick(uint64_t now);
  void publish_due(uint64_t now);
  void check_drain(uint64_t now);
  void handle_command(const std::string& line);
  void send_to_parent(std::string text, bool last = false);
  void finish();
  void shut_down();

  Options options_;
  std::shared_ptr<ssl_ctx_st> tls_;
  WorkerPlan plan_;
  uv_loop_t loop_{};
  uv_timer_t timer_{};
  uv_pipe_t parent_{};
  std::vector<char> read_buffer_;
  std::string parent_input_;
  std::vector<std::unique_ptr<LoadClient>> clients_;
  std::vector<LoadClient*> publishers_;
  std::vector<sockaddr_storage> sources_;
  sockaddr_storage target_{};
  Phase phase_ = Phase::Connecting;
  size_t next_to_start_ = 0;
  size_t settled_ = 0;
  size_t open_handles_ = 0;
  uint64_t connect_started_ns_ = 0;
  uint64_t start_ns_ = 0;
  uint64_t end_ns_ = 0;
  uint64_t last_progress_ns_ = 0;
  uint64_t last_ping_ns_ = 0;
  uint64_t drain_started_ns_ = 0;
  uint64_t last_activity_ns_ = 0;
  uint64_t activity_seen_ = 0;
  int exit_code_ = 0;
  WorkerReport report_;
};

}  // namespace edgemq::bench
