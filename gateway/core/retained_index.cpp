#include "gateway/core/retained_index.h"

#include "protocols/mqtt/topic.h"

namespace edgemq::core {

bool RetainedIndex::set(const MessagePtr& m, size_t max_topics) {
  std::lock_guard lock(mu_);
  if (m->payload.empty()) {
    by_topic_.erase(m->topic);
    return true;
  }
  auto it = by_topic_.find(m->topic);
  if (it != by_topic_.end()) {
    it->second = m;
    return true;
  }
  if (by_topic_.size() >= max_topics) return false;
  by_topic_.emplace(m->topic, m);
  return true;
}

bool RetainedIndex::erase(std::string_view topic) {
  std::lock_guard lock(mu_);
  auto it = by_topic_.find(topic);
  if (it == by_topic_.end()) return false;
  by_topic_.erase(it);
  return true;
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
