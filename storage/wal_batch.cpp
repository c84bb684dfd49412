#include "storage/wal_batch.h"

#include <rocksdb/write_batch.h>

#include "storage/keys.h"

namespace edgemq::storage::wal {
namespace {

uint64_t le(std::string_view b, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = v << 8 | static_cast<uint8_t>(b[at + i]);
  return v;
}

// Hands each operation on, its key and value as views into the caller's
// bytes (the batch RocksDB iterates is a copy of them, byte for byte), so
// they outlive the iteration.
class OpHandler final : public rocksdb::WriteBatch::Handler {
 public:
  OpHandler(std::string_view original, const rocksdb::WriteBatch& copy, const FamilyIds& ids,
            const std::function<void(const Op&)>& each)
      : original_(original), copy_(copy.Data().data()), ids_(ids), each_(each) {}

  rocksdb::Status PutCF(uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return pass(OpKind::Put, id, key, value);
  }
  rocksdb::Status DeleteCF(uint32_t id, const rocksdb::Slice& key) override {
    return pass(OpKind::Delete, id, key, {});
  }
  rocksdb::Status SingleDeleteCF(uint32_t id, const rocksdb::Slice& key) override {
    return pass(OpKind::Delete, id, key, {});
  }
  rocksdb::Status DeleteRangeCF(uint32_t id, const rocksdb::Slice& begin, const rocksdb::Slice& end) override {
    return pass(OpKind::DeleteRange, id, begin, end);
  }
  rocksdb::Status MergeCF(uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return pass(OpKind::Other, id, key, value);
  }
  rocksdb::Status PutBlobIndexCF(uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return pass(OpKind::Other, id, key, value);
  }

 private:
  rocksdb::Status pass(OpKind kind, uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice& value) {
    each_(Op{kind, id, ids_.find(id), in_original(key), in_original(value)});
    return rocksdb::Status::OK();
  }

  // Checked without substr, which throws: nothing may throw into RocksDB.
  std::string_view in_original(const rocksdb::Slice& s) const {
    const auto at = static_cast<size_t>(s.data() - copy_);
    if (s.size() == 0 || s.data() < copy_ || at + s.size() > original_.size()) return {};
    return {original_.data() + at, s.size()};
  }

  std::string_view original_;
  const char* copy_;
  const FamilyIds& ids_;
  const std::function<void(const Op&)>& each_;
};

}  // namespace

std::optional<BatchHeader> read_batch_header(std::string_view batch) {
  if (batch.size() < kBatchHeaderSize) return std::nullopt;
  return BatchHeader{le(batch, 0, 8), static_cast<uint32_t>(le(batch, 8, 4))};
}

FamilyIds FamilyIds::creation_order() {
  FamilyIds ids;
  for (int f = 0; f < kFamilyCount; ++f) ids.by_id_[static_cast<uint32_t>(f + 1)] = static_cast<Family>(f);
  return ids;
}

FamilyIds FamilyIds::from_names(const std::map<std::string, uint32_t>& name_to_id) {
  FamilyIds ids;
  for (int f = 0; f < kFamilyCount; ++f) {
    const auto family = static_cast<Family>(f);
    if (auto it = name_to_id.find(std::string(keys::family_name(family))); it != name_to_id.end()) {
      ids.by_id_[it->second] = family;
    }
  }
  return ids;
}

std::optional<Family> FamilyIds::find(uint32_t id) const {
  if (auto it = by_id_.find(id); it != by_id_.end()) return it->second;
  return std::nullopt;
}

Status for_each_op(std::string_view batch, const FamilyIds& ids, const std::function<void(const Op&)>& each) {
  if (batch.size() < kBatchHeaderSize) return Status::Error("write batch shorter than its header");
  rocksdb::WriteBatch wb{std::string(batch)};
  OpHandler handler(batch, wb, ids, each);
  rocksdb::Status s = wb.Iterate(&handler);
  if (!s.ok()) return Status::Error("write batch does not decode: " + s.ToString());
  return Status::Ok();
}

}  // namespace edgemq::storage::wal
