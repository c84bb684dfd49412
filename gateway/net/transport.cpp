#include "gateway/net/transport.h"

namespace edgemq::net {

Transport::Transport(std::unique_ptr<TlsSession> tls, std::unique_ptr<WsTransport> ws)
    : tls_(std::move(tls)), ws_(std::move(ws)) {}

bool Transport::on_read(std::span<const uint8_t> in, std::string& app, std::string& wire) {
  if (!tls_) return ws_->on_read(in, app, wire);
  if (!ws_) return tls_->on_read(in, app, wire);
  thread_local std::string plain;
  plain.clear();
  bool open = tls_->on_read(in, plain, wire);
  if (!plain.empty()) {
    // The WebSocket's answers (handshake response, pongs, close) go back encrypted.
    open = ws_->on_read(std::span(reinterpret_cast<const uint8_t*>(plain.data()), plain.size()), app, plain_) && open;
  }
  seal(wire);
  return open;
}

void Transport::end_packet(std::string& wire) {
  if (ws_) ws_->frame(below(wire));
}

void Transport::seal(std::string& wire) {
  end_packet(wire);
  if (tls_ && !plain_.empty()) {
    tls_->encrypt(plain_, wire);
    plain_.clear();
    // A message far above the usual size leaves no big buffer behind.
    if (plain_.capacity() > 64 * 1024) plain_.shrink_to_fit();
  }
}

void Transport::close(uint16_t ws_code, std::string& wire) {
  if (ws_) {
    ws_->frame(below(wire));
    ws_->close(ws_code, below(wire));
  }
  seal(wire);
  if (tls_) tls_->close_notify(wire);
}

size_t Transport::pending_bytes() const { return (ws_ ? ws_->pending().size() : 0) + plain_.size(); }

}  // namespace edgemq::net
