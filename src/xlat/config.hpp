// Settings of the RFC 7915 translation algorithm that do not depend on the translator's mode.
#pragma once
#include <cstdint>

#include "addr/ip.hpp"

namespace sixfour::xlat {

// The TTL / Hop Limit a translated packet leaves with (see Config::hop_change), within 0..255.
constexpr uint8_t outgoing_hop(uint8_t in, int8_t change) {
  const int v = int{in} + change;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}
// Whether a packet arriving with `in` expires in the translator (Time Exceeded instead of forwarding).
constexpr bool hop_expires(uint8_t in, int8_t change) { return int{in} + change < 1; }

struct Config {
  // RFC 7915 §4.1 / §5.1: copy TOS <-> Traffic Class unless told to reset it to zero.
  bool reset_traffic_class = false;
  bool reset_tos = false;
  // RFC 7915 §5.1: the "new TOS" used when reset_tos is set.
  uint8_t new_tos = 0;

  // RFC 7915 §4: IPv4 packets with DF=0 whose translation would exceed this are fragmented so that
  // every IPv6 fragment fits. Never below 1280.
  uint16_t lowest_ipv6_mtu = 1280;

  // The MTU of the translator's own links (the TUN device) in each direction. A DF=1 IPv4 packet whose
  // IPv6 translation exceeds mtu6 gets ICMPv4 Fragmentation Needed (MTU = mtu6 - 20); an IPv6 packet
  // whose IPv4 translation exceeds mtu4 gets ICMPv6 Packet Too Big (MTU = mtu4 + 20, at least 1280).
  uint16_t mtu4 = 1500;
  uint16_t mtu6 = 1500;

  // What translating does to TTL / Hop Limit. -1: RFC 7915 §4.1 / §5.1, the translator is a router
  // that decrements it and answers an expiring one with Time Exceeded. 0: a CLAT (RFC 6877)
  // translating its own host's packets, which leave with the host's hop limit. +1: a translator on a
  // TUN between two forwarding steps of its host's kernel, which decrement once each: the packet
  // then loses exactly one crossing the host, which appears once in traceroute, and only the
  // kernel's first step ever expires it (issue 16).
  int8_t hop_change = -1;

  // RFC 7915 §4.5: an IPv4 UDP datagram with a zero checksum. true: compute the checksum (only
  // possible for unfragmented datagrams; fragments are dropped). false: drop it.
  bool compute_udp_zero_checksum = true;

  // Whether the translator itself emits ICMP errors (Time Exceeded, Fragmentation Needed / Packet
  // Too Big, Destination Unreachable for untranslatable addresses).
  bool send_icmp_errors = true;
  // Whether a packet whose source has no mapping gets RFC 7915 §4.4 / §5.4's default error
  // (Destination Unreachable, administratively prohibited) rather than a silent drop. A CLAT turns
  // it off: a reply to a port the host no longer uses is dropped silently, as a NAT would.
  bool answer_untranslatable_source = true;

  // RFC 4443 §2.4 (f) / RFC 1812 §4.3.2.8: at most this many ICMP errors a second made by the
  // translator itself, over all its workers, in bursts of at most icmp_errors_burst (0: no limit;
  // the daemons default to 1000 and 50, as the Linux kernel's own limits). Fragmentation Needed and
  // Packet Too Big are never limited (xlat/icmp_rate_limit.hpp).
  uint32_t icmp_errors_per_second = 0;
  static constexpr uint32_t kDefaultIcmpRate = 1000;  // what the daemons' icmp-rate defaults to
  uint32_t icmp_errors_burst = 50;
  // Besides, at most this many a second to any one destination (an IPv4 address, an IPv6 /64), in
  // bursts of at most min(this, icmp_errors_burst); 0: no limit per destination (the default).
  uint32_t icmp_errors_per_destination = 0;

  // Source addresses of ICMP errors the translator generates itself: self4 for ICMPv4 errors sent to
  // the IPv4 side, self6 for ICMPv6 errors sent to the IPv6 side.
  Ipv4Addr self4{{192, 0, 0, 8}};  // RFC 7600 IPv4 dummy address
  Ipv6Addr self6{};
};

// The settings of the second pass of a hairpinned packet (RFC 7757 §4, RFC 6146 §3.8): it crosses
// the kernel twice like any other, so a translator that gives a hop back (hop_change +1) does so in
// the first pass only; one that decrements does so in both, as two routers would.
inline Config hairpin_pass(Config c) {
  if (c.hop_change > 0) c.hop_change = 0;
  return c;
}

}  // namespace sixfour::xlat
