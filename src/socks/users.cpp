#include "socks/users.hpp"

#include <fmt/format.h>

namespace sixfour::socks {

Result<std::vector<UserEntry>> parse_users(std::string_view text, const std::string& file) {
  std::vector<UserEntry> out;
  size_t lineno = 0;
  while (!text.empty()) {
    ++lineno;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Error{fmt::format("{}:{}: no ':' between user and hash", file, lineno)};
    std::string_view user = line.substr(0, colon), hash = line.substr(colon + 1);
    if (user.empty() || user.size() > 255)
      return Error{fmt::format("{}:{}: user name must be 1..255 bytes", file, lineno)};
    if (hash.empty() || hash.front() != '$')
      return Error{
          fmt::format("{}:{}: hash of \"{}\" is not a crypt(3) string (create it with "
                      "`sixfour socks hash-password`)",
                      file, lineno, user)};
    for (const UserEntry& e : out)
      if (e.user == user) return Error{fmt::format("{}:{}: user \"{}\" listed twice", file, lineno, user)};
    out.push_back({std::string(user), std::string(hash)});
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace sixfour::socks
