#include "siit/mapper.hpp"

#include <gtest/gtest.h>

#include <set>

#include "addr/rfc6052.hpp"

using namespace sixfour;
using namespace sixfour::siit;
using xlat::Flow4;
using xlat::Flow6;
using xlat::MapStatus;
using xlat::Part;

namespace {

Ipv4Addr v4(const char* s) { return Ipv4Addr::parse(s).value(); }
Ipv6Addr v6(const char* s) { return Ipv6Addr::parse(s).value(); }

Flow4 flow4(const char* src, const char* dst, uint16_t sport = 1234, uint16_t dport = 53) {
  return Flow4{v4(src), v4(dst), 17, sport, dport};
}
Flow6 flow6(const char* src, const char* dst, uint16_t sport = 1234, uint16_t dport = 53) {
  return Flow6{v6(src), v6(dst), 17, sport, dport};
}

// A network-specific pool6 (documentation addresses are fine under it) and two EAM entries.
Settings nsp_settings() {
  Settings s;
  s.pool6 = rfc6052::parse_prefix("2001:db8:64::/96").value();
  EXPECT_TRUE(s.eam.add(EamTable::parse("2001:db8:a::/120=198.51.100.0/24").value()).ok());
  EXPECT_TRUE(s.eam.add(EamTable::parse("2001:db8:b::2=192.0.2.2").value()).ok());
  return s;
}

}  // namespace

TEST(SiitMapper, FourToSixThroughPool6) {
  Settings s = nsp_settings();
  SiitMapper m(s);
  Flow6 out;
  ASSERT_EQ(m.map_4to6(flow4("203.0.113.5", "192.0.2.77", 40000, 80), Part::Outer, out), MapStatus::Ok);
  EXPECT_EQ(out.src, v6("2001:db8:64::203.0.113.5"));
  EXPECT_EQ(out.dst, v6("2001:db8:64::192.0.2.77"));
  // Stateless: identifiers copied unchanged.
  EXPECT_EQ(out.sport, 40000);
  EXPECT_EQ(out.dport, 80);
}

// RFC 7757 §3.2: EAM is consulted before RFC 6052.
TEST(SiitMapper, FourToSixEamFirst) {
  Settings s = nsp_settings();
  SiitMapper m(s);
  Flow6 out;
  ASSERT_EQ(m.map_4to6(flow4("203.0.113.5", "198.51.100.9"), Part::Outer, out), MapStatus::Ok);
  EXPECT_EQ(out.src, v6("2001:db8:64::cb00:7105"));
  EXPECT_EQ(out.dst, v6("2001:db8:a::9"));
  ASSERT_EQ(m.map_4to6(flow4("192.0.2.2", "198.51.100.255"), Part::Outer, out), MapStatus::Ok);
  EXPECT_EQ(out.src, v6("2001:db8:b::2"));
  EXPECT_EQ(out.dst, v6("2001:db8:a::ff"));
  // Quoted inner packets map the same way in a stateless translator.
  ASSERT_EQ(m.map_4to6(flow4("198.51.100.9", "203.0.113.5"), Part::Inner, out), MapStatus::Ok);
  EXPECT_EQ(out.src, v6("2001:db8:a::9"));
  EXPECT_EQ(out.dst, v6("2001:db8:64::cb00:7105"));
}

TEST(SiitMapper, FourToSixWithoutPool6) {
  Settings s = nsp_settings();
  s.pool6.reset();
  SiitMapper m(s);
  Flow6 out;
  EXPECT_EQ(m.map_4to6(flow4("192.0.2.2", "198.51.100.1"), Part::Outer, out), MapStatus::Ok);
  EXPECT_EQ(m.map_4to6(flow4("203.0.113.5", "198.51.100.1"), Part::Outer, out), MapStatus::SrcUntranslatable);
  EXPECT_EQ(m.map_4to6(flow4("192.0.2.2", "203.0.113.5"), Part::Outer, out), MapStatus::DstUntranslatable);
}

// RFC 6052 §3.1: with 64:ff9b::/96 non-global IPv4 addresses are untranslatable unless allowed.
TEST(SiitMapper, WellKnownPrefixRefusesNonGlobal) {
  Settings s;
  s.pool6 = rfc6052::kWellKnownPrefix;
  SiitMapper m(s);
  Flow6 out6;
  Flow4 out4;
  EXPECT_EQ(m.map_4to6(flow4("8.8.8.8", "1.1.1.1"), Part::Outer, out6), MapStatus::Ok);
  EXPECT_EQ(out6.dst, v6("64:ff9b::101:101"));
  EXPECT_EQ(m.map_4to6(flow4("10.0.0.1", "1.1.1.1"), Part::Outer, out6), MapStatus::SrcUntranslatable);
  EXPECT_EQ(m.map_4to6(flow4("8.8.8.8", "192.168.1.1"), Part::Outer, out6), MapStatus::DstUntranslatable);
  EXPECT_EQ(m.map_6to4(flow6("64:ff9b::8.8.8.8", "64:ff9b::1.1.1.1"), Part::Outer, out4), MapStatus::Ok);
  EXPECT_EQ(out4.src, v4("8.8.8.8"));
  EXPECT_EQ(out4.dst, v4("1.1.1.1"));
  EXPECT_EQ(m.map_6to4(flow6("64:ff9b::8.8.8.8", "64:ff9b::192.0.2.1"), Part::Outer, out4),
            MapStatus::DstUntranslatable);
  EXPECT_EQ(m.map_6to4(flow6("64:ff9b::10.1.1.1", "64:ff9b::1.1.1.1"), Part::Outer, out4),
            MapStatus::SrcUntranslatable);

  s.allow_non_global_wkp = true;
  EXPECT_EQ(m.map_4to6(flow4("10.0.0.1", "192.0.2.1"), Part::Outer, out6), MapStatus::Ok);
  EXPECT_EQ(out6.src, v6("64:ff9b::10.0.0.1"));
  EXPECT_EQ(out6.dst, v6("64:ff9b::192.0.2.1"));
  EXPECT_EQ(m.map_6to4(flow6("64:ff9b::8.8.8.8", "64:ff9b::192.0.2.1"), Part::Outer, out4), MapStatus::Ok);
  EXPECT_EQ(out4.dst, v4("192.0.2.1"));
}

// RFC 8215's local-use prefix is an ordinary network-specific prefix: no global check.
TEST(SiitMapper, LocalUsePrefixAcceptsNonGlobal) {
  Settings s;
  s.pool6 = rfc6052::parse_prefix("64:ff9b:1::/48").value();
  SiitMapper m(s);
  Flow6 out6;
  ASSERT_EQ(m.map_4to6(flow4("10.0.0.1", "192.168.1.1"), Part::Outer, out6), MapStatus::Ok);
  EXPECT_EQ(out6.src, v6("64:ff9b:1:a00:0:100::"));
  EXPECT_EQ(out6.dst, v6("64:ff9b:1:c0a8:1:100::"));
  Flow4 out4;
  ASSERT_EQ(m.map_6to4(flow6("64:ff9b:1:a00:0:100::", "64:ff9b:1:c0a8:1:100::"), Part::Outer, out4), MapStatus::Ok);
  EXPECT_EQ(out4.src, v4("10.0.0.1"));
  EXPECT_EQ(out4.dst, v4("192.168.1.1"));
}

TEST(SiitMapper, SixToFour) {
  Settings s = nsp_settings();
  SiitMapper m(s);
  Flow4 out;
  ASSERT_EQ(m.map_6to4(flow6("2001:db8:a::9", "2001:db8:64::203.0.113.5", 5353, 443), Part::Outer, out), MapStatus::Ok);
  EXPECT_EQ(out.src, v4("198.51.100.9"));
  EXPECT_EQ(out.dst, v4("203.0.113.5"));
  EXPECT_EQ(out.sport, 5353);
  EXPECT_EQ(out.dport, 443);
  // Outside both EAM and pool6.
  EXPECT_EQ(m.map_6to4(flow6("2001:db8:c::1", "2001:db8:64::203.0.113.5"), Part::Outer, out),
            MapStatus::SrcUntranslatable);
  EXPECT_EQ(m.map_6to4(flow6("2001:db8:a::9", "2001:db8:65::203.0.113.5"), Part::Outer, out),
            MapStatus::DstUntranslatable);
  EXPECT_EQ(m.map_6to4(flow6("2001:db8:a::9", "2001:db8:c::1"), Part::Inner, out), MapStatus::DstUntranslatable);
}

// RFC 6791: the source of an ICMPv6 error from a router with no IPv4-translatable address.
TEST(SiitMapper, Rfc6791PoolForIcmpErrorSources) {
  Settings s = nsp_settings();
  s.rfc6791.push_back(Ipv4Prefix::parse("203.0.113.0/24").value());
  SiitMapper m(s);
  Flow4 out;
  const auto pool = s.rfc6791[0];

  // Only the outer header of an ICMP error gets a pool address.
  EXPECT_EQ(m.map_6to4(flow6("2001:db8:ffff::1", "2001:db8:a::9"), Part::Outer, out), MapStatus::SrcUntranslatable);
  EXPECT_EQ(m.map_6to4(flow6("2001:db8:ffff::1", "2001:db8:a::9"), Part::Inner, out), MapStatus::SrcUntranslatable);
  ASSERT_EQ(m.map_6to4(flow6("2001:db8:ffff::1", "2001:db8:a::9"), Part::OuterOfIcmpError, out), MapStatus::Ok);
  EXPECT_TRUE(pool.contains(out.src));
  EXPECT_EQ(out.dst, v4("198.51.100.9"));
  Ipv4Addr first = out.src;

  // Deterministic per IPv6 source; different routers spread over the pool, never .0 or .255.
  std::set<Ipv4Addr> seen;
  for (int i = 1; i <= 32; ++i) {
    Ipv6Addr router = v6("2001:db8:ffff::");
    router.b[15] = static_cast<uint8_t>(i);
    ASSERT_EQ(m.map_6to4(Flow6{router, v6("2001:db8:a::9"), 58, 0, 0}, Part::OuterOfIcmpError, out), MapStatus::Ok);
    EXPECT_TRUE(pool.contains(out.src));
    EXPECT_NE(out.src.b[3], 0);
    EXPECT_NE(out.src.b[3], 255);
    seen.insert(out.src);
    Flow4 again;
    ASSERT_EQ(m.map_6to4(Flow6{router, v6("2001:db8:a::9"), 58, 0, 0}, Part::OuterOfIcmpError, again), MapStatus::Ok);
    EXPECT_EQ(again.src, out.src);
  }
  EXPECT_GT(seen.size(), 16u);
  ASSERT_EQ(m.map_6to4(flow6("2001:db8:ffff::1", "2001:db8:a::9"), Part::OuterOfIcmpError, out), MapStatus::Ok);
  EXPECT_EQ(out.src, first);

  // A translatable source keeps its own mapping.
  ASSERT_EQ(m.map_6to4(flow6("2001:db8:64::192.0.2.200", "2001:db8:a::9"), Part::OuterOfIcmpError, out), MapStatus::Ok);
  EXPECT_EQ(out.src, v4("192.0.2.200"));
  // The pool does not help an untranslatable destination.
  EXPECT_EQ(m.map_6to4(flow6("2001:db8:ffff::1", "2001:db8:ffff::2"), Part::OuterOfIcmpError, out),
            MapStatus::DstUntranslatable);
}

TEST(SiitMapper, Rfc6791SingleAddressAndFallback) {
  Settings s = nsp_settings();
  s.rfc6791.push_back(Ipv4Prefix::parse("192.0.2.254/32").value());
  SiitMapper m(s);
  Flow4 out;
  for (const char* src : {"2001:db8:ffff::1", "2001:db8:ffff::2", "fe80::1"}) {
    ASSERT_EQ(m.map_6to4(flow6(src, "2001:db8:a::9"), Part::OuterOfIcmpError, out), MapStatus::Ok);
    EXPECT_EQ(out.src, v4("192.0.2.254")) << src;
  }
  // Empty pool: the translator's own IPv4 address.
  s.rfc6791.clear();
  s.xlat.self4 = v4("198.51.100.254");
  ASSERT_EQ(m.map_6to4(flow6("2001:db8:ffff::1", "2001:db8:a::9"), Part::OuterOfIcmpError, out), MapStatus::Ok);
  EXPECT_EQ(out.src, v4("198.51.100.254"));
}

TEST(SiitMapper, Rfc6791SeveralPrefixes) {
  Settings s = nsp_settings();
  s.rfc6791.push_back(Ipv4Prefix::parse("192.0.2.128/31").value());
  s.rfc6791.push_back(Ipv4Prefix::parse("203.0.113.7/32").value());
  SiitMapper m(s);
  std::set<Ipv4Addr> seen;
  for (int i = 0; i < 64; ++i) {
    Ipv6Addr router = v6("2001:db8:ffff::");
    router.b[14] = static_cast<uint8_t>(i);
    Flow4 out;
    ASSERT_EQ(m.map_6to4(Flow6{router, v6("2001:db8:a::9"), 58, 0, 0}, Part::OuterOfIcmpError, out), MapStatus::Ok);
    seen.insert(out.src);
  }
  EXPECT_EQ(seen, (std::set<Ipv4Addr>{v4("192.0.2.128"), v4("192.0.2.129"), v4("203.0.113.7")}));
}

// RFC 7757 §4: the second pass of a hairpinned packet maps its source through pool6, not EAM, so
// the receiving IPv6 node answers to the pool6 address and its reply comes back through us too.
TEST(SiitMapper, HairpinSourceThroughPool6Only) {
  Settings s = nsp_settings();
  SiitMapper m(s);
  Flow6 out;
  // A (2001:db8:a::1 = 198.51.100.1) sent to B by B's EAM IPv4 address 192.0.2.2.
  ASSERT_EQ(m.map_4to6(flow4("198.51.100.1", "192.0.2.2"), Part::Outer, out), MapStatus::Ok);
  EXPECT_EQ(out.src, v6("2001:db8:a::1"));  // not hairpinning: EAM
  m.set_hairpin(true);
  ASSERT_EQ(m.map_4to6(flow4("198.51.100.1", "192.0.2.2"), Part::Outer, out), MapStatus::Ok);
  EXPECT_EQ(out.src, v6("2001:db8:64::198.51.100.1"));
  EXPECT_EQ(out.dst, v6("2001:db8:b::2"));  // the destination still maps through EAM
  ASSERT_EQ(m.map_4to6(flow4("198.51.100.1", "192.0.2.2"), Part::OuterOfIcmpError, out), MapStatus::Ok);
  EXPECT_EQ(out.src, v6("2001:db8:64::198.51.100.1"));
  EXPECT_EQ(out.dst, v6("2001:db8:b::2"));
  // In the quoted packet of a hairpinned ICMP error the roles are swapped: the destination is the
  // node that used pool6.
  ASSERT_EQ(m.map_4to6(flow4("192.0.2.2", "198.51.100.1"), Part::Inner, out), MapStatus::Ok);
  EXPECT_EQ(out.src, v6("2001:db8:b::2"));
  EXPECT_EQ(out.dst, v6("2001:db8:64::198.51.100.1"));
  m.set_hairpin(false);
  ASSERT_EQ(m.map_4to6(flow4("198.51.100.1", "192.0.2.2"), Part::Outer, out), MapStatus::Ok);
  EXPECT_EQ(out.src, v6("2001:db8:a::1"));
}

TEST(SiitMapper, HairpinWithoutPool6IsUntranslatable) {
  Settings s = nsp_settings();
  s.pool6.reset();
  SiitMapper m(s);
  m.set_hairpin(true);
  Flow6 out;
  EXPECT_EQ(m.map_4to6(flow4("198.51.100.1", "192.0.2.2"), Part::Outer, out), MapStatus::SrcUntranslatable);
}
