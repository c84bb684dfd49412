// One client's TCP connection: bytes in through the codec into the shard,
// packets out coalesced per loop turn. Implements core::Link.
//
// Life: AwaitConnect [-> Authenticating (a 5.0 AUTH exchange)] -> Bound
// (CONNECT accepted) -> Closing -> freed in the uv_close callback, never
// earlier and never from inside its own callbacks.
// Memory while idle: the uv handle and a few fields, nothing else. Reads land
// in the worker's shared buffer; only an incomplete packet is kept, in a
// PartialPacket that exists while one is unfinished (partial_packet.h).
// Output is encoded into a buffer borrowed from the worker for the loop turn
// and given back once written (see docs/architecture.md, "What an idle
// connection holds").
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "gateway/core/link.h"
#include "gateway/core/shard.h"
#include "gateway/net/listener.h"
#include "gateway/net/partial_packet.h"
#include "gateway/net/transport.h"
#include "protocols/mqtt/packet.h"

namespace edgemq::net {

class Worker;

class Connection final : public core::Link {
 public:
  Connection(uv_loop_t* loop, uint64_t id);

  // Starts reading a freshly accepted socket, whose descriptor it now owns.
  bool accept_fd(int fd);
  // Takes a socket handed over by another worker, already past CONNECT, with
  // its transport if it came through TLS or WebSocket, and the bytes the
  // other worker had prepared for it but not written (they go first).
  bool adopt(int fd, mqtt::Connect connect, const std::string& rest, std::unique_ptr<Transport> transport,
             std::string unwritten);
  // From a TLS or WebSocket listener: bytes pass through `t` both ways.
  void use_transport(std::unique_ptr<Transport> t);
  std::unique_ptr<Transport> take_transport();
  // For a hand-over: the bytes prepared for the socket and not handed to it
  // yet, and whether some are handed to libuv but not written.
  std::string take_unwritten();
  bool writing() const { return writing_bytes() > 0; }
  // The timing wheel says this connection's deadline has come.
  void on_deadline();

  // core::Link
  void send(const mqtt::Packet& p) override;
  void send_publish(const mqtt::PublishView& p) override;
  size_t queued_bytes() const override;
  void close() override;
  bool closing() const override { return state_ == State::Closing; }
  uint64_t id() const override { return id_; }
  Info info() const override;

  void flush();
  // Stops reading while too many replies wait for the store or its output,
  // when its last read routed deliveries to a worker whose inbox is over
  // its bound (`feeds_congested`), or when it holds a large partial packet
  // while the gateway's budget for them is spent; true if paused.
  bool pause_if_backlogged(bool feeds_congested);
  bool backlogged(size_t divisor) const;
  // Resumes reading once the backlog is below half the limit, no worker
  // this one hands deliveries to is over half its bound, and the partial
  // packet budget has room again; true if resumed.
  bool resume_if_drained();
  // A second descriptor for this socket, for handing it to another worker.
  int duplicate_fd();
  // Closes at once, dropping unwritten output. graceful: no will.
  void abort(bool graceful);
  // Server shutdown: a 5.0 client is told so if its socket takes it at
  // once, then the connection is aborted (gracefully: no will).
  void shut_down();

 private:
  enum class State : uint8_t { AwaitConnect, Authenticating, Bound, Closing };
  struct WriteReq;

  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_closed(uv_handle_t* h);

  // Bytes read from the socket: through the transport, if any, to consume().
  void receive(std::span<const uint8_t> in);
  // Our WebSocket close frame or TLS close_notify is out, the client's is not in.
  bool awaiting_peer_close() const;
  // close(), optionally without waiting for the client's side of the close.
  void close_socket(bool await_peer);
  // A read while closing: the client's WebSocket close frame, TLS
  // close_notify or end of stream.
  void finish_close_wait(ssize_t nread, const uv_buf_t* buf);
  // Handles the whole packets of `in` (after what partial_ holds) and keeps
  // the rest; then settles partial_ with what the transport holds.
  void consume(std::span<const uint8_t> in);
  // As consume(), without settling; true if a packet was completed.
  bool take(std::span<const uint8_t> in);
  // Decodes and handles packets at the front of `in`; returns bytes used, or
  // SIZE_MAX when the connection stopped taking input (closed, handed over).
  // `expected` gets the size of the packet left unfinished, once known.
  size_t process(std::span<const uint8_t> in, size_t& expected);
  // After a read: partial_ exists while an MQTT packet or a WebSocket
  // message is unfinished, and is charged to the budget for what both hold.
  // `progressed`: a packet was completed, so packet_timeout counts anew.
  void settle_partial(bool progressed);
  uint64_t partial_bytes() const { return partial_ ? partial_->charged : 0; }
  // Bound: arms the timing wheel for the earlier of the keep-alive and the
  // packet timeout; nothing when neither applies.
  void arm_deadline();
  // When silence ends the connection; 0 without a keep-alive.
  uint64_t keep_alive_deadline(uint64_t now) const;
  // When the partial packet must have made progress; 0 without one.
  uint64_t packet_deadline() const;
  void close_for_packet_timeout();
  // CONNECT while memory is high: CONNACK "server unavailable" (3.1.1) or
  // "server busy" (5.0), then closed.
  void refuse_busy();
  bool handle_connect(mqtt::Connect&& c, std::span<const uint8_t> rest);
  // Acts on the shard's verdict on a CONNECT or an AUTH before CONNACK;
  // false when the connection stops taking input.
  bool finish_connect(const core::Shard::ConnectResult& result);
  void bind(uint16_t keep_alive_s);
  // Counts how this connection's attempt (socket to CONNACK) ended.
  void count_attempt(core::ConnectResult r);
  // Records on its Client, if bound, why the gateway is closing it.
  void note_close_reason(core::DisconnectReason r);
  // Closes for a broken rule; `reason` (0: none) goes to a 5.0 client in
  // DISCONNECT. Before CONNACK it ends the attempt as `attempt`.
  void protocol_error(const char* what, uint8_t reason,
                      core::ConnectResult attempt = core::ConnectResult::Malformed);
  // Queues a 5.0 client's DISCONNECT with `reason` and its name (and
  // `detail`, if any) as reason string; nothing for 3.1.1 or before CONNACK.
  void say_goodbye(uint8_t reason, const char* detail);
  // The version its CONNECT named: how packets are decoded and encoded.
  mqtt::ProtocolLevel level() const { return v5_ ? mqtt::ProtocolLevel::V5 : mqtt::ProtocolLevel::V311; }
  void queue_bytes(size_t added);
  void start_close();
  uint64_t now_ms() const;
  uint32_t now_ds() const;  // loop time in 100 ms units, rounded up
  void mark_received();
  uint64_t last_rx_ms() const { return uint64_t{last_rx_ds_} * 100; }
  // Where MQTT packets are encoded: the socket's buffer, or the transport's
  // (framed right after for WebSocket, encrypted at flush for TLS).
  std::string& out();
  // Bytes for the socket as they are.
  std::string& wire();
  Transport* transport() const;  // null for plain TCP
  // Which listener it came through (its transport tells).
  ListenerKind kind() const;
  // Its cell in Stats::connected_by.
  std::atomic<int64_t>& connected_gauge() const;
  // mTLS with cn_as_username: CONNECT's username becomes the certificate's
  // CN; false (refused) when there is none.
  bool apply_certificate_identity(mqtt::Connect& c);
  size_t writing_bytes() const;
  // The worker is the loop's owner (uv_loop_t::data): no reference kept here,
  // as every byte of an idle connection counts (tens of thousands per worker).
  Worker& worker() const { return *static_cast<Worker*>(handle_.loop->data); }

  // Packed to 8 bytes with the keep-alive and the last-receive time: with the
  // uv handle (248 bytes) the object stays in glibc's 304-byte size class.
  uv_tcp_t handle_{};
  uint64_t id_;
  State state_ = State::AwaitConnect;
  bool graceful_ : 1 = false;  // DISCONNECT seen, or server shutdown: no will
  bool flush_pending_ : 1 = false;
  bool closing_started_ : 1 = false;
  bool paused_ : 1 = false;
  bool v5_ : 1 = false;  // its CONNECT was MQTT 5.0
  // It came through a TLS or WebSocket listener. The transport itself is
  // kept by the worker, so plain TCP connections do not pay a pointer for it.
  bool layered_ : 1 = false;
  bool close_wait_ : 1 = false;  // closing, still reading for the client's side of the close
  bool counted_ : 1 = false;     // in Stats::connected_by until it closes
  uint16_t keep_alive_s_ = 0;
  // Loop time of the last byte received, in 100 ms units rounded up (the
  // timing wheel's tick): wraps after 13 years of loop time.
  uint32_t last_rx_ds_ = 0;
  std::unique_ptr<PartialPacket> partial_;  // an unfinished packet, if any
  std::unique_ptr<std::string> out_;        // bytes not yet handed to the socket
};

}  // namespace edgemq::net
