// libFuzzer target for what a WebSocket listener's connection runs untrusted
// bytes through: the opening handshake (llhttp) and then the stream (wslay),
// as net::WsTransport chains them. The first input byte seeds how the rest is
// split into reads. Checked on every input:
//   - the outcome does not depend on the split: the same MQTT bytes come
//     out, the connection ends (or not) the same way, the same first
//     response goes back;
//   - no more MQTT bytes come out than went into the stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>

#include "protocols/ws/handshake.h"
#include "protocols/ws/ws_stream.h"

namespace {

using edgemq::ws::HandshakeParser;
using edgemq::ws::HandshakeResult;
using edgemq::ws::WsStream;

void check(bool ok) {
  if (!ok) std::abort();
}

struct Outcome {
  std::string app;       // MQTT bytes delivered
  std::string response;  // the handshake's answer
  bool open = true;
};

// The upgrade, then the stream, over reads of the sizes `next_size` picks.
template <typename NextSize>
Outcome run(std::span<const uint8_t> in, NextSize next_size) {
  Outcome out;
  HandshakeParser handshake(edgemq::ws::HandshakePolicy{{"/mqtt"}, {}, 2048});
  std::unique_ptr<WsStream> stream;
  size_t fed = 0;         // taken by the handshake
  size_t stream_fed = 0;  // given to the stream
  size_t pos = 0;
  std::string wire;
  while (pos < in.size() && out.open) {
    std::span<const uint8_t> chunk = in.subspan(pos, std::min(in.size() - pos, next_size()));
    pos += chunk.size();
    if (!stream) {
      const HandshakeResult r = handshake.feed(chunk);
      if (r.status == HandshakeResult::Status::NeedMore) {
        fed += chunk.size();
        continue;
      }
      check(r.consumed >= fed && r.consumed <= fed + chunk.size());
      out.response = r.response;
      if (r.status == HandshakeResult::Status::Refused) {
        out.open = false;
        break;
      }
      stream = std::make_unique<WsStream>(4096);
      chunk = chunk.subspan(r.consumed - fed);
    }
    stream_fed += chunk.size();
    out.open = stream->on_wire(chunk, out.app, wire);
    // A message may come out on a later read than its bytes, never more than them.
    check(out.app.size() <= stream_fed);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::span<const uint8_t> in(data + 1, size - 1);
  const Outcome whole = run(in, [] { return SIZE_MAX; });
  uint32_t state = data[0] * 2654435761u + 1;
  const Outcome split = run(in, [&state] {
    state = state * 1103515245u + 12345u;
    return size_t{1} + (state >> 16) % 23;
  });
  check(whole.app == split.app);
  check(whole.open == split.open);
  check(whole.response == split.response);
  check(whole.app.size() <= in.size());
  return 0;
}
