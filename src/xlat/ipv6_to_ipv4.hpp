// RFC 7915 §5: translating IPv6 packets (and ICMPv6 messages, and the IPv6 packets quoted inside
// ICMPv6 errors) to IPv4.
#pragma once
#include <cstdint>
#include <span>

#include "xlat/config.hpp"
#include "xlat/mapper.hpp"
#include "xlat/verdict.hpp"

namespace sixfour::xlat {

// Translates one IPv6 packet `in` (starting at the IPv6 header). On return out.outcome is:
//  - Forward: out holds one IPv4 packet, or its IPv4 fragments when a DF=0 translation (at most
//             1260 bytes, an IPv6 fragment, or an ICMPv4 error) exceeds cfg.mtu4;
//  - Reply:   out holds one ICMPv6 error to send back to the IPv6 source (Time Exceeded, Packet Too
//             Big, Destination Unreachable, Parameter Problem), out.reason says why;
//  - Drop:    out.reason says why.
// Never reads outside `in`, never writes outside out.data, never throws.
void ipv6_to_ipv4(std::span<const uint8_t> in, const Config& cfg, Mapper& mapper, Output& out);

}  // namespace sixfour::xlat
