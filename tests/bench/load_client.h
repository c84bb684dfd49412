// One MQTT 3.1.1 client of edgemq-bench on its process's libuv loop: connects,
// subscribes or publishes, answers the QoS flows, and counts. The client owns
// its uv_tcp_t; the LoadWorker owns the clients and frees them only after the
// loop has run every close callback.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <utility>
#include <string>

#include "tests/bench/client_transport.h"
#include "tests/bench/stream_tracker.h"

namespace edgemq::bench {

class LoadWorker;
struct PacketView;

enum class Role : uint8_t { Idle, Publisher, Subscriber };

class LoadClient {
 public:
  enum class State : uint8_t { Waiting, Connecting, Handshake, Subscribing, Ready, Failed, Closed };

  // `target` is the publish topic of a publisher or the filter of a subscriber.
  LoadClient(LoadWorker& worker, Role role, uint32_t index, std::string client_id, std::string target);
  LoadClient(const LoadClient&) = delete;
  LoadClient& operator=(const LoadClient&) = delete;

  // Begins the TCP connect, bound to `source` when given.
  void start(const sockaddr* target_addr, const sockaddr* source);
  // Publishes up to `count` messages now, as far as the QoS 1/2 window and a
  // bounded write queue allow, and writes them; returns how many went out.
  uint32_t publish(uint32_t count);
  // Keeps the pipe full when publishing without a rate.
  void pump();
  void ping();
  // --ack-rate: sends the acknowledgements due by `now`.
  void release_acks(uint64_t now);
  void close();
  // Gives up a client still connecting (the connect timeout).
  void fail();

  Role role() const { return role_; }
  uint32_t index() const { return index_; }
  State state() const { return state_; }
  bool settled() const { return state_ == State::Ready || state_ == State::Failed || state_ == State::Closed; }
  uint64_t sent() const { return sent_; }
  const StreamTotals* streams() const { return tracker_ ? &tracker_->totals() : nullptr; }

 private:
  struct WriteRequest;

  static void on_connect(uv_connect_t* req, int status) noexcept;
  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void on_write(uv_write_t* req, int status) noexcept;
  static void on_close(uv_handle_t* handle) noexcept;

  void handle_bytes(const char* data, size_t len);
  void handle_mqtt(const char* data, size_t len);
  // Returns false when the connection must close.
  bool handle_packet(const PacketView& p);
  void on_ready();
  void on_lost();
  void append_publish();
  // MQTT bytes in out_ go out (through the transport, once it is ready).
  void flush();
  void write_raw(std::string data);

  LoadWorker& worker_;
  uv_tcp_t tcp_{};
  uv_connect_t connect_req_{};
  Role role_;
  State state_ = State::Waiting;
  uint32_t index_;
  std::string client_id_;
  std::string target_;
  std::string spill_;
  std::string out_;
  uint32_t pending_writes_ = 0;
  uint32_t inflight_ = 0;
  uint16_t next_packet_id_ = 1;
  uint64_t sent_ = 0;
  std::deque<uint64_t> sent_at_;  // QoS 1/2 publishes awaiting their ack, oldest first (acks come in order)
  std::deque<std::pair<uint8_t, uint16_t>> held_acks_;  // --ack-rate: (QoS, packet id) not acknowledged yet
  uint64_t acks_released_ = 0;
  uint64_t acks_started_ns_ = 0;
  std::unique_ptr<StreamTracker> tracker_;
  std::unique_ptr<ClientTransport> transport_;  // not for TCP
};

}  // namespace edgemq::bench
