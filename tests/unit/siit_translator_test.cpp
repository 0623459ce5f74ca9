#include "siit/translator.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "addr/rfc6052.hpp"
#include "common/bytes.hpp"
#include "common/checksum.hpp"

using namespace sixfour;
using namespace sixfour::siit;
using xlat::DropReason;
using xlat::Outcome;

namespace {

Ipv4Addr v4(const char* s) { return Ipv4Addr::parse(s).value(); }
Ipv6Addr v6(const char* s) { return Ipv6Addr::parse(s).value(); }

// Two IPv6 nodes with EAM entries (A = 2001:db8:a::1 <-> 198.51.100.1, B = 2001:db8:b::2 <->
// 192.0.2.2) and the IPv4 Internet under a network-specific pool6.
Settings lab_settings() {
  Settings s;
  s.pool6 = rfc6052::parse_prefix("2001:db8:64::/96").value();
  EXPECT_TRUE(s.eam.add(EamTable::parse("2001:db8:a::/120=198.51.100.0/24").value()).ok());
  EXPECT_TRUE(s.eam.add(EamTable::parse("2001:db8:b::2=192.0.2.2").value()).ok());
  return s;
}

const uint8_t kPayload[4] = {'p', 'i', 'n', 'g'};

// IPv6 + UDP 12345 -> 53 carrying "ping", with a correct UDP checksum (RFC 8200 §8.1).
std::vector<uint8_t> udp6(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t hop_limit = 64) {
  std::vector<uint8_t> p(40 + 8 + 4, 0);
  p[0] = 0x60;         // version 6, traffic class 0, flow label 0
  store16(&p[4], 12);  // payload length: UDP header + 4 bytes
  p[6] = 17;           // next header: UDP
  p[7] = hop_limit;
  std::copy(src.b.begin(), src.b.end(), p.begin() + 8);
  std::copy(dst.b.begin(), dst.b.end(), p.begin() + 24);
  store16(&p[40], 12345);
  store16(&p[42], 53);
  store16(&p[44], 12);
  std::copy(std::begin(kPayload), std::end(kPayload), p.begin() + 48);
  uint32_t sum = checksum::pseudo_header6(src.b.data(), dst.b.data(), 17, 12);
  store16(&p[46], checksum::finish(checksum::partial(std::span(p).subspan(40), sum)));
  return p;
}

// IPv4 + UDP 12345 -> 53 carrying "ping", header and UDP checksums correct (RFC 791, RFC 768).
std::vector<uint8_t> udp4(Ipv4Addr src, Ipv4Addr dst, uint8_t ttl = 64) {
  std::vector<uint8_t> p(20 + 8 + 4, 0);
  p[0] = 0x45;             // version 4, IHL 5
  store16(&p[2], 32);      // total length
  store16(&p[4], 0x1234);  // identification
  store16(&p[6], 0x4000);  // DF
  p[8] = ttl;
  p[9] = 17;
  std::copy(src.b.begin(), src.b.end(), p.begin() + 12);
  std::copy(dst.b.begin(), dst.b.end(), p.begin() + 16);
  store16(&p[10], checksum::finish(checksum::partial(std::span(p).first(20))));
  store16(&p[20], 12345);
  store16(&p[22], 53);
  store16(&p[24], 12);
  std::copy(std::begin(kPayload), std::end(kPayload), p.begin() + 28);
  uint32_t sum = checksum::pseudo_header4(src.b.data(), dst.b.data(), 17, 12);
  store16(&p[26], checksum::finish(checksum::partial(std::span(p).subspan(20), sum)));
  return p;
}

Ipv6Addr src6(std::span<const uint8_t> p) {
  Ipv6Addr a;
  std::copy(p.begin() + 8, p.begin() + 24, a.b.begin());
  return a;
}
Ipv6Addr dst6(std::span<const uint8_t> p) {
  Ipv6Addr a;
  std::copy(p.begin() + 24, p.begin() + 40, a.b.begin());
  return a;
}
Ipv4Addr src4(std::span<const uint8_t> p) { return Ipv4Addr{{p[12], p[13], p[14], p[15]}}; }
Ipv4Addr dst4(std::span<const uint8_t> p) { return Ipv4Addr{{p[16], p[17], p[18], p[19]}}; }

// An IPv6 UDP packet: ports and payload unchanged and the UDP checksum valid for its addresses.
void expect_udp6(std::span<const uint8_t> p) {
  ASSERT_EQ(p.size(), 52u);
  EXPECT_EQ(p[0] >> 4, 6);
  EXPECT_EQ(load16(&p[4]), 12);
  EXPECT_EQ(p[6], 17);
  EXPECT_EQ(load16(&p[40]), 12345);
  EXPECT_EQ(load16(&p[42]), 53);
  EXPECT_EQ(load16(&p[44]), 12);
  EXPECT_TRUE(std::equal(p.begin() + 48, p.end(), std::begin(kPayload)));
  uint32_t sum = checksum::pseudo_header6(&p[8], &p[24], 17, 12);
  EXPECT_EQ(checksum::fold(checksum::partial(p.subspan(40), sum)), 0xffff) << "UDP checksum";
}

struct Harness {
  Settings settings = lab_settings();
  Translator t{settings};
  std::vector<uint8_t> buf = std::vector<uint8_t>(65536 + 4096);
  xlat::Output out;

  Harness() { out.data = buf; }
  explicit Harness(Settings s) : settings(std::move(s)) { out.data = buf; }
  void run(const std::vector<uint8_t>& in) {
    out = xlat::Output{};
    out.data = buf;
    t.translate(in, out);
  }
  size_t drops(DropReason r) const { return t.counters().drops[static_cast<size_t>(r)]; }
};

}  // namespace

TEST(SiitTranslator, SixToFour) {
  Harness h;
  h.run(udp6(v6("2001:db8:a::1"), v6("2001:db8:64::203.0.113.5")));
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  ASSERT_EQ(h.out.count, 1);
  auto p = h.out.packet(0);
  ASSERT_EQ(p.size(), 32u);
  EXPECT_EQ(p[0], 0x45);
  EXPECT_EQ(p[8], 63);  // RFC 7915 §5.1: hop limit decremented
  EXPECT_EQ(p[9], 17);
  EXPECT_EQ(src4(p), v4("198.51.100.1"));
  EXPECT_EQ(dst4(p), v4("203.0.113.5"));
  EXPECT_EQ(h.t.counters().in6, 1u);
  EXPECT_EQ(h.t.counters().out4, 1u);
  EXPECT_EQ(h.t.counters().out6, 0u);
  EXPECT_EQ(h.t.counters().hairpinned, 0u);
}

TEST(SiitTranslator, FourToSix) {
  Harness h;
  h.run(udp4(v4("203.0.113.5"), v4("198.51.100.1")));
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  ASSERT_EQ(h.out.count, 1);
  auto p = h.out.packet(0);
  expect_udp6(p);
  EXPECT_EQ(p[7], 63);
  EXPECT_EQ(src6(p), v6("2001:db8:64::cb00:7105"));
  EXPECT_EQ(dst6(p), v6("2001:db8:a::1"));
  EXPECT_EQ(h.t.counters().in4, 1u);
  EXPECT_EQ(h.t.counters().out6, 1u);
  EXPECT_EQ(h.t.counters().out4, 0u);
}

// RFC 7757 §4: A reaches B by B's EAM IPv4 address under pool6. The translation to IPv4 would be
// routed straight back into the translator; it is turned back into IPv6 at once, A's source going
// through pool6 so that B's answer, addressed there, comes back through the translator as well.
TEST(SiitTranslator, HairpinBetweenTwoEamNodes) {
  Harness h;
  h.run(udp6(v6("2001:db8:a::1"), v6("2001:db8:64::192.0.2.2")));
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  ASSERT_EQ(h.out.count, 1);
  auto p = h.out.packet(0);
  expect_udp6(p);
  EXPECT_EQ(src6(p), v6("2001:db8:64::198.51.100.1"));
  EXPECT_EQ(dst6(p), v6("2001:db8:b::2"));
  EXPECT_EQ(p[7], 62);  // two translations, each a router hop
  EXPECT_EQ(h.t.counters().in6, 1u);
  EXPECT_EQ(h.t.counters().out6, 1u);
  EXPECT_EQ(h.t.counters().out4, 0u);
  EXPECT_EQ(h.t.counters().in4, 0u);
  EXPECT_EQ(h.t.counters().hairpinned, 1u);

  // B's answer to the address it saw comes back to A from the address A used.
  h.run(udp6(v6("2001:db8:b::2"), v6("2001:db8:64::198.51.100.1")));
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  ASSERT_EQ(h.out.count, 1);
  auto r = h.out.packet(0);
  expect_udp6(r);
  EXPECT_EQ(src6(r), v6("2001:db8:64::192.0.2.2"));
  EXPECT_EQ(dst6(r), v6("2001:db8:a::1"));
  EXPECT_EQ(h.t.counters().hairpinned, 2u);
  EXPECT_EQ(h.t.counters().out6, 2u);
}

// RFC 7757 §3.2 and §4 with an entry whose IPv6 suffix (64 bits) is longer than its IPv4 suffix
// (6 bits): two nodes of 2001:db8:dddd::/64 reach each other through pool6. Their IPv4 suffixes sit
// right after the /64; the bits after them are zero in what the translator writes.
TEST(SiitTranslator, HairpinThroughEamWithLongerIpv6Suffix) {
  Settings s = lab_settings();
  ASSERT_TRUE(s.eam.add(EamTable::parse("2001:db8:dddd::/64=192.0.2.128/26").value()).ok());
  Harness h(std::move(s));
  // A = 2001:db8:dddd:0:6000:: (192.0.2.152) to B by B's IPv4 address 192.0.2.183.
  h.run(udp6(v6("2001:db8:dddd:0:6000::"), v6("2001:db8:64::192.0.2.183")));
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  ASSERT_EQ(h.out.count, 1);
  auto p = h.out.packet(0);
  expect_udp6(p);
  EXPECT_EQ(src6(p), v6("2001:db8:64::192.0.2.152"));
  EXPECT_EQ(dst6(p), v6("2001:db8:dddd:0:dc00::"));
  EXPECT_EQ(h.t.counters().hairpinned, 1u);

  // B answers the address it saw; A gets it from the address it used.
  h.run(udp6(v6("2001:db8:dddd:0:dc00::"), v6("2001:db8:64::192.0.2.152")));
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  auto r = h.out.packet(0);
  expect_udp6(r);
  EXPECT_EQ(src6(r), v6("2001:db8:64::192.0.2.183"));
  EXPECT_EQ(dst6(r), v6("2001:db8:dddd:0:6000::"));
  EXPECT_EQ(h.t.counters().hairpinned, 2u);

  // A source with bits set after its IPv4 suffix maps to the same IPv4 address; the answer goes
  // to the address with those bits zero (the entry is many-to-one from IPv6).
  h.run(udp6(v6("2001:db8:dddd:0:6000::1"), v6("2001:db8:64::192.0.2.183")));
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  EXPECT_EQ(src6(h.out.packet(0)), v6("2001:db8:64::192.0.2.152"));

  // To IPv4: the source keeps only its six suffix bits.
  h.run(udp6(v6("2001:db8:dddd:0:dfff:ffff:ffff:ffff"), v6("2001:db8:64::203.0.113.5")));
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  auto q = h.out.packet(0);
  ASSERT_EQ(q[0], 0x45);
  EXPECT_EQ(src4(q), v4("192.0.2.183"));
  EXPECT_EQ(dst4(q), v4("203.0.113.5"));
  EXPECT_EQ(h.t.counters().hairpinned, 3u);
}

// A packet addressed to the IPv6 side of an EAM itself is not hairpinning: it leaves as IPv4 for
// the EAM's IPv4 address. This is how a CLAT (RFC 6877) with 192.0.0.1 mapped to its own IPv6
// address gets the replies to its IPv4 applications.
TEST(SiitTranslator, DestinationOnItsOwnEamIsNotHairpinned) {
  Harness h;
  h.run(udp6(v6("2001:db8:64::203.0.113.5"), v6("2001:db8:a::1")));
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  ASSERT_EQ(h.out.count, 1);
  auto p = h.out.packet(0);
  ASSERT_EQ(p[0], 0x45);
  EXPECT_EQ(src4(p), v4("203.0.113.5"));
  EXPECT_EQ(dst4(p), v4("198.51.100.1"));
  EXPECT_EQ(h.t.counters().hairpinned, 0u);
  EXPECT_EQ(h.t.counters().out4, 1u);
}

// RFC 7757 §4 for ICMP errors: B answers A's hairpinned packet with an ICMPv6 error. Both passes
// must keep the quoted packet consistent with what A sent: A's own address as its source, the
// pool6 address A used for B as its destination; the error itself comes from that pool6 address.
TEST(SiitTranslator, HairpinIcmpErrorQuotesWhatTheSenderSent) {
  Harness h;
  const Ipv6Addr a = v6("2001:db8:a::1"), b = v6("2001:db8:b::2");
  const Ipv6Addr a_seen_by_b = v6("2001:db8:64::198.51.100.1");
  const Ipv6Addr b_seen_by_a = v6("2001:db8:64::192.0.2.2");
  std::vector<uint8_t> quoted = udp6(a_seen_by_b, b, 62);
  std::vector<uint8_t> err(40 + 8, 0);
  err[0] = 0x60;
  store16(&err[4], static_cast<uint16_t>(8 + quoted.size()));
  err[6] = 58;  // ICMPv6
  err[7] = 64;
  std::copy(b.b.begin(), b.b.end(), err.begin() + 8);
  std::copy(a_seen_by_b.b.begin(), a_seen_by_b.b.end(), err.begin() + 24);
  err[40] = 1;  // RFC 4443 §3.1 Destination Unreachable
  err[41] = 4;  // port unreachable
  err.insert(err.end(), quoted.begin(), quoted.end());
  uint32_t sum = checksum::pseudo_header6(&err[8], &err[24], 58, static_cast<uint32_t>(8 + quoted.size()));
  store16(&err[42], checksum::finish(checksum::partial(std::span(err).subspan(40), sum)));

  h.run(err);
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  ASSERT_EQ(h.out.count, 1);
  auto p = h.out.packet(0);
  ASSERT_GE(p.size(), 40u + 8 + 40);
  EXPECT_EQ(p[0] >> 4, 6);
  EXPECT_EQ(p[6], 58);
  EXPECT_EQ(src6(p), b_seen_by_a);
  EXPECT_EQ(dst6(p), a);
  EXPECT_EQ(p[40], 1);
  EXPECT_EQ(p[41], 4);
  auto inner = p.subspan(48);
  EXPECT_EQ(inner[0] >> 4, 6);
  EXPECT_EQ(src6(inner), a);
  EXPECT_EQ(dst6(inner), b_seen_by_a);
  uint32_t sum6 = checksum::pseudo_header6(&p[8], &p[24], 58, static_cast<uint32_t>(p.size() - 40));
  EXPECT_EQ(checksum::fold(checksum::partial(p.subspan(40), sum6)), 0xffff) << "ICMPv6 checksum";
  EXPECT_EQ(h.t.counters().hairpinned, 1u);
}

// The hairpinned IPv4 packet's TTL runs out in the second translation: the ICMPv4 Time Exceeded
// goes to A's EAM IPv4 address, so it is handed out on the IPv4 side (and routes back in).
TEST(SiitTranslator, HairpinTimeExceededGoesOutAsIpv4) {
  Harness h;
  h.run(udp6(v6("2001:db8:a::1"), v6("2001:db8:64::192.0.2.2"), 2));
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  ASSERT_EQ(h.out.count, 1);
  auto p = h.out.packet(0);
  ASSERT_GE(p.size(), 28u);
  EXPECT_EQ(p[0] >> 4, 4);
  EXPECT_EQ(p[9], 1);    // ICMP
  EXPECT_EQ(p[20], 11);  // Time Exceeded
  EXPECT_EQ(dst4(p), v4("198.51.100.1"));
  EXPECT_EQ(h.t.counters().icmp_errors_sent, 1u);
  EXPECT_EQ(h.drops(DropReason::TtlExpired), 1u);
  EXPECT_EQ(h.t.counters().out4, 1u);
  EXPECT_EQ(h.t.counters().hairpinned, 0u);
}

TEST(SiitTranslator, NotHairpinnedWhenDestinationOutsideEam) {
  Harness h;
  h.run(udp6(v6("2001:db8:a::1"), v6("2001:db8:64::192.0.2.3")));
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  EXPECT_EQ(h.out.packet(0)[0] >> 4, 4);
  EXPECT_EQ(h.t.counters().hairpinned, 0u);
}

TEST(SiitTranslator, VersionNibbleOtherThan4Or6IsMalformed) {
  Harness h;
  for (uint8_t first : {0x00, 0x50, 0x70, 0xf0, 0x45 & 0x0f}) {
    auto pkt = udp4(v4("203.0.113.5"), v4("198.51.100.1"));
    pkt[0] = first;
    h.run(pkt);
    EXPECT_EQ(h.out.outcome, Outcome::Drop);
    EXPECT_EQ(h.out.reason, DropReason::Malformed);
    EXPECT_EQ(h.out.count, 0);
  }
  h.run({});
  EXPECT_EQ(h.out.outcome, Outcome::Drop);
  EXPECT_EQ(h.out.reason, DropReason::Malformed);
  EXPECT_EQ(h.drops(DropReason::Malformed), 6u);
  EXPECT_EQ(h.t.counters().in4, 0u);
  EXPECT_EQ(h.t.counters().in6, 0u);
}

TEST(SiitTranslator, DropsCountedByReason) {
  Harness h;
  // The IPv6 source is neither in EAM nor in pool6.
  h.run(udp6(v6("2001:db8:c::1"), v6("2001:db8:64::203.0.113.5")));
  EXPECT_NE(h.out.outcome, Outcome::Forward);
  EXPECT_EQ(h.out.reason, DropReason::SrcUntranslatable);
  EXPECT_EQ(h.drops(DropReason::SrcUntranslatable), 1u);
  EXPECT_EQ(h.t.counters().out4 + h.t.counters().out6, 0u);
  // Hop limit 1: ICMPv6 Time Exceeded back to the sender.
  h.run(udp6(v6("2001:db8:a::1"), v6("2001:db8:64::203.0.113.5"), 1));
  ASSERT_EQ(h.out.outcome, Outcome::Reply);
  EXPECT_EQ(h.out.packet(0)[0] >> 4, 6);
  EXPECT_EQ(h.t.counters().icmp_errors_sent, 2u);  // the first drop was answered too (RFC 7915 §5.4)
  EXPECT_EQ(h.drops(DropReason::TtlExpired), 1u);
  EXPECT_EQ(h.t.counters().in6, 2u);
}

TEST(SiitCounters, PlusEqualsAddsEveryField) {
  Counters a, b;
  a.in4 = 1;
  a.in6 = 2;
  a.out4 = 3;
  a.out6 = 4;
  a.icmp_errors_sent = 5;
  a.hairpinned = 6;
  for (size_t i = 0; i < a.drops.size(); ++i) a.drops[i] = i;
  b.in4 = 10;
  b.in6 = 20;
  b.out4 = 30;
  b.out6 = 40;
  b.icmp_errors_sent = 50;
  b.hairpinned = 60;
  for (size_t i = 0; i < b.drops.size(); ++i) b.drops[i] = 100 * i;
  Counters& r = (a += b);
  EXPECT_EQ(&r, &a);
  EXPECT_EQ(a.in4, 11u);
  EXPECT_EQ(a.in6, 22u);
  EXPECT_EQ(a.out4, 33u);
  EXPECT_EQ(a.out6, 44u);
  EXPECT_EQ(a.icmp_errors_sent, 55u);
  EXPECT_EQ(a.hairpinned, 66u);
  for (size_t i = 0; i < a.drops.size(); ++i) EXPECT_EQ(a.drops[i], 101 * i) << i;
}

namespace {

// IPv6 UDP of `data` bytes from A to B through pool6 (hairpinned); with `fragment`, as the first
// fragment (M=1) of a larger datagram, identification 0x00c0ffee.
std::vector<uint8_t> big_udp6(size_t data, bool fragment) {
  const Ipv6Addr src = v6("2001:db8:a::1"), dst = v6("2001:db8:64::192.0.2.2");
  const size_t fh = fragment ? 8 : 0;
  std::vector<uint8_t> p(40 + fh + 8 + data, 0);
  p[0] = 0x60;
  store16(&p[4], static_cast<uint16_t>(fh + 8 + data));
  p[6] = fragment ? 44 : 17;
  p[7] = 64;
  std::copy(src.b.begin(), src.b.end(), p.begin() + 8);
  std::copy(dst.b.begin(), dst.b.end(), p.begin() + 24);
  if (fragment) {
    p[40] = 17;
    store16(&p[42], 1);  // offset 0, M
    store16(&p[44], 0x00c0);
    store16(&p[46], 0xffee);
  }
  uint8_t* u = &p[40 + fh];
  store16(u, 12345);
  store16(u + 2, 53);
  store16(u + 4, static_cast<uint16_t>(8 + data + (fragment ? 1000 : 0)));
  for (size_t i = 0; i < data; ++i) u[8 + i] = static_cast<uint8_t>(i * 7);
  uint32_t sum = checksum::pseudo_header6(src.b.data(), dst.b.data(), 17, static_cast<uint32_t>(8 + data));
  store16(u + 6, checksum::finish(checksum::partial(std::span<const uint8_t>(u, 8 + data), sum)));
  return p;
}

}  // namespace

// RFC 7915 §4 on the second pass of a hairpinned packet: an IPv6 fragment becomes an IPv4 fragment
// (DF=0, §5.1.1), whose IPv6 translation must fit lowest-ipv6-mtu (1280): a 1496-byte fragment
// leaves as two, each with a Fragment header, contiguous, and the data unchanged.
TEST(SiitTranslator, HairpinnedFragmentIsSplitToLowestIpv6Mtu) {
  Harness h;
  const auto in = big_udp6(1440, true);  // 8 + 1440 = 1448 bytes after the Fragment header
  ASSERT_EQ(in.size(), 1496u);
  h.run(in);
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  ASSERT_EQ(h.out.count, 2);
  EXPECT_EQ(h.t.counters().hairpinned, 1u);
  size_t next = 0;
  for (size_t i = 0; i < 2; ++i) {
    auto f = h.out.packet(i);
    EXPECT_LE(f.size(), 1280u);
    ASSERT_EQ(f[6], 44);
    EXPECT_EQ(dst6(f), v6("2001:db8:b::2"));
    EXPECT_EQ(load16(&f[4]), f.size() - 40);
    EXPECT_EQ(f[40], 17);
    EXPECT_EQ(size_t{load16(&f[42])} & ~size_t{7}, next);
    EXPECT_EQ(load16(&f[42]) & 1, 1) << "the datagram goes on after the original fragment";
    EXPECT_EQ(load16(&f[46]), 0xffee) << "identification: the low 16 bits of the original";
    for (size_t k = std::max<size_t>(next, 8); k < next + f.size() - 48; ++k)
      ASSERT_EQ(f[48 + k - next], in[48 + k]) << k;
    next += f.size() - 48;
  }
  EXPECT_EQ(next, 1448u);
  EXPECT_EQ(h.out.packet(0).size(), 1280u);
}

// An unfragmented IPv6 packet over 1280 bytes crosses the IPv4 pass with DF=1 (§5.1: over 1260
// bytes) and leaves whole: the IPv6 sender did not allow fragmentation, and it fits the TUN.
TEST(SiitTranslator, HairpinnedUnfragmentedPacketIsNotSplit) {
  Harness h;
  const auto in = big_udp6(1352, false);
  ASSERT_EQ(in.size(), 1400u);
  h.run(in);
  ASSERT_EQ(h.out.outcome, Outcome::Forward);
  ASSERT_EQ(h.out.count, 1);
  auto p = h.out.packet(0);
  EXPECT_EQ(p.size(), 1400u);
  EXPECT_EQ(p[6], 17);
  EXPECT_EQ(h.t.counters().hairpinned, 1u);
}
