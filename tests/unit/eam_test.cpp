#include "addr/eam.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace sixfour;
using ::testing::HasSubstr;

namespace {

Ipv4Addr v4(const char* s) { return Ipv4Addr::parse(s).value(); }
Ipv6Addr v6(const char* s) { return Ipv6Addr::parse(s).value(); }
Eam eam(const char* s) { return EamTable::parse(s).value(); }

// The example EAM table of RFC 7757 §3.1 whose entries have equal suffix lengths on both sides
// (entries 1, 2, 3 and 6; 4 and 5, whose IPv6 suffixes are longer, are tested below).
EamTable rfc7757_table() {
  EamTable t;
  EXPECT_TRUE(t.add(eam("192.0.2.1=2001:db8:aaaa::")).ok());
  EXPECT_TRUE(t.add(eam("192.0.2.2/32=2001:db8:bbbb::b/128")).ok());
  EXPECT_TRUE(t.add(eam("192.0.2.16/28=2001:db8:cccc::/124")).ok());
  EXPECT_TRUE(t.add(eam("192.0.2.224/31=64:ff9b::/127")).ok());
  return t;
}

}  // namespace

TEST(Eam, ParseBothOrders) {
  auto a = EamTable::parse("2001:db8:6::/120=198.51.100.0/24");
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->v6, Ipv6Prefix::parse("2001:db8:6::/120").value());
  EXPECT_EQ(a->v4, Ipv4Prefix::parse("198.51.100.0/24").value());
  auto b = EamTable::parse("198.51.100.0/24=2001:db8:6::/120");
  ASSERT_TRUE(b.ok()) << b.error();
  EXPECT_EQ(a->v6, b->v6);
  EXPECT_EQ(a->v4, b->v4);
  // Bare addresses are /32 and /128.
  auto c = EamTable::parse("192.0.2.1=2001:db8:aaaa::");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->v4.len, 32);
  EXPECT_EQ(c->v6.len, 128);
}

TEST(Eam, ParseErrorsNameTheValue) {
  struct Case {
    const char* text;
    const char* why;
  };
  const Case cases[] = {
      {"2001:db8:6::/120", "IPV6PREFIX=IPV4PREFIX"},
      {"2001:db8:6::/120=198.51.100.0/24=1.2.3.4", "IPV6PREFIX=IPV4PREFIX"},
      {"192.0.2.0/24=198.51.100.0/24", "one IPv6 and one IPv4"},
      {"2001:db8::/120=2001:db8:1::/120", "one IPv6 and one IPv4"},
      {"2001:db8:6::/120=198.51.100.1/24", "\"198.51.100.1/24\": host bits set"},
      {"2001:db8:6::1/120=198.51.100.0/24", "\"2001:db8:6::1/120\": host bits set"},
      {"2001:db8:6::/129=198.51.100.0/24", "prefix length must be 0..128"},
      {"2001:db8:6::/121=198.51.100.0/24", "fewer host bits (7) than the IPv4 prefix (8)"},
      {"=", "one IPv6 and one IPv4"},
  };
  for (const auto& c : cases) {
    auto r = EamTable::parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_THAT(r.error(), HasSubstr(std::string("\"") + c.text + "\"")) << c.text;
    EXPECT_THAT(r.error(), HasSubstr(c.why)) << c.text;
  }
}

// RFC 7757 §3.1 table entries 4 (192.0.2.128/26 = 2001:db8:dddd::/64) and 5 (192.0.2.192/29 =
// 2001:db8:eeee:8::/62) have IPv6 suffixes longer than their IPv4 suffixes (64 vs 6, 66 vs 3 bits).
// §3.2: the IPv4 suffix goes right after the IPv6 prefix and the remaining bits are zero; from IPv6,
// the bits after the IPv4 suffix's length are not used.
TEST(Eam, LongerIpv6SuffixIpv4ToIpv6) {
  EamTable t;
  ASSERT_TRUE(t.add(eam("192.0.2.128/26=2001:db8:dddd::/64")).ok());
  ASSERT_TRUE(t.add(eam("192.0.2.192/29=2001:db8:eeee:8::/62")).ok());
  EXPECT_EQ(t.to_v6(v4("192.0.2.128")), v6("2001:db8:dddd::"));
  EXPECT_EQ(t.to_v6(v4("192.0.2.152")), v6("2001:db8:dddd:0:6000::"));  // suffix 011000
  EXPECT_EQ(t.to_v6(v4("192.0.2.183")), v6("2001:db8:dddd:0:dc00::"));  // suffix 110111
  EXPECT_EQ(t.to_v6(v4("192.0.2.191")), v6("2001:db8:dddd:0:fc00::"));
  // A suffix that straddles a 64-bit boundary: /62 leaves bits 62-63 in the fourth group.
  EXPECT_EQ(t.to_v6(v4("192.0.2.192")), v6("2001:db8:eeee:8::"));
  EXPECT_EQ(t.to_v6(v4("192.0.2.193")), v6("2001:db8:eeee:8:8000::"));  // suffix 001
  EXPECT_EQ(t.to_v6(v4("192.0.2.197")), v6("2001:db8:eeee:a:8000::"));  // suffix 101
  EXPECT_EQ(t.to_v6(v4("192.0.2.199")), v6("2001:db8:eeee:b:8000::"));  // suffix 111
  EXPECT_FALSE(t.to_v6(v4("192.0.2.200")).has_value());
}

TEST(Eam, LongerIpv6SuffixIpv6ToIpv4) {
  EamTable t;
  ASSERT_TRUE(t.add(eam("192.0.2.128/26=2001:db8:dddd::/64")).ok());
  ASSERT_TRUE(t.add(eam("192.0.2.192/29=2001:db8:eeee:8::/62")).ok());
  EXPECT_EQ(t.to_v4(v6("2001:db8:dddd:0:6000::")), v4("192.0.2.152"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:dddd:0:dc00::")), v4("192.0.2.183"));
  // The bits after the first six of the suffix are not used: many IPv6 addresses, one IPv4 address.
  EXPECT_EQ(t.to_v4(v6("2001:db8:dddd:0:dc00::1")), v4("192.0.2.183"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:dddd:0:dfff:ffff:ffff:ffff")), v4("192.0.2.183"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:dddd::1")), v4("192.0.2.128"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:eeee:b:8000::")), v4("192.0.2.199"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:eeee:b:7fff::")), v4("192.0.2.198"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:eeee:8::")), v4("192.0.2.192"));
  EXPECT_FALSE(t.to_v4(v6("2001:db8:eeee:c::")).has_value());  // outside the /62
  EXPECT_FALSE(t.to_v4(v6("2001:db8:dddd:1::")).has_value());
}

// Only an IPv4 suffix longer than the IPv6 suffix is refused: it would not fit.
TEST(Eam, LongerIpv4SuffixRefused) {
  EamTable t;
  Eam e{Ipv6Prefix::parse("2001:db8:dddd::/125").value(), Ipv4Prefix::parse("192.0.2.128/26").value()};
  auto r = t.add(e);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("2001:db8:dddd::/125=192.0.2.128/26"));
  EXPECT_THAT(r.error(), HasSubstr("fewer host bits (3) than the IPv4 prefix (6)"));
  EXPECT_TRUE(t.empty());
  // The whole IPv4 space on an IPv6 prefix of /96 or shorter is fine; /97 is not.
  EXPECT_TRUE(t.add(eam("0.0.0.0/0=2001:db8:4464::/64")).ok());
  EXPECT_EQ(t.to_v6(v4("203.0.113.9")), v6("2001:db8:4464:0:cb00:7109::"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:4464:0:cb00:7109:1:2")), v4("203.0.113.9"));
  EXPECT_FALSE(EamTable::parse("0.0.0.0/0=2001:db8:4464::/97").ok());
  // An IPv4 /32 on any IPv6 prefix: one IPv4 address for the whole IPv6 prefix.
  EXPECT_TRUE(t.add(eam("192.0.2.7=2001:db8:7::/48")).ok());
  EXPECT_EQ(t.to_v6(v4("192.0.2.7")), v6("2001:db8:7::"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:7:1234::5")), v4("192.0.2.7"));
  // ... and the IPv6 /0 (everything) with it.
  EamTable all;
  EXPECT_TRUE(all.add(eam("192.0.2.8=::/0")).ok());
  EXPECT_EQ(all.to_v4(v6("2001:db8::1")), v4("192.0.2.8"));
  EXPECT_EQ(all.to_v6(v4("192.0.2.8")), v6("::"));
}

TEST(Eam, Rfc7757ExamplesIpv4ToIpv6) {
  EamTable t = rfc7757_table();
  EXPECT_EQ(t.entries().size(), 4u);
  EXPECT_EQ(t.to_v6(v4("192.0.2.1")), v6("2001:db8:aaaa::"));
  EXPECT_EQ(t.to_v6(v4("192.0.2.2")), v6("2001:db8:bbbb::b"));
  EXPECT_EQ(t.to_v6(v4("192.0.2.16")), v6("2001:db8:cccc::"));
  EXPECT_EQ(t.to_v6(v4("192.0.2.24")), v6("2001:db8:cccc::8"));
  EXPECT_EQ(t.to_v6(v4("192.0.2.31")), v6("2001:db8:cccc::f"));
  EXPECT_EQ(t.to_v6(v4("192.0.2.224")), v6("64:ff9b::"));
  EXPECT_EQ(t.to_v6(v4("192.0.2.225")), v6("64:ff9b::1"));
  // Not covered by any entry.
  EXPECT_FALSE(t.to_v6(v4("192.0.2.3")).has_value());
  EXPECT_FALSE(t.to_v6(v4("192.0.2.15")).has_value());
  EXPECT_FALSE(t.to_v6(v4("192.0.2.32")).has_value());
  EXPECT_FALSE(t.to_v6(v4("192.0.2.226")).has_value());
}

TEST(Eam, Rfc7757ExamplesIpv6ToIpv4) {
  EamTable t = rfc7757_table();
  EXPECT_EQ(t.to_v4(v6("2001:db8:aaaa::")), v4("192.0.2.1"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:bbbb::b")), v4("192.0.2.2"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:cccc::8")), v4("192.0.2.24"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:cccc::f")), v4("192.0.2.31"));
  EXPECT_EQ(t.to_v4(v6("64:ff9b::1")), v4("192.0.2.225"));
  EXPECT_FALSE(t.to_v4(v6("2001:db8:aaaa::1")).has_value());
  EXPECT_FALSE(t.to_v4(v6("2001:db8:bbbb::a")).has_value());
  EXPECT_FALSE(t.to_v4(v6("2001:db8:cccc::10")).has_value());
  EXPECT_FALSE(t.to_v4(v6("64:ff9b::2")).has_value());
  EXPECT_FALSE(t.to_v4(v6("64:ff9b::192.0.2.225")).has_value());
}

// §3.2/§3.3: the suffix is copied verbatim, bit for bit, in both directions.
TEST(Eam, SuffixCopiedVerbatim) {
  EamTable t;
  ASSERT_TRUE(t.add(eam("2001:db8:6::/104=198.0.0.0/8")).ok());
  EXPECT_EQ(t.to_v6(v4("198.51.100.7")), v6("2001:db8:6::33:6407"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:6::33:6407")), v4("198.51.100.7"));
  EXPECT_EQ(t.to_v6(v4("198.255.255.255")), v6("2001:db8:6::ff:ffff"));
  // /0 = /96: the whole IPv4 address is the suffix.
  EamTable all;
  ASSERT_TRUE(all.add(eam("0.0.0.0/0=2001:db8:4464::/96")).ok());
  EXPECT_EQ(all.to_v6(v4("203.0.113.9")), v6("2001:db8:4464::cb00:7109"));
  EXPECT_EQ(all.to_v4(v6("2001:db8:4464::cb00:7109")), v4("203.0.113.9"));
}

TEST(Eam, RoundTripEveryAddressOfAnEntry) {
  EamTable t;
  ASSERT_TRUE(t.add(eam("2001:db8:6::/120=198.51.100.0/24")).ok());
  for (uint32_t i = 0; i < 256; ++i) {
    Ipv4Addr a = Ipv4Addr::from_u32(0xc6336400u + i);
    auto a6 = t.to_v6(a);
    ASSERT_TRUE(a6.has_value()) << i;
    EXPECT_EQ(a6->b[15], i);
    EXPECT_EQ(t.to_v4(*a6), a) << i;
  }
}

TEST(Eam, SamePrefixTwiceRefusedInEitherFamily) {
  EamTable t;
  ASSERT_TRUE(t.add(eam("2001:db8:6::/120=198.51.100.0/24")).ok());
  // Same IPv4 prefix, other IPv6 prefix.
  auto v4dup = t.add(eam("2001:db8:7::/120=198.51.100.0/24"));
  ASSERT_FALSE(v4dup.ok());
  EXPECT_THAT(v4dup.error(), HasSubstr("IPv4 prefix 198.51.100.0/24 is already in entry"));
  EXPECT_THAT(v4dup.error(), HasSubstr("2001:db8:6::/120=198.51.100.0/24"));
  // Same IPv6 prefix, other IPv4 prefix.
  auto v6dup = t.add(eam("2001:db8:6::/120=203.0.113.0/24"));
  ASSERT_FALSE(v6dup.ok());
  EXPECT_THAT(v6dup.error(), HasSubstr("IPv6 prefix 2001:db8:6::/120 is already in entry"));
  EXPECT_EQ(t.entries().size(), 1u);
  // Adjacent, not overlapping.
  EXPECT_TRUE(t.add(eam("2001:db8:6::100/120=198.51.101.0/24")).ok());
  EXPECT_EQ(t.to_v6(v4("198.51.101.1")), v6("2001:db8:6::101"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:6::1ff")), v4("198.51.101.255"));
}

// §3.2: nested prefixes are allowed, the longest match wins in each direction. A more specific
// entry "punches a hole" in a larger one; each direction decides on its own family's prefix.
TEST(Eam, NestedPrefixesLongestMatchWins) {
  EamTable t;
  ASSERT_TRUE(t.add(eam("2001:db8:6::/120=198.51.100.0/24")).ok());
  ASSERT_TRUE(t.add(eam("2001:db8:8::9=198.51.100.9")).ok());      // IPv4 nested, IPv6 disjoint
  ASSERT_TRUE(t.add(eam("2001:db8:6::5=203.0.113.5")).ok());       // IPv6 nested, IPv4 disjoint
  ASSERT_TRUE(t.add(eam("2001:db8:9::/112=198.51.0.0/16")).ok());  // IPv4 covering
  EXPECT_EQ(t.to_v6(v4("198.51.100.9")), v6("2001:db8:8::9"));     // /32 beats /24
  EXPECT_EQ(t.to_v6(v4("198.51.100.10")), v6("2001:db8:6::a"));    // /24 beats /16
  EXPECT_EQ(t.to_v6(v4("198.51.7.10")), v6("2001:db8:9::70a"));    // only the /16
  EXPECT_EQ(t.to_v4(v6("2001:db8:8::9")), v4("198.51.100.9"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:6::5")), v4("203.0.113.5"));  // /128 beats /120
  EXPECT_EQ(t.to_v4(v6("2001:db8:6::6")), v4("198.51.100.6"));
  EXPECT_EQ(t.to_v6(v4("203.0.113.5")), v6("2001:db8:6::5"));
  // The holes make these two one-way, as the RFC accepts: 2001:db8:6::9 still maps to
  // 198.51.100.9, which maps to 2001:db8:8::9.
  EXPECT_EQ(t.to_v4(v6("2001:db8:6::9")), v4("198.51.100.9"));
}

// Lookups are a scan in longest-prefix-first order; entries come out in that order.
TEST(Eam, EntriesSortedLongestFirst) {
  EamTable t;
  ASSERT_TRUE(t.add(eam("2001:db8:1::/120=198.51.100.0/24")).ok());
  ASSERT_TRUE(t.add(eam("2001:db8:2::1=192.0.2.1")).ok());
  ASSERT_TRUE(t.add(eam("2001:db8:3::/112=10.1.0.0/16")).ok());
  ASSERT_TRUE(t.add(eam("2001:db8:4::/124=203.0.113.16/28")).ok());
  ASSERT_EQ(t.entries().size(), 4u);
  EXPECT_EQ(t.entries()[0].v4.len, 32);
  EXPECT_EQ(t.entries()[1].v4.len, 28);
  EXPECT_EQ(t.entries()[2].v4.len, 24);
  EXPECT_EQ(t.entries()[3].v4.len, 16);
  EXPECT_EQ(t.to_v4(v6("2001:db8:3::102")), v4("10.1.1.2"));
  EXPECT_EQ(t.to_v6(v4("203.0.113.20")), v6("2001:db8:4::4"));
}

TEST(Eam, EmptyTableMapsNothing) {
  EamTable t;
  EXPECT_TRUE(t.empty());
  EXPECT_FALSE(t.to_v4(v6("2001:db8::1")).has_value());
  EXPECT_FALSE(t.to_v6(v4("192.0.2.1")).has_value());
}
