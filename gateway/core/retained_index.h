// Retained messages in memory, one per topic, shared by all workers. The
// durable copy is in the store; this is what SUBSCRIBE looks up. A lookup
// scans every retained topic with the reference matcher: fine for thousands
// of retained topics; a trie replaces it when benchmarks say so (issue 3).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/message.h"

namespace edgemq::core {

class RetainedIndex {
 public:
  // An empty payload clears the topic [MQTT-3.3.1-10/11]. A new topic when
  // `max_topics` are retained already is refused: returns false.
  bool set(const MessagePtr& m, size_t max_topics = SIZE_MAX);
  // Clears `topic`; false if nothing was retained there.
  bool erase(std::string_view topic);
  void matching(std::string_view filter, std::vector<MessagePtr>& out) const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, MessagePtr, std::less<>> by_topic_;
};

}  // namespace edgemq::core
