// Retained messages in memory, one per topic, shared by all workers. The
// durable copy is in the store; this is what SUBSCRIBE looks up.
//
// Topics are kept in order, so a SUBSCRIBE's retained messages can be read
// in pieces from a cursor (RetainedCursor) as the subscriber takes them,
// rather than copied out whole: a new "#" subscriber among 200,000 retained
// topics holds a cursor, not 200,000 pointers. A filter's literal prefix
// (the levels before its first wildcard) bounds the range scanned. Every
// set() stamps its entry with a version from one counter, so a reader can
// skip what was set after it started (that message went out live).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/message.h"

namespace edgemq::core {

// Where a reading of one filter's retained messages stands.
struct RetainedCursor {
  std::string after;     // the last topic looked at
  bool started = false;  // false: begin at the filter's literal prefix
  bool done = false;     // every topic that could match was looked at
  uint64_t version = 0;  // the index's version when the reading began
};

class RetainedIndex {
 public:
  // An empty payload clears the topic [MQTT-3.3.1-10/11]. A new topic when
  // `max_topics` are retained already is refused: returns false.
  bool set(const MessagePtr& m, size_t max_topics = SIZE_MAX);
  // Clears `topic`; false if nothing was retained there.
  bool erase(std::string_view topic);
  void matching(std::string_view filter, std::vector<MessagePtr>& out) const;
  size_t size() const;

  // A cursor for `filter` from now on: what is set later is not for it.
  RetainedCursor cursor() const;
  // Appends to `out` the next messages matching `filter` after `c`, in topic
  // order, stopping after `max_found` matches or `max_scanned` topics looked
  // at (the lock is held that long; both at least 1), and moves `c` on.
  // Returns how many topics it looked at.
  size_t next(std::string_view filter, RetainedCursor& c, size_t max_found, size_t max_scanned,
              std::vector<MessagePtr>& out) const;

 private:
  struct Entry {
    MessagePtr msg;
    uint64_t version;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> by_topic_;
  uint64_t version_ = 0;
};

// The part of a filter every matching topic starts with: its levels before
// the first wildcard ("a/b/#" -> "a/b", which "a/b" itself matches;
// "a/+/c" -> "a/").
std::string_view literal_prefix(std::string_view filter);

}  // namespace edgemq::core
