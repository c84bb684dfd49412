#include "gateway/net/ws_transport.h"

namespace edgemq::net {

WsTransport::WsTransport(const WsOptions& options)
    : max_message_bytes_(options.max_message_bytes),
      handshake_(std::make_unique<ws::HandshakeParser>(ws::HandshakePolicy{options.paths, options.allowed_origins})) {}

bool WsTransport::on_read(std::span<const uint8_t> in, std::string& app, std::string& wire) {
  if (handshake_) {
    const ws::HandshakeResult r = handshake_->feed(in);
    switch (r.status) {
      case ws::HandshakeResult::Status::NeedMore:
        handshake_fed_ += in.size();
        return true;
      case ws::HandshakeResult::Status::Refused:
        wire += r.response;
        return false;
      case ws::HandshakeResult::Status::Accepted:
        break;
    }
    wire += r.response;
    // What followed the request in this read is already the stream's.
    in = in.subspan(r.consumed - handshake_fed_);
    handshake_.reset();
    stream_ = std::make_unique<ws::WsStream>(max_message_bytes_);
    if (in.empty()) return true;
  }
  return stream_->on_wire(in, app, wire);
}

void WsTransport::frame(std::string& wire) {
  if (pending_.empty()) return;
  if (stream_) stream_->send(pending_, wire);
  pending_.clear();
}

void WsTransport::close(uint16_t code, std::string& wire) {
  if (stream_) stream_->close(code, {}, wire);
}

}  // namespace edgemq::net
