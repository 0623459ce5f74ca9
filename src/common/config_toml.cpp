#include "common/config_toml.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace sixfour {

namespace {

// toml++ 3.3's is_non_ascii_horizontal_whitespace() reaches __builtin_unreachable() (undefined
// behaviour) for these code points, and it asks that question wherever whitespace may come. Its
// table splits U+00A0..U+FEFF into blocks of 0x3FA code points and has no case for blocks 0, 11 and
// 63 beyond U+00A0, U+3000 and U+FEFF (found by fuzz/config_fuzz.cpp, twice).
bool toml_whitespace_trap(char32_t c) {
  return (c >= 0xA1 && c <= 0x499) || (c >= 0x2C5E && c <= 0x3057 && c != 0x3000) || (c >= 0xFB26 && c <= 0xFEFE);
}

// The non-ASCII code points toml++ 3.3 takes for horizontal whitespace (and goes on skipping after
// a line ending backslash).
bool toml_non_ascii_space(char32_t c) {
  return c == 0xA0 || c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200B) || c == 0x202F ||
         (c >= 0x205F && c <= 0x2060) || c == 0x3000 || c == 0xFEFF;
}

// The code point of the UTF-8 sequence at `at` (0 if it is not a well-formed one) and its length.
char32_t code_point(std::string_view t, size_t at, size_t& len) {
  const auto byte = [&](size_t i) { return i < t.size() ? static_cast<unsigned char>(t[i]) : 0u; };
  const unsigned b0 = byte(at);
  len = b0 < 0x80 ? 1 : b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2;
  if (len == 1) return b0;
  if (b0 < 0xC0 || b0 >= 0xF8) return 0;
  char32_t c = b0 & (0x7F >> len);
  for (size_t i = 1; i < len; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return 0;
    c = c << 6 | (byte(at + i) & 0x3F);
  }
  return c;
}

// Where the string starting with a quote at `i` ends (after its closing delimiter; the end of the
// line or text if it is not closed); sets `trap` to the first code point toml++ would test for
// whitespace inside it that toml_whitespace_trap() names (the first one after a backslash and any
// ASCII whitespace in a multi-line basic string: TOML 1.0's line ending backslash).
size_t skip_string(std::string_view t, size_t i, size_t& trap) {
  const char q = t[i];
  const bool multi = t.substr(i, 3) == std::string(3, q);
  for (i += multi ? 3 : 1; i < t.size(); ++i) {
    if (!multi && t[i] == '\n') return i;
    if (q == '"' && t[i] == '\\') {
      // toml++ tests every code point of the whitespace after the backslash, and the first one
      // after it, with is_non_ascii_horizontal_whitespace() (the fuzz target found U+FEFF, which
      // is whitespace to it, followed by a trap code point).
      size_t j = i + 1;
      while (multi && j < t.size()) {
        if (t[j] == ' ' || t[j] == '\t' || t[j] == '\n' || t[j] == '\r') {
          ++j;
          continue;
        }
        size_t len = 0;
        const char32_t c = code_point(t, j, len);
        if (toml_whitespace_trap(c)) {
          trap = j;
          return t.size();
        }
        if (!toml_non_ascii_space(c)) break;
        j += len;
      }
      i = j < i + 2 ? i + 1 : j - 1;
      continue;
    }
    if (t[i] != q) continue;
    if (!multi) return i + 1;
    if (t.substr(i, 3) != std::string(3, q)) continue;
    size_t run = 3;  // up to two quotes before the closing delimiter belong to the string
    while (run < 5 && i + run < t.size() && t[i + run] == q) ++run;
    return i + run;
  }
  return t.size();
}

// The first octet that toml++ must not see: a non-ASCII one outside strings and comments (TOML
// allows none there; a UTF-8 byte order mark at the start is skipped), or a trap code point in a
// string where toml++ tests for whitespace. npos if none.
size_t before_toml(std::string_view t) {
  size_t i = t.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  while (i < t.size()) {
    if (static_cast<unsigned char>(t[i]) >= 0x80) return i;
    if (t[i] == '#') {
      i = t.find('\n', i);
      if (i == std::string_view::npos) return i;
    } else if (t[i] == '"' || t[i] == '\'') {
      size_t trap = std::string_view::npos;
      i = skip_string(t, i, trap);
      if (trap != std::string_view::npos) return trap;
    } else {
      ++i;
    }
  }
  return std::string_view::npos;
}

// `text` with every trap code point replaced by one of the same UTF-8 length that is no whitespace
// either (U+0500, U+FB00), so that positions stay; empty if it has none.
std::string without_traps(std::string_view t) {
  std::string out;
  for (size_t i = 0, len = 1; i < t.size(); i += len) {
    const char32_t c = code_point(t, i, len);
    if (c == 0) len = 1;
    if (!toml_whitespace_trap(c)) continue;
    if (out.empty()) out.assign(t);
    out.replace(i, len, len == 2 ? "\xD4\x80" : "\xEF\xAC\x80");
  }
  return out;
}

Result<toml::table> toml_parse(std::string_view text, const std::string& file, TomlStyle style) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    if (style == TomlStyle::MustBe)
      return Error{fmt::format("{}:{}: {}", file, e.source().begin.line, e.description())};
    return Error{fmt::format("{}:{}:{}: {}", file, e.source().begin.line, e.source().begin.column, e.description())};
  }
}

}  // namespace

Result<toml::table> parse_toml_table(std::string_view text, const std::string& file, TomlStyle style) {
  if (const size_t at = before_toml(text); at != std::string_view::npos) {
    const std::string_view before = text.substr(0, at);
    const size_t line_start = before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
    const size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
    const size_t column =
        1 + static_cast<size_t>(std::count_if(before.begin() + static_cast<std::ptrdiff_t>(line_start), before.end(),
                                              [](char c) { return (c & 0xC0) != 0x80; }));
    size_t len = 0;
    const char32_t c = code_point(text, at, len);
    const std::string what = c == 0 ? fmt::format("invalid UTF-8 octet 0x{:02X}", static_cast<unsigned char>(text[at]))
                                    : fmt::format("unexpected character U+{:04X}", static_cast<uint32_t>(c));
    if (style == TomlStyle::MustBe) return Error{fmt::format("{}:{}: {}", file, line, what)};
    return Error{fmt::format("{}:{}:{}: {}", file, line, column, what)};
  }
  // Left in strings and comments, trap code points are safe for toml++ only in a valid file (an
  // invalid one may have it scan a bare value past a quote): the file with them replaced is read
  // first, and its error is the answer when it has one.
  if (const std::string safe = without_traps(text); !safe.empty()) {
    if (auto r = toml_parse(safe, file, style); !r) return r;
  }
  return toml_parse(text, file, style);
}

Error TomlValue::type_error(std::string_view want) const {
  if (style_ == TomlStyle::MustBe) return Error{fmt::format("{}: {} must be {}", file_, key_, want)};
  return Error{fmt::format("{}: {}: expected {}", file_, key_, want)};
}

Error TomlValue::unknown(std::string_view known) const {
  return Error{fmt::format("{}: unknown key \"{}\" (known: {})", file_, key_, known)};
}

Status TomlValue::as_string(Given<std::string>& dst) const {
  auto v = node_.value_exact<std::string>();
  if (!v) return type_error("a string");
  dst.set(*v, file_);
  return Ok{};
}

Status TomlValue::as_number(Given<std::string>& dst) const {
  if (auto i = node_.value_exact<int64_t>()) {
    dst.set(std::to_string(*i), file_);
    return Ok{};
  }
  if (auto s = node_.value_exact<std::string>()) {
    dst.set(*s, file_);
    return Ok{};
  }
  return type_error("an integer");
}

Status TomlValue::as_bool(Given<bool>& dst) const {
  auto v = node_.value_exact<bool>();
  if (!v) return type_error("true or false");
  dst.set(*v, file_);
  return Ok{};
}

Status TomlValue::as_list(Given<std::vector<std::string>>& dst) const {
  std::vector<std::string> out;
  if (auto s = node_.value_exact<std::string>()) {
    out.push_back(*s);
  } else if (const toml::array* arr = node_.as_array()) {
    for (const toml::node& el : *arr) {
      auto s2 = el.value_exact<std::string>();
      if (!s2) return type_error("an array of strings");
      out.push_back(*s2);
    }
  } else {
    return type_error("an array of strings");
  }
  dst.set(std::move(out), file_);
  return Ok{};
}

Status TomlValue::read(SettingKind kind, const GivenMut& dst) const {
  switch (kind) {
    case SettingKind::Text:
      return as_string(*dst.text);
    case SettingKind::Number:
      return as_number(*dst.text);
    case SettingKind::Flag:
    case SettingKind::NoFlag:
      return as_bool(*dst.flag);
    case SettingKind::List:
      return as_list(*dst.list);
  }
  return Ok{};
}

}  // namespace sixfour
