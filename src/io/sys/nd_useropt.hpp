// RTM_NEWNDUSEROPT (linux/rtnetlink.h): the ND options of a router advertisement the kernel
// accepted (accept_ra on that interface) and passes on to listeners of RTNLGRP_ND_USEROPT: RDNSS,
// DNSSL, captive portal and the RFC 8781 PREF64 option. `doctor` and `clat` read PREF64 from it.
#pragma once
#include <linux/netlink.h>

#include <optional>
#include <vector>

#include "addr/ip.hpp"
#include "doctor/prefix_discovery.hpp"

namespace sixfour::io {

struct RaPref64 {
  int ifindex = 0;                 // where the advertisement arrived
  std::optional<Ipv6Addr> router;  // its source (NDUSEROPT_SRCADDR), when the kernel gave one
  std::vector<doctor::Pref64> found;
};

// The PREF64 options of one netlink message; nullopt when it is no RTM_NEWNDUSEROPT of a router
// advertisement or is malformed.
std::optional<RaPref64> ra_pref64(const nlmsghdr* nlh);

}  // namespace sixfour::io
