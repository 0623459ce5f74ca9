// RFC 7050 §3: the NAT64 prefix from the AAAA records of ipv4only.arpa (addr/rfc7050), the one
// implementation `sixfour doctor` and `sixfour socks --nat64-prefix auto` share.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "addr/rfc7050.hpp"

namespace sixfour::rfc7050 {
namespace {

Ipv6Addr a6(std::string_view s) { return Ipv6Addr::parse(s).value(); }
Ipv6Prefix p6(std::string_view s) { return Ipv6Prefix::parse(s).value(); }

// 192.0.0.170 (c0.00.00.aa) embedded at each RFC 6052 §2.2 position, with the prefixes of the
// RFC 6052 §2.4 example table.
struct Position {
  const char* address;
  const char* prefix;
};
const Position kPositions[] = {
    {"2001:db8:c000:aa::", "2001:db8::/32"},
    {"2001:db8:1c0:0:aa::", "2001:db8:100::/40"},
    {"2001:db8:122:c000:0:aa00::", "2001:db8:122::/48"},
    {"2001:db8:122:3c0:0:aa::", "2001:db8:122:300::/56"},
    {"2001:db8:122:344:c0:0:aa00:0", "2001:db8:122:344::/64"},
    {"2001:db8:122:344::c000:aa", "2001:db8:122:344::/96"},
};

TEST(Rfc7050, WkaFoundAtEachRfc6052Position) {
  for (const Position& pos : kPositions) {
    SCOPED_TRACE(pos.address);
    const std::vector<Ipv6Addr> answers{a6(pos.address)};
    const Result r = extract_prefixes(answers);
    ASSERT_EQ(r.answers.size(), 1u);
    ASSERT_EQ(r.answers[0].matches.size(), 1u);
    EXPECT_EQ(r.answers[0].matches[0].prefix, p6(pos.prefix));
    EXPECT_EQ(r.answers[0].matches[0].wka, kWka170);
    EXPECT_EQ(r.prefixes, std::vector<Ipv6Prefix>{p6(pos.prefix)});
    EXPECT_FALSE(r.ambiguous);
  }
}

TEST(Rfc7050, BothWkasGiveOnePrefix) {
  // What a DNS64 with 64:ff9b::/96 answers (RFC 7050 §2: both A records synthesized).
  const std::vector<Ipv6Addr> answers{a6("64:ff9b::c000:aa"), a6("64:ff9b::c000:ab")};
  const Result r = extract_prefixes(answers);
  ASSERT_EQ(r.answers.size(), 2u);
  EXPECT_EQ(r.answers[1].matches.at(0).wka, kWka171);
  EXPECT_EQ(r.prefixes, std::vector<Ipv6Prefix>{p6("64:ff9b::/96")});
}

TEST(Rfc7050, RecordsWithoutWkaAreIgnored) {
  const std::vector<Ipv6Addr> answers{a6("2001:db8::1"), a6("2001:db8:64::c000:ab")};
  const Result r = extract_prefixes(answers);
  ASSERT_EQ(r.answers.size(), 2u);
  EXPECT_TRUE(r.answers[0].matches.empty());
  EXPECT_EQ(r.prefixes, std::vector<Ipv6Prefix>{p6("2001:db8:64::/96")});
}

TEST(Rfc7050, NonZeroUOctetIsNotAPosition) {
  // c0.00.00.aa at the /64 position but bits 64..71 set: not an RFC 6052 address.
  EXPECT_TRUE(wka_positions(a6("2001:db8:122:344:ffc0:0:aa00:0")).empty());
  EXPECT_TRUE(wka_positions(a6("2001:db8:122:344:100::c000:aa")).empty());
}

TEST(Rfc7050, DifferentPrefixesAreAllReported) {
  const std::vector<Ipv6Addr> answers{a6("2001:db8:64::c000:aa"), a6("64:ff9b::c000:aa")};
  const Result r = extract_prefixes(answers);
  EXPECT_EQ(r.prefixes, (std::vector<Ipv6Prefix>{p6("2001:db8:64::/96"), p6("64:ff9b::/96")}));
}

TEST(Rfc7050, TheOtherWkaSettlesAnAmbiguousPosition) {
  // 192.0.0.170 both at /32 (bytes 4..7) and at /96 (bytes 12..15). The record for 192.0.0.171
  // has .171 only at /96 under the same /96 prefix: /96 it is (RFC 7050 §3).
  const std::vector<Ipv6Addr> answers{a6("2001:db8:c000:aa::c000:aa"), a6("2001:db8:c000:aa::c000:ab")};
  const Result r = extract_prefixes(answers);
  ASSERT_EQ(r.answers[0].matches.size(), 2u);
  EXPECT_EQ(r.prefixes, std::vector<Ipv6Prefix>{p6("2001:db8:c000:aa::/96")});
  EXPECT_FALSE(r.ambiguous);
}

TEST(Rfc7050, AmbiguityWithoutTheOtherWkaIsReported) {
  const std::vector<Ipv6Addr> answers{a6("2001:db8:c000:aa::c000:aa")};
  const Result r = extract_prefixes(answers);
  EXPECT_TRUE(r.ambiguous);
  EXPECT_EQ(r.prefixes, (std::vector<Ipv6Prefix>{p6("2001:db8:c000:aa::/96"), p6("2001:db8::/32")}));
}

TEST(Rfc7050, WellKnownAddressesAreByteExact) {
  // RFC 7050 §2 / RFC 8880 §7.2: 192.0.0.170 = c0 00 00 aa, 192.0.0.171 = c0 00 00 ab.
  EXPECT_EQ(kWka170.b, (std::array<uint8_t, 4>{0xc0, 0x00, 0x00, 0xaa}));
  EXPECT_EQ(kWka171.b, (std::array<uint8_t, 4>{0xc0, 0x00, 0x00, 0xab}));
  EXPECT_EQ(kWka170.str(), "192.0.0.170");
  EXPECT_EQ(kWka171.str(), "192.0.0.171");
}

// Each RFC 6052 §2.2 layout written out octet by octet (prefix 20 01 0d b8 01 22 03 44 ..., the
// u octet 8 zero, 192.0.0.171 split around it), with the prefix it must give, also octet by octet.
struct Layout {
  uint8_t len;
  std::array<uint8_t, 16> address;
  std::array<uint8_t, 16> prefix;
};
const Layout kLayouts[] = {
    {32,
     {0x20, 0x01, 0x0d, 0xb8, 0xc0, 0x00, 0x00, 0xab, 0, 0, 0, 0, 0, 0, 0, 0},
     {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {40,
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0xc0, 0x00, 0x00, 0, 0xab, 0, 0, 0, 0, 0, 0},
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {48,
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0xc0, 0x00, 0, 0x00, 0xab, 0, 0, 0, 0, 0},
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {56,
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0xc0, 0, 0x00, 0x00, 0xab, 0, 0, 0, 0},
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {64,
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0x44, 0, 0xc0, 0x00, 0x00, 0xab, 0, 0, 0},
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0x44, 0, 0, 0, 0, 0, 0, 0, 0}},
    {96,
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0x44, 0, 0, 0, 0, 0xc0, 0x00, 0x00, 0xab},
     {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0x44, 0, 0, 0, 0, 0, 0, 0, 0}},
};

TEST(Rfc7050, ByteExactLayoutOfEveryPrefixLength) {
  for (const Layout& l : kLayouts) {
    SCOPED_TRACE(static_cast<int>(l.len));
    const std::vector<Ipv6Addr> answers{Ipv6Addr{l.address}};
    const Result r = extract_prefixes(answers);
    ASSERT_EQ(r.prefixes.size(), 1u);
    EXPECT_EQ(r.prefixes[0].len, l.len);
    EXPECT_EQ(r.prefixes[0].addr.b, l.prefix);
    ASSERT_EQ(r.answers.at(0).matches.size(), 1u);
    EXPECT_EQ(r.answers[0].matches[0].wka, kWka171);
    EXPECT_FALSE(r.ambiguous);
    EXPECT_EQ(first_prefix(r), r.prefixes[0]);
  }
}

TEST(Rfc7050, OtherIpv4AddressesAreNoWka) {
  // 192.0.0.169 and 192.0.0.172 next to the WKAs, and 192.0.1.170: not ipv4only.arpa's.
  for (const char* a : {"64:ff9b::c000:a9", "64:ff9b::c000:ac", "64:ff9b::c000:1aa", "64:ff9b::"}) {
    SCOPED_TRACE(a);
    EXPECT_TRUE(wka_positions(a6(a)).empty());
  }
}

TEST(Rfc7050, NoAnswerGivesNoPrefix) {
  const Result none = extract_prefixes({});
  EXPECT_TRUE(none.answers.empty());
  EXPECT_TRUE(none.prefixes.empty());
  EXPECT_FALSE(none.ambiguous);
  EXPECT_EQ(first_prefix(none), std::nullopt);
  // A resolver that answers with the real address of something else (no DNS64).
  const std::vector<Ipv6Addr> answers{a6("2001:db8::1"), a6("2001:db8::2")};
  const Result r = extract_prefixes(answers);
  EXPECT_EQ(r.answers.size(), 2u);
  EXPECT_TRUE(r.prefixes.empty());
  EXPECT_EQ(first_prefix(r), std::nullopt);
}

TEST(Rfc7050, SeveralDns64PrefixesInAnswerOrder) {
  // Two NAT64 prefixes of different lengths, each with both WKAs (RFC 7050 §3: all are used).
  const std::vector<Ipv6Addr> answers{a6("2001:db8:122:344:c0:0:aa00:0"), a6("64:ff9b::c000:aa"),
                                      a6("2001:db8:122:344:c0:0:ab00:0"), a6("64:ff9b::c000:ab")};
  const Result r = extract_prefixes(answers);
  EXPECT_EQ(r.prefixes, (std::vector<Ipv6Prefix>{p6("2001:db8:122:344::/64"), p6("64:ff9b::/96")}));
  EXPECT_EQ(first_prefix(r), p6("2001:db8:122:344::/64"));
  EXPECT_FALSE(r.ambiguous);
}

TEST(Rfc7050, AddDistinctMergesResolvers) {
  std::vector<Ipv6Prefix> all{p6("64:ff9b::/96")};
  const std::vector<Ipv6Prefix> more{p6("2001:db8:64::/96"), p6("64:ff9b::/96"), p6("2001:db8:64::/96")};
  add_distinct(all, more);
  EXPECT_EQ(all, (std::vector<Ipv6Prefix>{p6("64:ff9b::/96"), p6("2001:db8:64::/96")}));
}

TEST(Rfc7050, MaskedClearsTheHostBits) {
  EXPECT_EQ(masked(a6("2001:db8:122:344::c000:aa"), 96), p6("2001:db8:122:344::/96"));
  EXPECT_EQ(masked(a6("2001:db8:1ff::"), 40), p6("2001:db8:100::/40"));
  EXPECT_EQ(masked(a6("ffff::"), 0), p6("::/0"));
}

}  // namespace
}  // namespace sixfour::rfc7050
