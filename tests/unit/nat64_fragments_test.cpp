// RFC 6146 §3.4: fragments are reassembled so that non-first fragments find their session; the whole
// datagram is translated (and fragmented again by xlat/ where the MTU needs it).
#include <gtest/gtest.h>

#include "nat64_fixture.hpp"

namespace {

using namespace nat64test;
using pb6::rd16;
using sixfour::xlat::Outcome;

constexpr const char* kHost = "2001:db8:1::5";
constexpr const char* kPeer6 = "64:ff9b::c000:201";
constexpr const char* kPeer4 = "192.0.2.1";

// The IPv6 fragment [off, off+len) of `full`'s upper layer (full = IPv6 header + upper layer).
Bytes frag6(const Bytes& full, size_t off, size_t len, bool more, uint32_t id = 0xabcd0001) {
  Bytes payload = pb6::fragment_header(full[6], static_cast<uint16_t>(off / 8), more, id);
  payload.insert(payload.end(), full.begin() + 40 + static_cast<long>(off),
                 full.begin() + 40 + static_cast<long>(off + len));
  const char* src = kHost;
  return pb6::ipv6({.src = src, .dst = kPeer6}, 44, payload);
}

// The IPv4 fragment [off, off+len) of `full`'s payload (20-byte header).
Bytes frag4(const Bytes& full, size_t off, size_t len, bool more, uint16_t id = 0x4242) {
  Bytes data(full.begin() + 20 + static_cast<long>(off), full.begin() + 20 + static_cast<long>(off + len));
  return v4to6test::ipv4(full[9], {full[12], full[13], full[14], full[15]}, {full[16], full[17], full[18], full[19]},
                         data, {.id = id, .mf = more, .frag_off = static_cast<uint16_t>(off / 8)});
}

TEST(Nat64Fragments, Ipv6UdpInOrder) {
  Nat nat(lab_settings());
  const Bytes full = udp6(kHost, 40000, kPeer6, 53, pb6::pattern(1000));  // 1008-byte UDP datagram
  Got a = nat.run(frag6(full, 0, 512, true));
  EXPECT_EQ(a.outcome, Outcome::Held);
  EXPECT_TRUE(a.pkts.empty());
  EXPECT_EQ(nat.counter("fragments-held"), 1u);
  EXPECT_EQ(nat.counter("held"), 1u);
  EXPECT_EQ(nat.counter("drops.fragmented-icmp"), 0u);
  EXPECT_EQ(nat.counter("fragments.datagrams"), 1u);
  EXPECT_TRUE(nat.state->bib().empty());
  Got b = nat.run(frag6(full, 512, 496, false));
  ASSERT_EQ(b.outcome, Outcome::Forward);
  ASSERT_EQ(b.pkts.size(), 1u);
  const Bytes& p = b.pkt();
  ASSERT_EQ(p.size(), 20u + 1008);
  EXPECT_EQ(rd16(p, 6) & 0x4000, 0);  // DF=0: it was a fragmented IPv6 packet (RFC 7915 §5.1.1)
  EXPECT_EQ(rd16(p, 4), 0x0001);      // low 16 bits of the Identification
  EXPECT_EQ(v4src(p), "198.51.100.1");
  EXPECT_EQ(rd16(p, 22), 53);
  EXPECT_TRUE(pb6::ipv4_header_checksum_ok(p));
  EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(p));
  EXPECT_TRUE(std::equal(full.begin() + 48, full.end(), p.begin() + 28));
  EXPECT_EQ(nat.counter("reassembled"), 1u);
  EXPECT_EQ(nat.counter("fragments.datagrams"), 0u);
  EXPECT_EQ(nat.counter("fragments.bytes"), 0u);
  EXPECT_EQ(nat.state->sessions(nat.now).size(), 1u);
}

TEST(Nat64Fragments, Ipv6UdpOutOfOrderAndTranslatedAgainInPieces) {
  auto s = lab_settings();
  s.xlat.mtu4 = 576;
  Nat nat(s);
  const Bytes full = udp6(kHost, 40000, kPeer6, 53, pb6::pattern(1000));
  EXPECT_EQ(nat.run(frag6(full, 800, 208, false)).outcome, Outcome::Held);
  EXPECT_EQ(nat.run(frag6(full, 400, 400, true)).outcome, Outcome::Held);
  Got r = nat.run(frag6(full, 0, 400, true));
  ASSERT_EQ(r.outcome, Outcome::Forward);
  ASSERT_GE(r.pkts.size(), 2u);  // 1028 bytes over a 576-byte IPv4 MTU
  size_t bytes = 0;
  for (const Bytes& p : r.pkts) {
    EXPECT_LE(p.size(), 576u);
    bytes += p.size() - 20;
  }
  EXPECT_EQ(bytes, 1008u);
  EXPECT_EQ(rd16(r.pkts[0], 22), 53);
  EXPECT_NE(rd16(r.pkts[0], 6) & 0x2000, 0);  // MF on the first piece
}

TEST(Nat64Fragments, OverlapDiscardsTheDatagram) {
  Nat nat(lab_settings());
  const Bytes full = udp6(kHost, 40000, kPeer6, 53, pb6::pattern(1000));
  EXPECT_EQ(nat.run(frag6(full, 0, 512, true)).outcome, Outcome::Held);
  EXPECT_EQ(nat.run(frag6(full, 504, 504, false)).outcome, Outcome::Drop);  // 504 < 512: overlap
  EXPECT_EQ(nat.counter("drops.fragment-overlap"), 1u);
  EXPECT_EQ(nat.counter("fragments.datagrams"), 0u);
  // The rest of the datagram starts a new one, which never completes.
  EXPECT_EQ(nat.run(frag6(full, 512, 496, false)).outcome, Outcome::Held);
  EXPECT_EQ(nat.counter("reassembled"), 0u);
  EXPECT_TRUE(nat.state->bib().empty());
  // An exact duplicate is not an overlap.
  EXPECT_EQ(nat.run(frag6(full, 512, 496, false)).outcome, Outcome::Held);
  EXPECT_EQ(nat.counter("drops.fragment-overlap"), 1u);
  EXPECT_EQ(nat.run(frag6(full, 0, 512, true)).outcome, Outcome::Forward);
}

TEST(Nat64Fragments, TimeoutDiscards) {
  Nat nat(lab_settings());  // fragment_timeout_ms = 2000
  const Bytes full = udp6(kHost, 40000, kPeer6, 53, pb6::pattern(1000));
  nat.run(frag6(full, 0, 512, true));
  nat.state->expire(nat.now + 1999);
  EXPECT_EQ(nat.counter("fragments.datagrams"), 1u);
  nat.state->expire(nat.now + 2000);
  EXPECT_EQ(nat.counter("fragments.datagrams"), 0u);
  EXPECT_EQ(nat.counter("fragments.timed-out"), 1u);
  nat.now += 2000;
  EXPECT_EQ(nat.run(frag6(full, 512, 496, false)).outcome, Outcome::Held);  // alone now
  EXPECT_EQ(nat.counter("reassembled"), 0u);
}

TEST(Nat64Fragments, BudgetIsEnforced) {
  auto s = lab_settings();
  s.fragment_memory = 1024;
  Nat nat(s);
  const Bytes full = udp6(kHost, 40000, kPeer6, 53, pb6::pattern(2000));
  EXPECT_EQ(nat.run(frag6(full, 0, 512, true)).outcome, Outcome::Held);
  EXPECT_EQ(nat.counter("fragments-held"), 1u);
  EXPECT_EQ(nat.run(frag6(full, 512, 512, true)).outcome, Outcome::Drop);  // would exceed 1024
  EXPECT_EQ(nat.counter("drops.fragment-budget"), 1u);
  EXPECT_EQ(nat.counter("fragments.bytes"), 0u);
}

// RFC 8200 §4.5: a datagram not reassembled in time, whose first fragment came, is answered with
// ICMPv6 Time Exceeded, code 1 (fragment reassembly time exceeded), quoting that fragment as
// received; from self6, handed to expire()'s sender. Counted as fragments.time-exceeded-sent.
TEST(Nat64Fragments, TimeoutAnswersTheFirstFragmentWithTimeExceeded) {
  Nat nat(lab_settings());
  const Bytes full = udp6(kHost, 40000, kPeer6, 53, pb6::pattern(1000));
  const Bytes first = frag6(full, 0, 512, true);
  EXPECT_EQ(nat.run(first).outcome, Outcome::Held);
  std::vector<Bytes> sent;
  const auto collect = [&](std::span<const uint8_t> p) { sent.emplace_back(p.begin(), p.end()); };
  nat.state->expire(nat.now + 1999, collect);
  EXPECT_TRUE(sent.empty());
  nat.state->expire(nat.now + 2000, collect);
  ASSERT_EQ(sent.size(), 1u);
  const Bytes& e = sent[0];
  ASSERT_EQ(e.size(), 48 + first.size());
  EXPECT_EQ(pb6::rd32(e, 0), 0x60000000u);
  EXPECT_EQ(rd16(e, 4), 8 + first.size());
  EXPECT_EQ(e[6], 58);
  EXPECT_EQ(e[7], 64);
  EXPECT_EQ(v6at(e, 8), "2001:db8:ff::1");
  EXPECT_EQ(v6at(e, 24), kHost);
  EXPECT_EQ(e[40], 3);  // Time Exceeded
  EXPECT_EQ(e[41], 1);  // fragment reassembly time exceeded
  EXPECT_EQ(pb6::rd32(e, 44), 0u);
  EXPECT_TRUE(pb6::ipv6_icmp_checksum_ok(e));
  EXPECT_TRUE(std::equal(first.begin(), first.end(), e.begin() + 48));
  EXPECT_EQ(nat.counter("fragments.time-exceeded-sent"), 1u);
  EXPECT_EQ(nat.counter("fragments.timed-out"), 1u);
}

// RFC 792: the IPv4 counterpart, from the pool4 address the datagram was sent to (the NAT64 is that
// host), even when the datagram timed out while another fragment was being added.
TEST(Nat64Fragments, Ipv4TimeoutAnsweredFromThePool4Address) {
  Nat nat(lab_settings());
  const Bytes full = udp4(kPeer4, 53, "198.51.100.1", 7000, v4to6test::pattern(600));
  const Bytes first = frag4(full, 0, 304, true);
  EXPECT_EQ(nat.run(first).outcome, Outcome::Held);
  nat.now += 2500;  // the next fragment (another datagram) finds the first one due and drops it
  EXPECT_EQ(nat.run(frag4(full, 0, 304, true, 0x4343)).outcome, Outcome::Held);
  std::vector<Bytes> sent;
  nat.state->expire(nat.now, [&](std::span<const uint8_t> p) { sent.emplace_back(p.begin(), p.end()); });
  ASSERT_EQ(sent.size(), 1u);
  const Bytes& e = sent[0];
  ASSERT_EQ(e.size(), 28 + first.size());
  EXPECT_EQ(v4src(e), "198.51.100.1");
  EXPECT_EQ(v4dst(e), kPeer4);
  EXPECT_EQ(e[8], 64);
  EXPECT_EQ(e[9], 1);
  EXPECT_TRUE(pb6::ipv4_header_checksum_ok(e));
  EXPECT_EQ(e[20], 11);  // Time Exceeded
  EXPECT_EQ(e[21], 1);   // fragment reassembly time exceeded
  EXPECT_EQ(v4to6test::raw_sum({e.data() + 20, e.size() - 20}), 0xffffu);
  EXPECT_TRUE(std::equal(first.begin(), first.end(), e.begin() + 28));
}

// No first fragment, errors off, or a datagram not for the NAT64: dropped silently.
TEST(Nat64Fragments, TimeoutSilentWithoutFirstFragmentOrErrors) {
  const Bytes full = udp6(kHost, 40000, kPeer6, 53, pb6::pattern(1000));
  std::vector<Bytes> sent;
  const auto collect = [&](std::span<const uint8_t> p) { sent.emplace_back(p.begin(), p.end()); };
  {
    Nat nat(lab_settings());
    nat.run(frag6(full, 512, 488, false));  // only the last fragment
    nat.run(frag4(udp4(kPeer4, 53, "198.51.100.9", 7000, v4to6test::pattern(600)), 0, 304, true));  // not pool4
    nat.state->expire(nat.now + 2000, collect);
    EXPECT_EQ(nat.counter("fragments.timed-out"), 2u);
  }
  {
    nat64::Settings s = lab_settings();
    s.xlat.send_icmp_errors = false;
    Nat nat(s);
    nat.run(frag6(full, 0, 512, true));
    nat.state->expire(nat.now + 2000, collect);
    EXPECT_EQ(nat.counter("fragments.timed-out"), 1u);
  }
  EXPECT_TRUE(sent.empty());
}

TEST(Nat64Fragments, Ipv4ReplyFragmentsFindTheSession) {
  Nat nat(lab_settings());
  const uint16_t port4 = rd16(nat.run(udp6(kHost, 40000, kPeer6, 53)).pkt(), 20);
  const Bytes full = udp4(kPeer4, 53, "198.51.100.1", port4, v4to6test::pattern(2000));
  // Last piece first, then the first one: the session is found from the reassembled datagram.
  EXPECT_EQ(nat.run(frag4(full, 1000, 1008, false)).outcome, Outcome::Held);
  Got r = nat.run(frag4(full, 0, 1000, true));
  ASSERT_EQ(r.outcome, Outcome::Forward);
  ASSERT_EQ(r.pkts.size(), 2u);  // 2008 + 40 bytes > 1280: IPv6 fragments (RFC 7915 §4 / §5.1.1)
  const Bytes& f0 = r.pkts[0];
  EXPECT_EQ(f0[6], 44);
  EXPECT_EQ(v6at(f0, 24), kHost);
  EXPECT_EQ(rd16(f0, 48), 53);
  EXPECT_EQ(rd16(f0, 50), 40000);
  EXPECT_LE(f0.size(), 1280u);
}

TEST(Nat64Fragments, FragmentedEchoIsTranslatedWhole) {
  Nat nat(lab_settings());
  Bytes body;
  pb6::put16(body, 0x77);
  pb6::put16(body, 1);
  Bytes data = pb6::pattern(1200);
  body.insert(body.end(), data.begin(), data.end());
  Bytes m{128, 0, 0, 0};
  m.insert(m.end(), body.begin(), body.end());
  Bytes full = pb6::ipv6({.src = kHost, .dst = kPeer6}, 58, m);
  pb6::fill_checksum6(full, 40, 58, 2);
  EXPECT_EQ(nat.run(frag6(full, 0, 800, true)).outcome, Outcome::Held);
  Got r = nat.run(frag6(full, 800, full.size() - 40 - 800, false));
  ASSERT_EQ(r.outcome, Outcome::Forward);
  ASSERT_EQ(r.pkts.size(), 1u);
  EXPECT_EQ(r.pkt()[20], 8);
  EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(r.pkt()));  // the ICMPv4 checksum over the whole message
}

// RFC 7915 §4 for every way a DF=0 IPv4 datagram reaches the NAT64's IPv6 side: each piece it
// leaves as is an IPv6 fragment of at most lowest-ipv6-mtu (1280) bytes with a Fragment header,
// the pieces are contiguous, 8-byte aligned, the last without M, and together they carry the
// datagram byte for byte (the UDP header patched for the session, the data untouched).
void expect_ipv6_fragments_of(const Got& r, const Bytes& full4) {
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const size_t l4 = full4.size() - 20;
  ASSERT_GE(r.pkts.size(), (40 + l4 + 1279) / 1280);
  size_t next = 0;
  for (size_t i = 0; i < r.pkts.size(); ++i) {
    const Bytes& f = r.pkts[i];
    EXPECT_LE(f.size(), 1280u) << "fragment " << i;
    ASSERT_EQ(f[6], 44) << "fragment " << i;
    EXPECT_EQ(rd16(f, 4), f.size() - 40);
    EXPECT_EQ(f[40], 17);
    const uint16_t off_m = rd16(f, 42);
    EXPECT_EQ(static_cast<size_t>(off_m >> 3) * 8, next) << "fragment " << i;
    EXPECT_EQ((off_m & 1) != 0, i + 1 < r.pkts.size()) << "M flag of fragment " << i;
    const size_t len = f.size() - 48;
    if (i + 1 < r.pkts.size()) {
      EXPECT_EQ(len % 8, 0u);
    }
    // The data after the UDP header is carried unchanged.
    for (size_t k = std::max<size_t>(next, 8); k < next + len; ++k)
      ASSERT_EQ(f[48 + k - next], full4[20 + k]) << "byte " << k << " of fragment " << i;
    next += len;
  }
  EXPECT_EQ(next, l4);
}

TEST(Nat64Fragments, UnfragmentedDfClearReplyLeavesAsIpv6Fragments) {
  Nat nat(lab_settings());
  const uint16_t port4 = rd16(nat.run(udp6(kHost, 40000, kPeer6, 53)).pkt(), 20);
  // 1400 bytes of IPv4 with DF=0: 1420 in IPv6, over 1280.
  const Bytes full = udp4(kPeer4, 53, "198.51.100.1", port4, v4to6test::pattern(1372));
  ASSERT_EQ(full[6] & 0x40, 0);
  Got r = nat.run(full);
  ASSERT_EQ(r.pkts.size(), 2u);
  expect_ipv6_fragments_of(r, full);
  EXPECT_EQ(r.pkts[0].size(), 1280u);
  EXPECT_EQ(r.pkts[1].size(), 48u + 1380 - 1232);
  // DF=1: one Fragmentation Needed instead (RFC 7915 §4.1), never fragments.
  const Bytes df =
      v4to6test::ipv4(17, pb6::a4(kPeer4), pb6::a4("198.51.100.1"), Bytes(full.begin() + 20, full.end()), {.df = true});
  EXPECT_EQ(nat.run(df).pkts.size(), 1u);
  EXPECT_EQ(nat.run(df).pkt()[6], 17) << "1420 bytes fit the 1500-byte TUN: no Fragment header";
}

// --lowest-ipv6-mtu 1500: the operator says every IPv6 link takes 1500, so the same 1400-byte DF=0
// reply leaves whole, without a Fragment header (RFC 8021: no atomic fragments).
TEST(Nat64Fragments, LowestIpv6MtuRaisesTheFragmentingThreshold) {
  auto s = lab_settings();
  s.xlat.lowest_ipv6_mtu = 1500;
  Nat nat(s);
  const uint16_t port4 = rd16(nat.run(udp6(kHost, 40000, kPeer6, 53)).pkt(), 20);
  const Bytes full = udp4(kPeer4, 53, "198.51.100.1", port4, v4to6test::pattern(1372));
  Got r = nat.run(full);
  ASSERT_EQ(r.pkts.size(), 1u);
  EXPECT_EQ(r.pkt().size(), 1420u);
  EXPECT_EQ(r.pkt()[6], 17);
}

TEST(Nat64Fragments, ReassembledDatagramLeavesAsIpv6Fragments) {
  Nat nat(lab_settings());
  const uint16_t port4 = rd16(nat.run(udp6(kHost, 40000, kPeer6, 53)).pkt(), 20);
  const Bytes full = udp4(kPeer4, 53, "198.51.100.1", port4, v4to6test::pattern(3000));
  EXPECT_EQ(nat.run(frag4(full, 0, 1480, true)).outcome, Outcome::Held);
  EXPECT_EQ(nat.run(frag4(full, 1480, 1480, true)).outcome, Outcome::Held);
  Got r = nat.run(frag4(full, 2960, full.size() - 20 - 2960, false));
  ASSERT_EQ(r.pkts.size(), 3u);
  expect_ipv6_fragments_of(r, full);
}

}  // namespace
