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

Status set_ifname(const Given<std::string>& g, std::string_view key, std::string& dst) {
  if (!g.has()) return Ok{};
  const std::string& t = *g.value;
  // IFNAMSIZ is 16 including the terminating NUL; '/' and whitespace are refused by the kernel
  // (dev_valid_name), '%' would make the kernel pick a number.
  if (t.empty() || t.size() > 15) return Error{fail(g.file, key, t, "interface name must be 1 to 15 characters")};
  if (t == "." || t == ".." || t.find_first_of("/:% \t\n") != std::string::npos)
    return Error{fail(g.file, key, t, "not a valid interface name")};
  dst = t;
  return Ok{};
}

Status set_socket_path(const Given<std::string>& g, std::string_view key, std::string& dst) {
  if (!g.has()) return Ok{};
  const std::string& v = *g.value;
  // sun_path holds 108 bytes including the NUL.
  if (v.empty() || v.size() > 107) return Error{fail(g.file, key, v, "socket path must be 1 to 107 characters")};
  dst = v;
  return Ok{};
}

Status set_choice(const Given<std::string>& g, std::string_view key, std::string_view yes, std::string_view no,
                  bool& dst) {
  if (!g.has()) return Ok{};
  const std::string& v = *g.value;
  if (v != yes && v != no) return Error{fail(g.file, key, v, fmt::format("must be {} or {}", yes, no))};
  dst = v == yes;
  return Ok{};
}

}  // namespace sixfour
