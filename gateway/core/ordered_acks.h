// Replies to one connection in the order their requests arrived. A PUBACK may
// wait for a store commit while a later one would be ready at once; MQTT
// wants acknowledgements in order [MQTT-4.6.0-2/3], so each reply takes a
// place in line and goes out only when everything before it has.
#pragma once

#include <cstdint>
#include <functional>

#include "gateway/core/lazy_deque.h"

namespace edgemq::core {

class OrderedAcks {
 public:
  using Emit = std::function<void()>;

  // Takes a place in line; returns its token for ready().
  uint64_t push(Emit emit, bool ready) {
    uint64_t token = next_token_++;
    if (ready && line_.empty()) {
      // Nothing ahead of it: out at once, and the line stays unallocated.
      if (emit) emit();
      return token;
    }
    line_.push_back(Entry{ready, std::move(emit)});
    if (ready) drain();
    return token;
  }

  void ready(uint64_t token) {
    uint64_t first = next_token_ - line_.size();
    if (token < first || token >= next_token_) return;  // already gone (never happens twice)
    line_[token - first].ready = true;
    drain();
  }

  size_t waiting() const { return line_.size(); }

 private:
  struct Entry {
    bool ready;
    Emit emit;
  };
  void drain() {
    while (!line_.empty() && line_.front().ready) {
      Emit emit = std::move(line_.front().emit);
      line_.pop_front();
      if (emit) emit();
    }
  }
  LazyDeque<Entry> line_;
  uint64_t next_token_ = 1;
};

}  // namespace edgemq::core
