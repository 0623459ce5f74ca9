// What kind of address a host has: the classes `sixfour doctor` reports and reasons about.
#pragma once
#include <string_view>

#include "addr/ip.hpp"

namespace sixfour::doctor {

enum class AddrKind {
  global,      // globally reachable unicast (and, for the lab, the documentation ranges)
  ula,         // fc00::/7 (RFC 4193)
  link_local,  // fe80::/10 (RFC 4291 §2.5.6), 169.254.0.0/16 (RFC 3927)
  loopback,    // ::1, 127.0.0.0/8
  private4,    // 10/8, 172.16/12, 192.168/16 (RFC 1918)
  shared4,     // 100.64.0.0/10 (RFC 6598, carrier-grade NAT)
  clat4,       // 192.0.0.0/29 (RFC 7335: the IPv4 service continuity prefix a CLAT uses)
  other,       // anything else not globally reachable (multicast, reserved, ...)
};

std::string_view kind_name(AddrKind k);  // "global", "ula", "link-local", ...

// Documentation ranges (RFC 3849 2001:db8::/32; RFC 5737 192.0.2/24, 198.51.100/24, 203.0.113/24)
// are not globally reachable by the registry, but they are what labs and examples use; they are
// classed as global so that a lab host looks like the real host it stands for.
AddrKind classify(Ipv4Addr a);
AddrKind classify(const Ipv6Addr& a);

// A CLAT (RFC 6877 464XLAT) shows up as an interface named like clat, clat4, v4-<if> (Android and
// clatd name theirs so) or as an address in 192.0.0.0/29 (RFC 7335).
bool is_clat_interface_name(std::string_view name);

}  // namespace sixfour::doctor
