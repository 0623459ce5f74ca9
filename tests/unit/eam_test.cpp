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
// (entries 1, 2, 3 and 6; 4 and 5 are refused below).
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
      {"2001:db8:6::/120=198.51.100.0/25", "suffix lengths differ"},
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
// 2001:db8:eeee:8::/62) have suffixes of different lengths; this table refuses them so that every
// mapping can be reversed bit for bit.
TEST(Eam, UnequalSuffixLengthsRefused) {
  EamTable t;
  Eam e4{Ipv6Prefix::parse("2001:db8:dddd::/64").value(), Ipv4Prefix::parse("192.0.2.128/26").value()};
  auto r4 = t.add(e4);
  ASSERT_FALSE(r4.ok());
  EXPECT_THAT(r4.error(), HasSubstr("2001:db8:dddd::/64"));
  EXPECT_THAT(r4.error(), HasSubstr("192.0.2.128/26"));
  EXPECT_THAT(r4.error(), HasSubstr("suffix lengths differ"));
  Eam e5{Ipv6Prefix::parse("2001:db8:eeee:8::/62").value(), Ipv4Prefix::parse("192.0.2.192/29").value()};
  EXPECT_FALSE(t.add(e5).ok());
  EXPECT_TRUE(t.empty());
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

TEST(Eam, OverlapRefusedInEitherFamily) {
  EamTable t;
  ASSERT_TRUE(t.add(eam("2001:db8:6::/120=198.51.100.0/24")).ok());
  // Same IPv4 prefix, other IPv6 prefix.
  auto v4dup = t.add(eam("2001:db8:7::/120=198.51.100.0/24"));
  ASSERT_FALSE(v4dup.ok());
  EXPECT_THAT(v4dup.error(), HasSubstr("IPv4 prefix 198.51.100.0/24 overlaps"));
  EXPECT_THAT(v4dup.error(), HasSubstr("2001:db8:6::/120=198.51.100.0/24"));
  // More specific IPv4 prefix inside an existing one.
  EXPECT_FALSE(t.add(eam("2001:db8:8::1=198.51.100.9")).ok());
  // Less specific IPv4 prefix covering an existing one.
  EXPECT_FALSE(t.add(eam("2001:db8:9::/112=198.51.0.0/16")).ok());
  // Overlapping IPv6 prefix, disjoint IPv4.
  auto v6dup = t.add(eam("2001:db8:6::5=203.0.113.5"));
  ASSERT_FALSE(v6dup.ok());
  EXPECT_THAT(v6dup.error(), HasSubstr("IPv6 prefix 2001:db8:6::5/128 overlaps"));
  EXPECT_EQ(t.entries().size(), 1u);
  // Adjacent, not overlapping.
  EXPECT_TRUE(t.add(eam("2001:db8:6::100/120=198.51.101.0/24")).ok());
  EXPECT_EQ(t.to_v6(v4("198.51.101.1")), v6("2001:db8:6::101"));
  EXPECT_EQ(t.to_v4(v6("2001:db8:6::1ff")), v4("198.51.101.255"));
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
