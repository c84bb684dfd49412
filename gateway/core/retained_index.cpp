#include "gateway/core/retained_index.h"

#include <algorithm>
#include <iterator>

#include "protocols/mqtt/topic.h"

namespace edgemq::core {

std::string_view literal_prefix(std::string_view filter) {
  size_t level = 0;  // where the current level starts
  while (level <= filter.size()) {
    size_t end = filter.find('/', level);
    if (end == std::string_view::npos) end = filter.size();
    const std::string_view l = filter.substr(level, end - level);
    if (l == "#") return filter.substr(0, level == 0 ? 0 : level - 1);  // "a/#" matches "a"
    if (l == "+") return filter.substr(0, level);
    level = end + 1;
  }
  return filter;
}

bool RetainedIndex::set(const MessagePtr& m, size_t max_topics) {
  std::lock_guard lock(mu_);
  if (m->payload.empty()) {
    by_topic_.erase(m->topic);
    return true;
  }
  auto it = by_topic_.find(m->topic);
  if (it != by_topic_.end()) {
    it->second = Entry{m, ++version_};
    return true;
  }
  if (by_topic_.size() >= max_topics) return false;
  by_topic_.emplace(m->topic, Entry{m, ++version_});
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
  RetainedCursor all{{}, false, false, UINT64_MAX};  // whatever is set now
  next(filter, all, SIZE_MAX, SIZE_MAX, out);
}

size_t RetainedIndex::size() const {
  std::lock_guard lock(mu_);
  return by_topic_.size();
}

RetainedCursor RetainedIndex::cursor() const {
  std::lock_guard lock(mu_);
  return RetainedCursor{{}, false, false, version_};
}

size_t RetainedIndex::next(std::string_view filter, RetainedCursor& c, size_t max_found, size_t max_scanned,
                           std::vector<MessagePtr>& out) const {
  if (c.done) return 0;
  max_found = std::max<size_t>(max_found, 1);
  max_scanned = std::max<size_t>(max_scanned, 1);
  const std::string_view prefix = literal_prefix(filter);
  std::lock_guard lock(mu_);
  auto it = c.started ? by_topic_.upper_bound(c.after) : by_topic_.lower_bound(prefix);
  size_t found = 0, scanned = 0;
  for (; it != by_topic_.end() && it->first.starts_with(prefix); ++it) {
    if (found == max_found || scanned == max_scanned) {
      c.after.assign(std::prev(it)->first);
      c.started = true;
      return scanned;
    }
    ++scanned;
    if (it->second.version <= c.version && mqtt::topic_matches(filter, it->first)) {
      out.push_back(it->second.msg);
      ++found;
    }
  }
  c.done = true;
  return scanned;
}

}  // namespace edgemq::core
