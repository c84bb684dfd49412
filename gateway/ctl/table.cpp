#include "gateway/ctl/table.h"

#include "gateway/ctl/encoding.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace edgemq::ctl {

namespace {

struct Range {
  uint32_t first, last;
};

bool in(const Range* ranges, size_t n, uint32_t cp) {
  return std::any_of(ranges, ranges + n, [cp](const Range& r) { return cp >= r.first && cp <= r.last; });
}

// Combining marks, zero-width characters and variation selectors.
constexpr Range kZeroWidth[] = {{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
                                {0x064B, 0x065F}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
                                {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xE0100, 0xE01EF}};
// East Asian wide and fullwidth characters, emoji.
constexpr Range kWide[] = {{0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},
                           {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
                           {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
                           {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD}};

size_t code_point_width(uint32_t cp) {
  if (in(kZeroWidth, std::size(kZeroWidth), cp)) return 0;
  if (in(kWide, std::size(kWide), cp)) return 2;
  return 1;
}

bool needs_escape(uint32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

std::string hex_escape(const char* format, uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, format, static_cast<unsigned>(v));
  return buf;
}

}  // namespace

size_t display_width(std::string_view s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    if (next_code_point(s, i, cp)) {
      width += code_point_width(cp);
    } else {
      ++i;
      ++width;
    }
  }
  return width;
}

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    uint32_t cp = 0;
    if (!next_code_point(s, i, cp)) {
      out += hex_escape("\\x%02X", static_cast<uint8_t>(s[i]));
      ++i;
    } else if (!needs_escape(cp)) {
      out.append(s.substr(start, i - start));
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\r') {
      out += "\\r";
    } else {
      out += cp < 0x80 ? hex_escape("\\x%02X", cp) : hex_escape("\\u%04X", cp);
    }
  }
  return out;
}

std::string truncate_to(std::string_view s, size_t width) {
  if (display_width(s) <= width) return std::string(s);
  if (width == 0) return {};
  std::string out;
  size_t used = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    uint32_t cp = 0;
    const size_t w = next_code_point(s, i, cp) ? code_point_width(cp) : (++i, 1);
    if (used + w > width - 1) break;  // room for the ellipsis
    out.append(s.substr(start, i - start));
    used += w;
  }
  return out + "…";
}

Table::Table(std::vector<std::string> headers, std::vector<Align> align)
    : headers_(std::move(headers)), align_(std::move(align)) {}

void Table::add(const std::vector<std::string>& row) {
  std::vector<std::string> cells;
  cells.reserve(row.size());
  for (const std::string& cell : row) cells.push_back(printable(cell));
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  size_t columns = headers_.size();
  for (const auto& row : rows_) columns = std::max(columns, row.size());
  std::vector<size_t> widths(columns, 0);
  const auto measure = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
  };
  measure(headers_);
  for (const auto& row : rows_) measure(row);

  std::string out;
  const auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    size_t keep = 0;  // up to the end of the last non-empty cell: no trailing padding
    for (size_t c = 0; c < columns; ++c) {
      const std::string empty;
      const std::string& cell = c < row.size() ? row[c] : empty;
      const size_t pad = widths[c] - display_width(cell);
      const bool right = c < align_.size() && align_[c] == Align::Right;
      if (c > 0) text += "  ";
      if (right) text.append(pad, ' ');
      text += cell;
      if (!cell.empty()) keep = text.size();
      if (!right) text.append(pad, ' ');
    }
    text.resize(keep);
    out += text + "\n";
  };
  if (!headers_.empty()) line(headers_);
  for (const auto& row : rows_) line(row);
  return out;
}

std::string render_pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  Table t;
  for (const auto& [key, value] : pairs) t.add({key, value});
  return t.render();
}

}  // namespace edgemq::ctl
