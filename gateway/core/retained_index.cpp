#include "gateway/core/retained_index.h"

#include "protocols/mqtt/topic.h"

namespace edgemq::core {

void RetainedIndex::set(const MessagePtr& m) {
  std::lock_guard lock(mu_);
  if (m->payload.empty()) {
    by_topic_.erase(m->topic);
  } else {
    by_topic_.insert_or_assign(m->topic, m);
  }
}

void RetainedIndex::matching(std::string_view filter, std::vector<MessagePtr>& out) const {
  out.clear();
  std::lock_guard lock(mu_);
  for (const auto& [topic, msg] : by_topic_) {
    if (mqtt::topic_matches(filter, topic)) out.push_back(msg);
  }
}

size_t RetainedIndex::size() const {
  std::lock_guard lock(mu_);
  return by_topic_.size();
}

}  // namespace edgemq::core
