#include "storage/keys.h"

namespace edgemq::storage::keys {

std::string_view family_name(Family f) {
  switch (f) {
    case Family::Retained: return "retained";
    case Family::Sessions: return "sessions";
    case Family::Queue: return "queue";
    case Family::Meta: return "meta";
    case Family::Inbound: return "inbound";
  }
  return "unknown";
}

std::string retained_key(std::string_view topic) { return std::string(topic); }

std::string session_key(std::string_view client_id) { return std::string(client_id); }

std::string queue_key(std::string_view client_id, uint64_t seq) {
  std::string key = queue_begin(client_id);
  append_u64_be(key, seq);
  return key;
}

std::string queue_begin(std::string_view client_id) {
  std::string key;
  key.reserve(client_id.size() + 1 + kSeqBytes);
  key.append(client_id);
  key.push_back(kQueueSeparator);
  return key;
}

std::string queue_end(std::string_view client_id) {
  // One past the separator: every "client\0<8 bytes>" sorts below "client\1".
  std::string key(client_id);
  key.push_back(static_cast<char>(kQueueSeparator + 1));
  return key;
}

std::optional<QueueKey> parse_queue_key(std::string_view key) {
  if (key.size() < 1 + kSeqBytes) return std::nullopt;
  const size_t sep = key.size() - kSeqBytes - 1;
  if (key[sep] != kQueueSeparator) return std::nullopt;
  std::string_view client_id = key.substr(0, sep);
  if (client_id.find(kQueueSeparator) != std::string_view::npos) return std::nullopt;
  return QueueKey{client_id, read_u64_be(key.substr(sep + 1))};
}

std::string inbound_key(std::string_view client_id, uint16_t packet_id) {
  std::string key = queue_begin(client_id);  // the same client range shape
  key.push_back(static_cast<char>(packet_id >> 8));
  key.push_back(static_cast<char>(packet_id & 0xff));
  return key;
}

std::optional<InboundKey> parse_inbound_key(std::string_view key) {
  if (key.size() < 3) return std::nullopt;
  const size_t sep = key.size() - 3;
  if (key[sep] != kQueueSeparator) return std::nullopt;
  std::string_view client_id = key.substr(0, sep);
  if (client_id.find(kQueueSeparator) != std::string_view::npos) return std::nullopt;
  auto id = static_cast<uint16_t>((static_cast<uint8_t>(key[sep + 1]) << 8) | static_cast<uint8_t>(key[sep + 2]));
  if (id == 0) return std::nullopt;
  return InboundKey{client_id, id};
}

void append_u64_be(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

uint64_t read_u64_be(std::string_view eight_bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < kSeqBytes && i < eight_bytes.size(); ++i) {
    v = (v << 8) | static_cast<uint8_t>(eight_bytes[i]);
  }
  return v;
}

}  // namespace edgemq::storage::keys
