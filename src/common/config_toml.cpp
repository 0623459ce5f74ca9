#include "common/config_toml.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace sixfour {

Result<toml::table> parse_toml_table(std::string_view text, const std::string& file, TomlStyle style) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    if (style == TomlStyle::MustBe)
      return Error{fmt::format("{}:{}: {}", file, e.source().begin.line, e.description())};
    return Error{fmt::format("{}:{}:{}: {}", file, e.source().begin.line, e.source().begin.column, e.description())};
  }
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
