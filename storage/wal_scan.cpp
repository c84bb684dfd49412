// The scanner walks the file block by block as RocksDB's reader does and
// feeds every physical record (fragment) to the two reassemblers of
// wal_reassembly.h. A record the shadow completes is "replayed" when the
// reader model completed the same record (same first fragment) on the same
// fragment.
#include "storage/wal_scan.h"

#include <algorithm>
#include <string>

#include "storage/crc32c.h"
#include "storage/wal_reassembly.h"

namespace edgemq::storage::wal {
namespace {

bool recyclable(uint8_t type) { return type >= 5 && type <= 8; }

uint32_t le16(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0]) | static_cast<uint8_t>(p[1]) << 8);
}

uint32_t le32(const char* p) {
  return le16(p) | le16(p + 2) << 16;
}

// What sits at one offset, in the order RocksDB's reader checks.
enum class Found : uint8_t { Fragment, TooShort, OldRecord, BadLength, Zeroed, BadChecksum };

struct Parsed {
  Found what = Found::TooShort;
  Fragment fragment;  // Fragment and BadChecksum only
};

Parsed parse_at(std::string_view file, uint64_t p, uint64_t block_end, uint64_t log_number) {
  const uint64_t room = block_end - p;
  if (room < kHeaderSize) return {};
  const char* h = file.data() + p;
  const uint32_t length = le16(h + 4);
  const auto type = static_cast<uint8_t>(h[6]);
  size_t header = kHeaderSize;
  if (recyclable(type)) {
    header = kRecyclableHeaderSize;
    if (room < header) return {};
    if (le32(h + 7) != static_cast<uint32_t>(log_number)) return {Found::OldRecord, {}};
  }
  if (header + length > room) return {Found::BadLength, {}};
  if (type == 0 && length == 0) return {Found::Zeroed, {}};
  Fragment f{p, p + header + length, type, false, file.substr(p + header, length)};
  // The checksum covers the type byte, the log number if any, and the payload.
  f.checksum_ok = crc32c::unmask(le32(h)) == crc32c::value(file.substr(p + 6, header - 6 + length));
  return {f.checksum_ok ? Found::Fragment : Found::BadChecksum, f};
}

class Scanner {
 public:
  Scanner(std::string_view file, uint64_t log_number, Visitor* visitor)
      : file_(file), log_number_(log_number), visitor_(visitor),
        reader_([this](const Drop& d) { emit(d); }),
        shadow_([this](uint64_t offset, uint64_t bytes) { note_unreadable(offset, bytes); }) {
    summary_.size = file.size();
  }

  Summary run() {
    for (uint64_t start = 0; start < file_.size() && !ended_; start += kBlockSize) {
      scan_block(start, std::min<uint64_t>(start + kBlockSize, file_.size()));
    }
    if (!ended_) reader_.end_of_file(file_.size());
    shadow_.interrupt();
    return summary_;
  }

 private:
  void scan_block(uint64_t start, uint64_t end) {
    // RocksDB reads a block at a time; a short read means end of file.
    const bool last = end - start < kBlockSize;
    uint64_t p = start;
    while (p < end) {
      const Parsed at = parse_at(file_, p, end, log_number_);
      switch (at.what) {
        case Found::Fragment:
          take(at.fragment, true);
          p = at.fragment.end;
          continue;
        case Found::TooShort:
          if (last) end_log(p, Problem::CutShort);  // a header cut off
          return;  // otherwise the block's zero trailer
        case Found::OldRecord:
          end_log(p, Problem::OldRecord);
          return;
        case Found::BadLength:
          if (last) {
            // RocksDB takes it for a payload cut off and stops reading this
            // log, whatever follows; a garbled length makes that a loss.
            end_log(p, Problem::CutShort);
            explore(p, end, nullptr);
          } else {
            drop_rest(p, end, Problem::BadLength, nullptr);
          }
          return;
        case Found::Zeroed:
          drop_rest(p, end, Problem::ZeroedHeader, nullptr);
          return;
        case Found::BadChecksum:
          drop_rest(p, end, Problem::ChecksumMismatch, &at.fragment);
          return;
      }
    }
  }

  void take(const Fragment& f, bool trusted) {
    const std::optional<uint64_t> replayed = trusted ? reader_.take(f) : std::nullopt;
    Record r;
    if (!shadow_.take(f, r)) return;
    r.replayed = replayed && *replayed == r.offset;
    if (r.replayed) {
      ++summary_.replayed;
      summary_.replayed_end = r.end;
    } else {
      ++summary_.lost;
    }
    if (r.verified) summary_.verified_end = std::max(summary_.verified_end, r.end);
    if (visitor_ != nullptr) visitor_->record(r);
  }

  void emit(const Drop& d) {
    if (!summary_.first_drop || d.offset < summary_.first_drop->offset) summary_.first_drop = d;
    if (d.problem != Problem::BrokenRecord && (!summary_.first_cause || d.offset < summary_.first_cause->offset)) {
      summary_.first_cause = d;
    }
    if (visitor_ != nullptr) visitor_->drop(d);
  }

  // The reader stops reading this log at `p`.
  void end_log(uint64_t p, Problem why) {
    reader_.interrupt(p);
    emit({p, file_.size() - p, why});
    ended_ = true;
  }

  // RocksDB drops [p, end), the rest of the block.
  void drop_rest(uint64_t p, uint64_t end, Problem why, const Fragment* damaged) {
    reader_.interrupt(p);
    emit({p, end - p, why});
    explore(p, end, damaged);
  }

  // Finds what a dropped stretch [p, end) held, for the shadow only.
  void explore(uint64_t p, uint64_t end, const Fragment* damaged) {
    uint64_t q = p;
    if (damaged != nullptr && chain_holds(damaged->end, end)) {
      take(*damaged, false);  // its length led to the next record: keep it, unverified
      q = damaged->end;
    }
    while (q < end) {
      const Parsed at = parse_at(file_, q, end, log_number_);
      if (at.what == Found::Fragment) {
        take(at.fragment, false);
        q = at.fragment.end;
        continue;
      }
      const uint64_t next = at.what == Found::TooShort ? end : resync(q + 1, end);
      unreadable(q, next);
      q = next;
    }
  }

  // Whether a record (or the block's end) follows at `q`.
  bool chain_holds(uint64_t q, uint64_t end) const {
    return end - q < kHeaderSize || parse_at(file_, q, end, log_number_).what == Found::Fragment;
  }

  // The first offset in [from, end) where a record with a matching checksum
  // starts. Only types a writer emits are tried, so runs of zeros and other
  // filler cost a byte test each, not a checksum each.
  uint64_t resync(uint64_t from, uint64_t end) const {
    for (uint64_t r = from; r + kHeaderSize <= end; ++r) {
      if (kind_of(static_cast<uint8_t>(file_[r + 6])) == Kind::Unknown) continue;
      if (parse_at(file_, r, end, log_number_).what == Found::Fragment) return r;
    }
    return end;
  }

  // [from, to) holds no record: zeros are filler, the rest is unreadable.
  void unreadable(uint64_t from, uint64_t to) {
    shadow_.interrupt();
    note_unreadable(from, static_cast<uint64_t>(std::count_if(file_.begin() + static_cast<ptrdiff_t>(from),
                                                              file_.begin() + static_cast<ptrdiff_t>(to),
                                                              [](char c) { return c != 0; })));
  }

  void note_unreadable(uint64_t offset, uint64_t bytes) {
    if (bytes == 0) return;
    summary_.unreadable_bytes += bytes;
    if (visitor_ != nullptr) visitor_->unreadable(offset, bytes);
  }

  std::string_view file_;
  uint64_t log_number_;
  Visitor* visitor_;
  Summary summary_;
  ReaderModel reader_;
  Shadow shadow_;
  bool ended_ = false;
};

}  // namespace

const char* describe(Problem p) {
  switch (p) {
    case Problem::ChecksumMismatch: return "checksum mismatch";
    case Problem::BadLength: return "record length past the end of its block";
    case Problem::ZeroedHeader: return "zeros where a record header should be";
    case Problem::UnknownType: return "unknown record type";
    case Problem::BrokenRecord: return "part of a record whose other parts are damaged";
    case Problem::CutShort: return "a record runs past the end of the file";
    case Problem::OldRecord: return "a record left over from the file's previous use";
  }
  return "unknown problem";
}

Summary scan(std::string_view file, uint64_t log_number, Visitor* visitor) {
  return Scanner(file, log_number, visitor).run();
}

}  // namespace edgemq::storage::wal
