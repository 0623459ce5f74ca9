// Each daemon setting declared once: name (= long flag `--name` and TOML key), kind, default text,
// help text, type name and the ConfigInput member it fills. From one table per daemon come the TOML
// reader, the command-line-wins merge, the --print-config TOML, the "(default X)" of --help and the
// configuration reference in docs/configuration.md. Pure: the command-line side (CLI11) is
// cli/daemon_options.hpp; the TOML reads are common/config_toml.hpp.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "common/config_input.hpp"
#include "common/result.hpp"

namespace sixfour {

enum class SettingKind : uint8_t {
  Text,    // --name VALUE, name = "VALUE"
  Number,  // --name N, name = N (or "N"); kept as text until validation
  Flag,    // --name, name = true|false (default false)
  NoFlag,  // --no-name, name = true|false (default true), e.g. --no-routes / routes = false
  List,    // --name VALUE, repeatable; name = ["VALUE", ...] (or one string)
};

// A default that is not a value: shown as "required" rather than "default ...".
inline constexpr std::string_view kRequired = "required";

// What a setting is, without its binding (the part the help, the reference and the errors use).
struct SettingInfo {
  std::string_view name;
  SettingKind kind;
  std::string_view type;  // "ADDR:PORT", "N", ...; empty for flags
  std::string_view def;   // "(default X)" in --help, the default column of the reference
  std::string_view help;

  bool is_flag() const { return kind == SettingKind::Flag || kind == SettingKind::NoFlag; }
  std::string flag() const;  // "--name" or "--no-name"
  // The help text with "(repeatable; default X)" appended as it applies.
  std::string help_text() const;
};

template <typename In>
struct Setting {
  SettingInfo info;
  std::variant<Given<std::string> In::*, Given<bool> In::*, Given<std::vector<std::string>> In::*> member;
};

// The declarations, one call per setting: name, member, type name, default text, help.
template <typename In>
constexpr Setting<In> text(std::string_view name, Given<std::string> In::*m, std::string_view type,
                           std::string_view def, std::string_view help) {
  return {{name, SettingKind::Text, type, def, help}, m};
}
template <typename In>
constexpr Setting<In> number(std::string_view name, Given<std::string> In::*m, std::string_view type,
                             std::string_view def, std::string_view help) {
  return {{name, SettingKind::Number, type, def, help}, m};
}
template <typename In>
constexpr Setting<In> flag(std::string_view name, Given<bool> In::*m, std::string_view help) {
  return {{name, SettingKind::Flag, "", "false", help}, m};
}
template <typename In>
constexpr Setting<In> no_flag(std::string_view name, Given<bool> In::*m, std::string_view help) {
  return {{name, SettingKind::NoFlag, "", "true", help}, m};
}
template <typename In>
constexpr Setting<In> list(std::string_view name, Given<std::vector<std::string>> In::*m, std::string_view type,
                           std::string_view def, std::string_view help) {
  return {{name, SettingKind::List, type, def, help}, m};
}

template <typename In>
using SettingTable = std::span<const Setting<In>>;

// One setting's value as given, type-erased for the non-template code below; GivenMut writes.
template <bool Const>
struct GivenPtr {
  template <typename T>
  using P = std::conditional_t<Const, const T*, T*>;
  P<Given<std::string>> text = nullptr;
  P<Given<bool>> flag = nullptr;
  P<Given<std::vector<std::string>>> list = nullptr;
  bool has() const { return text ? text->has() : flag ? flag->has() : list->has(); }
};
using GivenRef = GivenPtr<true>;
using GivenMut = GivenPtr<false>;

// The member of `in` (an In or a const In) that setting `s` names.
template <typename In, typename InQ>
GivenPtr<std::is_const_v<InQ>> given_ref(const Setting<In>& s, InQ& in) {
  GivenPtr<std::is_const_v<InQ>> r;
  std::visit(
      [&](auto m) {
        using M = std::decay_t<decltype(in.*m)>;
        if constexpr (std::is_same_v<M, Given<std::string>>)
          r.text = &(in.*m);
        else if constexpr (std::is_same_v<M, Given<bool>>)
          r.flag = &(in.*m);
        else
          r.list = &(in.*m);
      },
      s.member);
  return r;
}

template <typename In>
std::vector<SettingInfo> infos(SettingTable<In> table) {
  std::vector<SettingInfo> out;
  for (const Setting<In>& s : table) out.push_back(s.info);
  return out;
}

// "tun, pool6, eam, ..." (the "known:" list of the unknown-key error).
std::string known_keys(const std::vector<SettingInfo>& infos);
// "tun, pool6, eam = [...], ..." (the --config help).
std::string config_keys(const std::vector<SettingInfo>& infos);

// The configuration reference of one daemon: a markdown table (setting, flag, TOML, default,
// meaning), one row per setting, as docs/configuration.md holds it.
std::string reference_markdown(const std::vector<SettingInfo>& infos);
template <typename In>
std::string reference_markdown(SettingTable<In> table) {
  return reference_markdown(infos(table));
}

// The commented configuration file of one daemon (`who`, e.g. "sixfour nat64"), as the Debian
// package installs it in /etc/sixfour: per setting its help and default as a comment, then the key
// commented out, with the default as its value where the default is one (else the value's form).
std::string reference_toml(const std::vector<SettingInfo>& infos, std::string_view who);
template <typename In>
std::string reference_toml(SettingTable<In> table, std::string_view who) {
  return reference_toml(infos(table), who);
}

// Command line wins: every setting given in `over` replaces the one in `base` (a list replaces the
// whole list).
template <typename In>
In merge_inputs(SettingTable<In> table, In base, const In& over) {
  for (const Setting<In>& s : table) std::visit([&](auto m) { take(base.*m, over.*m); }, s.member);
  return base;
}

// --print-config. `notes` add a comment after a key's line ("pool4 = ...  # NOTE"); keys in
// `single` print a one-entry list as a string (the reader takes both).
struct RenderNote {
  std::string_view key;
  std::string note;
};
struct RenderOptions {
  std::string header;  // first line(s), each starting with "# "
  std::vector<RenderNote> notes = {};
  std::vector<std::string_view> single = {};
};
// Writes the given settings as `key = value` lines in table order; a setting not given becomes a
// comment naming its default ("# workers: not set (default one per online CPU)").
std::string render_toml(const std::vector<std::pair<SettingInfo, GivenRef>>& values, const RenderOptions& opt);
template <typename In>
std::string render_toml(SettingTable<In> table, const In& in, const RenderOptions& opt) {
  std::vector<std::pair<SettingInfo, GivenRef>> values;
  for (const Setting<In>& s : table) values.emplace_back(s.info, given_ref(s, in));
  return render_toml(values, opt);
}

// The .str() of each element: the list a --print-config input is made of.
template <typename T>
std::vector<std::string> str_list(const std::vector<T>& v) {
  std::vector<std::string> out;
  for (const T& e : v) out.push_back(e.str());
  return out;
}

// TOML string ("..." with quotes and backslashes escaped) and array of strings.
std::string toml_quote(std::string_view s);
std::string toml_list(const std::vector<std::string>& v);

}  // namespace sixfour
