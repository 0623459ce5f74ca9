// The CLAT's addresses: 192.0.0.0/29 for the host (RFC 7335), the dedicated IPv6 address
// (RFC 6877 §6.3, RFC 7217 stable IIDs under SipHash-2-4, RFC 5453 reserved IIDs) and the mode.
#include "clat/address.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

using namespace sixfour;
using namespace sixfour::clat;

namespace {

Ipv4Addr v4(const char* s) { return Ipv4Addr::parse(s).value(); }
Ipv6Addr v6(const char* s) { return Ipv6Addr::parse(s).value(); }
Ipv6Prefix p6(const char* s) { return Ipv6Prefix::parse(s).value(); }

SipKey counting_key() {
  SipKey k;
  std::iota(k.begin(), k.end(), uint8_t{0});
  return k;
}

uint64_t iid_of(const Ipv6Addr& a) {
  uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = v << 8 | a.b[i];
  return v;
}

}  // namespace

TEST(ClatIpv4, FirstFreeOfTheRange) {
  EXPECT_EQ(pick_ipv4({}).value(), v4("192.0.0.1"));
  const std::vector<Ipv4Addr> one = {v4("192.0.0.1"), v4("10.0.0.1")};
  EXPECT_EQ(pick_ipv4(one).value(), v4("192.0.0.2"));
  const std::vector<Ipv4Addr> gap = {v4("192.0.0.1"), v4("192.0.0.2"), v4("192.0.0.4")};
  EXPECT_EQ(pick_ipv4(gap).value(), v4("192.0.0.3"));
  // .0 (network) and .7 (broadcast) are never handed out, even when .1 to .6 are taken.
  std::vector<Ipv4Addr> full;
  for (const char* a : {"192.0.0.1", "192.0.0.2", "192.0.0.3", "192.0.0.4", "192.0.0.5", "192.0.0.6"})
    full.push_back(v4(a));
  auto r = pick_ipv4(full);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "every address of 192.0.0.0/29 (.1 to .6) is already in use on this host");
  full.pop_back();
  EXPECT_EQ(pick_ipv4(full).value(), v4("192.0.0.6"));
}

TEST(ClatSipHash, ReferenceVectors) {
  // The SipHash paper's appendix A: key 00..0f, message 00..0e.
  std::vector<uint8_t> msg(15);
  std::iota(msg.begin(), msg.end(), uint8_t{0});
  EXPECT_EQ(siphash24(counting_key(), msg), 0xa129ca6149be45e5ULL);
  // The reference implementation's vectors.h, entries 0 and 8 (messages 00..len-1).
  EXPECT_EQ(siphash24(counting_key(), {}), 0x726fdb47dd0e0e31ULL);
  EXPECT_EQ(siphash24(counting_key(), std::span(msg).first(8)), 0x93f5f5799a932462ULL);
}

TEST(ClatIid, ReservedIids) {
  EXPECT_TRUE(reserved_iid(0));
  EXPECT_TRUE(reserved_iid(0x02005efffe000000ULL));
  EXPECT_TRUE(reserved_iid(0x02005efffe005213ULL));  // Proxy Mobile IPv6
  EXPECT_TRUE(reserved_iid(0x02005efffeffffffULL));
  EXPECT_FALSE(reserved_iid(0x02005effff000000ULL));
  EXPECT_FALSE(reserved_iid(0x02005efffdffffffULL));
  EXPECT_TRUE(reserved_iid(0xfdffffffffffff80ULL));
  EXPECT_TRUE(reserved_iid(0xffffffffffffffffULL));
  EXPECT_FALSE(reserved_iid(0xfdffffffffffff7fULL));
  EXPECT_FALSE(reserved_iid(1));
}

TEST(ClatStableAddress, StableInItsPrefixAndKeyed) {
  const SipKey key = counting_key();
  auto a = stable_address(key, p6("2001:db8:1:2::/64"), "wlan0", 0);
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_TRUE(p6("2001:db8:1:2::/64").contains(a->address));
  EXPECT_EQ(a->dad_counter, 0);
  // The same inputs give the same address (stable for the network).
  EXPECT_EQ(stable_address(key, p6("2001:db8:1:2::/64"), "wlan0", 0)->address, a->address);
  // Any change of prefix, network, counter or key gives another interface identifier.
  const uint64_t iid = iid_of(a->address);
  EXPECT_NE(iid_of(stable_address(key, p6("2001:db8:1:3::/64"), "wlan0", 0)->address), iid);
  EXPECT_NE(iid_of(stable_address(key, p6("2001:db8:1:2::/64"), "wlan1", 0)->address), iid);
  EXPECT_NE(iid_of(stable_address(key, p6("2001:db8:1:2::/64"), "wlan0", 1)->address), iid);
  SipKey other = key;
  other[0] ^= 1;
  EXPECT_NE(iid_of(stable_address(other, p6("2001:db8:1:2::/64"), "wlan0", 0)->address), iid);
}

TEST(ClatStableAddress, ExactValue) {
  // IID = SipHash-2-4(key, prefix[0..8] || network id || len16(id) || dad_counter), big-endian.
  const std::vector<uint8_t> in = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 'w', 'l', 'a', 'n', '0', 0, 5, 0};
  const uint64_t want = siphash24(counting_key(), in);
  auto a = stable_address(counting_key(), p6("2001:db8:1:2::/64"), "wlan0", 0);
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(iid_of(a->address), want);
}

TEST(ClatStableAddress, DadConflictMovesOn) {
  const SipKey key = counting_key();
  const Ipv6Prefix pfx = p6("2001:db8:1:2::/64");
  auto first = stable_address(key, pfx, "wlan0", 0);
  auto second = stable_address(key, pfx, "wlan0", 1);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(second->dad_counter, 1);
  // The host already holding the first address is the same as DAD failing on it.
  const std::vector<Ipv6Addr> taken = {first->address};
  auto moved = stable_address(key, pfx, "wlan0", 0, taken);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->address, second->address);
  EXPECT_EQ(moved->dad_counter, 1);
  // RFC 7217 IDGEN_RETRIES: counters 0..3, then no more.
  EXPECT_TRUE(stable_address(key, pfx, "wlan0", 3).ok());
  auto none = stable_address(key, pfx, "wlan0", 4);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error(), "no dedicated address left in 2001:db8:1:2::/64 after 4 attempts (RFC 7217 IDGEN_RETRIES)");
  auto last = stable_address(key, pfx, "wlan0", 3);
  const std::vector<Ipv6Addr> last_taken = {last->address};
  EXPECT_FALSE(stable_address(key, pfx, "wlan0", 3, last_taken).ok());
}

TEST(ClatStableAddress, NeedsASlash64) {
  auto r = stable_address(counting_key(), p6("2001:db8:1::/48"), "wlan0", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "2001:db8:1::/48: a dedicated CLAT address needs a /64 (RFC 7217 §5)");
}

TEST(ClatStableAddress, SkipsReservedIids) {
  // RFC 5453: an IID in a reserved range is not used; the next DAD counter is tried instead.
  const std::vector<uint64_t> iids = {0, 0xfdffffffffffff90ULL, 0x02005efffe005213ULL, 0x1234};
  auto a = first_usable_address(p6("2001:db8:9::/64"), 0, {}, [&](uint8_t c) { return iids.at(c); });
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->address, v6("2001:db8:9::1234"));
  EXPECT_EQ(a->dad_counter, 3);
  auto none = first_usable_address(p6("2001:db8:9::/64"), 0, {}, [](uint8_t) { return uint64_t{0}; });
  EXPECT_FALSE(none.ok());
  // Distinct networks get distinct addresses.
  std::vector<Ipv6Addr> seen;
  for (int i = 0; i < 50; ++i) {
    auto s = stable_address(counting_key(), p6("2001:db8:9::/64"), "net" + std::to_string(i), 0);
    ASSERT_TRUE(s.ok());
    for (const Ipv6Addr& o : seen) EXPECT_NE(o, s->address);
    seen.push_back(s->address);
  }
}

TEST(ClatMode, DedicatedWithASlash64) {
  const std::vector<UplinkAddress> addrs = {
      {v6("fe80::1"), 64},
      {v6("2001:db8:1:2::aaaa"), 64, false, true},  // temporary
      {v6("2001:db8:1:2::1"), 64},
  };
  auto m = choose_mode(addrs);
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->mode, AddressMode::Dedicated);
  EXPECT_EQ(m->prefix.str(), "2001:db8:1:2::/64");
  EXPECT_EQ(m->reason, "a dedicated address in the uplink's /64 2001:db8:1:2::/64 (RFC 6877 §6.3)");
  EXPECT_EQ(name(m->mode), "dedicated");
}

TEST(ClatMode, PrefersStablePreferredAddresses) {
  const std::vector<UplinkAddress> addrs = {
      {v6("2001:db8:7::1"), 64, true, false},   // deprecated
      {v6("2001:db8:8::1"), 64, false, true},   // temporary
      {v6("2001:db8:9::1"), 64, false, false},  // stable, preferred
  };
  EXPECT_EQ(choose_mode(addrs)->prefix.str(), "2001:db8:9::/64");
  const std::vector<UplinkAddress> no_stable = {{v6("2001:db8:7::1"), 64, true, false},
                                                {v6("2001:db8:8::1"), 64, false, true}};
  EXPECT_EQ(choose_mode(no_stable)->prefix.str(), "2001:db8:7::/64");  // deprecated beats temporary
}

TEST(ClatMode, SharedWithOnlyASlash128) {
  const std::vector<UplinkAddress> addrs = {{v6("fe80::1"), 64}, {v6("2001:db8:5::77"), 128}};
  auto m = choose_mode(addrs);
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->mode, AddressMode::SharedHostAddress);
  EXPECT_EQ(m->prefix.str(), "2001:db8:5::77/128");
  EXPECT_EQ(m->reason, "the host's address 2001:db8:5::77: no /64 on the uplink, only /128");
  EXPECT_EQ(name(m->mode), "shared");
}

TEST(ClatMode, SharedWhenDedicatedFailed) {
  const std::vector<UplinkAddress> addrs = {{v6("2001:db8:1:2::1"), 64}};
  auto m = choose_mode(addrs, true);
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->mode, AddressMode::SharedHostAddress);
  EXPECT_EQ(m->prefix.str(), "2001:db8:1:2::1/128");
  EXPECT_EQ(m->reason,
            "the host's address 2001:db8:1:2::1: no dedicated address could be used (duplicate address detection)");
}

TEST(ClatMode, NoUsableAddress) {
  const std::vector<UplinkAddress> addrs = {{v6("fe80::1"), 64}, {v6("::1"), 128}, {v6("::ffff:192.0.2.1"), 128}};
  auto m = choose_mode(addrs);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error(), "the uplink has no global IPv6 address");
  EXPECT_FALSE(usable_uplink_address(v6("ff02::1")));
  EXPECT_FALSE(usable_uplink_address(v6("::")));
  EXPECT_TRUE(usable_uplink_address(v6("2001:db8::1")));
  EXPECT_TRUE(usable_uplink_address(v6("fd00::1")));
}
