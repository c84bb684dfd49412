// libFuzzer target for the MQTT decoder. The first input byte seeds how the
// rest is split into chunks and, by its low bit, the protocol level of the
// whole input (0: 3.1.1, 1: 5.0); the chunks go through a spill buffer
// exactly as a connection feeds them. Checked on every input:
//   - chunked decoding yields the same packets and the same final error as
//     decoding the whole buffer at once (the decoder is split-invariant);
//   - every packet decoded re-encodes to bytes that decode to the same bytes
//     again (encode/decode agree), and a PUBLISH encodes the same through a
//     PublishView;
//   - consumed/needed never point outside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "protocols/mqtt/codec.h"

namespace {

using edgemq::mqtt::DecodeError;
using edgemq::mqtt::DecodeResult;
using edgemq::mqtt::ProtocolLevel;

constexpr size_t kMaxPacket = 64 * 1024;

struct Outcome {
  std::vector<std::string> packets;  // each packet re-encoded
  DecodeError error = DecodeError::None;
};

void check(bool ok) {
  if (!ok) std::abort();
}

void check_publish_view(const edgemq::mqtt::Packet& p, ProtocolLevel level,
                        const std::string& wire) {
  const auto* pub = std::get_if<edgemq::mqtt::Publish>(&p);
  if (!pub) return;
  const edgemq::mqtt::PublishView view{pub->dup,   pub->qos,       pub->retain,
                                       pub->topic, pub->packet_id, pub->payload,
                                       pub->props.null() ? nullptr : &pub->props.get()};
  std::string via_view;
  edgemq::mqtt::encode(view, via_view, level);
  check(via_view == wire);
  check(edgemq::mqtt::encoded_size(view, level) == wire.size());
}

// Decodes what it can from the front of `buf`; returns bytes used, or SIZE_MAX on error.
size_t drain(std::span<const uint8_t> buf, ProtocolLevel level, Outcome& out) {
  size_t off = 0;
  while (off < buf.size()) {
    DecodeResult r = edgemq::mqtt::decode(buf.subspan(off), kMaxPacket, level);
    if (r.status == DecodeResult::Status::NeedMore) {
      check(r.needed == 0 || r.needed > buf.size() - off);
      break;
    }
    if (r.status == DecodeResult::Status::Error) {
      out.error = r.error;
      return SIZE_MAX;
    }
    check(r.consumed > 0 && r.consumed <= buf.size() - off);
    std::string wire;
    edgemq::mqtt::encode(r.packet, wire, level);
    check(wire.size() == edgemq::mqtt::encoded_size(r.packet, level));
    check_publish_view(r.packet, level, wire);
    DecodeResult again = edgemq::mqtt::decode(
        std::span(reinterpret_cast<const uint8_t*>(wire.data()), wire.size()), SIZE_MAX, level);
    check(again.status == DecodeResult::Status::Packet && again.consumed == wire.size());
    std::string wire2;
    edgemq::mqtt::encode(again.packet, wire2, level);
    check(wire2 == wire);
    out.packets.push_back(std::move(wire));
    off += r.consumed;
  }
  return off;
}

Outcome whole(std::span<const uint8_t> in, ProtocolLevel level) {
  Outcome out;
  drain(in, level, out);
  return out;
}

Outcome chunked(std::span<const uint8_t> in, uint8_t seed, ProtocolLevel level) {
  Outcome out;
  std::string spill;
  uint32_t state = seed * 2654435761u + 1;
  size_t pos = 0;
  while (pos < in.size()) {
    state = state * 1103515245u + 12345u;
    size_t n = std::min<size_t>(in.size() - pos, 1 + (state >> 16) % 17);
    spill.append(reinterpret_cast<const char*>(in.data() + pos), n);
    pos += n;
    size_t used = drain(std::span(reinterpret_cast<const uint8_t*>(spill.data()), spill.size()),
                        level, out);
    if (used == SIZE_MAX) return out;
    spill.erase(0, used);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::span<const uint8_t> in(data + 1, size - 1);
  const ProtocolLevel level = (data[0] & 0x01) ? ProtocolLevel::V5 : ProtocolLevel::V311;
  Outcome a = whole(in, level);
  Outcome b = chunked(in, data[0], level);
  check(a.packets == b.packets);
  check(a.error == b.error);
  return 0;
}
