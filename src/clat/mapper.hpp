// The CLAT's address mapping (RFC 6877 §6.3 with RFC 7915 §1.3): the host's IPv4 address
// (192.0.0.x, RFC 7335) <-> the CLAT's IPv6 address, one address mapping; every other IPv4 address
// <-> the PLAT's prefix (RFC 6052). The RFC 7915 header translation is the one `siit` uses.
#pragma once
#include <cstdint>

#include "addr/ip.hpp"
#include "clat/port_map.hpp"
#include "xlat/config.hpp"
#include "xlat/mapper.hpp"

namespace sixfour::clat {

// RFC 7600: the IPv4 dummy address, the source of ICMPv4 errors the CLAT itself sends the host
// and of translated ICMPv6 errors from IPv6 routers between the CLAT and the PLAT (traceroute).
inline constexpr Ipv4Addr kDummyIpv4{{192, 0, 0, 8}};

struct Mapping {
  Ipv4Addr ipv4;    // the host side, in 192.0.0.0/29 (clat/address.hpp pick_ipv4)
  Ipv6Addr ipv6;    // the CLAT's IPv6 address (dedicated, or the host's in shared mode)
  Ipv6Prefix plat;  // the NAT64 prefix (clat/prefix_ladder.hpp)
  // Shared mode (clat/port_map.hpp): ipv6 is the host's own address, and the host's ports move into
  // the CLAT's range. nullptr in the dedicated mode (identifiers unchanged). Outlives the mapper.
  PortMap* ports = nullptr;
};

// Stateless in the dedicated mode: transport identifiers pass unchanged (shared mode: see Mapping). Outgoing (4->6),
// the source must be the host's 192.0.0.x (else SrcUntranslatable, dropped); a destination the prefix cannot carry
// (with 64:ff9b::/96, a non-global address, RFC 6052 §3.1; or 192.0.0.0/29 itself) is DstUntranslatable, which gives
// the host an ICMP host unreachable at once. Incoming (6->4), a source outside the prefix is SrcUntranslatable
// (dropped, no answer) except for the outer source of an ICMPv6 error, which becomes 192.0.0.8 (RFC 7600), and a
// destination other than the CLAT's address is DstUntranslatable. In a quoted inner packet the roles of source and
// destination swap.
class ClatMapper final : public xlat::Mapper {
 public:
  explicit ClatMapper(const Mapping& m) : m_(m) {}
  xlat::MapStatus map_4to6(const xlat::Flow4& in, xlat::Part part, xlat::Flow6& out) override;
  xlat::MapStatus map_6to4(const xlat::Flow6& in, xlat::Part part, xlat::Flow4& out) override;

  const Mapping& mapping() const { return m_; }

 private:
  Mapping m_;
};

// The RFC 7915 settings of a CLAT on a TUN of `mtu` bytes: ICMPv4 errors to the host come from
// 192.0.0.8, ICMPv6 errors from the CLAT's address.
xlat::Config xlat_config(const Mapping& m, uint16_t mtu);

}  // namespace sixfour::clat
