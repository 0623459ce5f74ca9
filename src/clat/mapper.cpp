#include "clat/mapper.hpp"

#include <optional>

#include "addr/rfc6052.hpp"
#include "clat/address.hpp"

namespace sixfour::clat {

namespace {

using xlat::MapStatus;
using xlat::Part;

constexpr uint8_t kIcmp = 1, kIcmpv6 = 58;

// A peer's IPv4 address in the PLAT prefix. RFC 6052 §3.1 (no non-global address with the
// well-known prefix), and never one of the CLAT's own range: it stands for the host, not a peer.
std::optional<Ipv6Addr> peer_to_v6(const Mapping& m, Ipv4Addr a) {
  if (kIpv4Range.contains(a) || !rfc6052::allowed(m.plat, a, false)) return std::nullopt;
  return rfc6052::embed(m.plat, a);
}

std::optional<Ipv4Addr> peer_to_v4(const Mapping& m, const Ipv6Addr& a) {
  if (!m.plat.contains(a)) return std::nullopt;
  const Ipv4Addr v4 = rfc6052::extract(m.plat, a);
  if (kIpv4Range.contains(v4) || !rfc6052::allowed(m.plat, v4, false)) return std::nullopt;
  return v4;
}

}  // namespace

MapStatus ClatMapper::map_4to6(const xlat::Flow4& in, Part part, xlat::Flow6& out) {
  // An ICMPv4 error the host sends quotes a packet it received: the peer is that packet's source.
  const bool inner = part == Part::Inner;
  if ((inner ? in.dst : in.src) != m_.ipv4) return MapStatus::SrcUntranslatable;
  auto peer = peer_to_v6(m_, inner ? in.src : in.dst);
  if (!peer) return MapStatus::DstUntranslatable;
  out.src = inner ? *peer : m_.ipv6;
  out.dst = inner ? m_.ipv6 : *peer;
  out.sport = in.sport;
  out.dport = in.dport;
  if (!m_.ports || part == Part::OuterOfIcmpError) return MapStatus::Ok;
  // Shared mode: the host's port (or echo identifier) moves into the CLAT's range. A quoted packet
  // was sent to the host: its destination port is the host's, mapped already or not at all.
  const uint16_t host = inner ? in.dport : in.sport;
  const auto mapped = inner ? m_.ports->find_outward(in.proto, host) : m_.ports->outward(in.proto, host);
  if (!mapped) return MapStatus::SrcUntranslatable;
  if (in.proto == kIcmp)
    out.sport = out.dport = *mapped;
  else
    (inner ? out.dport : out.sport) = *mapped;
  return MapStatus::Ok;
}

MapStatus ClatMapper::map_6to4(const xlat::Flow6& in, Part part, xlat::Flow4& out) {
  // An ICMPv6 error from the PLAT quotes a packet the CLAT sent: its source is the CLAT.
  const bool inner = part == Part::Inner;
  auto peer = peer_to_v4(m_, inner ? in.dst : in.src);
  if (!peer && part == Part::OuterOfIcmpError) peer = kDummyIpv4;
  if (!peer) return MapStatus::SrcUntranslatable;
  if ((inner ? in.src : in.dst) != m_.ipv6) return MapStatus::DstUntranslatable;
  out.src = inner ? m_.ipv4 : *peer;
  out.dst = inner ? *peer : m_.ipv4;
  out.sport = in.sport;
  out.dport = in.dport;
  if (!m_.ports || part == Part::OuterOfIcmpError) return MapStatus::Ok;
  // Shared mode: only ports of the CLAT's range are its own; a stale one is dropped silently, like a
  // NAT (an error back would look like the host refusing).
  const uint8_t proto4 = in.proto == kIcmpv6 ? kIcmp : in.proto;
  const auto host = m_.ports->inward(proto4, inner ? in.sport : in.dport);
  if (!host) return MapStatus::SrcUntranslatable;
  if (proto4 == kIcmp)
    out.sport = out.dport = *host;
  else
    (inner ? out.sport : out.dport) = *host;
  return MapStatus::Ok;
}

xlat::Config xlat_config(const Mapping& m, uint16_t mtu) {
  xlat::Config c;
  c.mtu4 = mtu;
  c.mtu6 = mtu;
  c.self4 = kDummyIpv4;
  c.self6 = m.ipv6;
  c.hop_change = 0;                        // the host's own packets: no router hop in between (RFC 6877 §6.3)
  c.answer_untranslatable_source = false;  // stale ports and foreign sources: silently, like a NAT
  return c;
}

}  // namespace sixfour::clat
