#include "common/config_input.hpp"

#include <fmt/format.h>

#include <charconv>

namespace sixfour {

std::string label(const std::string& file, std::string_view key, std::string_view value) {
  if (file.empty()) return fmt::format("--{} \"{}\"", key, value);
  return fmt::format("{}: {} \"{}\"", file, key, value);
}

std::string fail(const std::string& file, std::string_view key, std::string_view value, const std::string& why) {
  return label(file, key, value) + ": " + why;
}

std::string reason(const std::string& msg, std::string_view value) {
  if (value.empty()) return msg;
  size_t at = msg.find(value);
  if (at == std::string::npos || at > 24) return msg;
  size_t end = at + value.size();
  while (end < msg.size() && (msg[end] == '"' || msg[end] == '\'' || msg[end] == ':' || msg[end] == ' ')) ++end;
  if (end >= msg.size()) return msg;
  // A parser may name the value twice ("pool4 X: \"X\": not an IPv4 prefix"): strip both.
  const std::string rest = msg.substr(end);
  return rest.size() < msg.size() ? reason(rest, value) : rest;
}

std::optional<uint32_t> parse_uint(std::string_view s, uint32_t lo, uint32_t hi) {
  uint32_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

}  // namespace sixfour
