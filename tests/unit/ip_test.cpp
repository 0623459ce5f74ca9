#include "addr/ip.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

using namespace sixfour;
using ::testing::HasSubstr;

namespace {

Ipv4Addr v4(const char* s) { return Ipv4Addr::parse(s).value(); }
Ipv6Addr v6(const char* s) { return Ipv6Addr::parse(s).value(); }

}  // namespace

TEST(Ipv4Addr, ParseAndBytes) {
  auto a = Ipv4Addr::parse("192.0.2.33");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->b[0], 192);
  EXPECT_EQ(a->b[1], 0);
  EXPECT_EQ(a->b[2], 2);
  EXPECT_EQ(a->b[3], 33);
  EXPECT_EQ(a->to_u32(), 0xc0000221u);
  EXPECT_EQ(Ipv4Addr::from_u32(0xc0000221u), *a);
  EXPECT_EQ(a->str(), "192.0.2.33");
  EXPECT_EQ(v4("0.0.0.0").str(), "0.0.0.0");
  EXPECT_EQ(v4("255.255.255.255").str(), "255.255.255.255");
}

TEST(PrefixMask, EveryLengthSetsThatManyLeadingBits) {
  EXPECT_EQ(ipv4_mask(0), 0u);
  EXPECT_EQ(ipv4_mask(1), 0x80000000u);
  EXPECT_EQ(ipv4_mask(24), 0xffffff00u);
  EXPECT_EQ(ipv4_mask(31), 0xfffffffeu);
  EXPECT_EQ(ipv4_mask(32), 0xffffffffu);
  EXPECT_EQ(ipv6_mask(0), v6("::"));
  EXPECT_EQ(ipv6_mask(7), v6("fe00::"));
  EXPECT_EQ(ipv6_mask(40), v6("ffff:ffff:ff00::"));
  EXPECT_EQ(ipv6_mask(96), v6("ffff:ffff:ffff:ffff:ffff:ffff::"));
  EXPECT_EQ(ipv6_mask(127), v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"));
  EXPECT_EQ(ipv6_mask(128), v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
}

TEST(Ipv4Addr, ParseErrorsNameTheValue) {
  for (const char* bad : {"", "192.0.2", "192.0.2.256", "192.0.2.1.5", "0x7f.0.0.1", "192.0.2.1 ", "2001:db8::1",
                          "192.0.2.1/24", "abc"}) {
    auto r = Ipv4Addr::parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error(), HasSubstr(std::string("\"") + bad + "\"")) << bad;
  }
}

TEST(Ipv4Addr, EmbeddedNulRefused) {
  using namespace std::string_view_literals;
  EXPECT_FALSE(Ipv4Addr::parse("192.0.2.1\0junk"sv).ok());
  EXPECT_FALSE(Ipv6Addr::parse("2001:db8::1\0junk"sv).ok());
  EXPECT_FALSE(Ipv4Prefix::parse("192.0.2.0\0/24"sv).ok());
  EXPECT_FALSE(Ipv6Prefix::parse("2001:db8::\0/32"sv).ok());
}

TEST(Ipv6Addr, ParseAllTextForms) {
  // RFC 4291 §2.2: full, compressed, and mixed with dotted IPv4.
  auto full = Ipv6Addr::parse("2001:0db8:0000:0000:0000:0000:0000:0001");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->b[0], 0x20);
  EXPECT_EQ(full->b[1], 0x01);
  EXPECT_EQ(full->b[2], 0x0d);
  EXPECT_EQ(full->b[3], 0xb8);
  for (int i = 4; i < 15; ++i) EXPECT_EQ(full->b[i], 0) << i;
  EXPECT_EQ(full->b[15], 1);
  EXPECT_EQ(*full, v6("2001:db8::1"));
  auto mixed = v6("64:ff9b::192.0.2.33");
  EXPECT_EQ(mixed.b[0], 0x00);
  EXPECT_EQ(mixed.b[1], 0x64);
  EXPECT_EQ(mixed.b[2], 0xff);
  EXPECT_EQ(mixed.b[3], 0x9b);
  EXPECT_EQ(mixed.b[12], 192);
  EXPECT_EQ(mixed.b[13], 0);
  EXPECT_EQ(mixed.b[14], 2);
  EXPECT_EQ(mixed.b[15], 33);
}

TEST(Ipv6Addr, ParseErrorsNameTheValue) {
  for (const char* bad : {"", "2001:db8::1::2", "2001:db8:::1", "12345::", "fe80::1%eth0", "192.0.2.1", "2001:db8::/64",
                          "1:2:3:4:5:6:7:8:9", "g::1"}) {
    auto r = Ipv6Addr::parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error(), HasSubstr(std::string("\"") + bad + "\"")) << bad;
  }
}

// RFC 5952 §4 canonical form.
TEST(Ipv6Addr, StrIsRfc5952Canonical) {
  EXPECT_EQ(v6("2001:0DB8:0000:0000:0000:0000:0000:0001").str(), "2001:db8::1");  // §4.1, §4.3
  EXPECT_EQ(v6("2001:db8:0:0:1:0:0:1").str(), "2001:db8::1:0:0:1");               // §4.2.3 first of equal runs
  EXPECT_EQ(v6("2001:0:0:1:0:0:0:1").str(), "2001:0:0:1::1");                     // §4.2.3 longest run
  EXPECT_EQ(v6("2001:db8:0:1:1:1:1:1").str(), "2001:db8:0:1:1:1:1:1");            // §4.2.2 no "::" for one group
  EXPECT_EQ(v6("::").str(), "::");
  EXPECT_EQ(v6("::1").str(), "::1");
  EXPECT_EQ(v6("1::").str(), "1::");
  EXPECT_EQ(v6("64:ff9b::c000:221").str(), "64:ff9b::c000:221");
  EXPECT_EQ(v6("::ffff:c000:221").str(), "::ffff:192.0.2.33");  // §5 IPv4-mapped
  EXPECT_EQ(v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").str(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST(Ipv4Prefix, Parse) {
  auto p = Ipv4Prefix::parse("198.51.100.0/24");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->addr, v4("198.51.100.0"));
  EXPECT_EQ(p->len, 24);
  EXPECT_EQ(p->str(), "198.51.100.0/24");
  auto host = Ipv4Prefix::parse("192.0.2.1");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->len, 32);
  auto all = Ipv4Prefix::parse("0.0.0.0/0");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->len, 0);
}

TEST(Ipv4Prefix, ParseErrors) {
  auto host_bits = Ipv4Prefix::parse("198.51.100.1/24");
  ASSERT_FALSE(host_bits.ok());
  EXPECT_EQ(host_bits.error(), "\"198.51.100.1/24\": host bits set");
  auto too_long = Ipv4Prefix::parse("192.0.2.0/33");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error(), "\"192.0.2.0/33\": prefix length must be 0..32");
  for (const char* bad :
       {"192.0.2.0/", "192.0.2.0/-1", "192.0.2.0/2x", "192.0.2/24", "/24", "2001:db8::/32", "192.0.2.0/1000"}) {
    auto r = Ipv4Prefix::parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error(), HasSubstr(std::string("\"") + bad + "\"")) << bad;
  }
}

TEST(Ipv4Prefix, Contains) {
  auto p = Ipv4Prefix::parse("198.51.100.0/24").value();
  EXPECT_TRUE(p.contains(v4("198.51.100.0")));
  EXPECT_TRUE(p.contains(v4("198.51.100.255")));
  EXPECT_FALSE(p.contains(v4("198.51.101.0")));
  EXPECT_FALSE(p.contains(v4("198.51.99.255")));
  auto all = Ipv4Prefix::parse("0.0.0.0/0").value();
  EXPECT_TRUE(all.contains(v4("255.255.255.255")));
  auto host = Ipv4Prefix::parse("192.0.2.1/32").value();
  EXPECT_TRUE(host.contains(v4("192.0.2.1")));
  EXPECT_FALSE(host.contains(v4("192.0.2.0")));
  EXPECT_TRUE(p.contains(Ipv4Prefix::parse("198.51.100.128/25").value()));
  EXPECT_TRUE(p.contains(p));
  EXPECT_FALSE(p.contains(Ipv4Prefix::parse("198.51.100.0/23").value()));
  EXPECT_FALSE(p.contains(Ipv4Prefix::parse("198.51.101.0/24").value()));
}

TEST(Ipv6Prefix, Parse) {
  auto p = Ipv6Prefix::parse("2001:db8:122::/48");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->addr, v6("2001:db8:122::"));
  EXPECT_EQ(p->len, 48);
  EXPECT_EQ(p->str(), "2001:db8:122::/48");
  auto host = Ipv6Prefix::parse("2001:db8::1");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->len, 128);
  EXPECT_TRUE(Ipv6Prefix::parse("::/0").ok());
  EXPECT_TRUE(Ipv6Prefix::parse("2001:db8:1c0::/42").ok());  // 0x1c0 = ...0111 000000: bits 42.. zero
}

TEST(Ipv6Prefix, ParseErrors) {
  auto too_long = Ipv6Prefix::parse("2001:db8::/129");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error(), "\"2001:db8::/129\": prefix length must be 0..128");
  auto host_bits = Ipv6Prefix::parse("2001:db8::1/64");
  ASSERT_FALSE(host_bits.ok());
  EXPECT_EQ(host_bits.error(), "\"2001:db8::1/64\": host bits set");
  // Host bit inside the partial byte: 0x1c0 has bit 41 set.
  auto partial = Ipv6Prefix::parse("2001:db8:1c0::/41");
  ASSERT_FALSE(partial.ok());
  EXPECT_THAT(partial.error(), HasSubstr("host bits set"));
  for (const char* bad : {"2001:db8::/", "2001:db8::/x", "/64", "192.0.2.0/24", "2001:db8::/64/64"}) {
    auto r = Ipv6Prefix::parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error(), HasSubstr(std::string("\"") + bad + "\"")) << bad;
  }
}

TEST(Ipv6Prefix, Contains) {
  auto p = Ipv6Prefix::parse("2001:db8:100::/40").value();
  EXPECT_TRUE(p.contains(v6("2001:db8:100::")));
  EXPECT_TRUE(p.contains(v6("2001:db8:1ff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(p.contains(v6("2001:db8:200::")));
  EXPECT_FALSE(p.contains(v6("2001:db8:ff:ffff::")));
  auto odd = Ipv6Prefix::parse("2001:db8:8000::/33").value();
  EXPECT_TRUE(odd.contains(v6("2001:db8:ffff::1")));
  EXPECT_FALSE(odd.contains(v6("2001:db8:7fff::1")));
  EXPECT_TRUE(Ipv6Prefix::parse("::/0").value().contains(v6("ff02::1")));
  EXPECT_TRUE(p.contains(Ipv6Prefix::parse("2001:db8:122::/48").value()));
  EXPECT_FALSE(p.contains(Ipv6Prefix::parse("2001:db8::/32").value()));
}

// One address inside each non-global block (its first and last address) and one just outside.
TEST(SpecialPurpose, IsGlobalEachBlock) {
  struct Case {
    const char *first, *last, *before, *after;
  };
  const Case cases[] = {
      {"0.0.0.0", "0.255.255.255", nullptr, "1.0.0.0"},
      {"10.0.0.0", "10.255.255.255", "9.255.255.255", "11.0.0.0"},
      {"100.64.0.0", "100.127.255.255", "100.63.255.255", "100.128.0.0"},
      {"127.0.0.0", "127.255.255.255", "126.255.255.255", "128.0.0.0"},
      {"169.254.0.0", "169.254.255.255", "169.253.255.255", "169.255.0.0"},
      {"172.16.0.0", "172.31.255.255", "172.15.255.255", "172.32.0.0"},
      {"192.0.0.0", "192.0.0.255", "191.255.255.255", "192.0.1.0"},
      {"192.0.2.0", "192.0.2.255", "192.0.1.255", "192.0.3.0"},
      {"192.88.99.0", "192.88.99.255", "192.88.98.255", "192.88.100.0"},
      {"192.168.0.0", "192.168.255.255", "192.167.255.255", "192.169.0.0"},
      {"198.18.0.0", "198.19.255.255", "198.17.255.255", "198.20.0.0"},
      {"198.51.100.0", "198.51.100.255", "198.51.99.255", "198.51.101.0"},
      {"203.0.113.0", "203.0.113.255", "203.0.112.255", "203.0.114.0"},
      {"224.0.0.0", "239.255.255.255", "223.255.255.255", nullptr},
      {"240.0.0.0", "255.255.255.254", nullptr, nullptr},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(is_global(v4(c.first))) << c.first;
    EXPECT_FALSE(is_global(v4(c.last))) << c.last;
    if (c.before) {
      EXPECT_TRUE(is_global(v4(c.before))) << c.before;
    }
    if (c.after) {
      EXPECT_TRUE(is_global(v4(c.after))) << c.after;
    }
  }
  EXPECT_FALSE(is_global(v4("255.255.255.255")));
  // IANA marks PCP anycast and TURN anycast inside 192.0.0.0/24 as globally reachable.
  EXPECT_TRUE(is_global(v4("192.0.0.9")));
  EXPECT_TRUE(is_global(v4("192.0.0.10")));
  EXPECT_FALSE(is_global(v4("192.0.0.8")));
  EXPECT_FALSE(is_global(v4("192.0.0.11")));
  EXPECT_TRUE(is_global(v4("8.8.8.8")));
}

TEST(SpecialPurpose, MulticastAndBroadcast) {
  EXPECT_TRUE(is_multicast(v4("224.0.0.1")));
  EXPECT_TRUE(is_multicast(v4("239.255.255.255")));
  EXPECT_FALSE(is_multicast(v4("223.255.255.255")));
  EXPECT_FALSE(is_multicast(v4("240.0.0.0")));
  EXPECT_TRUE(is_multicast(v6("ff02::1")));
  EXPECT_TRUE(is_multicast(v6("ff0e::101")));
  EXPECT_FALSE(is_multicast(v6("fe80::1")));
  EXPECT_TRUE(is_limited_broadcast(v4("255.255.255.255")));
  EXPECT_FALSE(is_limited_broadcast(v4("255.255.255.254")));
  EXPECT_FALSE(is_limited_broadcast(v4("192.0.2.255")));
}

TEST(IpPrefix, EitherFamilyByItsForm) {
  auto v4 = sixfour::IpPrefix::parse("192.0.2.0/24");
  ASSERT_TRUE(v4.ok());
  EXPECT_FALSE(v4->v6);
  EXPECT_EQ(v4->str(), "192.0.2.0/24");
  EXPECT_TRUE(v4->contains(sixfour::Ipv4Addr::parse("192.0.2.77").value()));
  EXPECT_FALSE(v4->contains(sixfour::Ipv4Addr::parse("198.51.100.1").value()));
  EXPECT_FALSE(v4->contains(sixfour::Ipv6Addr::parse("2001:db8::1").value()));  // other family

  auto v6 = sixfour::IpPrefix::parse("2001:db8:6::/64");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->v6);
  EXPECT_EQ(v6->str(), "2001:db8:6::/64");
  EXPECT_TRUE(v6->contains(sixfour::Ipv6Addr::parse("2001:db8:6::9").value()));
  EXPECT_FALSE(v6->contains(sixfour::Ipv4Addr::parse("192.0.2.77").value()));

  // A bare address is a host prefix; host bits and junk are errors, as for the one-family types.
  EXPECT_EQ(sixfour::IpPrefix::parse("::1")->str(), "::1/128");
  EXPECT_EQ(sixfour::IpPrefix::parse("127.0.0.1")->str(), "127.0.0.1/32");
  EXPECT_FALSE(sixfour::IpPrefix::parse("192.0.2.1/24").ok());
  EXPECT_FALSE(sixfour::IpPrefix::parse("2001:db8::1/32").ok());
  EXPECT_FALSE(sixfour::IpPrefix::parse("example").ok());
}
