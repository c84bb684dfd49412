#include "tests/bench/packet_view.h"

namespace edgemq::bench {
namespace {

uint16_t read_u16(std::string_view s, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(s[at]) << 8) | static_cast<uint8_t>(s[at + 1]));
}

bool read_publish(std::string_view body, PacketView& out) {
  if (body.size() < 2) return false;
  const size_t topic_len = read_u16(body, 0);
  size_t at = 2 + topic_len;
  if (at > body.size()) return false;
  out.topic = body.substr(2, topic_len);
  out.qos = static_cast<uint8_t>((out.flags >> 1) & 3);
  if (out.qos > 0) {
    if (at + 2 > body.size()) return false;
    out.packet_id = read_u16(body, at);
    at += 2;
  }
  out.payload = body.substr(at);
  return true;
}

}  // namespace

FrameStatus read_packet(std::string_view in, PacketView& out, size_t& consumed) {
  if (in.size() < 2) return FrameStatus::NeedMore;
  size_t remaining = 0;
  size_t at = 1;
  for (int shift = 0;; shift += 7, ++at) {
    if (at >= in.size()) return FrameStatus::NeedMore;
    if (shift > 21) return FrameStatus::Malformed;
    const auto byte = static_cast<uint8_t>(in[at]);
    remaining |= static_cast<size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  ++at;
  if (in.size() - at < remaining) return FrameStatus::NeedMore;
  const std::string_view body = in.substr(at, remaining);
  consumed = at + remaining;

  out = PacketView{};
  out.type = static_cast<mqtt::PacketType>(static_cast<uint8_t>(in[0]) >> 4);
  out.flags = static_cast<uint8_t>(in[0] & 0x0f);
  if (out.type == mqtt::PacketType::Publish) return read_publish(body, out) ? FrameStatus::Packet : FrameStatus::Malformed;
  if (body.size() >= 2) {
    out.packet_id = read_u16(body, 0);
    out.first_body_byte = static_cast<uint8_t>(body[0]);
    out.second_body_byte = static_cast<uint8_t>(body[1]);
  }
  if (out.type == mqtt::PacketType::Suback) {
    if (body.size() < 3) return FrameStatus::Malformed;
    out.first_body_byte = static_cast<uint8_t>(body[2]);
  }
  if (out.type == mqtt::PacketType::Connack && body.size() != 2) return FrameStatus::Malformed;
  return FrameStatus::Packet;
}

}  // namespace edgemq::bench
