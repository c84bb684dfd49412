// Tables for a terminal: aligned by display width (UTF-8 aware), no trailing
// blanks, and nothing in a cell that could steer the terminal.
#include <gtest/gtest.h>

#include <string>

#include "gateway/ctl/format.h"
#include "gateway/ctl/table.h"

namespace edgemq::ctl {
namespace {

TEST(CtlTable, ColumnsAlignLeftOrRightWithoutTrailingBlanks) {
  Table t({"NAME", "N", "NOTE"}, {Align::Left, Align::Right, Align::Left});
  t.add({"a", "7", "x"});
  t.add({"longer", "1234", ""});
  EXPECT_EQ(t.render(),
            "NAME       N  NOTE\n"
            "a          7  x\n"
            "longer  1234\n");
}

TEST(CtlTable, WideAndCombiningCharactersAlign) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("温度"), 4u);
  EXPECT_EQ(display_width("e\u0301"), 1u);  // e + combining acute
  EXPECT_EQ(display_width("😀"), 2u);
  Table t({"ID", "X"});
  t.add({"温度", "1"});
  t.add({"abcde", "2"});
  EXPECT_EQ(t.render(),
            "ID     X\n"
            "温度   1\n"
            "abcde  2\n");
}

TEST(CtlTable, ControlCharactersAreShownNotObeyed) {
  EXPECT_EQ(printable("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(printable("\x1b[31mred"), "\\x1B[31mred");
  EXPECT_EQ(printable("x\u202Eevil"), "x\\u202Eevil");  // a bidi override
  EXPECT_EQ(printable("\xc2\x85"), "\\u0085");          // a C1 control
  EXPECT_EQ(printable("ok \xff!"), "ok \\xFF!");         // not UTF-8
  EXPECT_EQ(printable("温度"), "温度");
  Table t({"ID"});
  t.add({"dev\n1"});
  EXPECT_EQ(t.render(), "ID\ndev\\n1\n");
}

TEST(CtlTable, TruncateByColumns) {
  EXPECT_EQ(truncate_to("hello", 5), "hello");
  EXPECT_EQ(truncate_to("hello world", 6), "hello…");
  EXPECT_EQ(truncate_to("温度温度", 5), "温度…");
}

TEST(CtlTable, Pairs) {
  EXPECT_EQ(render_pairs({{"status", "ok"}, {"connections", "3"}}),
            "status       ok\n"
            "connections  3\n");
}

TEST(CtlFormat, Values) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(59), "59s");
  EXPECT_EQ(format_duration(185), "3m 05s");
  EXPECT_EQ(format_duration(2 * 3600 + 14 * 60 + 9), "2h 14m");
  EXPECT_EQ(format_duration(6 * 86400 + 3 * 3600 + 1), "6d 3h");
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(12900000), "12.3 MiB");
  EXPECT_EQ(format_utc_ms(1714566896789), "2024-05-01T12:34:56Z");
  EXPECT_EQ(format_session_expiry(4294967295), "never");
  EXPECT_EQ(format_session_expiry(0), "with the connection");
  EXPECT_EQ(format_session_expiry(3600), "1h 00m");
}

}  // namespace
}  // namespace edgemq::ctl
