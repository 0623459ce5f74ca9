// The NAT64 prefix the proxy synthesizes IPv4 targets with: the configured one, or (--nat64-prefix
// auto) the one the shared RFC 7050 lookup (io/sys/rfc7050_lookup.hpp) finds at start-up.
#pragma once
#include <optional>

#include "addr/ip.hpp"
#include "socks/config.hpp"

namespace sixfour::io::socks_proxy {

std::optional<Ipv6Prefix> nat64_prefix(const socks::Settings& cfg);

}  // namespace sixfour::io::socks_proxy
