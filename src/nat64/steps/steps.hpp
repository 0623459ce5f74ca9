// The steps of RFC 6146 §3, one file each (internal to nat64/):
//   determine_incoming_tuple.cpp  §3.4  what the packet is: protocol, both transport addresses
//   filtering_and_updating.cpp    §3.5  BIB/session lookup and creation, filtering, TCP states
//   compute_outgoing_tuple.cpp    §3.6  the addresses and ports the translated packet carries
//   translate.cpp                 §3.7  RFC 7915 header translation through xlat/ with that tuple
//   hairpinning.cpp               §3.8  IPv6 -> pool4 address: translated 6->4, then back 4->6
#pragma once
#include <cstdint>
#include <span>

#include "addr/ip.hpp"
#include "nat64/table.hpp"
#include "nat64/tcp_state.hpp"
#include "xlat/mapper.hpp"
#include "xlat/verdict.hpp"

namespace sixfour::nat64 {

// NAT64 drop reasons (the xlat ones are counted separately). Names in name(Nat64Drop).
enum class Nat64Drop : uint8_t {
  NoBib,              // IPv4 packet to a pool4 transport address without a BIB entry
  NoSession,          // ICMP error or TCP non-SYN without a session
  Filtered,           // address-dependent filtering
  Pool4Exhausted,     // no free pool4 port
  SessionLimit,       // Settings::max_sessions
  TcpSynDropped,      // unsolicited IPv4 SYN, drop_external_tcp_syn
  TcpSynUnsolicited,  // unsolicited IPv4 SYN (no BIB, or filtered), see filtering_and_updating.cpp
  NotPool4,           // IPv4 packet whose destination is not a pool4 address
  FragmentBudget,     // reassembly memory (Settings::fragment_memory) exhausted
  FragmentOverlap,    // overlapping fragments: the whole datagram is dropped (RFC 5722)
                      // (timeouts are State's counter "fragments.timed-out")
  Count_
};
std::string_view name(Nat64Drop d);

// §3.4 The incoming tuple, normalized to "inside endpoint / outside endpoint / peer". For an ICMP
// error the tuple is the one of the packet it quotes, reversed (§3.4: the error belongs to that
// packet's session). For ICMP queries `port6`/`port4` is the identifier and `rport` is 0.
struct Tuple {
  bool from_v6 = false;
  bool icmp_error = false;
  Proto proto = Proto::Udp;
  // From the IPv6 side: the inside host and the peer (as an IPv6 address and as IPv4).
  Ipv6Addr addr6;
  uint16_t port6 = 0;
  Ipv6Addr remote6;
  // From the IPv4 side: the pool4 endpoint.
  Ipv4Addr addr4;
  uint16_t port4 = 0;
  // Both: the IPv4 peer (from the IPv6 side: extracted from remote6 in filtering_and_updating).
  Ipv4Addr remote4;
  uint16_t rport = 0;
  TcpSegment tcp{};
};

enum class Parse : uint8_t {
  Tuple,     // `t` filled: go on with §3.5
  Xlat,      // let xlat/ judge it (malformed, TTL expired, untranslatable ICMP, ...): it drops or
             // answers before any address mapping, so no state is touched
  Fragment,  // a fragment: to reassembly first
  Drop,      // drop with `reason`
};

// `hop_change` (xlat::Config): a packet that would expire in translation is left to xlat (Parse::Xlat),
// which answers Time Exceeded.
Parse determine_incoming_tuple6(std::span<const uint8_t> pkt, Tuple& t, xlat::DropReason& reason,
                                int8_t hop_change = -1);
Parse determine_incoming_tuple4(std::span<const uint8_t> pkt, Tuple& t, xlat::DropReason& reason,
                                int8_t hop_change = -1);

// The mapper the translate step hands to xlat/ (§3.6 + §3.7): it answers Part::Outer and
// Part::OuterOfIcmpError with the outgoing tuple of the session, and Part::Inner with the same session
// reversed, so that an ICMP error carries the translated quoted packet with the session's addresses
// and ports. `status` != Ok makes it refuse (xlat then drops or answers with the matching ICMP error).
class SessionMapper final : public xlat::Mapper {
 public:
  xlat::MapStatus status = xlat::MapStatus::Ok;
  Binding b;
  Proto proto = Proto::Udp;
  const Settings* settings = nullptr;
  const Pool4* pool = nullptr;

  xlat::MapStatus map_4to6(const xlat::Flow4& in, xlat::Part part, xlat::Flow6& out) override;
  xlat::MapStatus map_6to4(const xlat::Flow6& in, xlat::Part part, xlat::Flow4& out) override;
};

// §3.6: fills `m` for the translation of a packet with tuple `t` in session binding `b`.
void compute_outgoing_tuple(const Tuple& t, const Binding& b, SessionMapper& m);

// RFC 6052 §3.1 (with the pool4 addresses, which are the NAT64's own, exempt): may `v4` appear
// embedded in the NAT64 prefix?
bool embeddable(const Settings& s, const Pool4& pool, Ipv4Addr v4);

}  // namespace sixfour::nat64
