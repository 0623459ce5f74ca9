// Reading the TOML form of a config module's input into Given<T> values, with the same error
// texts in every module: the typed reads, and read_toml which reads every key of a file through
// the module's setting table (common/settings.hpp).
#pragma once
#include <algorithm>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

#include "common/config_input.hpp"
#include "common/result.hpp"
#include "common/settings.hpp"

namespace sixfour {

// How the errors are worded. Expected (siit, nat64, dns64): "FILE:LINE:COL: what" for a syntax
// error, "FILE: KEY: expected a string" for a wrong type. MustBe (socks): "FILE:LINE: what" and
// "FILE: KEY must be a string".
enum class TomlStyle : uint8_t { Expected, MustBe };

// toml::parse with its exception turned into a one-line error.
Result<toml::table> parse_toml_table(std::string_view text, const std::string& file,
                                     TomlStyle style = TomlStyle::Expected);

// One top-level `key = value` of a file, read into a Given<T> that then names `file` as its origin.
class TomlValue {
 public:
  TomlValue(const toml::node& node, std::string key, const std::string& file, TomlStyle style = TomlStyle::Expected)
      : node_(node), key_(std::move(key)), file_(file), style_(style) {}

  const std::string& key() const { return key_; }

  Status as_string(Given<std::string>& dst) const;
  // Numbers may be written as integers (mtu = 1500) or strings (mtu = "1500"); they are kept as
  // text so that validation gives one error for both.
  Status as_number(Given<std::string>& dst) const;
  Status as_bool(Given<bool>& dst) const;
  // Lists: an array of strings, or one string for a single entry.
  Status as_list(Given<std::vector<std::string>>& dst) const;

  // "FILE: unknown key \"KEY\" (known: KNOWN)"
  Error unknown(std::string_view known) const;

  // The read `kind` calls for (as_string for Text, as_number for Number, ...).
  Status read(SettingKind kind, const GivenMut& dst) const;

 private:
  Error type_error(std::string_view want) const;

  const toml::node& node_;
  std::string key_;
  const std::string& file_;
  TomlStyle style_;
};

// The whole file: each top-level key read into the member its setting names. Unknown keys and wrong
// types are errors; the "known:" list is the table's names in order.
template <typename In>
Result<In> read_toml(SettingTable<In> table, std::string_view text, const std::string& file,
                     TomlStyle style = TomlStyle::Expected) {
  auto parsed = parse_toml_table(text, file, style);
  if (!parsed) return Error{parsed.error()};
  In in;
  for (auto&& [k, node] : *parsed) {
    const TomlValue v{node, std::string(k.str()), file, style};
    auto s = std::find_if(table.begin(), table.end(), [&](const Setting<In>& e) { return e.info.name == v.key(); });
    if (s == table.end()) return v.unknown(known_keys(infos(table)));
    if (Status st = v.read(s->info.kind, given_ref(*s, in)); !st) return Error{st.error()};
  }
  return in;
}

}  // namespace sixfour
