// Positions in a topic or filter, for the router's compressed edges: a run
// of literal levels is kept as one string, so walking one means comparing
// bytes at level boundaries rather than stepping level by level.
//
// A position is the index where a level starts; a level ends at the next
// '/' or at the end. After the last level the walk is "consumed", kept as
// size() + 1 (a position of size() is a real, empty last level: "a/").
#pragma once

#include <cstddef>
#include <string_view>

namespace edgemq::core::path {

inline size_t level_end(std::string_view s, size_t pos) {
  const size_t slash = s.find('/', pos);
  return slash == std::string_view::npos ? s.size() : slash;
}

inline size_t consumed(std::string_view s) { return s.size() + 1; }

// The position after the level that ends at `end`.
inline size_t after(std::string_view s, size_t end) { return end == s.size() ? consumed(s) : end + 1; }

// Where the run of literal levels that starts with the level ending at
// `first_end` ends: before the first '+' or '#' level, or at the end.
inline size_t literal_run_end(std::string_view filter, size_t first_end) {
  size_t end = first_end;
  while (end < filter.size()) {
    const size_t next_end = level_end(filter, end + 1);
    const std::string_view level = filter.substr(end + 1, next_end - end - 1);
    if (level == "+" || level == "#") break;
    end = next_end;
  }
  return end;
}

// How much of `a` and `b` (each "" or "/l1/l2...") is the same whole levels.
inline size_t common_levels(std::string_view a, std::string_view b) {
  size_t i = 0;
  while (i < a.size() && i < b.size()) {
    const size_t ae = level_end(a, i + 1), be = level_end(b, i + 1);
    if (ae != be || a.compare(i, ae - i, b, i, be - i) != 0) break;
    i = ae;
  }
  return i;
}

// Whether `s` continues at `at` (the end of a level) with the whole levels
// `rest` ("" or "/l2/l3...").
inline bool continues_with(std::string_view s, size_t at, std::string_view rest) {
  if (rest.empty()) return true;
  const size_t end = at + rest.size();
  return end <= s.size() && s.compare(at, rest.size(), rest) == 0 && (end == s.size() || s[end] == '/');
}

}  // namespace edgemq::core::path
