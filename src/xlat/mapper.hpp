// How a translator maps addresses (and, for stateful NAT64, transport identifiers) between families.
// The RFC 7915 header translation in ipv4_to_ipv6 / ipv6_to_ipv4 is the same for SIIT and NAT64;
// only this mapping differs (RFC 7915 §1.3: the address translation algorithm is out of its scope).
#pragma once
#include <cstdint>

#include "addr/ip.hpp"

namespace sixfour::xlat {

// Transport identifiers: TCP/UDP ports; for ICMP echo, the identifier in both `sport` and `dport`.
// Zero for protocols without them.
struct Flow4 {
  Ipv4Addr src, dst;
  uint8_t proto = 0;  // IPPROTO_TCP/UDP/ICMP or other
  uint16_t sport = 0, dport = 0;
};
struct Flow6 {
  Ipv6Addr src, dst;
  uint8_t proto = 0;  // IPPROTO_TCP/UDP/ICMPV6 or other
  uint16_t sport = 0, dport = 0;
};

// Which packet is being mapped. An ICMP error's inner packet travels in the opposite direction to the
// error, so a stateful mapper looks up its session reversed; a stateless mapper maps it like any other.
enum class Part : uint8_t {
  Outer,             // a packet that is not an ICMP error
  OuterOfIcmpError,  // the outer header of an ICMP error (RFC 6791 applies to its source)
  Inner,             // the packet quoted inside an ICMP error
};

enum class MapStatus : uint8_t {
  Ok,
  SrcUntranslatable,  // -> drop (and, for 4->6, nothing is sent back)
  DstUntranslatable,  // -> drop + ICMP Destination Unreachable (host unreachable) if enabled
  Prohibited,         // -> drop + ICMP administratively prohibited (e.g. filtering in NAT64)
};

class Mapper {
 public:
  virtual ~Mapper() = default;
  // IPv4 -> IPv6 (RFC 7915 §4). On Ok, `out` holds the IPv6 addresses and the (possibly new)
  // transport identifiers; out.proto is set by the caller, not the mapper.
  virtual MapStatus map_4to6(const Flow4& in, Part part, Flow6& out) = 0;
  // IPv6 -> IPv4 (RFC 7915 §5).
  virtual MapStatus map_6to4(const Flow6& in, Part part, Flow4& out) = 0;
};

}  // namespace sixfour::xlat
