// strerror() text for an errno value, with the hint an operator needs for permission errors.
#pragma once
#include <cerrno>
#include <cstring>
#include <string>

namespace sixfour::io {

inline std::string errno_text(int err) {
  std::string s = std::strerror(err);
  if (err == EPERM || err == EACCES) s += " (run as root)";
  return s;
}

}  // namespace sixfour::io
