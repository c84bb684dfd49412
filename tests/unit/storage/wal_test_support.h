// Helpers for the WAL tests: a log writer that lays records out the way
// RocksDB's log::Writer does (so hand-built files look like real ones), write
// batches built with RocksDB's public WriteBatch for any column-family id,
// and ways to damage a file.
#pragma once

#include <rocksdb/comparator.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "storage/crc32c.h"
#include "storage/keys.h"
#include "storage/records.h"
#include "storage/wal_files.h"
#include "storage/wal_scan.h"

namespace edgemq::storage::test {

inline void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// Builds log files record by record.
class WalBuilder {
 public:
  enum Type : uint8_t { kFull = 1, kFirst = 2, kMiddle = 3, kLast = 4 };

  explicit WalBuilder(uint64_t log_number = 7, bool recyclable = false)
      : log_number_(log_number), recyclable_(recyclable) {}

  // One logical record, fragmented across blocks, with zero trailers, as the
  // writer does. Returns the offset of its first fragment.
  uint64_t add(std::string_view payload) {
    const size_t header = header_size();
    size_t left = payload.size();
    bool begin = true;
    uint64_t first = 0;
    do {
      const size_t leftover = wal::kBlockSize - bytes_.size() % wal::kBlockSize;
      if (leftover < header) bytes_.append(leftover, '\0');
      if (begin) first = bytes_.size();
      const size_t avail = wal::kBlockSize - bytes_.size() % wal::kBlockSize - header;
      const size_t n = std::min(left, avail);
      const bool end = n == left;
      const Type t = begin && end ? kFull : begin ? kFirst : end ? kLast : kMiddle;
      physical(t, payload.substr(payload.size() - left, n));
      left -= n;
      begin = false;
    } while (left > 0);
    return first;
  }

  // One physical record exactly as given; `good_crc` false stores a wrong checksum.
  void physical(uint8_t type, std::string_view payload, bool good_crc = true) {
    const uint8_t t = recyclable_ && type >= 1 && type <= 4 ? static_cast<uint8_t>(type + 4) : type;
    std::string covered(1, static_cast<char>(t));
    if (recyclable_) put_le(covered, log_number_, 4);
    covered.append(payload);
    uint32_t crc = crc32c::mask(crc32c::value(covered));
    if (!good_crc) crc ^= 1;
    put_le(bytes_, crc, 4);
    put_le(bytes_, payload.size(), 2);
    bytes_.append(covered);
  }

  size_t header_size() const { return recyclable_ ? wal::kRecyclableHeaderSize : wal::kHeaderSize; }
  uint64_t log_number() const { return log_number_; }
  std::string& bytes() { return bytes_; }

 private:
  uint64_t log_number_;
  bool recyclable_;
  std::string bytes_;
};

// A handle that only names an id, so WriteBatch can address any family
// without a database.
class IdHandle final : public rocksdb::ColumnFamilyHandle {
 public:
  explicit IdHandle(uint32_t id) : id_(id) {}
  const std::string& GetName() const override { return name_; }
  uint32_t GetID() const override { return id_; }
  rocksdb::Status GetDescriptor(rocksdb::ColumnFamilyDescriptor*) override { return rocksdb::Status::NotSupported(); }
  const rocksdb::Comparator* GetComparator() const override { return rocksdb::BytewiseComparator(); }

 private:
  uint32_t id_;
  std::string name_ = "test";
};

// The column-family id our store gives `f` (default is 0).
inline uint32_t id_of(Family f) { return static_cast<uint32_t>(f) + 1; }

// A WriteBatch's bytes with `sequence` in its header.
inline std::string with_sequence(const rocksdb::WriteBatch& b, uint64_t sequence) {
  std::string rep = b.Data();
  std::string seq;
  put_le(seq, sequence, 8);
  rep.replace(0, 8, seq);
  return rep;
}

// `n` new queued messages for `client`, seqs first..first+n-1, as one batch.
inline std::string queue_batch(uint64_t sequence, const std::string& client, uint64_t first, int n,
                               size_t payload_bytes = 40) {
  rocksdb::WriteBatch b;
  IdHandle queue(id_of(Family::Queue));
  for (int i = 0; i < n; ++i) {
    QueuedMessage m;
    m.seq = first + static_cast<uint64_t>(i);
    m.topic = "t";
    m.payload = std::string(payload_bytes, 'p');
    (void)b.Put(&queue, keys::queue_key(client, m.seq), records::encode_queued(m));
  }
  return with_sequence(b, sequence);
}

inline std::string read_bytes(const std::string& path) {
  std::string out;
  EXPECT_TRUE(wal::read_whole(path, out).ok) << path;
  return out;
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Overwrites bytes at `offset` in place.
inline void overwrite(const std::string& path, uint64_t offset, std::string_view with) {
  std::string b = read_bytes(path);
  ASSERT_LE(offset + with.size(), b.size());
  b.replace(offset, with.size(), with);
  write_bytes(path, b);
}

inline const std::string kGarbage = "\xde\xad\xbe\xef\x01\x23\x45\x67";

}  // namespace edgemq::storage::test
