// Who may use the proxy and where it may connect, and the order of outbound connection attempts
// (Happy Eyeballs v2, RFC 8305 §4, with NAT64 synthesis, RFC 8305 §7.1 / RFC 6052). Pure.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addr/ip.hpp"
#include "common/result.hpp"
#include "socks/protocol.hpp"

namespace sixfour::socks {

// True if `client` (an Ipv4 or Ipv6 Address; an IPv4-mapped IPv6 address counts as its IPv4
// address) is inside one of `allow`. An empty list allows everyone.
bool client_allowed(const std::vector<IpPrefix>& allow, const Address& client);

// --deny-private: targets that are not on the Internet side of the proxy: unspecified, loopback,
// RFC 1918, shared 100.64/10, link-local, multicast, reserved 240/4 and broadcast; in IPv6 ::, ::1,
// fc00::/7 (ULA), fe80::/10, ff00::/8, and IPv4-mapped/-embedded forms of the IPv4 ones (the
// NAT64 prefix, if any, is checked by extracting the IPv4 address). Documentation ranges are not
// private (the lab uses them).
bool is_private_target(const Address& a, const std::optional<Ipv6Prefix>& nat64);

// RFC 8305 §4: the resolved addresses (in the resolver's preference order, RFC 6724) reordered
// so that the families alternate, starting with the family of the first address ("First Address
// Family Count" = 1). With a NAT64 prefix, every IPv4 address is followed in the list by its
// synthesized IPv6 form PREFIX::a.b.c.d (RFC 6052 §2.2) so that an IPv6-only host still reaches
// it: the native attempt fails at once there (network unreachable) and the next one starts.
std::vector<Address> order_attempts(const std::vector<Address>& resolved, const std::optional<Ipv6Prefix>& nat64);

}  // namespace sixfour::socks
