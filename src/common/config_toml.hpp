// Reading the TOML form of a config module's input into Given<T> values, with the same error
// texts in every module. Each module keeps its own key table; this is only the typed reads.
#pragma once
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

#include "common/config_input.hpp"
#include "common/result.hpp"

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

 private:
  Error type_error(std::string_view want) const;

  const toml::node& node_;
  std::string key_;
  const std::string& file_;
  TomlStyle style_;
};

}  // namespace sixfour
