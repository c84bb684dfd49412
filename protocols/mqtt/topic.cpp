// UTF-8 and topic rules [MQTT-1.5.3, 4.7]. Topics are walked level by level;
// a level is the text between '/' separators, and empty levels ("a//b", "/")
// are legal and distinct [MQTT-4.7.1-1].
#include "protocols/mqtt/topic.h"

#include <cstddef>
#include <cstdint>

namespace edgemq::mqtt {

namespace {

constexpr size_t kMaxStringBytes = 65535;  // a two-byte length prefix [MQTT-1.5.3]

// Length of the well-formed sequence starting with `lead`, and the bounds of
// its second byte (Unicode Table 3-7). The narrow bounds after E0, ED, F0 and
// F4 are what rule out overlong forms, surrogates U+D800..DFFF and code points
// above U+10FFFF [MQTT-1.5.3-1]. Returns 0 for bytes that can never lead.
size_t sequence_length(uint8_t lead, uint8_t& lo, uint8_t& hi) {
  lo = 0x80;
  hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead == 0xE0) { lo = 0xA0; return 3; }
  if (lead == 0xED) { hi = 0x9F; return 3; }
  if (lead >= 0xE1 && lead <= 0xEF) return 3;
  if (lead == 0xF0) { lo = 0x90; return 4; }
  if (lead == 0xF4) { hi = 0x8F; return 4; }
  if (lead >= 0xF1 && lead <= 0xF3) return 4;
  return 0;
}

bool wildcard_level(std::string_view level) {
  return level == "+" || level == "#";
}

}  // namespace

bool valid_utf8(std::string_view s) {
  if (s.size() > kMaxStringBytes) return false;
  size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<uint8_t>(s[i]);
    if (lead < 0x80) {
      if (lead == 0) return false;  // U+0000 [MQTT-1.5.3-2]
      ++i;
      continue;
    }
    uint8_t lo = 0;
    uint8_t hi = 0;
    const size_t len = sequence_length(lead, lo, hi);
    if (len == 0 || s.size() - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<uint8_t>(s[i + k]);
      if (b < lo || b > hi) return false;
      lo = 0x80;  // only the second byte has narrowed bounds
      hi = 0xBF;
    }
    i += len;
  }
  return true;
}

bool valid_topic_name(std::string_view topic) {
  if (topic.empty()) return false;  // [MQTT-4.7.3-1]
  if (topic.find_first_of("+#") != std::string_view::npos) return false;  // [MQTT-3.3.2-2]
  return valid_utf8(topic);
}

bool valid_topic_filter(std::string_view filter) {
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
