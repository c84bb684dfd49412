// Topic names and filters [MQTT-4.7]: validation and single-pair matching.
// Many-subscription matching lives in the router's trie; this is the reference
// rule it is tested against.
#pragma once

#include <string_view>

namespace edgemq::mqtt {

// Splits a topic or filter into its levels without allocating. Empty levels
// are real levels: "a//b" is {"a", "", "b"}, "/x" is {"", "x"}, "" is {""}.
class LevelCursor {
 public:
  explicit LevelCursor(std::string_view s) : rest_(s) {}
  bool done() const { return done_; }
  std::string_view next() {
    const size_t slash = rest_.find('/');
    if (slash == std::string_view::npos) {
      done_ = true;
      return rest_;
    }
    std::string_view level = rest_.substr(0, slash);
    rest_.remove_prefix(slash + 1);
    return level;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

// Well-formed UTF-8, no U+0000, at most 65535 bytes [MQTT-1.5.3].
bool valid_utf8(std::string_view s);

// valid_utf8, and none of the control characters U+0001..U+001F and
// U+007F..U+009F, which a string "SHOULD NOT" hold and a receiver "MAY treat"
// as malformed (5.0 1.5.4; 3.1.1 1.5.3 "MAY close"). For the strings that
// name things and end up in logs, dashboards and JSON: client ids, user
// names, topics and filters (see read_name in field_reader.h).
bool valid_name_utf8(std::string_view s);

// A PUBLISH topic: non-empty, valid UTF-8, no '+' or '#' [MQTT-3.3.2-2, 4.7.3-1].
bool valid_topic_name(std::string_view topic);

// A SUBSCRIBE filter: non-empty, valid UTF-8, '#' only last and alone in its
// level, '+' alone in its level [MQTT-4.7.1-2/3, 4.7.3-1]. One starting with
// "$share/" must be a valid shared filter (parse_shared_filter).
bool valid_topic_filter(std::string_view filter);

// A shared subscription's filter "$share/{group}/{filter}" [MQTT-4.8.2],
// split. The group is non-empty and holds no '/', '+' or '#'; the filter is a
// valid filter. 3.1.1 clients may use the same form (as with Mosquitto).
struct SharedFilter {
  std::string_view group;
  std::string_view filter;
};
// Whether `filter` starts with "$share/" (valid or not).
bool is_shared_filter(std::string_view filter);
// Splits a valid shared filter; false if `filter` is not one.
bool parse_shared_filter(std::string_view filter, SharedFilter& out);

// Whether `filter` matches `topic`; a wildcard in the first level does not match
// a topic starting with '$' [MQTT-4.7.2-1].
bool topic_matches(std::string_view filter, std::string_view topic);

}  // namespace edgemq::mqtt
