// UTF-8 and topic rules [MQTT-1.5.3, 4.7], shared subscription filters
// [MQTT-4.8.2]. Topics are walked level by level; a level is the text between
// '/' separators, and empty levels ("a//b", "/") are legal and distinct
// [MQTT-4.7.1-1].
#include "protocols/mqtt/topic.h"

#include <cstddef>

#include "protocols/mqtt/utf8.h"

namespace edgemq::mqtt {

namespace {

constexpr size_t kMaxStringBytes = 65535;  // a two-byte length prefix [MQTT-1.5.3]

// "$share/{ShareName}/{filter}" [MQTT-4.8.2].
constexpr std::string_view kSharePrefix = "$share/";

bool wildcard_level(std::string_view level) {
  return level == "+" || level == "#";
}

// A filter without the shared-subscription reading of "$share/".
bool valid_plain_filter(std::string_view filter) {
  if (filter.empty() || !valid_utf8(filter)) return false;  // [MQTT-4.7.3-1]
  LevelCursor levels(filter);
  while (!levels.done()) {
    const std::string_view level = levels.next();
    if (level.find_first_of("+#") == std::string_view::npos) continue;
    if (!wildcard_level(level)) return false;           // "a+" or "#b" [MQTT-4.7.1-2/3]
    if (level == "#" && !levels.done()) return false;   // '#' must be last [MQTT-4.7.1-2]
  }
  return true;
}

}  // namespace

bool valid_utf8(std::string_view s) {
  return s.size() <= kMaxStringBytes && well_formed_utf8(s, Forbid::Nul);
}

bool valid_name_utf8(std::string_view s) {
  return s.size() <= kMaxStringBytes && well_formed_utf8(s, Forbid::Controls);
}

bool valid_topic_name(std::string_view topic) {
  if (topic.empty()) return false;  // [MQTT-4.7.3-1]
  if (topic.find_first_of("+#") != std::string_view::npos) return false;  // [MQTT-3.3.2-2]
  return valid_utf8(topic);
}

bool valid_topic_filter(std::string_view filter) {
  if (is_shared_filter(filter)) {
    SharedFilter unused;
    return parse_shared_filter(filter, unused);
  }
  return valid_plain_filter(filter);
}

bool is_shared_filter(std::string_view filter) { return filter.starts_with(kSharePrefix); }

bool parse_shared_filter(std::string_view filter, SharedFilter& out) {
  if (!is_shared_filter(filter) || !valid_utf8(filter)) return false;
  const std::string_view rest = filter.substr(kSharePrefix.size());
  const size_t slash = rest.find('/');
  // The share name is followed by '/' and a topic filter [MQTT-4.8.2-2].
  if (slash == std::string_view::npos) return false;
  const std::string_view group = rest.substr(0, slash);
  if (group.empty()) return false;  // [MQTT-4.8.2-1]
  if (group.find_first_of("+#") != std::string_view::npos) return false;  // [MQTT-4.8.2-2]
  // The rest is an ordinary filter, even if it starts with "$share/" again:
  // it is matched against topics as it stands.
  const std::string_view inner = rest.substr(slash + 1);
  if (!valid_plain_filter(inner)) return false;
  out = SharedFilter{group, inner};
  return true;
}

bool topic_matches(std::string_view filter, std::string_view topic) {
  // Wildcards in the first level never reach '$' topics (e.g. $SYS), so a
  // plain "#" subscriber does not see broker internals [MQTT-4.7.2-1].
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#')) {
    return false;
  }
  LevelCursor f(filter);
  LevelCursor t(topic);
  while (!f.done()) {
    const std::string_view level = f.next();
    // '#' covers this level and everything below, including the parent:
    // "sport/#" matches "sport" [MQTT-4.7.1-2].
    if (level == "#") return true;
    if (t.done()) return false;
    const std::string_view name = t.next();
    if (level != "+" && level != name) return false;
  }
  return t.done();
}

}  // namespace edgemq::mqtt
