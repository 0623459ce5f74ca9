// sixfour doctor: NAT64 prefix discovery from the PREF64 option of router advertisements (RFC 8781
// §4); the ipv4only.arpa side (RFC 7050 §3) is tested in rfc7050_test.cpp.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "doctor/address.hpp"
#include "doctor/prefix_discovery.hpp"

namespace sixfour::doctor {
namespace {

Ipv6Prefix p6(std::string_view s) { return Ipv6Prefix::parse(s).value(); }

// RFC 8781 §4:
//   Type (8) = 38 | Length (8) = 2 | Scaled Lifetime (13) | PLC (3) | Highest 96 bits of the Prefix
std::vector<uint8_t> pref64_option(uint16_t scaled, uint8_t plc, std::vector<uint8_t> prefix96, uint8_t length = 2) {
  std::vector<uint8_t> o{38, length, static_cast<uint8_t>((scaled << 3) >> 8),
                         static_cast<uint8_t>((scaled << 3 | plc) & 0xff)};
  prefix96.resize(12);
  o.insert(o.end(), prefix96.begin(), prefix96.end());
  return o;
}

TEST(Pref64, WellKnownPrefixWithTenMinutes) {
  // 600 s = 75 units of 8 s: 75 << 3 | PLC 0 = 0x0258.
  const std::vector<uint8_t> o{38, 2, 0x02, 0x58, 0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  const Pref64Parse p = parse_pref64(o);
  ASSERT_EQ(p.error, Pref64Error::ok);
  EXPECT_EQ(p.value.prefix, p6("64:ff9b::/96"));
  EXPECT_EQ(p.value.lifetime_s, 600u);
}

TEST(Pref64, PlcGivesThePrefixLength) {
  const std::vector<uint8_t> hi{0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22, 0x03, 0x44, 0, 0, 0, 0};
  const std::pair<uint8_t, const char*> table[] = {
      {0, "2001:db8:122:344::/96"}, {1, "2001:db8:122:344::/64"}, {2, "2001:db8:122:300::/56"},
      {3, "2001:db8:122::/48"},     {4, "2001:db8:100::/40"},     {5, "2001:db8::/32"},
  };
  for (const auto& [plc, want] : table) {
    SCOPED_TRACE(want);
    const Pref64Parse p = parse_pref64(pref64_option(1, plc, hi));
    ASSERT_EQ(p.error, Pref64Error::ok);
    // Bits beyond the PLC's length are not part of the prefix.
    EXPECT_EQ(p.value.prefix, p6(want));
    EXPECT_EQ(p.value.lifetime_s, 8u);
  }
  EXPECT_EQ(parse_pref64(pref64_option(1, 6, hi)).error, Pref64Error::bad_plc);
  EXPECT_EQ(parse_pref64(pref64_option(1, 7, hi)).error, Pref64Error::bad_plc);
}

TEST(Pref64, LargestScaledLifetime) {
  const Pref64Parse p = parse_pref64(pref64_option(8191, 0, {0x00, 0x64, 0xff, 0x9b}));
  ASSERT_EQ(p.error, Pref64Error::ok);
  EXPECT_EQ(p.value.lifetime_s, 65528u);
  EXPECT_EQ(parse_pref64(pref64_option(0, 0, {0x00, 0x64, 0xff, 0x9b})).value.lifetime_s, 0u);
}

TEST(Pref64, LengthOtherThanTwoIsIgnored) {
  EXPECT_EQ(parse_pref64(pref64_option(1, 0, {}, 3)).error, Pref64Error::bad_length);
  EXPECT_EQ(parse_pref64(pref64_option(1, 0, {}, 1)).error, Pref64Error::bad_length);
  auto o = pref64_option(1, 0, {});
  o.resize(15);
  EXPECT_EQ(parse_pref64(o).error, Pref64Error::truncated);
}

std::vector<uint8_t> ra_header() {
  // RFC 4861 §4.2: type 134, code 0, checksum, cur hop limit 64, M/O flags 0, router lifetime
  // 1800, reachable time 0, retrans timer 0.
  return {134, 0, 0, 0, 64, 0, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0};
}

TEST(Pref64, FoundAmongTheOptionsOfARouterAdvertisement) {
  auto ra = ra_header();
  const std::vector<uint8_t> sll{1, 1, 0x02, 0, 0, 0, 0, 0x01};  // source link-layer address
  ra.insert(ra.end(), sll.begin(), sll.end());
  auto bad = pref64_option(1, 7, {0x00, 0x64, 0xff, 0x9b});
  ra.insert(ra.end(), bad.begin(), bad.end());
  auto good = pref64_option(225, 0, {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x64});
  ra.insert(ra.end(), good.begin(), good.end());
  const auto found = pref64_from_ra(ra);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].prefix, p6("2001:db8:64::/96"));
  EXPECT_EQ(found[0].lifetime_s, 1800u);
  // RFC 4861 §4.6: an option of length 0 makes the whole packet invalid.
  ra.insert(ra.end(), {3, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_TRUE(pref64_from_ra(ra).empty());
  // Not a router advertisement.
  auto rs = ra_header();
  rs[0] = 133;
  EXPECT_TRUE(pref64_from_ra(rs).empty());
}

TEST(Pref64, ArbitraryBytesNeverReadOutOfBounds) {
  // Router advertisements come from the link: any bytes at all must be walked safely (ASan).
  std::mt19937 rng(7050);
  for (int i = 0; i < 20000; ++i) {
    auto ra = ra_header();
    const size_t extra = rng() % 64;
    for (size_t j = 0; j < extra; ++j) ra.push_back(static_cast<uint8_t>(rng()));
    if (extra > 2 && rng() % 2) ra[16] = kPref64Type;
    for (const Pref64& p : pref64_from_ra(ra)) EXPECT_TRUE(p.prefix.len <= 96);
    for (size_t cut = 0; cut < ra.size(); cut += 5)
      (void)pref64_from_options(std::span<const uint8_t>(ra).subspan(cut));
  }
}

TEST(AddressKind, Classes) {
  EXPECT_EQ(classify(Ipv6Addr::parse("2001:db8::1").value()), AddrKind::global);
  EXPECT_EQ(classify(Ipv6Addr::parse("2a00:1450::1").value()), AddrKind::global);
  EXPECT_EQ(classify(Ipv6Addr::parse("fd00::1").value()), AddrKind::ula);
  EXPECT_EQ(classify(Ipv6Addr::parse("fe80::1").value()), AddrKind::link_local);
  EXPECT_EQ(classify(Ipv6Addr::parse("::1").value()), AddrKind::loopback);
  EXPECT_EQ(classify(Ipv6Addr::parse("ff02::1").value()), AddrKind::other);
  EXPECT_EQ(classify(Ipv4Addr::parse("192.0.0.4").value()), AddrKind::clat4);
  EXPECT_EQ(classify(Ipv4Addr::parse("192.0.0.8").value()), AddrKind::other);
  EXPECT_EQ(classify(Ipv4Addr::parse("10.1.2.3").value()), AddrKind::private4);
  EXPECT_EQ(classify(Ipv4Addr::parse("100.64.0.1").value()), AddrKind::shared4);
  EXPECT_EQ(classify(Ipv4Addr::parse("169.254.1.1").value()), AddrKind::link_local);
  EXPECT_EQ(classify(Ipv4Addr::parse("198.51.100.2").value()), AddrKind::global);
  EXPECT_EQ(classify(Ipv4Addr::parse("8.8.8.8").value()), AddrKind::global);
  EXPECT_TRUE(is_clat_interface_name("clat4"));
  EXPECT_TRUE(is_clat_interface_name("v4-wlan0"));
  EXPECT_FALSE(is_clat_interface_name("eth0"));
}

}  // namespace
}  // namespace sixfour::doctor
