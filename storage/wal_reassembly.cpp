#include "storage/wal_reassembly.h"

namespace edgemq::storage::wal {

Kind kind_of(uint8_t type) {
  switch (type) {
    case 1: case 5: return Kind::Full;
    case 2: case 6: return Kind::First;
    case 3: case 7: return Kind::Middle;
    case 4: case 8: return Kind::Last;
    default: return Kind::Unknown;
  }
}

std::optional<uint64_t> ReaderModel::take(const Fragment& f) {
  switch (kind_of(f.type)) {
    case Kind::Full:
      lose_partial(f.offset);
      return f.offset;
    case Kind::First:
      lose_partial(f.offset);
      active_ = true;
      start_ = f.offset;
      bytes_ = f.payload.size();
      return std::nullopt;
    case Kind::Middle:
    case Kind::Last:
      if (!active_) {
        drop_({f.offset, f.end - f.offset, Problem::BrokenRecord});
        return std::nullopt;
      }
      bytes_ += f.payload.size();
      if (kind_of(f.type) == Kind::Middle) return std::nullopt;
      active_ = false;
      return start_;
    case Kind::Unknown:
      interrupt(f.offset);
      drop_({f.offset, f.end - f.offset, Problem::UnknownType});
      return std::nullopt;
  }
  return std::nullopt;
}

void ReaderModel::interrupt(uint64_t at) {
  if (active_) drop_({start_, at - start_, Problem::BrokenRecord});
  active_ = false;
}

void ReaderModel::end_of_file(uint64_t size) {
  if (active_) drop_({start_, size - start_, Problem::CutShort});
  active_ = false;
}

// A new record starts while one is in progress; RocksDB reports the old one
// only if it had payload (an empty FIRST is an old writer's quirk).
void ReaderModel::lose_partial(uint64_t at) {
  if (active_ && bytes_ > 0) drop_({start_, at - start_, Problem::BrokenRecord});
  active_ = false;
}

bool Shadow::take(const Fragment& f, Record& out) {
  switch (kind_of(f.type)) {
    case Kind::Full:
      interrupt();
      out = {f.offset, f.end, false, f.checksum_ok, f.payload};
      return true;
    case Kind::First:
      interrupt();
      active_ = true;
      start_ = f.offset;
      end_ = f.end;
      verified_ = f.checksum_ok;
      buf_.assign(f.payload);
      return false;
    case Kind::Middle:
    case Kind::Last:
      if (!active_) {
        broken_(f.offset, f.end - f.offset);
        return false;
      }
      buf_.append(f.payload);
      end_ = f.end;
      verified_ = verified_ && f.checksum_ok;
      if (kind_of(f.type) == Kind::Middle) return false;
      active_ = false;
      out = {start_, end_, false, verified_, buf_};
      return true;
    case Kind::Unknown:
      interrupt();
      broken_(f.offset, f.end - f.offset);
      return false;
  }
  return false;
}

void Shadow::interrupt() {
  if (active_) broken_(start_, end_ - start_);
  active_ = false;
}

}  // namespace edgemq::storage::wal
