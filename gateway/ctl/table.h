// Text tables for a terminal: columns aligned by the width a terminal gives
// each cell (UTF-8 aware: wide CJK characters and emoji take two columns,
// combining marks none), two spaces between columns, no trailing blanks.
// Cells are made printable first: a client id or payload holding control
// characters or escape sequences cannot move the cursor or recolour the
// terminal of the operator reading it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgemq::ctl {

// The columns a terminal gives `s` (assumed printable, see below).
size_t display_width(std::string_view s);

// `s` safe to print on one line: C0 and C1 controls, DEL and the bidi
// overrides as \n, \t, \r, \xNN or \uNNNN; bytes that are not UTF-8 as \xNN.
std::string printable(std::string_view s);

// `s` (printable) cut to at most `width` columns, ending in "…" when cut.
std::string truncate_to(std::string_view s, size_t width);

enum class Align { Left, Right };

class Table {
 public:
  // No headers: a table of rows only (key-value lists). `align` defaults to
  // Left for every column.
  explicit Table(std::vector<std::string> headers = {}, std::vector<Align> align = {});

  // Cells pass through printable(); a short row is padded with empty cells.
  void add(const std::vector<std::string>& row);
  bool empty() const { return rows_.empty(); }
  // Every line ends in '\n'; an empty table with headers is its header line.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

// "key  value" lines with the values aligned: status, one client, one
// retained message.
std::string render_pairs(const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace edgemq::ctl
