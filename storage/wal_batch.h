// What one WAL record (a RocksDB WriteBatch) says, in our terms: the
// sequence number and operation count from its header, and each operation
// with the Family it touches. Decoding goes through RocksDB's public
// WriteBatch::Iterate, so a batch that does not parse is reported, not
// guessed at.
//
// WAL records name column families by id, not name. The ids come from the
// DB itself (a WalFilter sees the name -> id map at recovery, see
// wal_dry_run.h); FamilyIds::creation_order() is the map our store creates
// (default 0, then Family order; families are never dropped), for bytes
// read without RocksDB's help, as the scanner's tests do.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "storage/store.h"

namespace edgemq::storage::wal {

struct BatchHeader {
  uint64_t sequence = 0;  // of its first operation; each operation takes one
  uint32_t count = 0;     // operations
};
inline constexpr size_t kBatchHeaderSize = 12;

// The header of a WriteBatch; nullopt when there are fewer than 12 bytes.
std::optional<BatchHeader> read_batch_header(std::string_view batch);

// Column-family id -> Family.
class FamilyIds {
 public:
  static FamilyIds creation_order();
  // From RocksDB's own map (recovery's name -> id); unknown names are skipped.
  static FamilyIds from_names(const std::map<std::string, uint32_t>& name_to_id);
  std::optional<Family> find(uint32_t id) const;

 private:
  std::map<uint32_t, Family> by_id_;
};

enum class OpKind : uint8_t { Put, Delete, DeleteRange, Other };

struct Op {
  OpKind kind = OpKind::Other;
  uint32_t family_id = 0;
  std::optional<Family> family;  // nullopt: "default" or a family we do not know
  std::string_view key;          // DeleteRange: the first key
  std::string_view value;        // Put: the record; DeleteRange: the end key (exclusive)
};

// Calls `each` for every operation, in order; keys and values are views into
// `batch`. An error when the batch does not decode (operations before the
// damage have been passed on by then).
Status for_each_op(std::string_view batch, const FamilyIds& ids, const std::function<void(const Op&)>& each);

}  // namespace edgemq::storage::wal
