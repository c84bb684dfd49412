// Turns a family's raw rows into records for Store::load_*, shared by the
// RocksDB and memory stores so both skip and report corrupt rows alike.
//
// Corrupt-record policy: a row that does not decode (bad key, bad msgpack,
// unknown version) is skipped, and loading goes on, because one damaged
// record must not stop a gateway from restoring everything else. The result is
//   - ok, empty message:     every row decoded;
//   - ok, non-empty message: "<family>: skipped N corrupt record(s); first: ..."
//                            (a warning for the caller to log and count);
//   - error:                 the scan itself failed (I/O, corruption RocksDB
//                            detected); records before the failure were delivered.
#pragma once

#include <functional>
#include <string_view>

#include "storage/store.h"

namespace edgemq::storage {

using RowVisitor = std::function<void(std::string_view key, std::string_view value)>;
// Calls the visitor for each row of one family in key order; returns the
// scan's own failure, never a decode failure.
using Scan = std::function<Status(const RowVisitor&)>;

Status load_retained_rows(const Scan& scan, const std::function<void(RetainedMessage&&)>& each);
Status load_session_rows(const Scan& scan, const std::function<void(SessionRecord&&)>& each);
Status load_queue_rows(const Scan& scan,
                       const std::function<void(std::string_view, QueuedMessage&&)>& each);
Status load_inbound_rows(const Scan& scan,
                         const std::function<void(std::string_view, uint16_t)>& each);

// Calls the visitor for the rows of one family in [begin, end), in key
// order, until it returns false.
using BoundedVisitor = std::function<bool(std::string_view key, std::string_view value)>;
using RangeScan = std::function<Status(std::string_view begin, std::string_view end, const BoundedVisitor&)>;
Status read_queue_rows(const RangeScan& scan, std::string_view client_id, uint64_t from_seq, uint64_t through_seq,
                       size_t max, const std::function<void(QueuedMessage&&)>& each);

// A Store whose loads are its rows decoded: a backend supplies scan() and
// inherits the four load_* with the one corrupt-record policy above.
class RowStore : public Store {
 public:
  Status load_retained(const std::function<void(RetainedMessage&&)>& each) override {
    return load_retained_rows(scan(Family::Retained), each);
  }
  Status load_sessions(const std::function<void(SessionRecord&&)>& each) override {
    return load_session_rows(scan(Family::Sessions), each);
  }
  Status load_queues(const std::function<void(std::string_view, QueuedMessage&&)>& each) override {
    return load_queue_rows(scan(Family::Queue), each);
  }
  Status load_inbound_qos2(const std::function<void(std::string_view, uint16_t)>& each) override {
    return load_inbound_rows(scan(Family::Inbound), each);
  }
  Status read_queue(std::string_view client_id, uint64_t from_seq, uint64_t through_seq, size_t max,
                    const std::function<void(QueuedMessage&&)>& each) override {
    return read_queue_rows(
        [this](std::string_view begin, std::string_view end, const BoundedVisitor& visit) {
          return scan_range(Family::Queue, begin, end, visit);
        },
        client_id, from_seq, through_seq, max, each);
  }

 protected:
  // The rows of one family, in key order.
  virtual Scan scan(Family f) const = 0;
  // The rows of one family in [begin, end), in key order, while `visit` says so.
  virtual Status scan_range(Family f, std::string_view begin, std::string_view end,
                            const BoundedVisitor& visit) const = 0;
};

}  // namespace edgemq::storage
