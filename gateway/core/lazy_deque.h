// A deque that costs one pointer until something is pushed. libstdc++'s
// std::deque allocates its map and a 512-byte node on construction, even
// empty; three of them per connection (reply line, inflight window, queue)
// were 1.8 KB of every idle connection's ~2.9 KB. Once used it stays
// allocated, so a busy session does not allocate per message.
#pragma once

#include <deque>
#include <memory>

namespace edgemq::core {

template <typename T>
class LazyDeque {
 public:
  using iterator = typename std::deque<T>::iterator;

  bool empty() const { return !items_ || items_->empty(); }
  size_t size() const { return items_ ? items_->size() : 0; }
  T& front() { return items_->front(); }
  T& operator[](size_t i) { return (*items_)[i]; }
  void pop_front() { items_->pop_front(); }
  void push_back(T&& v) { used().push_back(std::move(v)); }
  iterator begin() { return items_ ? items_->begin() : iterator{}; }
  iterator end() { return items_ ? items_->end() : iterator{}; }
  iterator erase(iterator it) { return items_->erase(it); }
  void clear() {
    if (items_) items_->clear();
  }

 private:
  std::deque<T>& used() {
    if (!items_) items_ = std::make_unique<std::deque<T>>();
    return *items_;
  }
  std::unique_ptr<std::deque<T>> items_;
};

}  // namespace edgemq::core
