// Every key layout the store writes, in one place.
//
//   family    key                                   why this shape
//   retained  topic bytes                           one record per topic; replace = put
//   sessions  client id bytes                       one record per persistent session
//   queue     client id, 0x00, seq (8 bytes BE)     big-endian seq sorts numerically under the
//                                                   bytewise comparator, so one client's queue is a
//                                                   contiguous range in delivery order
//   meta      "last_seq"                            high-water mark of queue seqs
//   inbound   client id, 0x00, packet id (2 bytes BE)  same range shape as the queue
//
// Client ids are MQTT UTF-8 strings, which never contain U+0000, so 0x00 is a
// safe separator: client "a" owns exactly [ "a\0", "a\1" ), and "ab..." sorts
// after "a\1" because 'b' > 0x01. Column-family names live here too: they are
// part of the on-disk layout and, like Family, are append only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/store.h"

namespace edgemq::storage::keys {

inline constexpr char kQueueSeparator = '\0';
inline constexpr size_t kSeqBytes = 8;
inline constexpr std::string_view kLastSeqKey = "last_seq";

// The RocksDB column-family name for `f` ("retained", "sessions", "queue", "meta").
std::string_view family_name(Family f);

std::string retained_key(std::string_view topic);
std::string session_key(std::string_view client_id);

std::string queue_key(std::string_view client_id, uint64_t seq);
// [queue_begin, queue_end) holds exactly the queue of `client_id`.
std::string queue_begin(std::string_view client_id);
std::string queue_end(std::string_view client_id);

std::string inbound_key(std::string_view client_id, uint16_t packet_id);

struct InboundKey {
  std::string_view client_id;  // points into the parsed key
  uint16_t packet_id = 0;
};
std::optional<InboundKey> parse_inbound_key(std::string_view key);

struct QueueKey {
  std::string_view client_id;  // points into the parsed key
  uint64_t seq = 0;
};
// Splits a queue key; nullopt if it is not one (too short, no separator where
// expected, or a 0x00 inside the client id).
std::optional<QueueKey> parse_queue_key(std::string_view key);

void append_u64_be(std::string& out, uint64_t v);
uint64_t read_u64_be(std::string_view eight_bytes);

}  // namespace edgemq::storage::keys
