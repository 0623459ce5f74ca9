// What the config modules (siit, nat64, dns64, socks) share: a value as given with where it came
// from, the command-line-wins merge, and the one-line error texts naming a value the way the user
// wrote it. Pure: no I/O, no TOML (that is common/config_toml.hpp, so the headers that only need
// Given<T> do not pull in toml++).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace sixfour {

// One value as given, with where it came from so an error can name it the way the user wrote it:
// `--pool6 "2001:db8::/33"` for the command line, `FILE: pool6 "2001:db8::/33"` for a file.
template <typename T>
struct Given {
  std::optional<T> value;
  std::string file;  // empty: command line

  bool has() const { return value.has_value(); }
  void set(T v, std::string from_file = {}) {
    value = std::move(v);
    file = std::move(from_file);
  }
};

// Merge step: a value set in `src` replaces the one in `dst` (a list replaces the whole list).
template <typename T>
void take(Given<T>& dst, const Given<T>& src) {
  if (src.has()) dst = src;
}

// How a value is named in an error: `--KEY "VALUE"` or `FILE: KEY "VALUE"`.
std::string label(const std::string& file, std::string_view key, std::string_view value);

// label + ": " + why.
std::string fail(const std::string& file, std::string_view key, std::string_view value, const std::string& why);

// The address parsers name the value themselves ("pool6 2001:db8::/33: ...", "x has host bits
// set"); the label already does, so keep only the reason.
std::string reason(const std::string& msg, std::string_view value);

// Whole-string unsigned decimal in [lo, hi].
std::optional<uint32_t> parse_uint(std::string_view s, uint32_t lo, uint32_t hi);

// Validation steps the modules share: each leaves `dst` alone when the value was not given, and
// fails with `fail(file, key, value, why)`.
// An interface name: 1 to 15 characters, not "." or "..", none of "/:%" or whitespace.
Status set_ifname(const Given<std::string>& g, std::string_view key, std::string& dst);
// A unix socket path: 1 to 107 characters.
Status set_socket_path(const Given<std::string>& g, std::string_view key, std::string& dst);
// `yes` (true) or `no` (false); else "must be YES or NO".
Status set_choice(const Given<std::string>& g, std::string_view key, std::string_view yes, std::string_view no,
                  bool& dst);
// A number in [lo, hi]; else `why`.
template <typename T>
Status set_uint(const Given<std::string>& g, std::string_view key, uint32_t lo, uint32_t hi, const std::string& why,
                T& dst) {
  if (!g.has()) return Ok{};
  auto v = parse_uint(*g.value, lo, hi);
  if (!v) return Error{fail(g.file, key, *g.value, why)};
  dst = static_cast<T>(*v);
  return Ok{};
}
inline void set_bool(const Given<bool>& g, bool& dst) {
  if (g.has()) dst = *g.value;
}

}  // namespace sixfour
