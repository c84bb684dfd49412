// One client's TCP connection: bytes in through the codec into the shard,
// packets out coalesced per loop turn. Implements core::Link.
//
// Life: AwaitConnect -> Bound (CONNECT accepted) -> Closing -> freed in the
// uv_close callback, never earlier and never from inside its own callbacks.
// Memory while idle: no read buffer (reads land in the worker's shared
// buffer); only an incomplete packet is kept, in spill_.
#pragma once

#include <uv.h>

#include <cstdint>
#include <span>
#include <string>

#include "gateway/core/link.h"
#include "protocols/mqtt/packet.h"

namespace edgemq::net {

class Worker;

class Connection final : public core::Link {
 public:
  Connection(Worker& worker, uint64_t id);

  // Starts reading a freshly accepted socket (`server` has one pending).
  bool accept_from(uv_stream_t* server);
  // Takes a socket handed over by another worker, already past CONNECT.
  bool adopt(int fd, mqtt::Connect connect, const std::string& rest);
  // The timing wheel says this connection's deadline has come.
  void on_deadline();

  // core::Link
  void send(const mqtt::Packet& p) override;
  void send_publish(const core::Message& m, uint8_t qos, uint16_t packet_id, bool dup,
                    bool retain) override;
  size_t queued_bytes() const override { return out_.size() + writing_bytes_; }
  void close() override;
  uint64_t id() const override { return id_; }

  void flush();
  // Stops reading while too many replies wait for the store or its output,
  // or when its last read routed deliveries to a worker whose inbox is over
  // its bound (`feeds_congested`); true if paused.
  bool pause_if_backlogged(bool feeds_congested);
  bool backlogged(size_t divisor) const;
  // Resumes reading once the backlog is below half the limit, and no worker
  // this one hands deliveries to is over half its bound; true if resumed.
  bool resume_if_drained();
  // A second descriptor for this socket, for handing it to another worker.
  int duplicate_fd();
  // Closes at once, dropping unwritten output. graceful: no will.
  void abort(bool graceful);

 private:
  enum class State : uint8_t { AwaitConnect, Bound, Closing };
  struct WriteReq;

  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_closed(uv_handle_t* h);

  void consume(std::span<const uint8_t> in);
  // Decodes and handles packets at the front of `in`; returns bytes used, or
  // SIZE_MAX when the connection stopped taking input (closed, handed over).
  size_t process(std::span<const uint8_t> in);
  bool handle_connect(mqtt::Connect&& c, std::span<const uint8_t> rest);
  void bind(uint16_t keep_alive_s);
  void protocol_error(const char* what);
  void queue_bytes(size_t before);
  void start_close();
  uint64_t now_ms() const;

  Worker& worker_;
  uv_tcp_t handle_{};
  uint64_t id_;
  State state_ = State::AwaitConnect;
  bool graceful_ = false;      // DISCONNECT seen, or server shutdown: no will
  bool flush_pending_ = false;
  bool closing_started_ = false;
  bool paused_ = false;
  uint16_t keep_alive_s_ = 0;
  uint32_t writes_in_flight_ = 0;
  size_t writing_bytes_ = 0;
  uint64_t last_rx_ms_ = 0;
  std::string spill_;  // an incomplete packet
  std::string out_;    // encoded packets not yet handed to the socket
};

}  // namespace edgemq::net
