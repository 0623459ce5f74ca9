// RFC 7915 §4: translating IPv4 packets (and ICMPv4 messages, and the IPv4 packets quoted inside
// ICMPv4 errors) to IPv6.
#pragma once
#include <cstdint>
#include <span>

#include "xlat/config.hpp"
#include "xlat/mapper.hpp"
#include "xlat/verdict.hpp"

namespace sixfour::xlat {

// Translates one IPv4 packet `in` (starting at the IPv4 header). On return out.outcome is:
//  - Forward: out holds the IPv6 packet(s) (several when DF=0 and the result exceeds lowest_ipv6_mtu);
//  - Reply:   out holds one ICMPv4 error to send back to the IPv4 source (Time Exceeded, Fragmentation
//             Needed, Destination Unreachable), out.reason says why the packet itself was not forwarded;
//  - Drop:    out.reason says why.
// Never reads outside `in`, never writes outside out.data, never throws.
void ipv4_to_ipv6(std::span<const uint8_t> in, const Config& cfg, Mapper& mapper, Output& out);

}  // namespace sixfour::xlat
