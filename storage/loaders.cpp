#include "storage/loaders.h"

#include <cstdint>
#include <string>

#include "storage/keys.h"
#include "storage/records.h"

namespace edgemq::storage {
namespace {

// Keys may be binary; show them escaped and short in messages.
std::string printable(std::string_view key) {
  constexpr size_t kMax = 64;
  std::string out;
  for (size_t i = 0; i < key.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  if (key.size() > kMax) out += "...";
  return out;
}

// Counts skipped rows and builds the Status described in loaders.h.
class SkipReport {
 public:
  explicit SkipReport(std::string_view family) : family_(family) {}

  void skip(std::string_view key, const Status& why) {
    if (skipped_++ == 0) first_ = "key \"" + printable(key) + "\": " + why.message;
  }

  Status finish(const Status& scan) const {
    std::string m(family_);
    if (!scan.ok) return Status::Error(m + ": " + scan.message);
    if (skipped_ == 0) return Status::Ok();
    m += ": skipped " + std::to_string(skipped_) + " corrupt record(s); first: " + first_;
    return Status{true, std::move(m)};
  }

 private:
  std::string_view family_;
  uint64_t skipped_ = 0;
  std::string first_;
};

}  // namespace

Status load_retained_rows(const Scan& scan, const std::function<void(RetainedMessage&&)>& each) {
  SkipReport report("retained");
  Status s = scan([&](std::string_view key, std::string_view value) {
    RetainedMessage m;
    if (Status d = records::decode_retained(key, value, m); !d.ok) return report.skip(key, d);
    each(std::move(m));
  });
  return report.finish(s);
}

Status load_session_rows(const Scan& scan, const std::function<void(SessionRecord&&)>& each) {
  SkipReport report("sessions");
  Status s = scan([&](std::string_view key, std::string_view value) {
    SessionRecord r;
    if (Status d = records::decode_session(key, value, r); !d.ok) return report.skip(key, d);
    each(std::move(r));
  });
  return report.finish(s);
}

Status load_queue_rows(const Scan& scan,
                       const std::function<void(std::string_view, QueuedMessage&&)>& each) {
  SkipReport report("queue");
  Status s = scan([&](std::string_view key, std::string_view value) {
    std::optional<keys::QueueKey> k = keys::parse_queue_key(key);
    if (!k) return report.skip(key, Status::Error("not a queue key"));
    QueuedMessage m;
    if (Status d = records::decode_queued(k->seq, value, m); !d.ok) return report.skip(key, d);
    each(k->client_id, std::move(m));
  });
  return report.finish(s);
}

Status load_inbound_rows(const Scan& scan,
                         const std::function<void(std::string_view, uint16_t)>& each) {
  SkipReport report("inbound");
  Status s = scan([&](std::string_view key, std::string_view value) {
    std::optional<keys::InboundKey> k = keys::parse_inbound_key(key);
    if (!k) return report.skip(key, Status::Error("not an inbound key"));
    if (Status d = records::decode_inbound(value); !d.ok) return report.skip(key, d);
    each(k->client_id, k->packet_id);
  });
  return report.finish(s);
}

Status read_queue_rows(const RangeScan& scan, std::string_view client_id, uint64_t from_seq, uint64_t through_seq,
                       size_t max, const std::function<void(QueuedMessage&&)>& each) {
  if (max == 0 || from_seq > through_seq) return Status::Ok();
  SkipReport report("queue");
  size_t taken = 0;
  const std::string begin = keys::queue_key(client_id, from_seq);
  // through_seq may be the largest seq: the end is then the client's range end.
  const std::string end = through_seq == UINT64_MAX ? keys::queue_end(client_id)
                                                    : keys::queue_key(client_id, through_seq + 1);
  Status s = scan(begin, end, [&](std::string_view key, std::string_view value) {
    std::optional<keys::QueueKey> k = keys::parse_queue_key(key);
    if (!k) {
      report.skip(key, Status::Error("not a queue key"));
      return true;
    }
    QueuedMessage m;
    if (Status d = records::decode_queued(k->seq, value, m); !d.ok) {
      report.skip(key, d);
      return true;
    }
    each(std::move(m));
    return ++taken < max;
  });
  return report.finish(s);
}

}  // namespace edgemq::storage
