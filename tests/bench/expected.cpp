#include "tests/bench/expected.h"

#include <map>
#include <unordered_map>

#include "protocols/mqtt/topic.h"

namespace edgemq::bench {

uint64_t expected_deliveries(const std::vector<std::string>& subscriber_filters,
                             const std::vector<PublisherSent>& publishers) {
  std::unordered_map<std::string, uint64_t> sent_by_topic;
  for (const auto& p : publishers) sent_by_topic[p.topic] += p.sent;
  std::map<std::string, uint64_t> subscribers_by_filter;
  for (const auto& f : subscriber_filters) ++subscribers_by_filter[f];

  uint64_t expected = 0;
  for (const auto& [filter, subscribers] : subscribers_by_filter) {
    uint64_t matched = 0;
    if (filter.find_first_of("+#") == std::string::npos) {
      // No wildcard: only the identical topic matches [MQTT-4.7].
      const auto it = sent_by_topic.find(filter);
      if (it != sent_by_topic.end()) matched = it->second;
    } else {
      for (const auto& [topic, sent] : sent_by_topic) {
        if (mqtt::topic_matches(filter, topic)) matched += sent;
      }
    }
    expected += matched * subscribers;
  }
  return expected;
}

std::string expand_template(const std::string& templ, uint32_t index) {
  std::string out;
  out.reserve(templ.size() + 8);
  for (size_t pos = 0; pos < templ.size();) {
    if (templ.compare(pos, 3, "{i}") == 0) {
      out += std::to_string(index);
      pos += 3;
    } else {
      out += templ[pos++];
    }
  }
  return out;
}

}  // namespace edgemq::bench
