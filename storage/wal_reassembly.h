// The two reassemblers the WAL scanner (wal_scan.cpp) feeds every physical
// record, or fragment, to, in file order:
//   ReaderModel  sees only what RocksDB's reader trusts, and decides as its
//                log::Reader::ReadRecord does which logical records recovery
//                replays and which drops it reports;
//   Shadow       sees every fragment found, the untrusted ones inside dropped
//                stretches too, and rebuilds every logical record it can, so
//                that lost records can be decoded and counted.
// Internal to storage/.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "storage/wal_scan.h"

namespace edgemq::storage::wal {

enum class Kind : uint8_t { Full, First, Middle, Last, Unknown };

// FULL/FIRST/MIDDLE/LAST, whichever header (legacy 1..4, recyclable 5..8).
Kind kind_of(uint8_t type);

// One physical record: a header and its payload.
struct Fragment {
  uint64_t offset = 0;  // of its header
  uint64_t end = 0;     // one past its payload
  uint8_t type = 0;
  bool checksum_ok = false;
  std::string_view payload;
};

using DropSink = std::function<void(const Drop&)>;

class ReaderModel {
 public:
  explicit ReaderModel(DropSink drop) : drop_(std::move(drop)) {}
  // A trusted fragment; the offset of the record it completes, if it does.
  std::optional<uint64_t> take(const Fragment& f);
  // A drop at `at`: a record in progress is lost with it.
  void interrupt(uint64_t at);
  // The file ended at `size`: a record in progress was cut short.
  void end_of_file(uint64_t size);

 private:
  void lose_partial(uint64_t at);

  DropSink drop_;
  bool active_ = false;
  uint64_t start_ = 0;
  uint64_t bytes_ = 0;
};

// Where fragments that make no whole record go: offset and size.
using BrokenSink = std::function<void(uint64_t offset, uint64_t bytes)>;

class Shadow {
 public:
  explicit Shadow(BrokenSink broken) : broken_(std::move(broken)) {}
  // True when `f` completes a record, written to `out` (its payload is valid
  // until the next call).
  bool take(const Fragment& f, Record& out);
  // Bytes that hold no record: the one in progress cannot be whole.
  void interrupt();

 private:
  BrokenSink broken_;
  bool active_ = false;
  uint64_t start_ = 0;
  uint64_t end_ = 0;
  bool verified_ = true;
  std::string buf_;
};

}  // namespace edgemq::storage::wal
