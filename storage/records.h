// Record values: versioned msgpack, one array per record, version first.
//
//   retained  v1: [1, qos:uint 0..2, payload:bin]             (topic is the key)
//             v2: [2, qos, payload, properties:bin (an MQTT 5 property block),
//                  expires_at_ms:uint64 (0: never)]
//   session   v1: [1, [[filter:str, qos:uint 0..2], ...]]      (client id is the key)
//             v2: [2, [[filter, qos] or [filter, qos, flags:uint (1 no local,
//                  2 retain as published), subscription_id:uint], ...], expiry_s:uint32,
//                  expires_at_s:uint64 (unix time; 0: online)]  (written when expiry is finite
//                                                                  or counting; else v1)
//   queued    v1: [1, topic:str, payload:bin, qos:uint 0..2,
//                  retain:bool, packet_id:uint 0..65535,
//                  state:uint 0..2 (DeliveryState)]          (client id and seq are the key)
//             v2: v1's fields, then properties:bin, expires_at_ms:uint64,
//                  shared_filter:str (empty: not through a shared subscription)
//   last_seq  v1: [1, seq:uint64]                              (meta "last_seq")
//   inbound   v1: [1]                                          (client id and packet id are the key)
//
// v2 of a record is written only when it holds something v1 cannot (MQTT 5
// properties, an expiry), so MQTT 3.1.1 traffic keeps writing v1 records that
// older builds read; readers take both.
//
// Why an array with the version first: a reader looks at element 0 before it
// trusts anything else, so a later schema can change every other field. A reader
// rejects any version it does not know instead of guessing. Integers are written
// in msgpack's smallest form; payloads are bin so they stay binary-safe.
//
// Decoding never throws and never trusts the input: truncated data, trailing
// bytes, another version, wrong types, wrong field counts and out-of-range
// qos/state/packet ids all come back as an error Status, and `out` is then
// unspecified.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/store.h"

namespace edgemq::storage::records {

inline constexpr uint64_t kVersion = 1;  // of records with one version only

std::string encode_retained(const RetainedMessage& m);
[[nodiscard]] Status decode_retained(std::string_view topic, std::string_view value,
                                     RetainedMessage& out);

std::string encode_session(const SessionRecord& s);
[[nodiscard]] Status decode_session(std::string_view client_id, std::string_view value,
                                    SessionRecord& out);

std::string encode_queued(const QueuedMessage& m);
[[nodiscard]] Status decode_queued(uint64_t seq, std::string_view value, QueuedMessage& out);

std::string encode_inbound();
[[nodiscard]] Status decode_inbound(std::string_view value);

std::string encode_last_seq(uint64_t seq);
[[nodiscard]] Status decode_last_seq(std::string_view value, uint64_t& out);

}  // namespace edgemq::storage::records
