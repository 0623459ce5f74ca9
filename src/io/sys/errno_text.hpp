// strerror() text for an errno value, with the hint an operator needs for permission errors: run
// as root, or, when already root, that a capability is missing (a container or a unit's bounding
// set without it, or a daemon that has already dropped it).
#pragma once
#include <cerrno>
#include <cstring>
#include <string>

#include <unistd.h>

namespace sixfour::io {

inline std::string errno_text(int err) {
  std::string s = std::strerror(err);
  if (err == EPERM || err == EACCES)
    s += geteuid() == 0 ? " (root, but without the capability it takes)" : " (run as root)";
  return s;
}

}  // namespace sixfour::io
