// The WAL scanner: reads one RocksDB write-ahead-log file the way RocksDB's
// log reader (7.8) reads it at recovery, and says what that reader replays,
// what it drops and why, with byte offsets, which RocksDB's own messages
// leave out. Pure: bytes in, findings out; no file system, no RocksDB.
//
// The log format (RocksDB's db/log_format.h and its wiki page "Write Ahead
// Log File Format"):
//   - the file is a run of 32 KiB blocks; the last one may be short;
//   - a block holds physical records, a header never split across blocks:
//       masked crc32c (4, LE) | length (2, LE) | type (1)         7 bytes
//       recyclable types add the file's log number (4, LE)      11 bytes
//     the crc covers the type byte (and log number) and the payload;
//   - under a header's worth of bytes left in a block are zero padding;
//   - FULL (1) holds a whole logical record, FIRST (2) MIDDLE (3) LAST (4)
//     split one across blocks; 5..8 are the same with the recyclable header;
//   - every logical record is one WriteBatch (wal_batch.h decodes it).
//
// How the reader treats damage, mirrored here because it decides what is
// lost:
//   - a checksum mismatch, a length running past its block, or a zero header
//     (type 0, length 0) drop the REST OF THE BLOCK, intact records in it
//     included: the length may itself be garbage, so nothing after it in the
//     block is trusted. A zero header is dropped without a word, even by the
//     strictest recovery mode;
//   - a logical record interrupted by a drop, and a MIDDLE or LAST without
//     its FIRST, are dropped whole;
//   - in the file's last, short block, a header or payload cut off by the end
//     of the file is taken for a write cut short: the log ends there, even
//     when a garbled length only made it look so and whole records follow;
//   - a recyclable record carrying another log number is left over from the
//     file's previous use: the log ends there too.
//
// What we add for reports: inside a dropped stretch the scanner looks for the
// records RocksDB would not trust (at the damaged header's length first, then
// byte by byte for a header whose checksum matches), so a report can say
// what the lost stretch held. Bytes where no record is found are unreadable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace edgemq::storage::wal {

inline constexpr size_t kBlockSize = 32 * 1024;
inline constexpr size_t kHeaderSize = 7;
inline constexpr size_t kRecyclableHeaderSize = 11;

enum class Problem : uint8_t {
  ChecksumMismatch,  // a record whose checksum does not match its bytes
  BadLength,         // a length that runs past the end of its block
  ZeroedHeader,      // zeros where a header should be
  UnknownType,       // a record of a type RocksDB does not know
  BrokenRecord,      // part of a logical record whose other parts were dropped
  CutShort,          // a record runs past the end of the file: a write cut short, or a garbled length
  OldRecord,         // a recycled file's record from its previous use
};
const char* describe(Problem p);

// A stretch of the file recovery skips.
struct Drop {
  uint64_t offset = 0;
  uint64_t bytes = 0;
  Problem problem = Problem::ChecksumMismatch;
};

// A whole logical record found in the file.
struct Record {
  uint64_t offset = 0;      // its first fragment's header
  uint64_t end = 0;         // one past its last fragment
  bool replayed = false;    // recovery applies it
  bool verified = false;    // every fragment's checksum matched
  std::string_view payload;  // the WriteBatch; valid during the visitor call only
};

class Visitor {
 public:
  virtual ~Visitor() = default;
  virtual void record(const Record&) {}  // in file order
  virtual void drop(const Drop&) {}
  // Bytes no whole record could be rebuilt from, at `offset`, in file order
  // with the records (zeros not counted).
  virtual void unreadable(uint64_t /*offset*/, uint64_t /*bytes*/) {}
};

struct Summary {
  uint64_t size = 0;
  uint64_t replayed = 0;          // records recovery applies
  uint64_t replayed_end = 0;      // one past the last of them
  uint64_t lost = 0;              // whole records found that recovery does not apply
  uint64_t verified_end = 0;      // one past the last whole record whose checksums match
  uint64_t unreadable_bytes = 0;  // dropped, and no record found in them (zeros not counted)
  std::optional<Drop> first_drop;
  // The first drop that is damage itself rather than a record broken by it
  // (whose drop starts earlier, at the record's first fragment).
  std::optional<Drop> first_cause;

  // Where to point a person: the first cause, else the first drop.
  const Drop& cause() const { return first_cause ? *first_cause : *first_drop; }

  // Something is lost before a record that was written whole: the file was
  // damaged, not cut short by a crash.
  bool damaged() const { return first_drop && first_drop->offset < verified_end; }
  // The file ends in bytes recovery skips, and nothing whole follows them:
  // what a write cut short by a crash or power loss leaves.
  bool torn() const { return !damaged() && replayed_end < size; }
  uint64_t torn_bytes() const { return torn() ? size - replayed_end : 0; }
};

// Scans one log file. `log_number` is the number in its name (recyclable
// records must carry it). The visitor, if any, sees every record and drop.
Summary scan(std::string_view file, uint64_t log_number, Visitor* visitor = nullptr);

}  // namespace edgemq::storage::wal
