#include "common/settings.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sixfour {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() < 10 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The TOML form of a setting for the reference: `mtu = N`, `eam = ["V6=V4", ...]`.
std::string toml_form(const SettingInfo& s) {
  switch (s.kind) {
    case SettingKind::Text:
      return fmt::format("{} = \"{}\"", s.name, s.type);
    case SettingKind::Number:
      return fmt::format("{} = {}", s.name, s.type);
    case SettingKind::Flag:
    case SettingKind::NoFlag:
      return fmt::format("{} = true|false", s.name);
    case SettingKind::List:
      return fmt::format("{} = [\"{}\", ...]", s.name, s.type);
  }
  return std::string(s.name);
}

std::string escape_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string value_text(const SettingInfo& s, const GivenRef& g, bool single) {
  if (g.flag) return *g.flag->value ? "true" : "false";
  if (g.list) {
    const auto& v = *g.list->value;
    return single && v.size() == 1 ? toml_quote(v.front()) : toml_list(v);
  }
  const std::string& t = *g.text->value;
  return s.kind == SettingKind::Number && all_digits(t) ? t : toml_quote(t);
}

// The default of `s` as a TOML value, or "" where the default is a description ("one per online
// CPU", "/run/sixfour/nat64-TUN.sock") rather than a value.
std::string default_value(const SettingInfo& s) {
  if (s.is_flag()) return std::string(s.def);
  if (s.def.empty() || s.def == kRequired || s.kind == SettingKind::List) return "";
  const bool literal =
      std::none_of(s.def.begin(), s.def.end(), [](char c) { return c == ' ' || (c >= 'A' && c <= 'Z'); });
  if (!literal) return "";
  return s.kind == SettingKind::Number && all_digits(s.def) ? std::string(s.def) : toml_quote(s.def);
}

// `text` as comment lines of at most `width` columns, "# " first.
std::string comment_lines(std::string_view text, size_t width) {
  std::string out;
  std::string_view line;  // a piece of `text`: words joined by their own spaces
  size_t pos = 0;
  auto flush = [&] {
    if (line.empty()) return;
    out.append("# ").append(line).push_back('\n');
  };
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    if (line.empty())
      line = text.substr(pos, end - pos);
    else if (end - (line.data() - text.data()) + 2 > width) {
      flush();
      line = text.substr(pos, end - pos);
    } else {
      line = text.substr(line.data() - text.data(), end - (line.data() - text.data()));
    }
    pos = end + 1;
  }
  flush();
  return out;
}

}  // namespace

std::string SettingInfo::flag() const {
  return kind == SettingKind::NoFlag ? fmt::format("--no-{}", name) : fmt::format("--{}", name);
}

std::string SettingInfo::help_text() const {
  std::vector<std::string> notes;
  if (kind == SettingKind::List) notes.emplace_back("repeatable");
  if (def == kRequired)
    notes.emplace_back(kRequired);
  else if (!def.empty() && !is_flag())
    notes.push_back(fmt::format("default {}", def));
  if (notes.empty()) return std::string(help);
  std::string out = fmt::format("{} (", help);
  for (size_t i = 0; i < notes.size(); ++i) out += (i ? "; " : "") + notes[i];
  return out + ")";
}

std::string known_keys(const std::vector<SettingInfo>& infos) {
  std::string out;
  for (const SettingInfo& s : infos) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

std::string config_keys(const std::vector<SettingInfo>& infos) {
  std::string out;
  for (const SettingInfo& s : infos)
    out += fmt::format("{}{}{}", out.empty() ? "" : ", ", s.name, s.kind == SettingKind::List ? " = [...]" : "");
  return out;
}

std::string reference_markdown(const std::vector<SettingInfo>& infos) {
  std::string out =
      "| setting | flag | TOML | default | meaning |\n"
      "| --- | --- | --- | --- | --- |\n";
  for (const SettingInfo& s : infos) {
    const std::string flag = s.is_flag() ? s.flag() : fmt::format("{} {}", s.flag(), s.type);
    out += fmt::format("| {} | `{}` | `{}` | {} | {}{} |\n", s.name, escape_cell(flag), escape_cell(toml_form(s)),
                       s.def.empty() ? "—" : escape_cell(s.def), escape_cell(s.help),
                       s.kind == SettingKind::List ? " (repeatable)" : "");
  }
  return out;
}

std::string reference_toml(const std::vector<SettingInfo>& infos, std::string_view who) {
  std::string out = fmt::format(
      "# Settings of `{}`: every one is commented out, so its default applies. Uncomment and\n"
      "# edit what you need; a flag given on the command line overrides this file.\n",
      who);
  for (const SettingInfo& s : infos) {
    const std::string about = fmt::format("{}: {}.", s.name, s.help_text());
    const std::string value = default_value(s);
    out.push_back('\n');
    out += comment_lines(about, 100);
    out += fmt::format("#{}\n", value.empty() ? toml_form(s) : fmt::format("{} = {}", s.name, value));
  }
  return out;
}

std::string render_toml(const std::vector<std::pair<SettingInfo, GivenRef>>& values, const RenderOptions& opt) {
  std::string out = opt.header;
  for (const auto& [s, g] : values) {
    if (!g.has()) {
      out += fmt::format("# {}: not set{}\n", s.name, s.def.empty() ? "" : fmt::format(" (default {})", s.def));
      continue;
    }
    const bool single = std::find(opt.single.begin(), opt.single.end(), s.name) != opt.single.end();
    out += fmt::format("{} = {}", s.name, value_text(s, g, single));
    for (const RenderNote& n : opt.notes)
      if (n.key == s.name) out += "  # " + n.note;
    out += '\n';
  }
  return out;
}

std::string toml_quote(std::string_view s) {
  // TOML basic string: '"' and '\' escaped, and every control character (U+0000-U+001F, U+007F),
  // which may not appear raw: a value read from "a\nb" must print as it was read.
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\u{:04X}", u);
    } else {
      out += c;
    }
  }
  return out + '"';
}

std::string toml_list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + toml_quote(v[i]);
  return out + "]";
}

}  // namespace sixfour
