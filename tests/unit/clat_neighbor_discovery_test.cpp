// Neighbour discovery for the CLAT's dedicated address (RFC 4861, RFC 4862): the messages it builds,
// checked field by field against RFC 4861 §4, and the validity checks of §7.1 on packets built byte
// by byte here. The checksum is a naive RFC 1071 sum, independent of src/common/checksum.cpp.
#include "clat/neighbor_discovery.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace sixfour;
using namespace sixfour::clat;

namespace {

using Bytes = std::vector<uint8_t>;

Ipv6Addr v6(const char* s) { return Ipv6Addr::parse(s).value(); }
uint16_t rd16(const Bytes& b, size_t off) { return static_cast<uint16_t>(b.at(off) << 8 | b.at(off + 1)); }
Ipv6Addr addr_at(const Bytes& b, size_t off) {
  Ipv6Addr a;
  std::copy(b.begin() + static_cast<long>(off), b.begin() + static_cast<long>(off + 16), a.b.begin());
  return a;
}

const Ipv6Addr kOurs = v6("2001:db8:1::c1a7");
const Ipv6Addr kPeer = v6("2001:db8:1::2");
const Mac kMac{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
const Mac kPeerMac{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};

// RFC 1071 over the RFC 8200 §8.1 pseudo-header and the ICMPv6 message, one 16-bit word at a time.
uint16_t naive_icmpv6_sum(const Bytes& pkt) {
  const size_t len = rd16(pkt, 4);
  uint32_t s = 0;
  for (size_t i = 8; i < 40; i += 2) s += rd16(pkt, i);
  s += static_cast<uint32_t>(len) + 58;
  for (size_t i = 0; i < len; i += 2)
    s += static_cast<uint32_t>(pkt.at(40 + i) << 8 | (i + 1 < len ? pkt.at(40 + i + 1) : 0));
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(s);
}
bool checksum_ok(const Bytes& pkt) { return naive_icmpv6_sum(pkt) == 0xffff; }

void put_addr(Bytes& b, const Ipv6Addr& a) { b.insert(b.end(), a.b.begin(), a.b.end()); }

// An NS or NA built byte by byte: IPv6 header, ICMPv6 header, flags/reserved, target, options.
Bytes nd_packet(uint8_t type, const Ipv6Addr& src, const Ipv6Addr& dst, const Ipv6Addr& target, uint8_t flags,
                const Bytes& options, uint8_t hop_limit = 255, uint8_t code = 0) {
  const size_t len = 24 + options.size();
  Bytes b = {0x60, 0, 0, 0, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len), 58, hop_limit};
  put_addr(b, src);
  put_addr(b, dst);
  b.insert(b.end(), {type, code, 0, 0, flags, 0, 0, 0});
  put_addr(b, target);
  b.insert(b.end(), options.begin(), options.end());
  const uint16_t c = static_cast<uint16_t>(~naive_icmpv6_sum(b));
  b[42] = static_cast<uint8_t>(c >> 8);
  b[43] = static_cast<uint8_t>(c);
  return b;
}
Bytes lla_option(uint8_t type, const Mac& m) { return {type, 1, m[0], m[1], m[2], m[3], m[4], m[5]}; }

Bytes ns_for(const Ipv6Addr& target, const Ipv6Addr& src, const Bytes& options) {
  return nd_packet(135, src, solicited_node(target), target, 0, options);
}

}  // namespace

TEST(ClatNd, SolicitedNodeAndMulticastMac) {
  // RFC 4291 §2.7.1: ff02:0:0:0:0:1:ff00::/104 and the low 24 bits of the address.
  EXPECT_EQ(solicited_node(v6("2001:db8:1::12:3456:789a")), v6("ff02::1:ff56:789a"));
  EXPECT_EQ(solicited_node(v6("fe80::1")), v6("ff02::1:ff00:1"));
  // RFC 2464 §7: 33:33 and the last four octets of the group.
  EXPECT_EQ(multicast_mac(v6("ff02::1:ff56:789a")), (Mac{0x33, 0x33, 0xff, 0x56, 0x78, 0x9a}));
  EXPECT_EQ(multicast_mac(kAllNodes), (Mac{0x33, 0x33, 0, 0, 0, 1}));
}

TEST(ClatNd, DadSolicitationFields) {
  Bytes out(100, 0xee);
  ASSERT_EQ(build_dad_solicitation(kOurs, out), kDadSolicitationSize);
  out.resize(kDadSolicitationSize);
  EXPECT_EQ(out[0], 0x60);
  EXPECT_EQ(rd16(out, 4), 24);  // no options: RFC 4861 §4.3 forbids the SLLA with source ::
  EXPECT_EQ(out[6], 58);
  EXPECT_EQ(out[7], 255);
  EXPECT_EQ(addr_at(out, 8), Ipv6Addr{});
  EXPECT_EQ(addr_at(out, 24), v6("ff02::1:ff00:c1a7"));
  EXPECT_EQ(out[40], 135);
  EXPECT_EQ(out[41], 0);
  EXPECT_EQ(rd16(out, 44), 0);  // reserved
  EXPECT_EQ(rd16(out, 46), 0);
  EXPECT_EQ(addr_at(out, 48), kOurs);
  EXPECT_TRUE(checksum_ok(out));
  Bytes small(kDadSolicitationSize - 1);
  EXPECT_EQ(build_dad_solicitation(kOurs, small), 0u);
  // What it builds passes the receiver's checks and is, to another node, a DAD probe.
  auto m = parse_nd(out);
  ASSERT_TRUE(m);
  EXPECT_TRUE(dad_conflict(*m, kOurs));
}

TEST(ClatNd, RouterSolicitationFields) {
  Bytes out(kRouterSolicitationSize);
  ASSERT_EQ(build_router_solicitation(v6("fe80::1"), kMac, out), kRouterSolicitationSize);
  EXPECT_EQ(rd16(out, 4), 16);
  EXPECT_EQ(out[7], 255);
  EXPECT_EQ(addr_at(out, 8), v6("fe80::1"));
  EXPECT_EQ(addr_at(out, 24), v6("ff02::2"));
  EXPECT_EQ(out[40], 133);
  EXPECT_EQ(out[41], 0);
  EXPECT_EQ(rd16(out, 44) | rd16(out, 46), 0);  // reserved
  EXPECT_EQ(Bytes(out.begin() + 48, out.end()), lla_option(1, kMac));
  EXPECT_TRUE(checksum_ok(out));
  // From :: there is no source link-layer address option (RFC 4861 §4.1).
  Bytes anon(kRouterSolicitationSize);
  ASSERT_EQ(build_router_solicitation(Ipv6Addr{}, kMac, anon), kRouterSolicitationSize - 8);
  anon.resize(kRouterSolicitationSize - 8);
  EXPECT_EQ(rd16(anon, 4), 8);
  EXPECT_TRUE(checksum_ok(anon));
  Bytes small(kRouterSolicitationSize - 1);
  EXPECT_EQ(build_router_solicitation(v6("fe80::1"), kMac, small), 0u);
}

TEST(ClatNd, ParsesSolicitationAndAdvertisement) {
  auto ns = parse_nd(ns_for(kOurs, kPeer, lla_option(1, kPeerMac)));
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->type, NdMessage::NeighborSolicitation);
  EXPECT_EQ(ns->src, kPeer);
  EXPECT_EQ(ns->dst, v6("ff02::1:ff00:c1a7"));
  EXPECT_EQ(ns->target, kOurs);
  EXPECT_EQ(ns->lla, kPeerMac);
  EXPECT_FALSE(ns->solicited || ns->override_ || ns->router);

  // An NA with R, S and O and a target link-layer option after an unknown option (skipped).
  Bytes opts = {99, 1, 0, 0, 0, 0, 0, 0};
  Bytes tlla = lla_option(2, kPeerMac);
  opts.insert(opts.end(), tlla.begin(), tlla.end());
  auto na = parse_nd(nd_packet(136, kPeer, kOurs, kPeer, 0xe0, opts));
  ASSERT_TRUE(na);
  EXPECT_EQ(na->type, NdMessage::NeighborAdvertisement);
  EXPECT_TRUE(na->router && na->solicited && na->override_);
  EXPECT_EQ(na->lla, kPeerMac);
  // The SLLA type in an NA is not the target's address.
  auto other = parse_nd(nd_packet(136, kPeer, kOurs, kPeer, 0x20, lla_option(1, kPeerMac)));
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->lla);
  EXPECT_TRUE(other->override_ && !other->solicited && !other->router);
}

TEST(ClatNd, RejectsWhatRfc4861Section7_1Rejects) {
  const Bytes good = ns_for(kOurs, kPeer, lla_option(1, kPeerMac));
  ASSERT_TRUE(parse_nd(good));
  auto resum = [](Bytes b) {  // recompute the checksum after a change, so only the change is tested
    b[42] = b[43] = 0;
    const uint16_t c = static_cast<uint16_t>(~naive_icmpv6_sum(b));
    b[42] = static_cast<uint8_t>(c >> 8);
    b[43] = static_cast<uint8_t>(c);
    return b;
  };
  EXPECT_FALSE(parse_nd(nd_packet(135, kPeer, solicited_node(kOurs), kOurs, 0, {}, 64)));      // hop limit
  EXPECT_FALSE(parse_nd(nd_packet(135, kPeer, solicited_node(kOurs), kOurs, 0, {}, 255, 1)));  // code
  Bytes bad_sum = good;
  bad_sum[60] ^= 1;
  EXPECT_FALSE(parse_nd(bad_sum));
  EXPECT_FALSE(parse_nd(nd_packet(135, kPeer, kOurs, v6("ff02::1"), 0, {})));  // multicast target
  // A multicast source (RFC 4291 §2.7; found by fuzz/doctor_fuzz.cpp): answering it would send a
  // solicited advertisement to a group.
  EXPECT_FALSE(parse_nd(ns_for(kOurs, v6("ff02::1"), lla_option(1, kPeerMac))));
  EXPECT_FALSE(parse_nd(nd_packet(136, v6("ff05::2"), kOurs, kPeer, 0x20, {})));
  EXPECT_FALSE(parse_nd(ns_for(kOurs, kPeer, {1, 0, 0, 0, 0, 0, 0, 0})));  // option length 0
  EXPECT_FALSE(parse_nd(ns_for(kOurs, kPeer, {1, 2, 0, 0, 0, 0, 0, 0})));  // option past the end
  EXPECT_FALSE(parse_nd(ns_for(kOurs, kPeer, {1})));                       // half an option
  // Source :: needs a solicited-node destination and no source link-layer option.
  EXPECT_TRUE(parse_nd(ns_for(kOurs, Ipv6Addr{}, {})));
  EXPECT_FALSE(parse_nd(ns_for(kOurs, Ipv6Addr{}, lla_option(1, kPeerMac))));
  EXPECT_FALSE(parse_nd(nd_packet(135, Ipv6Addr{}, kOurs, kOurs, 0, {})));
  // An NA to a multicast group with the solicited flag.
  EXPECT_FALSE(parse_nd(nd_packet(136, kPeer, kAllNodes, kPeer, 0x40, {})));
  EXPECT_TRUE(parse_nd(nd_packet(136, kPeer, kAllNodes, kPeer, 0x20, {})));
  // Shorter than 24 octets of ICMPv6 (payload length 16, checksum right for it).
  Bytes short_msg = good;
  short_msg.resize(56);
  short_msg[4] = 0;
  short_msg[5] = 16;
  EXPECT_FALSE(parse_nd(resum(short_msg)));
  // Payload length larger than what arrived; 0 (a jumbogram's) too.
  Bytes truncated = good;
  truncated.pop_back();
  EXPECT_FALSE(parse_nd(truncated));
  Bytes jumbo = good;
  jumbo[4] = jumbo[5] = 0;
  EXPECT_FALSE(parse_nd(resum(jumbo)));
  // Behind an extension header (next header 0, hop-by-hop), or not IPv6, or not NS/NA.
  Bytes hbh = good;
  hbh[6] = 0;
  EXPECT_FALSE(parse_nd(hbh));
  Bytes v4 = good;
  v4[0] = 0x40;
  EXPECT_FALSE(parse_nd(v4));
  EXPECT_FALSE(parse_nd(nd_packet(137, kPeer, kOurs, kPeer, 0, {})));  // redirect
  EXPECT_FALSE(parse_nd(Bytes(63, 0)));
  // Trailing bytes beyond the payload length (link padding) are ignored.
  Bytes padded = good;
  padded.push_back(0);
  EXPECT_TRUE(parse_nd(padded));
}

TEST(ClatNd, AnswersASolicitationForOurAddress) {
  auto ns = parse_nd(ns_for(kOurs, kPeer, lla_option(1, kPeerMac)));
  ASSERT_TRUE(ns);
  Bytes out(kNeighborAdvertisementSize + 10);
  auto n = answer_solicitation(*ns, kOurs, kMac, out);
  ASSERT_EQ(n, kNeighborAdvertisementSize);
  out.resize(*n);
  EXPECT_EQ(out[0], 0x60);
  EXPECT_EQ(rd16(out, 4), 32);
  EXPECT_EQ(out[6], 58);
  EXPECT_EQ(out[7], 255);
  EXPECT_EQ(addr_at(out, 8), kOurs);
  EXPECT_EQ(addr_at(out, 24), kPeer);  // RFC 4861 §7.2.4: to the solicitation's source
  EXPECT_EQ(out[40], 136);
  EXPECT_EQ(out[41], 0);
  EXPECT_EQ(out[44], 0x60);  // S and O, not R (§4.4)
  EXPECT_EQ(out[45] | out[46] | out[47], 0);
  EXPECT_EQ(addr_at(out, 48), kOurs);
  EXPECT_EQ(Bytes(out.begin() + 64, out.end()), lla_option(2, kMac));
  EXPECT_TRUE(checksum_ok(out));
  auto back = parse_nd(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->lla, kMac);

  // Someone's DAD for our address: answered to all nodes without the solicited flag.
  auto dad = parse_nd(ns_for(kOurs, Ipv6Addr{}, {}));
  ASSERT_TRUE(dad);
  Bytes to_all(kNeighborAdvertisementSize);
  ASSERT_TRUE(answer_solicitation(*dad, kOurs, kMac, to_all));
  EXPECT_EQ(addr_at(to_all, 24), kAllNodes);
  EXPECT_EQ(to_all[44], 0x20);
  EXPECT_TRUE(checksum_ok(to_all));
  EXPECT_TRUE(parse_nd(to_all));  // and it is valid (no S flag to a group)

  // Not ours, not a solicitation, or no room: no answer.
  EXPECT_FALSE(answer_solicitation(*ns, kPeer, kMac, out));
  auto na = parse_nd(nd_packet(136, kPeer, kOurs, kOurs, 0x20, {}));
  ASSERT_TRUE(na);
  EXPECT_FALSE(answer_solicitation(*na, kOurs, kMac, out));
  Bytes small(kNeighborAdvertisementSize - 1);
  EXPECT_FALSE(answer_solicitation(*ns, kOurs, kMac, small));
}

TEST(ClatNd, UnsolicitedAdvertisement) {
  Bytes out(kNeighborAdvertisementSize);
  ASSERT_EQ(build_unsolicited_advertisement(kOurs, kMac, out), kNeighborAdvertisementSize);
  EXPECT_EQ(addr_at(out, 8), kOurs);
  EXPECT_EQ(addr_at(out, 24), kAllNodes);  // RFC 4861 §7.2.6
  EXPECT_EQ(out[44], 0x20);
  EXPECT_EQ(addr_at(out, 48), kOurs);
  EXPECT_TRUE(checksum_ok(out));
}

TEST(ClatNd, DadConflicts) {
  // RFC 4862 §5.4.4: an advertisement for the tentative address, solicited or not.
  auto na = parse_nd(nd_packet(136, kPeer, kAllNodes, kOurs, 0x20, lla_option(2, kPeerMac)));
  ASSERT_TRUE(na);
  EXPECT_TRUE(dad_conflict(*na, kOurs));
  EXPECT_FALSE(dad_conflict(*na, v6("2001:db8:1::beef")));
  // §5.4.3: a solicitation from :: for it is another node's DAD; from a unicast source it is
  // address resolution, no conflict.
  auto other_dad = parse_nd(ns_for(kOurs, Ipv6Addr{}, {}));
  ASSERT_TRUE(other_dad);
  EXPECT_TRUE(dad_conflict(*other_dad, kOurs));
  EXPECT_FALSE(dad_conflict(*other_dad, v6("2001:db8:1::beef")));
  auto resolution = parse_nd(ns_for(kOurs, kPeer, lla_option(1, kPeerMac)));
  ASSERT_TRUE(resolution);
  EXPECT_FALSE(dad_conflict(*resolution, kOurs));
}
