// The `user` setting every daemon has: who the daemon runs as once it is set up (io/sys/privileges.hpp
// does the switch). Pure.
#pragma once
#include <string>

#include "common/config_input.hpp"

namespace sixfour {

// The system user the packaging creates.
inline constexpr const char* kDefaultUser = "sixfour";

struct RunAs {
  std::string user = kDefaultUser;
  bool given = false;  // --user or `user` given: a missing user is an error
};

// Takes `user` from the input (empty is refused).
inline Status set_run_as(const Given<std::string>& g, RunAs& out) {
  if (!g.has()) return Ok{};
  if (g.value->empty()) return Error{fail(g.file, "user", *g.value, "must name a user")};
  out.user = *g.value;
  out.given = true;
  return Ok{};
}

// The input form for --print-config: only a user that was given (the default stays implicit, so
// a missing default user is not turned into an error by a round trip).
inline void put_run_as(const RunAs& r, Given<std::string>& out) {
  if (r.given) out.set(r.user);
}

}  // namespace sixfour
