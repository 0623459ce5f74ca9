#include "addr/rfc6052.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>

using namespace sixfour;
using ::testing::HasSubstr;

namespace {

Ipv4Addr v4(const char* s) { return Ipv4Addr::parse(s).value(); }
Ipv6Addr v6(const char* s) { return Ipv6Addr::parse(s).value(); }
Ipv6Prefix p6(const char* s) { return Ipv6Prefix::parse(s).value(); }

struct Row {
  const char* prefix;
  const char* text;               // the "IPv4-embedded IPv6 address" column
  std::array<uint8_t, 16> bytes;  // the same, octet by octet
};

// RFC 6052 §2.4, the table of 192.0.2.33 embedded under each prefix length.
const Row kRfc6052Table[] = {
    {"2001:db8::/32",
     "2001:db8:c000:221::",
     {0x20, 0x01, 0x0d, 0xb8, 0xc0, 0x00, 0x02, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {"2001:db8:100::/40",
     "2001:db8:1c0:2:21::",
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0xc0, 0x00, 0x02, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {"2001:db8:122::/48",
     "2001:db8:122:c000:2:2100::",
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0xc0, 0x00, 0x00, 0x02, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {"2001:db8:122:300::/56",
     "2001:db8:122:3c0:0:221::",
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0xc0, 0x00, 0x00, 0x02, 0x21, 0x00, 0x00, 0x00, 0x00}},
    {"2001:db8:122:344::/64",
     "2001:db8:122:344:c0:2:2100:0",
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0x44, 0x00, 0xc0, 0x00, 0x02, 0x21, 0x00, 0x00, 0x00}},
    {"2001:db8:122:344::/96",
     "2001:db8:122:344::192.0.2.33",
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0x44, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x21}},
    {"64:ff9b::/96",
     "64:ff9b::192.0.2.33",
     {0x00, 0x64, 0xff, 0x9b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x21}},
};

}  // namespace

TEST(Rfc6052, EmbedEveryRowOfSection24Table) {
  for (const auto& row : kRfc6052Table) {
    auto prefix = rfc6052::parse_prefix(row.prefix);
    ASSERT_TRUE(prefix.ok()) << row.prefix << ": " << prefix.error();
    Ipv6Addr a = rfc6052::embed(*prefix, v4("192.0.2.33"));
    for (size_t i = 0; i < 16; ++i) EXPECT_EQ(a.b[i], row.bytes[i]) << row.prefix << " byte " << i;
    EXPECT_EQ(a, v6(row.text)) << row.prefix;
  }
}

TEST(Rfc6052, ExtractEveryRowOfSection24Table) {
  for (const auto& row : kRfc6052Table) {
    auto prefix = rfc6052::parse_prefix(row.prefix).value();
    Ipv6Addr a;
    a.b = row.bytes;
    ASSERT_TRUE(prefix.contains(a)) << row.prefix;
    Ipv4Addr got = rfc6052::extract(prefix, a);
    EXPECT_EQ(got.b[0], 192) << row.prefix;
    EXPECT_EQ(got.b[1], 0) << row.prefix;
    EXPECT_EQ(got.b[2], 2) << row.prefix;
    EXPECT_EQ(got.b[3], 33) << row.prefix;
  }
}

TEST(Rfc6052, CanonicalTextOfTableRows) {
  // The /96 rows use the dotted notation of RFC 6052 §2.4; RFC 5952 writes them in hex.
  EXPECT_EQ(v6(kRfc6052Table[0].text).str(), "2001:db8:c000:221::");
  EXPECT_EQ(v6(kRfc6052Table[4].text).str(), "2001:db8:122:344:c0:2:2100:0");
  EXPECT_EQ(v6(kRfc6052Table[6].text).str(), "64:ff9b::c000:221");
}

// The u octet is skipped even when the IPv4 bytes around it are 0xff, and the suffix stays zero.
TEST(Rfc6052, UOctetAndSuffixStayZero) {
  for (uint8_t len : {32, 40, 48, 56, 64, 96}) {
    Ipv6Prefix p = p6("2001:db8::/32");
    p.len = len;
    Ipv6Addr a = rfc6052::embed(p, v4("255.255.255.255"));
    EXPECT_EQ(a.b[8], 0) << int{len};
    int ones = 0;
    for (int i = 0; i < 16; ++i) ones += a.b[i] == 0xff;
    EXPECT_EQ(ones, 4) << int{len};
    EXPECT_EQ(rfc6052::extract(p, a), v4("255.255.255.255")) << int{len};
  }
}

// Extraction ignores whatever follows the IPv4 bits (the suffix), so any address in the prefix maps.
TEST(Rfc6052, ExtractIgnoresSuffix) {
  auto p = p6("2001:db8::/32");
  EXPECT_EQ(rfc6052::extract(p, v6("2001:db8:c000:221:ffff:ffff:ffff:ffff")), v4("192.0.2.33"));
}

TEST(Rfc6052, ValidLength) {
  for (int len = 0; len <= 128; ++len) {
    bool want = len == 32 || len == 40 || len == 48 || len == 56 || len == 64 || len == 96;
    EXPECT_EQ(rfc6052::valid_length(static_cast<uint8_t>(len)), want) << len;
  }
}

TEST(Rfc6052, ParsePrefixErrors) {
  auto len = rfc6052::parse_prefix("2001:db8::/33");
  ASSERT_FALSE(len.ok());
  EXPECT_EQ(len.error(), "\"2001:db8::/33\": RFC 6052 prefix length must be 32, 40, 48, 56, 64 or 96");

  auto u = rfc6052::parse_prefix("2001:db8:0:0:ff00::/96");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error(), "\"2001:db8:0:0:ff00::/96\": RFC 6052 prefix bits 64..71 (the \"u\" octet) must be zero");
  EXPECT_TRUE(rfc6052::parse_prefix("2001:db8:0:0:ff::/96").ok());  // bits 72..79: not the u octet

  auto host = rfc6052::parse_prefix("2001:db8::1/96");
  ASSERT_FALSE(host.ok());
  EXPECT_THAT(host.error(), HasSubstr("\"2001:db8::1/96\""));
  EXPECT_THAT(host.error(), HasSubstr("host bits set"));

  auto garbage = rfc6052::parse_prefix("pool");
  ASSERT_FALSE(garbage.ok());
  EXPECT_THAT(garbage.error(), HasSubstr("\"pool\""));

  EXPECT_FALSE(rfc6052::parse_prefix("2001:db8::/128").ok());
}

TEST(Rfc6052, WellKnownAndLocalUsePrefixes) {
  auto wkp = rfc6052::parse_prefix("64:ff9b::/96");
  ASSERT_TRUE(wkp.ok());
  EXPECT_EQ(*wkp, rfc6052::kWellKnownPrefix);
  auto local = rfc6052::parse_prefix("64:ff9b:1::/48");  // RFC 8215
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(*local, rfc6052::kLocalUsePrefix);
}

// RFC 6052 §3.1: the well-known prefix is not used with non-global IPv4 addresses.
TEST(Rfc6052, AllowedOnlyGlobalUnderWellKnownPrefix) {
  const auto& wkp = rfc6052::kWellKnownPrefix;
  EXPECT_TRUE(rfc6052::allowed(wkp, v4("8.8.8.8"), false));
  for (const char* a : {"10.1.2.3", "192.168.1.1", "172.16.0.1", "192.0.2.33", "198.51.100.7", "203.0.113.9",
                        "127.0.0.1", "100.64.0.1", "169.254.1.1", "224.0.0.1", "255.255.255.255"}) {
    EXPECT_FALSE(rfc6052::allowed(wkp, v4(a), false)) << a;
    EXPECT_TRUE(rfc6052::allowed(wkp, v4(a), true)) << a;
  }
  // RFC 8215's local-use prefix and network-specific prefixes carry no such restriction.
  EXPECT_TRUE(rfc6052::allowed(rfc6052::kLocalUsePrefix, v4("10.1.2.3"), false));
  EXPECT_TRUE(rfc6052::allowed(p6("2001:db8::/32"), v4("192.168.1.1"), false));
  // Same address, different length: not the well-known prefix.
  EXPECT_TRUE(rfc6052::allowed(p6("64:ff9b::/64"), v4("10.0.0.1"), false));
}

TEST(Rfc6052, RoundTripEveryLength) {
  const char* prefixes[] = {"2001:db8::/32",           "2001:db8:ff00::/40",      "2001:db8:ffff::/48",
                            "2001:db8:ffff:ff00::/56", "2001:db8:ffff:ffff::/64", "2001:db8:ffff:ffff::/96",
                            "64:ff9b:1::/48"};
  const char* addrs[] = {"0.0.0.0", "1.2.3.4", "192.0.2.33", "255.255.255.255", "128.0.0.1"};
  for (const char* ps : prefixes) {
    auto p = rfc6052::parse_prefix(ps).value();
    for (const char* as : addrs) {
      Ipv6Addr e = rfc6052::embed(p, v4(as));
      EXPECT_TRUE(p.contains(e)) << ps << " " << as;
      EXPECT_EQ(rfc6052::extract(p, e), v4(as)) << ps << " " << as;
    }
  }
}
