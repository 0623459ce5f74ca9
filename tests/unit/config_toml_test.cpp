// common/config_toml: toml++ 3.3 reaches __builtin_unreachable() when it asks whether some
// non-ASCII code points (U+00A1..U+0499, U+2C5E..U+3057, U+FB26..U+FEFE) are whitespace; parse_toml_table refuses
// them where it would ask (found by fuzz/config_fuzz.cpp, inputs in fuzz/regressions/config/) and
// leaves non-ASCII text in strings and comments alone.
#include "common/config_toml.hpp"

#include <gtest/gtest.h>

namespace sixfour {
namespace {

TEST(ConfigToml, NonAsciiOutsideStringsIsRefusedWithItsPosition) {
  auto r = parse_toml_table("\xca\x88\n", "f.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "f.toml:1:1: unexpected character U+0288");
  r = parse_toml_table("a = 1\n  \xef\xbb\xbb = 2\n", "f.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "f.toml:2:3: unexpected character U+FEFB");
  r = parse_toml_table("a = \"\xc3\xa9\" \xc3\xa9\n", "f.toml", TomlStyle::MustBe);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "f.toml:1: unexpected character U+00E9");
  r = parse_toml_table("a = 1 \xff\n", "f.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "f.toml:1:7: invalid UTF-8 octet 0xFF");
}

TEST(ConfigToml, NonAsciiInStringsAndCommentsIsKept) {
  auto r = parse_toml_table(
      "\xef\xbb\xbf# caf\xc3\xa9 \xca\x88\n"
      "a = \"\xca\x88\\\"\xc3\xa9\"\nb = '\xca\x88'\nc = '''\xca\x88\n\xef\xbb\xbb'''''\n"
      "d = \"\"\"x\\\n  y\xca\x88\"\"\"\n\"k\xc3\xa9y\" = 1\n",
      "f.toml");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ((*r)["a"].value_or(std::string()), "\xca\x88\"\xc3\xa9");
  EXPECT_EQ((*r)["b"].value_or(std::string()), "\xca\x88");
  EXPECT_EQ((*r)["c"].value_or(std::string()), "\xca\x88\n\xef\xbb\xbb''");
  EXPECT_EQ((*r)["d"].value_or(std::string()), "xy\xca\x88");
  EXPECT_EQ((*r)["k\xc3\xa9y"].value_or(int64_t{0}), 1);
}

TEST(ConfigToml, TrapAfterALineEndingBackslashIsRefused) {
  auto r = parse_toml_table("d = \"\"\"x\\\n  \xca\x88\"\"\"\n", "f.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "f.toml:2:3: unexpected character U+0288");
  r = parse_toml_table("d = \"\"\"x\\\xca\x88\"\"\"\n", "f.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "f.toml:1:10: unexpected character U+0288");
}

// toml++ scans a bare value up to the next whitespace, past a quote that would start a string.
TEST(ConfigToml, TrapInABrokenFileIsNeverShownToToml) {
  auto r = parse_toml_table("a = 54x\"\xc2\xa2\"\n", "f.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rfind("f.toml:1:", 0), 0u) << r.error();
  r = parse_toml_table("a = [1x'\xef\xbb\xbb'\n", "f.toml");
  ASSERT_FALSE(r);
}

// Every block of toml++'s whitespace table that has no case (U+00A1..U+0499, U+2C5E..U+3057 but
// U+3000, U+FB26..U+FEFE), at both ends, after a line-ending backslash; U+3000 is whitespace to it.
TEST(ConfigToml, EveryTrapBlockIsRefusedAfterALineEndingBackslash) {
  for (const char* cp : {"\xc2\xa1", "\xd2\x99", "\xe2\xb1\x9e", "\xe3\x81\x97", "\xef\xac\xa6", "\xef\xbb\xbe"}) {
    auto r = parse_toml_table(std::string("d = \"\"\"x\\\n") + cp + "\"\"\"\n", "f.toml");
    EXPECT_FALSE(r) << cp;
  }
  auto r = parse_toml_table("d = \"\"\"x\\\n\xe3\x80\x80y\"\"\"\n", "f.toml");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ((*r)["d"].value_or(std::string()), "xy");
}

// toml++ goes on skipping non-ASCII whitespace after the backslash (U+FEFF, U+3000, U+00A0 ...) and
// tests the code point after it too: a trap there is refused (the config fuzz target's fourth find).
TEST(ConfigToml, TrapAfterNonAsciiWhitespaceAfterALineEndingBackslashIsRefused) {
  for (const char* space : {"\xef\xbb\xbf", "\xe3\x80\x80", "\xc2\xa0", "\xe2\x80\x8b", "\xe1\x9a\x80"}) {
    auto r = parse_toml_table(std::string("d = \"\"\"x\\\n") + space + "\xc6\x9c\"\"\"\n", "f.toml");
    ASSERT_FALSE(r) << space;
    EXPECT_EQ(r.error().substr(r.error().find("unexpected")), "unexpected character U+019C");
  }
  // Whitespace then an ordinary character: read as TOML says (the whitespace is dropped).
  auto r = parse_toml_table("d = \"\"\"x\\\n\xef\xbb\xbf\xc2\xa0z\"\"\"\n", "f.toml");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ((*r)["d"].value_or(std::string()), "xz");
}

}  // namespace
}  // namespace sixfour
