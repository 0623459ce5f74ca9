// The --users file for RFC 1929 username/password authentication: one "user:hash" per line, where
// hash is a crypt(3) string (yescrypt "$y$...", sha512crypt "$6$..."), as printed by
// `sixfour socks hash-password`. Blank lines and lines starting with '#' are ignored. Pure parsing;
// the password check (crypt_r + constant-time compare) lives in io/socks_auth.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace sixfour::socks {

struct UserEntry {
  std::string user;
  std::string hash;
};

// Errors name the file and line: "users.txt:3: no ':' between user and hash". User names are
// 1..255 bytes (RFC 1929 ULEN), unique, hashes start with '$'.
Result<std::vector<UserEntry>> parse_users(std::string_view text, const std::string& file);

// Compares two byte strings in time that depends only on their lengths (RFC 1929 leaves it to the
// implementation; a timing oracle on the hash must not exist).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace sixfour::socks
