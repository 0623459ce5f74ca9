// The CLAT mapping (RFC 6877): 192.0.0.1 <-> the CLAT's IPv6 address, every other IPv4 address
// <-> the PLAT prefix (RFC 6052), and whole packets through the RFC 7915 core with it.
#include "clat/mapper.hpp"

#include <gtest/gtest.h>

#include "addr/rfc6052.hpp"
#include "packet_builder.hpp"
#include "packet_builder6.hpp"
#include "xlat/ipv4_to_ipv6.hpp"
#include "xlat/ipv6_to_ipv4.hpp"

using namespace sixfour;
using namespace sixfour::clat;
using xlat::MapStatus;
using xlat::Part;

namespace {

Ipv4Addr v4(const char* s) { return Ipv4Addr::parse(s).value(); }
Ipv6Addr v6(const char* s) { return Ipv6Addr::parse(s).value(); }

// The host's 192.0.0.1, the CLAT's dedicated 2001:db8:1:2::c1a7 and a network-specific PLAT prefix.
Mapping nsp() { return {v4("192.0.0.1"), v6("2001:db8:1:2::c1a7"), Ipv6Prefix::parse("2001:db8:64::/96").value()}; }
Mapping wkp() { return {v4("192.0.0.1"), v6("2001:db8:1:2::c1a7"), rfc6052::kWellKnownPrefix}; }

// One mapping call and what it must give: the status and, when Ok, the translated addresses.
struct Case {
  const char* src;
  const char* dst;
  Part part;
  MapStatus want;
  const char* out_src = "";
  const char* out_dst = "";
};

const char* part_name(Part p) { return p == Part::Outer ? "outer" : p == Part::Inner ? "inner" : "outer-of-error"; }

// Outgoing: IPv4 from the host's TUN to IPv6 towards the PLAT.
void check_4to6(const Mapping& map, std::initializer_list<Case> cases) {
  ClatMapper m(map);
  for (const Case& c : cases) {
    xlat::Flow6 f;
    SCOPED_TRACE(std::string(c.src) + " -> " + c.dst + " " + part_name(c.part));
    ASSERT_EQ(m.map_4to6({v4(c.src), v4(c.dst), 17, 40000, 53}, c.part, f), c.want);
    if (c.want != MapStatus::Ok) continue;
    EXPECT_EQ(f.src, v6(c.out_src));
    EXPECT_EQ(f.dst, v6(c.out_dst));
    EXPECT_EQ(f.sport, 40000);  // stateless: identifiers unchanged
    EXPECT_EQ(f.dport, 53);
  }
}

// Incoming: IPv6 from the PLAT to IPv4 for the host.
void check_6to4(const Mapping& map, std::initializer_list<Case> cases) {
  ClatMapper m(map);
  for (const Case& c : cases) {
    xlat::Flow4 f;
    SCOPED_TRACE(std::string(c.src) + " -> " + c.dst + " " + part_name(c.part));
    ASSERT_EQ(m.map_6to4({v6(c.src), v6(c.dst), 17, 53, 40000}, c.part, f), c.want);
    if (c.want != MapStatus::Ok) continue;
    EXPECT_EQ(f.src, v4(c.out_src));
    EXPECT_EQ(f.dst, v4(c.out_dst));
    EXPECT_EQ(f.sport, 53);
    EXPECT_EQ(f.dport, 40000);
  }
}

const char* const kClat = "2001:db8:1:2::c1a7";

}  // namespace

TEST(ClatMapper, Outgoing) {
  check_4to6(nsp(), {
                        {"192.0.0.1", "203.0.113.9", Part::Outer, MapStatus::Ok, kClat, "2001:db8:64::cb00:7109"},
                        // A network-specific prefix carries non-global addresses too (§3.1 is about the WKP).
                        {"192.0.0.1", "10.1.2.3", Part::Outer, MapStatus::Ok, kClat, "2001:db8:64::a01:203"},
                        // Only the host's own 192.0.0.x leaves through the CLAT.
                        {"192.0.0.2", "203.0.113.9", Part::Outer, MapStatus::SrcUntranslatable},
                        {"198.51.100.1", "203.0.113.9", Part::OuterOfIcmpError, MapStatus::SrcUntranslatable},
                        // 192.0.0.0/29 stands for the host, never for a peer behind the PLAT.
                        {"192.0.0.1", "192.0.0.1", Part::Outer, MapStatus::DstUntranslatable},
                        {"192.0.0.1", "192.0.0.6", Part::Outer, MapStatus::DstUntranslatable},
                        // An ICMPv4 error the host sends quotes a packet that went peer -> host.
                        {"203.0.113.9", "192.0.0.1", Part::Inner, MapStatus::Ok, "2001:db8:64::cb00:7109", kClat},
                        {"203.0.113.9", "192.0.0.2", Part::Inner, MapStatus::SrcUntranslatable},
                    });
}

TEST(ClatMapper, WellKnownPrefixOnlyGlobalAddresses) {
  // RFC 6052 §3.1: never a non-global IPv4 address with 64:ff9b::/96, in either direction.
  check_4to6(wkp(), {
                        {"192.0.0.1", "1.1.1.1", Part::Outer, MapStatus::Ok, kClat, "64:ff9b::101:101"},
                        {"192.0.0.1", "10.0.0.1", Part::Outer, MapStatus::DstUntranslatable},
                        {"192.0.0.1", "192.168.1.1", Part::Outer, MapStatus::DstUntranslatable},
                        {"192.0.0.1", "172.16.0.1", Part::Outer, MapStatus::DstUntranslatable},
                        {"192.0.0.1", "100.64.0.1", Part::Outer, MapStatus::DstUntranslatable},
                        {"192.0.0.1", "203.0.113.9", Part::Outer, MapStatus::DstUntranslatable},
                    });
  check_6to4(wkp(), {
                        {"64:ff9b::101:101", kClat, Part::Outer, MapStatus::Ok, "1.1.1.1", "192.0.0.1"},
                        {"64:ff9b::a00:1", kClat, Part::Outer, MapStatus::SrcUntranslatable},
                    });
}

TEST(ClatMapper, Incoming) {
  check_6to4(nsp(), {
                        {"2001:db8:64::cb00:7109", kClat, Part::Outer, MapStatus::Ok, "203.0.113.9", "192.0.0.1"},
                        // A source outside the PLAT prefix: not from the NAT64, dropped without an answer.
                        {"2001:db8:99::1", kClat, Part::Outer, MapStatus::SrcUntranslatable},
                        // A PLAT source that claims to be the host (192.0.0.1 embedded).
                        {"2001:db8:64::c000:1", kClat, Part::Outer, MapStatus::SrcUntranslatable},
                        // Not the CLAT's address (the host's own, or another host's).
                        {"2001:db8:64::cb00:7109", "2001:db8:1:2::1", Part::Outer, MapStatus::DstUntranslatable},
                    });
}

TEST(ClatMapper, IncomingIcmpErrors) {
  check_6to4(nsp(),
             {
                 // From an IPv6 router between the CLAT and the PLAT (traceroute, Packet Too Big).
                 {"2001:db8:99::1", kClat, Part::OuterOfIcmpError, MapStatus::Ok, "192.0.0.8", "192.0.0.1"},
                 {"2001:db8:64::c633:6401", kClat, Part::OuterOfIcmpError, MapStatus::Ok, "198.51.100.1", "192.0.0.1"},
                 // The quoted packet is one the CLAT sent: CLAT -> peer.
                 {kClat, "2001:db8:64::cb00:7109", Part::Inner, MapStatus::Ok, "192.0.0.1", "203.0.113.9"},
                 {"2001:db8:1:2::1", "2001:db8:64::cb00:7109", Part::Inner, MapStatus::DstUntranslatable},
             });
}

TEST(ClatMapper, XlatConfig) {
  const xlat::Config c = xlat_config(nsp(), 1400);
  EXPECT_EQ(c.mtu4, 1400);
  EXPECT_EQ(c.mtu6, 1400);
  EXPECT_EQ(c.self4, v4("192.0.0.8"));
  EXPECT_EQ(c.self6, v6("2001:db8:1:2::c1a7"));
  EXPECT_TRUE(c.send_icmp_errors);
  EXPECT_EQ(c.hop_change, 0);  // the host's own packets keep their hop limit
}

// ---- whole packets through the RFC 7915 core

namespace {

struct Out6 {
  xlat::Outcome outcome;
  xlat::DropReason reason;
  std::vector<uint8_t> pkt;  // packet 0
};

Out6 through_4to6(const Mapping& map, const std::vector<uint8_t>& in) {
  ClatMapper m(map);
  const xlat::Config cfg = xlat_config(map, 1500);
  std::vector<uint8_t> buf(in.size() + 4096);
  xlat::Output out;
  out.data = buf;
  xlat::ipv4_to_ipv6(in, cfg, m, out);
  Out6 r{out.outcome, out.reason, {}};
  if (out.count > 0) r.pkt.assign(out.packet(0).begin(), out.packet(0).end());
  return r;
}

const v4to6test::A4 kHost{192, 0, 0, 1};
const v4to6test::A4 kPeer{203, 0, 113, 9};
const std::array<uint8_t, 16> kClat6 = pb6::a6("2001:db8:1:2::c1a7");
const std::array<uint8_t, 16> kPeer6 = pb6::a6("2001:db8:64::cb00:7109");

void expect_addresses(const std::vector<uint8_t>& p, const std::array<uint8_t, 16>& src,
                      const std::array<uint8_t, 16>& dst) {
  ASSERT_GE(p.size(), 40u);
  EXPECT_EQ(p[0] >> 4, 6);
  EXPECT_TRUE(std::equal(src.begin(), src.end(), p.begin() + 8));
  EXPECT_TRUE(std::equal(dst.begin(), dst.end(), p.begin() + 24));
}

}  // namespace

TEST(ClatTranslate, IcmpEchoOut) {
  const auto body = v4to6test::pattern(24);
  const auto echo = v4to6test::icmp4(8, 0, 0x0abc0001, body);  // id 0x0abc, seq 1
  const Out6 r = through_4to6(nsp(), v4to6test::ipv4(1, kHost, kPeer, echo, {.ttl = 64, .df = true}));
  ASSERT_EQ(r.outcome, xlat::Outcome::Forward);
  expect_addresses(r.pkt, kClat6, kPeer6);
  EXPECT_EQ(r.pkt[6], 58);  // ICMPv6
  EXPECT_EQ(r.pkt[7], 64);  // the host's TTL: the CLAT is not a router hop (issue 14)
  ASSERT_EQ(r.pkt.size(), 40u + 8 + 24);
  EXPECT_EQ(r.pkt[40], 128);  // Echo Request
  EXPECT_EQ(v4to6test::rd32(r.pkt, 44), 0x0abc0001u);
  EXPECT_TRUE(std::equal(body.begin(), body.end(), r.pkt.begin() + 48));
  EXPECT_TRUE(v4to6test::v6_l4_checksum_ok(std::span(r.pkt).subspan(8, 16), std::span(r.pkt).subspan(24, 16), 58,
                                           std::span(r.pkt).subspan(40)));
}

TEST(ClatTranslate, UdpOutAndBack) {
  const auto data = v4to6test::pattern(100);
  const auto u = v4to6test::udp(kHost, kPeer, 40000, 53, data);
  const Out6 r = through_4to6(nsp(), v4to6test::ipv4(17, kHost, kPeer, u));
  ASSERT_EQ(r.outcome, xlat::Outcome::Forward);
  expect_addresses(r.pkt, kClat6, kPeer6);
  EXPECT_EQ(r.pkt[6], 17);
  EXPECT_EQ(v4to6test::rd16(r.pkt, 40), 40000);
  EXPECT_TRUE(v4to6test::v6_l4_checksum_ok(std::span(r.pkt).subspan(8, 16), std::span(r.pkt).subspan(24, 16), 17,
                                           std::span(r.pkt).subspan(40)));

  // The answer from the PLAT comes back to 192.0.0.1 from the peer's IPv4 address.
  pb6::Bytes reply = pb6::ipv6({.src = "2001:db8:64::cb00:7109", .dst = "2001:db8:1:2::c1a7"}, 17,
                               pb6::udp(53, 40000, pb6::pattern(20)));
  pb6::fill_checksum6(reply, 40, 17, 6);
  ClatMapper m(nsp());
  const auto back = pb6::run6(reply, xlat_config(nsp(), 1500), m);
  ASSERT_EQ(back.outcome, xlat::Outcome::Forward);
  ASSERT_EQ(back.pkts.size(), 1u);
  const auto& p = back.pkts[0];
  EXPECT_EQ(Ipv4Addr({p[12], p[13], p[14], p[15]}), v4("203.0.113.9"));
  EXPECT_EQ(Ipv4Addr({p[16], p[17], p[18], p[19]}), v4("192.0.0.1"));
  EXPECT_TRUE(pb6::ipv4_header_checksum_ok(p));
  EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(p));
}

TEST(ClatTranslate, WellKnownPrefixNonGlobalGetsUnreachable) {
  // RFC 6052 §3.1: the host learns at once, from 192.0.0.8, that 10.0.0.1 cannot be reached.
  const v4to6test::A4 lan{10, 0, 0, 1};
  const auto u = v4to6test::udp(kHost, lan, 40000, 53, v4to6test::pattern(8));
  const Out6 r = through_4to6(wkp(), v4to6test::ipv4(17, kHost, lan, u));
  ASSERT_EQ(r.outcome, xlat::Outcome::Reply);
  EXPECT_EQ(r.reason, xlat::DropReason::DstUntranslatable);
  ASSERT_GE(r.pkt.size(), 28u);
  EXPECT_EQ(r.pkt[0] >> 4, 4);
  EXPECT_EQ(Ipv4Addr({r.pkt[12], r.pkt[13], r.pkt[14], r.pkt[15]}), v4("192.0.0.8"));
  EXPECT_EQ(Ipv4Addr({r.pkt[16], r.pkt[17], r.pkt[18], r.pkt[19]}), v4("192.0.0.1"));
  EXPECT_EQ(r.pkt[20], 3);  // Destination Unreachable
  EXPECT_EQ(r.pkt[21], 1);  // host unreachable
}

TEST(ClatTranslate, ForeignSourceDropped) {
  const v4to6test::A4 other{192, 0, 0, 2};
  const auto u = v4to6test::udp(other, kPeer, 40000, 53, v4to6test::pattern(8));
  const Out6 r = through_4to6(nsp(), v4to6test::ipv4(17, other, kPeer, u));
  EXPECT_EQ(r.outcome, xlat::Outcome::Drop);
  EXPECT_EQ(r.reason, xlat::DropReason::SrcUntranslatable);
}

// The CLAT is part of the host, not a router between it and the network: a TTL of 1 (traceroute's
// first probe) leaves as Hop Limit 1 for the first IPv6 router to expire, and a packet that arrives
// with Hop Limit 1 is delivered with TTL 1 rather than answered with Time Exceeded.
TEST(ClatTranslate, HopLimitOneCrossesBothWays) {
  const auto u = v4to6test::udp(kHost, kPeer, 40000, 33434, v4to6test::pattern(8));
  const Out6 r = through_4to6(nsp(), v4to6test::ipv4(17, kHost, kPeer, u, {.ttl = 1}));
  ASSERT_EQ(r.outcome, xlat::Outcome::Forward);
  EXPECT_EQ(r.pkt[7], 1);

  pb6::Bytes in = pb6::ipv6({.hlim = 1, .src = "2001:db8:64::cb00:7109", .dst = "2001:db8:1:2::c1a7"}, 17,
                            pb6::udp(53, 40000, pb6::pattern(20)));
  pb6::fill_checksum6(in, 40, 17, 6);
  ClatMapper m(nsp());
  const auto back = pb6::run6(in, xlat_config(nsp(), 1500), m);
  ASSERT_EQ(back.outcome, xlat::Outcome::Forward);
  ASSERT_EQ(back.pkts.size(), 1u);
  EXPECT_EQ(back.pkts[0][8], 1);  // TTL
}
