// RFC 6146 §3.6: computing the outgoing tuple. From the IPv6 side: source = the BIB entry's pool4
// transport address, destination = the peer's IPv4 address (extracted from the NAT64 prefix, RFC 6052)
// and port. From the IPv4 side: source = the peer embedded in the prefix, destination = the BIB
// entry's IPv6 transport address. ICMP queries carry the BIB identifier instead of ports (§3.6.1).
// ICMP errors (§3.6.2): the outer addresses follow the session — from the IPv6 side the source becomes
// the pool4 address (the error may come from any IPv6 router), from the IPv4 side the source (an IPv4
// router) is embedded in the prefix — and the quoted packet is mapped with the session reversed.
#include "addr/rfc6052.hpp"
#include "nat64/steps/steps.hpp"

namespace sixfour::nat64 {

using xlat::MapStatus;
using xlat::Part;

bool embeddable(const Settings& s, const Pool4& pool, Ipv4Addr v4) {
  return rfc6052::allowed(s.prefix, v4, s.allow_non_global) || pool.contains(v4);
}

void compute_outgoing_tuple(const Tuple& t, const Binding& b, SessionMapper& m) {
  m.status = MapStatus::Ok;
  m.b = b;
  m.proto = t.proto;
}

MapStatus SessionMapper::map_6to4(const xlat::Flow6& /*in*/, Part part, xlat::Flow4& out) {
  if (status != MapStatus::Ok) return status;
  const bool icmp = proto == Proto::Icmp;
  if (part == Part::Inner) {
    // The quoted packet went peer -> inside host (it was translated 4->6 by this session).
    out.src = b.remote4;
    out.dst = b.addr4;
    out.sport = icmp ? b.port4 : b.rport;
    out.dport = b.port4;
    return MapStatus::Ok;
  }
  out.src = b.addr4;
  out.dst = b.remote4;
  out.sport = b.port4;
  out.dport = icmp ? b.port4 : b.rport;
  return MapStatus::Ok;
}

MapStatus SessionMapper::map_4to6(const xlat::Flow4& in, Part part, xlat::Flow6& out) {
  if (status != MapStatus::Ok) return status;
  const bool icmp = proto == Proto::Icmp;
  switch (part) {
    case Part::Inner:
      // The quoted packet went inside host -> peer (it was translated 6->4 by this session).
      out.src = b.addr6;
      out.dst = rfc6052::embed(settings->prefix, b.remote4);
      out.sport = b.port6;
      out.dport = icmp ? b.port6 : b.rport;
      return MapStatus::Ok;
    case Part::OuterOfIcmpError:
      // RFC 6052 §3.1 applies to the router that sent the error like to any IPv4 source.
      if (!embeddable(*settings, *pool, in.src)) return MapStatus::SrcUntranslatable;
      out.src = rfc6052::embed(settings->prefix, in.src);
      out.dst = b.addr6;
      return MapStatus::Ok;
    case Part::Outer:
      break;
  }
  out.src = rfc6052::embed(settings->prefix, b.remote4);
  out.dst = b.addr6;
  out.sport = icmp ? b.port6 : b.rport;
  out.dport = b.port6;
  return MapStatus::Ok;
}

}  // namespace sixfour::nat64
