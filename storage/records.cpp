// Versioned msgpack records; the schemas are documented in records.h.
#include "storage/records.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <limits>

#include <msgpack.hpp>

namespace edgemq::storage::records {
namespace {

constexpr uint64_t kMaxQos = 2;
constexpr uint64_t kMaxState = static_cast<uint64_t>(DeliveryState::Received);

// msgpack::packer writes to anything with write(const char*, size_t).
struct StringSink {
  std::string* out;
  void write(const char* p, size_t n) { out->append(p, n); }
};
using Packer = msgpack::packer<StringSink>;

void pack_str(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

void pack_bin(Packer& pk, std::string_view b) {
  pk.pack_bin(static_cast<uint32_t>(b.size()));
  pk.pack_bin_body(b.data(), static_cast<uint32_t>(b.size()));
}

// Every element takes at least one byte, so no container in a valid record
// is longer than the record itself. Bounding by the input size stops a corrupt
// length from making the unpacker allocate gigabytes up front. Records use no
// maps or exts, and nest at most three arrays deep.
msgpack::unpack_limit limits_for(size_t n) { return {n, 0, n, n, 0, 4}; }

// Strings and bins may point into `value`: we copy them out before it dies,
// which saves the unpacker a copy of every payload.
bool reference_everything(msgpack::type::object_type, size_t, void*) { return true; }

Status error(std::string_view record, std::string_view why) {
  std::string m(record);
  m += " record: ";
  m += why;
  return Status::Error(std::move(m));
}

// Unpacks `value` and checks the envelope: an array with a version first,
// 1 to fields_by_version.size(), then exactly fields_by_version[version - 1]
// elements in all.
Status unpack_versioned(std::string_view record, std::string_view value,
                        std::initializer_list<uint32_t> fields_by_version, msgpack::object_handle& oh,
                        uint64_t& version_out) {
  try {
    size_t off = 0;
    oh = msgpack::unpack(value.data(), value.size(), off, reference_everything, nullptr,
                         limits_for(value.size()));
    if (off != value.size()) return error(record, "trailing bytes");
  } catch (const msgpack::insufficient_bytes&) {
    return error(record, "truncated");
  } catch (const std::exception& e) {
    return error(record, std::string("malformed msgpack: ") + e.what());
  }
  const msgpack::object& o = oh.get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size == 0) {
    return error(record, "not a versioned array");
  }
  const msgpack::object& version = o.via.array.ptr[0];
  if (version.type != msgpack::type::POSITIVE_INTEGER) return error(record, "bad version field");
  if (version.via.u64 == 0 || version.via.u64 > fields_by_version.size()) {
    return error(record, "unsupported version " + std::to_string(version.via.u64));
  }
  version_out = version.via.u64;
  const uint32_t fields = fields_by_version.begin()[version_out - 1];
  if (o.via.array.size != fields) {
    return error(record, "expected " + std::to_string(fields) + " fields, got " +
                             std::to_string(o.via.array.size));
  }
  return Status::Ok();
}

Status unpack_record(std::string_view record, std::string_view value, uint32_t fields,
                     msgpack::object_handle& oh) {
  uint64_t version = 0;
  return unpack_versioned(record, value, {fields}, oh, version);
}

bool as_uint(const msgpack::object& o, uint64_t max, uint64_t& out) {
  if (o.type != msgpack::type::POSITIVE_INTEGER || o.via.u64 > max) return false;
  out = o.via.u64;
  return true;
}

bool as_str(const msgpack::object& o, std::string& out) {
  if (o.type != msgpack::type::STR) return false;
  out.assign(o.via.str.ptr, o.via.str.size);
  return true;
}

bool as_bin(const msgpack::object& o, std::string& out) {
  if (o.type != msgpack::type::BIN) return false;
  out.assign(o.via.bin.ptr, o.via.bin.size);
  return true;
}

bool as_bool(const msgpack::object& o, bool& out) {
  if (o.type != msgpack::type::BOOLEAN) return false;
  out = o.via.boolean;
  return true;
}

// Subscription option bits in a v2 session record's [filter, qos, flags, id].
constexpr uint64_t kNoLocalBit = 0x01;
constexpr uint64_t kRetainAsPublishedBit = 0x02;

// [filter, qos], or in a v2 record also [filter, qos, flags, id].
bool as_subscription(const msgpack::object& o, bool v2, SubscriptionRecord& out) {
  if (o.type != msgpack::type::ARRAY) return false;
  const uint32_t n = o.via.array.size;
  if (n != 2 && !(v2 && n == 4)) return false;
  uint64_t qos = 0;
  if (!as_str(o.via.array.ptr[0], out.filter)) return false;
  if (!as_uint(o.via.array.ptr[1], kMaxQos, qos)) return false;
  out.qos = static_cast<uint8_t>(qos);
  out.no_local = out.retain_as_published = false;
  out.subscription_id = 0;
  if (n == 4) {
    uint64_t flags = 0, id = 0;
    if (!as_uint(o.via.array.ptr[2], kNoLocalBit | kRetainAsPublishedBit, flags)) return false;
    if (!as_uint(o.via.array.ptr[3], 268'435'455, id)) return false;  // a Variable Byte Integer's range
    out.no_local = (flags & kNoLocalBit) != 0;
    out.retain_as_published = (flags & kRetainAsPublishedBit) != 0;
    out.subscription_id = static_cast<uint32_t>(id);
  }
  return true;
}

}  // namespace

std::string encode_retained(const RetainedMessage& m) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  // Without 5.0 properties or expiry, v1: readable by older builds.
  const bool v1 = m.properties.empty() && m.expires_at_ms == 0;
  pk.pack_array(v1 ? 3 : 5);
  pk.pack_uint64(v1 ? 1 : 2);
  pk.pack_uint8(m.qos);
  pack_bin(pk, m.payload);
  if (!v1) {
    pack_bin(pk, m.properties);
    pk.pack_uint64(m.expires_at_ms);
  }
  return out;
}

Status decode_retained(std::string_view topic, std::string_view value, RetainedMessage& out) {
  msgpack::object_handle oh;
  uint64_t version = 0;
  if (Status s = unpack_versioned("retained", value, {3, 5}, oh, version); !s.ok) return s;
  const msgpack::object* f = oh.get().via.array.ptr;
  uint64_t qos = 0;
  if (!as_uint(f[1], kMaxQos, qos)) return error("retained", "bad qos");
  if (!as_bin(f[2], out.payload)) return error("retained", "bad payload");
  out.properties.clear();
  out.expires_at_ms = 0;
  if (version == 2) {
    if (!as_bin(f[3], out.properties)) return error("retained", "bad properties");
    if (!as_uint(f[4], UINT64_MAX, out.expires_at_ms)) return error("retained", "bad expiry time");
  }
  out.topic.assign(topic);
  out.qos = static_cast<uint8_t>(qos);
  return Status::Ok();
}

std::string encode_session(const SessionRecord& s) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  // A session that never expires and has no MQTT 5 options is written as
  // v1, readable by older builds.
  const bool v1 = s.expiry_s == kSessionNeverExpires && s.expires_at_s == 0 &&
                  std::all_of(s.subscriptions.begin(), s.subscriptions.end(),
                              [](const SubscriptionRecord& sub) { return sub.plain(); });
  pk.pack_array(v1 ? 2 : 4);
  pk.pack_uint64(v1 ? 1 : 2);
  pk.pack_array(static_cast<uint32_t>(s.subscriptions.size()));
  for (const SubscriptionRecord& sub : s.subscriptions) {
    pk.pack_array(sub.plain() ? 2 : 4);
    pack_str(pk, sub.filter);
    pk.pack_uint8(sub.qos);
    if (!sub.plain()) {
      pk.pack_uint8(static_cast<uint8_t>((sub.no_local ? kNoLocalBit : 0) |
                                         (sub.retain_as_published ? kRetainAsPublishedBit : 0)));
      pk.pack_uint32(sub.subscription_id);
    }
  }
  if (!v1) {
    pk.pack_uint32(s.expiry_s);
    pk.pack_uint64(s.expires_at_s);
  }
  return out;
}

Status decode_session(std::string_view client_id, std::string_view value, SessionRecord& out) {
  msgpack::object_handle oh;
  uint64_t version = 0;
  if (Status s = unpack_versioned("session", value, {2, 4}, oh, version); !s.ok) return s;
  const msgpack::object* fields = oh.get().via.array.ptr;
  out.expiry_s = kSessionNeverExpires;
  out.expires_at_s = 0;
  if (version == 2) {
    uint64_t expiry = 0;
    if (!as_uint(fields[2], 0xFFFFFFFF, expiry)) return error("session", "bad expiry interval");
    if (!as_uint(fields[3], UINT64_MAX, out.expires_at_s)) return error("session", "bad expiry time");
    out.expiry_s = static_cast<uint32_t>(expiry);
  }
  const msgpack::object& list = fields[1];
  if (list.type != msgpack::type::ARRAY) return error("session", "subscriptions is not an array");
  out.client_id.assign(client_id);
  out.subscriptions.clear();
  out.subscriptions.resize(list.via.array.size);
  for (uint32_t i = 0; i < list.via.array.size; ++i) {
    if (!as_subscription(list.via.array.ptr[i], version == 2, out.subscriptions[i])) {
      return error("session", "bad subscription " + std::to_string(i));
    }
  }
  return Status::Ok();
}

std::string encode_queued(const QueuedMessage& m) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  const bool v1 = m.properties.empty() && m.expires_at_ms == 0 && m.shared_filter.empty();
  pk.pack_array(v1 ? 7 : 10);
  pk.pack_uint64(v1 ? 1 : 2);
  pack_str(pk, m.topic);
  pack_bin(pk, m.payload);
  pk.pack_uint8(m.qos);
  m.retain ? pk.pack_true() : pk.pack_false();
  pk.pack_uint16(m.packet_id);
  pk.pack_uint8(static_cast<uint8_t>(m.state));
  if (!v1) {
    pack_bin(pk, m.properties);
    pk.pack_uint64(m.expires_at_ms);
    pack_str(pk, m.shared_filter);
  }
  return out;
}

Status decode_queued(uint64_t seq, std::string_view value, QueuedMessage& out) {
  msgpack::object_handle oh;
  uint64_t version = 0;
  if (Status s = unpack_versioned("queued", value, {7, 10}, oh, version); !s.ok) return s;
  const msgpack::object* f = oh.get().via.array.ptr;
  out.properties.clear();
  out.expires_at_ms = 0;
  out.shared_filter.clear();
  if (version == 2) {
    if (!as_bin(f[7], out.properties)) return error("queued", "bad properties");
    if (!as_uint(f[8], UINT64_MAX, out.expires_at_ms)) return error("queued", "bad expiry time");
    if (!as_str(f[9], out.shared_filter)) return error("queued", "bad shared filter");
  }
  uint64_t qos = 0, packet_id = 0, state = 0;
  if (!as_str(f[1], out.topic)) return error("queued", "bad topic");
  if (!as_bin(f[2], out.payload)) return error("queued", "bad payload");
  if (!as_uint(f[3], kMaxQos, qos)) return error("queued", "bad qos");
  if (!as_bool(f[4], out.retain)) return error("queued", "bad retain");
  if (!as_uint(f[5], std::numeric_limits<uint16_t>::max(), packet_id)) {
    return error("queued", "bad packet_id");
  }
  if (!as_uint(f[6], kMaxState, state)) return error("queued", "bad state");
  out.seq = seq;
  out.qos = static_cast<uint8_t>(qos);
  out.packet_id = static_cast<uint16_t>(packet_id);
  out.state = static_cast<DeliveryState>(state);
  return Status::Ok();
}

std::string encode_inbound() {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(1);
  pk.pack_uint64(kVersion);
  return out;
}

Status decode_inbound(std::string_view value) {
  msgpack::object_handle oh;
  return unpack_record("inbound", value, 1, oh);
}

std::string encode_last_seq(uint64_t seq) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(2);
  pk.pack_uint64(kVersion);
  pk.pack_uint64(seq);
  return out;
}

Status decode_last_seq(std::string_view value, uint64_t& out) {
  msgpack::object_handle oh;
  if (Status s = unpack_record("last_seq", value, 2, oh); !s.ok) return s;
  if (!as_uint(oh.get().via.array.ptr[1], std::numeric_limits<uint64_t>::max(), out)) {
    return error("last_seq", "bad seq");
  }
  return Status::Ok();
}

}  // namespace edgemq::storage::records
