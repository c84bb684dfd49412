// An in-memory Store for tests of the layers above. It keeps the same encoded
// bytes under the same keys as the RocksDB store, in std::maps whose ordering
// (std::string compares bytes as unsigned char) matches RocksDB's bytewise
// comparator, so loads come back in the same order and corrupt-row handling
// is shared (loaders.h).
#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "storage/loaders.h"
#include "storage/store.h"

namespace edgemq::storage {
namespace {

using Rows = std::map<std::string, std::string>;

class MemoryStore final : public RowStore {
 public:
  Status apply(const WriteSet& ws, bool /*sync*/) override {
    std::lock_guard lock(mu_);
    for (const WriteSet::Op& op : ws.ops()) apply_op(op);
    // Monotonic: a later, lower max_seq never lowers the mark.
    if (ws.max_seq() > last_seq_.load()) last_seq_.store(ws.max_seq());
    return Status::Ok();
  }


  uint64_t last_seq() const override { return last_seq_.load(); }

 private:
  Rows& rows(Family f) { return families_[static_cast<size_t>(f)]; }

  void apply_op(const WriteSet::Op& op) {
    Rows& r = rows(op.family);
    switch (op.kind) {
      case WriteSet::Kind::Put: r[op.key] = op.value; break;
      case WriteSet::Kind::Delete: r.erase(op.key); break;
      case WriteSet::Kind::DeleteRange:
        if (op.key < op.value) r.erase(r.lower_bound(op.key), r.lower_bound(op.value));
        break;
    }
  }

  // Scans a copy taken under the lock, like a RocksDB iterator's implicit
  // snapshot: the visitor may then call apply() without deadlocking.
  Scan scan(Family f) const override {
    return [this, f](const RowVisitor& visit) {
      Rows copy;
      {
        std::lock_guard lock(mu_);
        copy = families_[static_cast<size_t>(f)];
      }
      for (const auto& [key, value] : copy) visit(key, value);
      return Status::Ok();
    };
  }

  // Copies the rows under the lock, as scan() does, then visits them.
  Status scan_range(Family f, std::string_view begin, std::string_view end,
                    const BoundedVisitor& visit) const override {
    std::vector<std::pair<std::string, std::string>> copy;
    {
      std::lock_guard lock(mu_);
      const Rows& r = families_[static_cast<size_t>(f)];
      for (auto it = r.lower_bound(std::string(begin)); it != r.end() && it->first < end; ++it) copy.push_back(*it);
    }
    for (const auto& [key, value] : copy) {
      if (!visit(key, value)) break;
    }
    return Status::Ok();
  }

  mutable std::mutex mu_;
  std::array<Rows, kFamilyCount> families_;
  std::atomic<uint64_t> last_seq_{0};
};

}  // namespace

std::unique_ptr<Store> make_memory_store() { return std::make_unique<MemoryStore>(); }

}  // namespace edgemq::storage
