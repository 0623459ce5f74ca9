// RFC 6052: IPv4-embedded IPv6 addresses.
//
//    +--+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
//    |PL| 0-------------32--40--48--56--64--72--80--88--96--104---------|
//    +--+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
//    |32|     prefix    |v4(32)         | u | suffix                    |
//    |40|     prefix        |v4(24)     | u |(8)| suffix                |
//    |48|     prefix            |v4(16) | u | (16)  | suffix            |
//    |56|     prefix                |(8)| u |  v4(24)   | suffix        |
//    |64|     prefix                    | u |   v4(32)      | suffix    |
//    |96|     prefix                                    |    v4(32)     |
//
// Bits 64..71 (the "u" octet) are always zero; the suffix is zero when embedding.
#pragma once
#include <string_view>

#include "addr/ip.hpp"
#include "common/result.hpp"

namespace sixfour::rfc6052 {

// 64:ff9b::/96, RFC 6052 §2.1.
inline constexpr Ipv6Prefix kWellKnownPrefix{Ipv6Addr{{0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
                                             96};
// 64:ff9b:1::/48, RFC 8215 (local-use IPv4/IPv6 translation prefix).
inline constexpr Ipv6Prefix kLocalUsePrefix{
    Ipv6Addr{{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}, 48};

bool valid_length(uint8_t len);  // 32, 40, 48, 56, 64 or 96

// A translation prefix as configured (pool6 / NAT64 prefix), validated: length one of the six
// RFC 6052 lengths, host bits zero, and for lengths above 64 the u-octet (bits 64..71) zero.
// Errors read like: "pool6 2001:db8::/33: RFC 6052 prefix length must be 32, 40, 48, 56, 64 or 96".
Result<Ipv6Prefix> parse_prefix(std::string_view text);

// Embeds `v4` in `prefix` (prefix.len must be valid_length()).
Ipv6Addr embed(const Ipv6Prefix& prefix, Ipv4Addr v4);

// Extracts the IPv4 address from `a` assuming it lies inside `prefix` (caller checks contains()).
Ipv4Addr extract(const Ipv6Prefix& prefix, const Ipv6Addr& a);

// RFC 6052 §3.1: the well-known prefix MUST NOT be used with non-global IPv4 addresses. Returns true
// if translating `v4` with `prefix` is allowed (always true for other prefixes, and for the
// well-known prefix when `allow_non_global` is set).
bool allowed(const Ipv6Prefix& prefix, Ipv4Addr v4, bool allow_non_global);

}  // namespace sixfour::rfc6052
