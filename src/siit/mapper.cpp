#include "siit/mapper.hpp"

#include <optional>

#include "addr/rfc6052.hpp"

namespace sixfour::siit {

namespace {

using xlat::MapStatus;
using xlat::Part;

// RFC 7915 §1.3 with RFC 6052: an IPv4 address becomes an IPv4-embedded IPv6 address under pool6,
// unless RFC 6052 §3.1 forbids it (well-known prefix, non-global IPv4 address).
std::optional<Ipv6Addr> pool6_to_v6(const Settings& s, Ipv4Addr a) {
  if (!s.pool6 || !rfc6052::allowed(*s.pool6, a, s.allow_non_global_wkp)) return std::nullopt;
  return rfc6052::embed(*s.pool6, a);
}

std::optional<Ipv4Addr> pool6_to_v4(const Settings& s, const Ipv6Addr& a) {
  if (!s.pool6 || !s.pool6->contains(a)) return std::nullopt;
  Ipv4Addr v4 = rfc6052::extract(*s.pool6, a);
  if (!rfc6052::allowed(*s.pool6, v4, s.allow_non_global_wkp)) return std::nullopt;
  return v4;
}

// RFC 7757 §3.2: the EAM table is consulted first, RFC 6052 is the fallback.
std::optional<Ipv6Addr> to_v6(const Settings& s, Ipv4Addr a, bool pool6_only) {
  if (!pool6_only) {
    if (auto r = s.eam.to_v6(a)) return r;
  }
  return pool6_to_v6(s, a);
}

// RFC 7757 §3.3, likewise.
std::optional<Ipv4Addr> to_v4(const Settings& s, const Ipv6Addr& a) {
  if (auto r = s.eam.to_v4(a)) return r;
  return pool6_to_v4(s, a);
}

uint32_t fnv1a(const Ipv6Addr& a) {
  uint32_t h = 2166136261u;
  for (uint8_t byte : a.b) {
    h ^= byte;
    h *= 16777619u;
  }
  return h;
}

// Usable addresses of one RFC 6791 pool prefix: all of a /31 or /32, the rest without the network
// and broadcast addresses (a source address ending in .0 or .255 is often filtered).
uint64_t usable(const Ipv4Prefix& p) {
  uint64_t n = uint64_t{1} << (32 - p.len);
  return p.len >= 31 ? n : n - 2;
}

// RFC 6791 §3.1 asks that ICMP errors from different IPv6 routers be distinguishable on the IPv4
// side (traceroute), §5 that the pool address be picked at random so two hops rarely share one.
// A hash of the IPv6 source satisfies both and keeps each router on one stable IPv4 address, so a
// traceroute shows one address per hop rather than a different one per probe.
Ipv4Addr rfc6791_source(const Settings& s, const Ipv6Addr& src) {
  uint64_t total = 0;
  for (const auto& p : s.rfc6791) total += usable(p);
  // No pool: RFC 6791 §4 allows a single address of the translator itself.
  if (total == 0) return s.xlat.self4;
  uint64_t idx = fnv1a(src) % total;
  for (const auto& p : s.rfc6791) {
    uint64_t n = usable(p);
    if (idx < n) {
      uint32_t first = p.addr.to_u32() + (p.len >= 31 ? 0 : 1);
      return Ipv4Addr::from_u32(first + static_cast<uint32_t>(idx));
    }
    idx -= n;
  }
  return s.xlat.self4;  // unreachable
}

// The flow `in` mapped into `out` from its mapped source and `map_dst` (tried only when the source
// mapped). Stateless: transport identifiers are not touched (RFC 7915 §1.3).
template <class In, class Src, class MapDst, class Out>
MapStatus finish_flow(const In& in, const Src& src, MapDst map_dst, Out& out) {
  if (!src) return MapStatus::SrcUntranslatable;
  const auto dst = map_dst(in.dst);
  if (!dst) return MapStatus::DstUntranslatable;
  out.src = *src;
  out.dst = *dst;
  out.sport = in.sport;
  out.dport = in.dport;
  return MapStatus::Ok;
}

}  // namespace

MapStatus SiitMapper::map_4to6(const xlat::Flow4& in, Part part, xlat::Flow6& out) {
  // RFC 7757 §4: in the second pass of a hairpinned packet, the IPv4 source stands for an IPv6 node
  // that addressed its peer through pool6, so it must go back through pool6 (not its own EAM) for
  // the peer's reply to come back to the translator. In a quoted inner packet the roles are
  // reversed: there it is the destination.
  bool src_pool6_only = hairpin_ && part != Part::Inner;
  bool dst_pool6_only = hairpin_ && part == Part::Inner;

  return finish_flow(
      in, to_v6(s_, in.src, src_pool6_only), [&](const Ipv4Addr& a) { return to_v6(s_, a, dst_pool6_only); }, out);
}

MapStatus SiitMapper::map_6to4(const xlat::Flow6& in, Part part, xlat::Flow4& out) {
  auto src = to_v4(s_, in.src);
  if (!src && part == Part::OuterOfIcmpError) {
    // RFC 6791: an ICMPv6 error from an IPv6 router without an IPv4-translatable address.
    src = rfc6791_source(s_, in.src);
  }
  return finish_flow(
      in, src, [&](const Ipv6Addr& a) { return to_v4(s_, a); }, out);
}

}  // namespace sixfour::siit
