// A sorted map that costs one pointer until something is inserted: an empty
// libstdc++ std::map is 48 bytes, and most sessions never hold a QoS 2 id in
// flight or, for publishers, any subscription. Once used it stays allocated
// (see LazyDeque for why).
#pragma once

#include <functional>
#include <map>
#include <memory>

namespace edgemq::core {

template <typename K, typename V, typename Compare = std::less<>>
class LazyMap {
 public:
  using Map = std::map<K, V, Compare>;

  bool empty() const { return !items_ || items_->empty(); }
  size_t size() const { return items_ ? items_->size() : 0; }
  // The value under `key`, or nullptr.
  template <typename Q>
  V* find(const Q& key) {
    if (!items_) return nullptr;
    auto it = items_->find(key);
    return it == items_->end() ? nullptr : &it->second;
  }
  template <typename Q>
  bool contains(const Q& key) const {
    return items_ && items_->find(key) != items_->end();
  }
  V& operator[](const K& key) { return used()[key]; }
  template <typename Q>
  void erase(const Q& key) {
    if (!items_) return;
    auto it = items_->find(key);
    if (it != items_->end()) items_->erase(it);
  }
  // In key order; an unused map iterates as empty.
  typename Map::const_iterator begin() const { return all().begin(); }
  typename Map::const_iterator end() const { return all().end(); }

 private:
  const Map& all() const {
    static const Map none;
    return items_ ? *items_ : none;
  }
  Map& used() {
    if (!items_) items_ = std::make_unique<Map>();
    return *items_;
  }
  std::unique_ptr<Map> items_;
};

}  // namespace edgemq::core
