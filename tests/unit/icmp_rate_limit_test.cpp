// RFC 4443 §2.4 (f) / RFC 1812 §4.3.2.8: the ICMP errors a translator makes itself are rate-limited
// by a token bucket; errors carrying a path MTU never are. The bucket (pure, time passed in), and
// both translators applying it with their counters.
#include "xlat/icmp_rate_limit.hpp"

#include <gtest/gtest.h>

#include "nat64_fixture.hpp"
#include "siit/translator.hpp"

using namespace sixfour;
using nat64test::Bytes;
using xlat::IcmpRateLimit;

namespace {

TEST(IcmpRateLimit, BurstThenRefillAtTheRate) {
  IcmpRateLimit l(10, 3);  // 10 a second = one per 100 ms, 3 at once
  EXPECT_TRUE(l.allow(5000));
  EXPECT_TRUE(l.allow(5000));
  EXPECT_TRUE(l.allow(5000));
  EXPECT_FALSE(l.allow(5000));
  EXPECT_FALSE(l.allow(5099));  // 0.99 of a token
  EXPECT_TRUE(l.allow(5100));
  EXPECT_FALSE(l.allow(5100));
  // A long pause fills the bucket to the burst, not beyond.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(l.allow(60000)) << i;
  EXPECT_FALSE(l.allow(60000));
  // A clock that goes backwards (never, from CLOCK_MONOTONIC) takes nothing and gives nothing.
  EXPECT_FALSE(l.allow(1000));
}

TEST(IcmpRateLimit, UnlimitedAndShares) {
  IcmpRateLimit none;
  EXPECT_TRUE(none.unlimited());
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(none.allow(0));
  EXPECT_TRUE(IcmpRateLimit::share(0, 50, 2).unlimited());
  // Two workers with 1000/s, burst 50 in all: 25 at once each.
  IcmpRateLimit half = IcmpRateLimit::share(1000, 50, 2);
  int n = 0;
  while (half.allow(0)) ++n;
  EXPECT_EQ(n, 25);
  EXPECT_FALSE(half.allow(1));  // 500/s: half a token after 1 ms
  EXPECT_TRUE(half.allow(2));
  // Never below one error and a burst of one per worker.
  IcmpRateLimit tiny = IcmpRateLimit::share(1, 1, 8);
  EXPECT_TRUE(tiny.allow(0));
  EXPECT_FALSE(tiny.allow(999));
  EXPECT_TRUE(tiny.allow(1000));
}

TEST(IcmpRateLimit, PathMtuErrorsAreRecognised) {
  // ICMPv4: 20-byte header, protocol 1, then type/code.
  std::vector<uint8_t> v4(28, 0);
  v4[0] = 0x45, v4[9] = 1, v4[20] = 3, v4[21] = 4;
  EXPECT_TRUE(xlat::carries_path_mtu(v4));  // Fragmentation Needed
  v4[21] = 3;
  EXPECT_FALSE(xlat::carries_path_mtu(v4));  // Port Unreachable
  v4[20] = 11, v4[21] = 0;
  EXPECT_FALSE(xlat::carries_path_mtu(v4));  // Time Exceeded
  v4[20] = 3, v4[21] = 4, v4[9] = 17;
  EXPECT_FALSE(xlat::carries_path_mtu(v4));  // not ICMP
  // ICMPv6: next header 58, type at 40.
  std::vector<uint8_t> v6(48, 0);
  v6[0] = 0x60, v6[6] = 58, v6[40] = 2;
  EXPECT_TRUE(xlat::carries_path_mtu(v6));  // Packet Too Big
  v6[40] = 3;
  EXPECT_FALSE(xlat::carries_path_mtu(v6));  // Time Exceeded
  EXPECT_FALSE(xlat::carries_path_mtu({}));
}

// A flood of expiring packets through siit: two errors (the burst), then drops counted as limited
// and still under their reason; a second later the bucket has one more.
TEST(IcmpRateLimit, SiitHoldsTimeExceededToTheRate) {
  siit::Settings s;
  s.pool6 = rfc6052::parse_prefix("2001:db8:64::/96").value();
  ASSERT_TRUE(s.eam.add(EamTable::parse("2001:db8:a::/120=198.51.100.0/24").value()).ok());
  siit::Translator t(s);
  t.limit_icmp_errors(IcmpRateLimit(1, 2));
  t.set_now(10000);
  Bytes p = pb6::ipv6({.hlim = 1, .src = "2001:db8:a::1", .dst = "2001:db8:64::cb00:7105"}, 17, pb6::udp(1, 2, {1}));
  pb6::fill_checksum6(p, 40, 17, 6);
  std::vector<uint8_t> buf(65536 + 4096);
  auto run = [&] {
    xlat::Output out;
    out.data = buf;
    t.translate(p, out);
    return out;
  };
  EXPECT_EQ(run().outcome, xlat::Outcome::Reply);
  EXPECT_EQ(run().outcome, xlat::Outcome::Reply);
  xlat::Output third = run();
  EXPECT_EQ(third.outcome, xlat::Outcome::Drop);
  EXPECT_EQ(third.reason, xlat::DropReason::TtlExpired);
  EXPECT_EQ(t.counters().icmp_errors_sent, 2u);
  EXPECT_EQ(t.counters().icmp_errors_limited, 1u);
  EXPECT_EQ(t.counters().drops[static_cast<size_t>(xlat::DropReason::TtlExpired)], 3u);
  t.set_now(11000);
  EXPECT_EQ(run().outcome, xlat::Outcome::Reply);
  EXPECT_EQ(run().outcome, xlat::Outcome::Drop);
  EXPECT_EQ(t.counters().icmp_errors_sent, 3u);
  EXPECT_EQ(t.counters().icmp_errors_limited, 2u);
}

// The NAT64 likewise, with its named counters; Packet Too Big is never limited.
TEST(IcmpRateLimit, Nat64LimitsErrorsButNotPacketTooBig) {
  nat64test::Nat nat(nat64test::lab_settings());
  nat.xl->limit_icmp_errors(IcmpRateLimit(1, 1));
  const Bytes expiring = nat64test::udp6("2001:db8:1::5", 4000, "64:ff9b::cb00:7105", 53, {1, 2, 3}, 1);
  EXPECT_EQ(nat.run(expiring).outcome, xlat::Outcome::Reply);
  EXPECT_EQ(nat.run(expiring).outcome, xlat::Outcome::Drop);
  EXPECT_EQ(nat.counter("icmp-errors-sent"), 1u);
  EXPECT_EQ(nat.counter("icmp-errors-limited"), 1u);
  // 1500 bytes of UDP payload: over the 1500-byte IPv4 MTU once translated, DF set by RFC 7915 §5.1
  // for IPv6 packets over 1280: Packet Too Big, every time.
  const Bytes big = nat64test::udp6("2001:db8:1::5", 4000, "64:ff9b::cb00:7105", 53, Bytes(1500, 7));
  for (int i = 0; i < 3; ++i) {
    nat64test::Got g = nat.run(big);
    ASSERT_EQ(g.outcome, xlat::Outcome::Reply) << i;
    EXPECT_EQ(g.pkt()[40], 2) << i;  // ICMPv6 Packet Too Big
  }
  EXPECT_EQ(nat.counter("icmp-errors-sent"), 4u);
  EXPECT_EQ(nat.counter("icmp-errors-limited"), 1u);
}

// ---- per destination -------------------------------------------------------------------------

xlat::ErrorDestination v4dst(uint32_t a) { return {a, false}; }

// The key of an error's receiver: its IPv4 address, or its IPv6 /64 (the interface identifier
// does not matter).
TEST(IcmpDestinationLimit, KeyIsTheIpv4AddressOrTheIpv6Slash64) {
  const Bytes a = pb6::ipv6({.src = "2001:db8::1", .dst = "2001:db8:1:2::5"}, 58, Bytes(8, 0));
  const Bytes b = pb6::ipv6({.src = "2001:db8::1", .dst = "2001:db8:1:2:ffff::9"}, 58, Bytes(8, 0));
  const Bytes c = pb6::ipv6({.src = "2001:db8::1", .dst = "2001:db8:1:3::5"}, 58, Bytes(8, 0));
  ASSERT_TRUE(xlat::error_destination(a));
  EXPECT_EQ(*xlat::error_destination(a), *xlat::error_destination(b));
  EXPECT_NE(*xlat::error_destination(a), *xlat::error_destination(c));
  EXPECT_TRUE(xlat::error_destination(a)->v6);
  Bytes v4(28, 0);
  v4[0] = 0x45;
  v4[16] = 198, v4[17] = 51, v4[18] = 100, v4[19] = 2;
  ASSERT_TRUE(xlat::error_destination(v4));
  EXPECT_EQ(*xlat::error_destination(v4), v4dst(0xc6336402));
  EXPECT_FALSE(xlat::error_destination(Bytes(10, 0x45)));
}

// Token arithmetic per destination: the burst, then one per 1/rate s; another destination has its
// own full bucket all along.
TEST(IcmpDestinationLimit, EachDestinationHasItsOwnBucket) {
  xlat::IcmpDestinationLimit l(10, 3, 42);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(l.allow(v4dst(1), 1000)) << i;
  EXPECT_FALSE(l.allow(v4dst(1), 1000));
  EXPECT_FALSE(l.allow(v4dst(1), 1099));
  EXPECT_TRUE(l.allow(v4dst(1), 1100));  // 100 ms = one token at 10/s
  EXPECT_FALSE(l.allow(v4dst(1), 1100));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(l.allow(v4dst(2), 1100)) << i;
  EXPECT_FALSE(l.allow(v4dst(2), 1100));
  // The same 64 bits as an IPv4 key and an IPv6 /64 are different destinations.
  EXPECT_TRUE(l.allow({1, true}, 1100));
  EXPECT_EQ(l.tracked(), 3u);
  EXPECT_TRUE(xlat::IcmpDestinationLimit().off());
  EXPECT_TRUE(xlat::IcmpDestinationLimit().allow(v4dst(1), 0));
}

// The table never grows past its slots: a million destinations later it holds kSlots, and a
// destination kept busy is not pushed out by the others (least recently used goes first), so its
// bucket stays empty.
TEST(IcmpDestinationLimit, TableIsBoundedAndKeepsTheBusyOnes) {
  xlat::IcmpDestinationLimit l(1, 1, 7);
  const xlat::ErrorDestination busy = v4dst(0xc0000201);
  EXPECT_TRUE(l.allow(busy, 0));
  for (uint32_t i = 0; i < 1000000; ++i) {
    const uint64_t now = 1 + i / 4096;  // a few ms: no bucket refills
    l.allow(v4dst(0x0a000000 + i), now);
    if (i % 2 == 0) {
      EXPECT_FALSE(l.allow(busy, now)) << i;
    }
  }
  EXPECT_EQ(l.tracked(), xlat::IcmpDestinationLimit::kSlots);
}

// Both limits: the per-destination one is spent first, so a flood to one destination leaves the
// global budget to the others; an error allowed per destination may still be over the global rate.
TEST(IcmpDestinationLimit, FloodToOneLeavesTheGlobalBudgetToOthers) {
  xlat::IcmpLimits l(IcmpRateLimit(100, 10), xlat::IcmpDestinationLimit(2, 2, 1));
  auto err = [](const char* dst) {
    Bytes p = pb6::ipv6({.src = "2001:db8::1", .dst = dst}, 58, Bytes(8, 0));
    p[40] = 1;  // Destination Unreachable
    return p;
  };
  const Bytes a = err("2001:db8:a::1"), b = err("2001:db8:b::1");
  int sent_a = 0;
  for (int i = 0; i < 100; ++i) sent_a += xlat::admit_packet(l, 5000, a);
  EXPECT_EQ(sent_a, 2);
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(xlat::admit_packet(l, 5000, b)) << i;
  // Informational messages and Packet Too Big pass untouched.
  Bytes echo = err("2001:db8:a::1");
  echo[40] = 128;
  EXPECT_TRUE(xlat::admit_packet(l, 5000, echo));
  Bytes ptb = err("2001:db8:a::1");
  ptb[40] = 2;
  EXPECT_TRUE(xlat::admit_packet(l, 5000, ptb));
  // The global bucket (10) holds: 4 taken so far, then 8 more destinations get one each at most.
  int sent = 0;
  for (int i = 0; i < 8; ++i) {
    const std::string d = "2001:db8:" + std::to_string(100 + i) + "::1";
    sent += xlat::admit_packet(l, 5000, err(d.c_str()));
  }
  EXPECT_EQ(sent, 6);
}

// The shares of the daemons' settings: per destination off by default, else divided by the
// workers like the global rate, its burst at most the global burst.
TEST(IcmpDestinationLimit, SharesFromTheConfig) {
  xlat::Config x;
  x.icmp_errors_per_second = 1000;
  EXPECT_TRUE(xlat::IcmpLimits::share(x, 2, 0).per_destination.off());
  x.icmp_errors_per_destination = 20;
  xlat::IcmpLimits l = xlat::IcmpLimits::share(x, 2, 0);
  EXPECT_FALSE(l.per_destination.off());
  EXPECT_EQ(l.global.rate(), 500u);
  int sent = 0;
  for (int i = 0; i < 100; ++i) sent += l.per_destination.allow(v4dst(9), 0);
  EXPECT_EQ(sent, 10);  // min(20, 50) / 2 workers
}

// The NAT64 with a per-destination limit: a second IPv6 host still gets its error after the first
// has used up its own.
TEST(IcmpDestinationLimit, Nat64IsolatesDestinations) {
  nat64test::Nat nat(nat64test::lab_settings());
  nat.xl->limit_icmp_errors(xlat::IcmpLimits(IcmpRateLimit(1000, 50), xlat::IcmpDestinationLimit(1, 1, 3)));
  const Bytes one = nat64test::udp6("2001:db8:1::5", 4000, "64:ff9b::cb00:7105", 53, {1, 2, 3}, 1);
  const Bytes two = nat64test::udp6("2001:db8:2::5", 4000, "64:ff9b::cb00:7105", 53, {1, 2, 3}, 1);
  EXPECT_EQ(nat.run(one).outcome, xlat::Outcome::Reply);
  EXPECT_EQ(nat.run(one).outcome, xlat::Outcome::Drop);
  EXPECT_EQ(nat.run(two).outcome, xlat::Outcome::Reply);
  EXPECT_EQ(nat.counter("icmp-errors-limited"), 1u);
}

}  // namespace
