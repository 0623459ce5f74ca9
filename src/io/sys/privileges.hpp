// Least privilege for the daemons (docs/hardening.md, "Least privilege"): once a daemon is set up,
// every one of its threads keeps only the capabilities it still needs (effective = permitted = the
// listed ones, inheritable, ambient and bounding sets empty), no-new-privileges is set, and it runs
// as an unprivileged user when there is one.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/run_as.hpp"

namespace sixfour::io {

// The user to switch to, resolved before set-up so that a wrong --user fails early.
struct PrivilegePlan {
  bool switch_user = false;  // false: stay uid 0 (the default user does not exist)
  std::string user;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<int> keep;  // CAP_* numbers
};

// Looks `r.user` up. A missing user is an error when it was given, else the plan stays uid 0.
Result<PrivilegePlan> plan_privileges(const RunAs& r, std::vector<int> keep);

// Applies `plan` to every thread of the process (capabilities are per thread). Returns the start
// line's "privileges: user sixfour, capabilities cap_net_admin" (or "uid 0 (no user sixfour), ...").
Result<std::string> drop_privileges(const PrivilegePlan& plan);

// "cap_net_admin, cap_net_raw" or "none".
std::string capability_names(const std::vector<int>& caps);

}  // namespace sixfour::io
