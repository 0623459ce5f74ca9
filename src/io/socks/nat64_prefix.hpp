// The NAT64 prefix the proxy synthesizes IPv4 targets with: the configured one, or (--nat64-prefix
// auto) the one discovered with the RFC 7050 lookup of ipv4only.arpa. Kept as one unit so a shared
// RFC 7050 implementation can replace it.
#pragma once
#include <optional>

#include "addr/ip.hpp"
#include "socks/config.hpp"

namespace sixfour::io::socks_proxy {

std::optional<Ipv6Prefix> nat64_prefix(const socks::Settings& cfg);

}  // namespace sixfour::io::socks_proxy
