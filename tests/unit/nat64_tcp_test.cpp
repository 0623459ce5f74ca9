// RFC 6146 §3.5.2: the TCP state machine, alone and through the translator.
#include <gtest/gtest.h>

#include <vector>

#include "nat64/tcp_state.hpp"
#include "nat64_fixture.hpp"

namespace {

using namespace nat64test;
using sixfour::nat64::Lifetime;
using sixfour::nat64::tcp_transition;
using sixfour::nat64::TcpSegment;
using sixfour::nat64::TcpState;
using sixfour::xlat::Outcome;

constexpr uint8_t SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04;

TcpSegment v6(uint8_t f) { return {true, (f & SYN) != 0, (f & FIN) != 0, (f & RST) != 0}; }
TcpSegment v4(uint8_t f) { return {false, (f & SYN) != 0, (f & FIN) != 0, (f & RST) != 0}; }

void expect(TcpState from, TcpSegment seg, TcpState to, Lifetime lt) {
  auto t = tcp_transition(from, seg);
  EXPECT_EQ(t.next, to) << name(from) << " -> " << name(t.next);
  EXPECT_EQ(t.lifetime, lt) << name(from);
}

TEST(Nat64TcpState, Closed) {
  expect(TcpState::Closed, v6(SYN), TcpState::V6Init, Lifetime::Transitory);
  expect(TcpState::Closed, v4(SYN), TcpState::V4Init, Lifetime::Transitory);
  expect(TcpState::Closed, v6(ACK), TcpState::Closed, Lifetime::Keep);
}

TEST(Nat64TcpState, V4Init) {
  expect(TcpState::V4Init, v6(SYN | ACK), TcpState::Established, Lifetime::Established);
  expect(TcpState::V4Init, v4(SYN), TcpState::V4Init, Lifetime::Keep);
  expect(TcpState::V4Init, v6(ACK), TcpState::V4Init, Lifetime::Keep);
}

TEST(Nat64TcpState, V6Init) {
  expect(TcpState::V6Init, v4(SYN | ACK), TcpState::Established, Lifetime::Established);
  expect(TcpState::V6Init, v4(SYN), TcpState::Established, Lifetime::Established);  // simultaneous open
  expect(TcpState::V6Init, v6(SYN), TcpState::V6Init, Lifetime::Transitory);
  expect(TcpState::V6Init, v4(RST), TcpState::V6Init, Lifetime::Keep);
}

TEST(Nat64TcpState, Established) {
  expect(TcpState::Established, v4(FIN | ACK), TcpState::V4FinRcv, Lifetime::Keep);  // RFC 6146: no lifetime set
  expect(TcpState::Established, v6(FIN | ACK), TcpState::V6FinRcv, Lifetime::Keep);
  expect(TcpState::Established, v4(RST), TcpState::Trans, Lifetime::Transitory);
  expect(TcpState::Established, v6(RST | ACK), TcpState::Trans, Lifetime::Transitory);
  expect(TcpState::Established, v6(ACK), TcpState::Established, Lifetime::Established);
  expect(TcpState::Established, v4(ACK), TcpState::Established, Lifetime::Established);
}

TEST(Nat64TcpState, FinStates) {
  expect(TcpState::V4FinRcv, v6(FIN | ACK), TcpState::V4V6FinRcv, Lifetime::Transitory);
  expect(TcpState::V4FinRcv, v4(FIN | ACK), TcpState::V4FinRcv, Lifetime::Established);
  expect(TcpState::V4FinRcv, v6(ACK), TcpState::V4FinRcv, Lifetime::Established);
  expect(TcpState::V6FinRcv, v4(FIN | ACK), TcpState::V4V6FinRcv, Lifetime::Transitory);
  expect(TcpState::V6FinRcv, v6(FIN), TcpState::V6FinRcv, Lifetime::Established);
  expect(TcpState::V6FinRcv, v4(ACK), TcpState::V6FinRcv, Lifetime::Established);
  expect(TcpState::V4V6FinRcv, v4(ACK), TcpState::V4V6FinRcv, Lifetime::Keep);
  expect(TcpState::V4V6FinRcv, v6(ACK), TcpState::V4V6FinRcv, Lifetime::Keep);
  expect(TcpState::V4V6FinRcv, v4(FIN | ACK), TcpState::V4V6FinRcv, Lifetime::Keep);
  // sixfour's addition: a SYN reuses the 5-tuple for a new connection, which starts over.
  expect(TcpState::V4V6FinRcv, v6(SYN), TcpState::V6Init, Lifetime::Transitory);
  expect(TcpState::V4V6FinRcv, v4(SYN), TcpState::V4Init, Lifetime::Transitory);
  expect(TcpState::V4V6FinRcv, v6(SYN | RST), TcpState::V4V6FinRcv, Lifetime::Keep);
}

TEST(Nat64TcpState, Trans) {
  expect(TcpState::Trans, v6(ACK), TcpState::Established, Lifetime::Established);
  expect(TcpState::Trans, v4(ACK), TcpState::Established, Lifetime::Established);
  expect(TcpState::Trans, v4(RST), TcpState::Trans, Lifetime::Keep);
}

constexpr const char* kHost = "2001:db8:1::5";
constexpr const char* kPeer6 = "64:ff9b::c000:201";
constexpr const char* kPeer4 = "192.0.2.1";

std::string state_of(Nat& nat) {
  auto ss = nat.state->sessions(nat.now);
  return ss.size() == 1 ? std::string(ss[0].state) : "sessions=" + std::to_string(ss.size());
}
uint64_t expires(Nat& nat) { return nat.state->sessions(nat.now).at(0).expires_in_ms; }

TEST(Nat64Tcp, FullConnectionThroughTheTranslator) {
  Nat nat(lab_settings());
  Got syn = nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN));
  ASSERT_EQ(syn.outcome, Outcome::Forward);
  const uint16_t port4 = pb6::rd16(syn.pkt(), 20);
  EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(syn.pkt()));
  EXPECT_EQ(state_of(nat), "v6-init");
  EXPECT_EQ(expires(nat), 240000u);  // TCP_TRANS

  nat.now += 10;
  Got synack = nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, SYN | ACK));
  ASSERT_EQ(synack.outcome, Outcome::Forward);
  EXPECT_EQ(pb6::rd16(synack.pkt(), 42), 50000);
  EXPECT_EQ(state_of(nat), "established");
  EXPECT_EQ(expires(nat), 7440000u);  // TCP_EST

  EXPECT_EQ(nat.run(tcp6(kHost, 50000, kPeer6, 80, ACK)).outcome, Outcome::Forward);
  EXPECT_EQ(nat.run(tcp6(kHost, 50000, kPeer6, 80, FIN | ACK)).outcome, Outcome::Forward);
  EXPECT_EQ(state_of(nat), "v6-fin-rcv");
  EXPECT_EQ(nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, FIN | ACK)).outcome, Outcome::Forward);
  EXPECT_EQ(state_of(nat), "v4-fin-v6-fin-rcv");
  EXPECT_EQ(expires(nat), 240000u);
  nat.now += 1000;
  EXPECT_EQ(nat.run(tcp6(kHost, 50000, kPeer6, 80, ACK)).outcome, Outcome::Forward);
  EXPECT_EQ(expires(nat), 239000u);  // the last ACK does not extend it
  nat.state->expire(nat.now + 239000);
  EXPECT_EQ(state_of(nat), "sessions=0");
  EXPECT_TRUE(nat.state->bib().empty());
}

TEST(Nat64Tcp, RstMovesToTransAndTrafficRevivesIt) {
  Nat nat(lab_settings());
  const uint16_t port4 = pb6::rd16(nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).pkt(), 20);
  nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, SYN | ACK));
  EXPECT_EQ(nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, RST)).outcome, Outcome::Forward);
  EXPECT_EQ(state_of(nat), "trans");
  EXPECT_EQ(expires(nat), 240000u);
  nat.run(tcp6(kHost, 50000, kPeer6, 80, ACK));
  EXPECT_EQ(state_of(nat), "established");
}

TEST(Nat64Tcp, SimultaneousOpen) {
  Nat nat(lab_settings());
  const uint16_t port4 = pb6::rd16(nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).pkt(), 20);
  // The peer's own SYN (no ACK) crosses the inside host's SYN.
  EXPECT_EQ(nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, SYN)).outcome, Outcome::Forward);
  EXPECT_EQ(state_of(nat), "established");
}

TEST(Nat64Tcp, NonSynWithoutSessionIsDropped) {
  Nat nat(lab_settings());
  EXPECT_EQ(nat.run(tcp6(kHost, 50000, kPeer6, 80, ACK)).outcome, Outcome::Drop);
  EXPECT_EQ(nat.counter("drops.no-session"), 1u);
  EXPECT_TRUE(nat.state->bib().empty());
}

TEST(Nat64Tcp, UnsolicitedIpv4SynIsStoredThenAnsweredWithPortUnreachable) {
  Nat nat(lab_settings());
  const Bytes syn = tcp4(kPeer4, 80, "198.51.100.1", 6000, SYN);
  // RFC 6146 §3.5.2.2: stored, nothing sent, nothing counted as a drop.
  Got held = nat.run(syn);
  EXPECT_EQ(held.outcome, Outcome::Held);
  EXPECT_TRUE(held.pkts.empty());
  EXPECT_EQ(nat.counter("incoming-syn.held"), 1u);
  EXPECT_EQ(nat.counter("held"), 1u);  // the translator's own count of what it kept (not a drop)
  EXPECT_EQ(nat.counter("drops.prohibited"), 0u);
  EXPECT_EQ(nat.counter("incoming-syn.stored"), 1u);
  EXPECT_EQ(nat.counter("drops.tcp-syn-unsolicited"), 0u);
  // A retransmission is the same connection: still one stored, first deadline kept.
  nat.now += 3000;
  nat.run(syn);
  EXPECT_EQ(nat.counter("incoming-syn.stored"), 1u);
  EXPECT_EQ(nat.counter("incoming-syn.held"), 1u);
  // A non-SYN to a port nobody holds is simply dropped.
  EXPECT_EQ(nat.run(tcp4(kPeer4, 80, "198.51.100.1", 6000, ACK)).outcome, Outcome::Drop);
  EXPECT_EQ(nat.counter("drops.no-bib"), 1u);

  std::vector<Bytes> sent;
  auto collect = [&](std::span<const uint8_t> p) { sent.emplace_back(p.begin(), p.end()); };
  nat.state->expire(nat.now + 2999, collect);  // 5.999 s after the first SYN
  EXPECT_TRUE(sent.empty());
  nat.state->expire(nat.now + 3000, collect);  // TCP_INCOMING_SYN = 6 s
  ASSERT_EQ(sent.size(), 1u);
  const Bytes& e = sent[0];
  // ICMPv4 Destination Unreachable, Port Unreachable, from the pool4 address to the SYN's source.
  ASSERT_GE(e.size(), 28u + 20u + 8u);
  EXPECT_EQ(e[9], 1);  // ICMP
  EXPECT_EQ(v4src(e), "198.51.100.1");
  EXPECT_EQ(v4dst(e), kPeer4);
  EXPECT_EQ(e[20], 3);
  EXPECT_EQ(e[21], 3);
  // The quote starts with the SYN's own IPv4 header and ports.
  EXPECT_TRUE(std::equal(syn.begin(), syn.begin() + 24, e.begin() + 28));
  EXPECT_EQ(nat.counter("incoming-syn.answered"), 1u);
  EXPECT_EQ(nat.counter("incoming-syn.stored"), 0u);

  auto s = lab_settings();
  s.drop_external_tcp_syn = true;
  Nat strict(s);
  EXPECT_EQ(strict.run(tcp4(kPeer4, 80, "198.51.100.1", 6000, SYN)).outcome, Outcome::Drop);
  EXPECT_EQ(strict.counter("drops.tcp-syn-dropped"), 1u);
  EXPECT_EQ(strict.counter("incoming-syn.held"), 0u);
}

// Issue 16 item 1: the TUN daemons give back the kernel's decrement (hop_change +1), so the SYN
// quoted in the delayed Port Unreachable carries the TTL it reached the host with, as every other
// error the translator makes itself; its header checksum and the ICMP checksum stay right.
TEST(Nat64Tcp, DelayedPortUnreachableQuotesTheArrivalTtl) {
  auto s = lab_settings();
  s.xlat.hop_change = 1;
  Nat nat(s);
  const Bytes syn = tcp4(kPeer4, 80, "198.51.100.1", 6000, SYN);  // TTL 64 as the kernel passed it on
  ASSERT_EQ(nat.run(syn).outcome, Outcome::Held);
  std::vector<Bytes> sent;
  nat.state->expire(nat.now + 6000, [&](std::span<const uint8_t> p) { sent.emplace_back(p.begin(), p.end()); });
  ASSERT_EQ(sent.size(), 1u);
  const Bytes& e = sent[0];
  ASSERT_GE(e.size(), 28u + 20u);
  EXPECT_EQ(e[28 + 8], syn[8] + 1);               // the quoted TTL: one more than the TUN saw
  auto sum_ok = [](const uint8_t* d, size_t n) {  // RFC 1071 over the whole range, from scratch
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t{d[i]} << 8 | d[i + 1];
    if (n % 2) sum += uint32_t{d[n - 1]} << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
  };
  EXPECT_TRUE(sum_ok(e.data() + 28, 20));             // the quoted IPv4 header's checksum is still right
  EXPECT_TRUE(sum_ok(e.data() + 20, e.size() - 20));  // the ICMP checksum
  EXPECT_TRUE(std::equal(syn.begin() + 9, syn.begin() + 10, e.begin() + 28 + 9));
  EXPECT_TRUE(std::equal(syn.begin() + 12, syn.begin() + 24, e.begin() + 28 + 12));
}

TEST(Nat64Tcp, StoredSynIsDiscardedWhenTheInsideHostOpensTheConnection) {
  auto s = lab_settings();
  s.address_dependent_filtering = true;
  Nat nat(s);
  const uint16_t port4 = pb6::rd16(nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).pkt(), 20);
  // Another peer's SYN to the same BIB entry: refused by address-dependent filtering, stored.
  EXPECT_EQ(nat.run(tcp4("203.0.113.9", 80, "198.51.100.1", port4, SYN)).outcome, Outcome::Held);
  EXPECT_EQ(nat.counter("incoming-syn.stored"), 1u);
  // The inside host opens that very connection (simultaneous open): the stored SYN goes, unanswered.
  EXPECT_EQ(nat.run(tcp6(kHost, 50000, "64:ff9b::cb00:7109", 80, SYN)).outcome, Outcome::Forward);
  EXPECT_EQ(nat.counter("incoming-syn.matched"), 1u);
  EXPECT_EQ(nat.counter("incoming-syn.stored"), 0u);
  size_t sent = 0;
  nat.state->expire(nat.now + 10000, [&](std::span<const uint8_t>) { ++sent; });
  EXPECT_EQ(sent, 0u);
  // The peer's retransmitted SYN now completes the simultaneous open.
  EXPECT_EQ(nat.run(tcp4("203.0.113.9", 80, "198.51.100.1", port4, SYN)).outcome, Outcome::Forward);
}

TEST(Nat64Tcp, IncomingSynStoreIsBounded) {
  Nat nat(lab_settings());
  for (int i = 0; i < 4096; ++i) nat.run(tcp4(kPeer4, static_cast<uint16_t>(1000 + i), "198.51.100.1", 6000, SYN));
  EXPECT_EQ(nat.counter("incoming-syn.stored"), 4096u);
  EXPECT_EQ(nat.run(tcp4(kPeer4, 9999, "198.51.100.1", 6000, SYN)).outcome, Outcome::Drop);
  EXPECT_EQ(nat.counter("incoming-syn.overflow"), 1u);
  EXPECT_EQ(nat.counter("drops.tcp-syn-unsolicited"), 1u);
}

TEST(Nat64Tcp, AddressDependentFilteringTreatsOtherPeersSynAsUnsolicited) {
  auto s = lab_settings();
  s.address_dependent_filtering = true;
  Nat nat(s);
  const uint16_t port4 = pb6::rd16(nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).pkt(), 20);
  EXPECT_EQ(nat.run(tcp4("203.0.113.9", 80, "198.51.100.1", port4, SYN)).outcome, Outcome::Held);
  EXPECT_EQ(nat.counter("incoming-syn.held"), 1u);
  // The known peer address on another port may open a session (address-dependent filtering).
  EXPECT_EQ(nat.run(tcp4(kPeer4, 81, "198.51.100.1", port4, SYN)).outcome, Outcome::Forward);
  EXPECT_EQ(nat.state->sessions(nat.now).size(), 2u);
}

TEST(Nat64Tcp, StaticBibAcceptsIpv4SynIntoV4Init) {
  auto s = lab_settings();
  s.statics.push_back(sixfour::nat64::parse_static("tcp,198.51.100.1#8080,2001:db8:1::80#80").value());
  Nat nat(s);
  Got syn = nat.run(tcp4(kPeer4, 44444, "198.51.100.1", 8080, SYN));
  ASSERT_EQ(syn.outcome, Outcome::Forward);
  EXPECT_EQ(v6at(syn.pkt(), 24), "2001:db8:1::80");
  EXPECT_EQ(pb6::rd16(syn.pkt(), 42), 80);
  EXPECT_EQ(state_of(nat), "v4-init");
  Got synack = nat.run(tcp6("2001:db8:1::80", 80, "64:ff9b::c000:201", 44444, SYN | ACK));
  ASSERT_EQ(synack.outcome, Outcome::Forward);
  EXPECT_EQ(pb6::rd16(synack.pkt(), 20), 8080);
  EXPECT_EQ(state_of(nat), "established");
}

// RFC 6146 §3.5.2.2 ESTABLISHED: a FIN moves to that side's FIN RCV without setting a lifetime;
// in FIN RCV any other packet sets TCP_EST again.
TEST(Nat64Tcp, FinLeavesTheLifetimeAsItWas) {
  Nat nat(lab_settings());
  const uint16_t port4 = pb6::rd16(nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).pkt(), 20);
  nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, SYN | ACK));  // ESTABLISHED, TCP_EST from now
  nat.now += 1000000;
  ASSERT_EQ(nat.run(tcp6(kHost, 50000, kPeer6, 80, FIN | ACK)).outcome, Outcome::Forward);
  EXPECT_EQ(state_of(nat), "v6-fin-rcv");
  EXPECT_EQ(expires(nat), 7440000u - 1000000u);
  ASSERT_EQ(nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, ACK)).outcome, Outcome::Forward);
  EXPECT_EQ(state_of(nat), "v6-fin-rcv");
  EXPECT_EQ(expires(nat), 7440000u);
  // A FIN RCV session whose TCP_EST runs out is removed, without a probe.
  std::vector<Bytes> sent;
  nat.state->expire(nat.now + 7440000, [&](std::span<const uint8_t> p) { sent.emplace_back(p.begin(), p.end()); });
  EXPECT_EQ(state_of(nat), "sessions=0");
  EXPECT_TRUE(sent.empty());
}

// RFC 6146 §3.5.2.2 ESTABLISHED, "if the lifetime expires": a probe (no data, sequence and
// acknowledgment numbers zero, only ACK) goes to an endpoint — here the IPv4 peer, from the pool4
// transport address — and the session moves to TRANS with TCP_TRANS. A live peer's answer brings it
// back to ESTABLISHED; without one it goes after TCP_TRANS.
TEST(Nat64Tcp, EstablishedTimeoutProbesAndMovesToTrans) {
  Nat nat(lab_settings());
  const uint16_t port4 = pb6::rd16(nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).pkt(), 20);
  nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, SYN | ACK));
  ASSERT_EQ(state_of(nat), "established");
  std::vector<Bytes> sent;
  auto collect = [&](std::span<const uint8_t> p) { sent.emplace_back(p.begin(), p.end()); };
  nat.state->expire(nat.now + 7440000 - 1, collect);
  EXPECT_EQ(state_of(nat), "established");
  EXPECT_TRUE(sent.empty());
  nat.now += 7440000;
  nat.state->expire(nat.now, collect);
  EXPECT_EQ(state_of(nat), "trans");
  EXPECT_EQ(expires(nat), 240000u);
  ASSERT_EQ(sent.size(), 1u);
  const Bytes& probe = sent[0];
  Bytes want = {0x45,
                0,
                0,
                40,
                0,
                0,
                0x40,
                0,
                64,
                6,
                0,
                0,
                198,
                51,
                100,
                1,
                192,
                0,
                2,
                1,  // IPv4
                static_cast<uint8_t>(port4 >> 8),
                static_cast<uint8_t>(port4),
                0,
                80,  // ports
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0x50,
                0x10,
                0,
                0,
                0,
                0,
                0,
                0};  // seq, ack 0; ACK; window 0
  ASSERT_EQ(probe.size(), want.size());
  want[10] = probe[10];  // the checksums are checked below, the rest byte by byte
  want[11] = probe[11];
  want[36] = probe[36];
  want[37] = probe[37];
  EXPECT_EQ(probe, want);
  EXPECT_TRUE(pb6::ipv4_header_checksum_ok(probe));
  EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(probe));
  // The peer is alive: its ACK passes and the session is ESTABLISHED again.
  nat.now += 5;
  Got ack = nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, ACK));
  ASSERT_EQ(ack.outcome, Outcome::Forward);
  EXPECT_EQ(pb6::rd16(ack.pkt(), 42), 50000);
  EXPECT_EQ(state_of(nat), "established");
  EXPECT_EQ(expires(nat), 7440000u);
  // This time nobody answers: TRANS, then gone with its BIB entry after TCP_TRANS.
  nat.now += 7440000;
  nat.state->expire(nat.now, collect);
  EXPECT_EQ(sent.size(), 2u);
  EXPECT_EQ(state_of(nat), "trans");
  nat.state->expire(nat.now + 240000 - 1, collect);
  EXPECT_EQ(state_of(nat), "trans");
  nat.state->expire(nat.now + 240000, collect);
  EXPECT_EQ(state_of(nat), "sessions=0");
  EXPECT_TRUE(nat.state->bib().empty());
  EXPECT_EQ(sent.size(), 2u);
}

// RFC 6146 §3.5.2.2 CLOSED, "any other packet": a segment that is not a SYN, for which there is a
// BIB entry but no session, is translated through the BIB entry (if the filtering lets it in) and
// creates nothing; without a BIB entry it is dropped (Nat64Tcp.NonSynWithoutSessionIsDropped).
TEST(Nat64Tcp, NonSynWithABibEntryButNoSessionIsTranslatedStatelessly) {
  auto s = lab_settings();
  s.statics.push_back(sixfour::nat64::parse_static("tcp,198.51.100.1#8080,2001:db8:1::80#80").value());
  Nat nat(s);
  // From the IPv4 side, through the static entry: every field of the result.
  Got in = nat.run(tcp4(kPeer4, 44444, "198.51.100.1", 8080, ACK | RST));
  ASSERT_EQ(in.outcome, Outcome::Forward);
  const Bytes& q = in.pkt();
  ASSERT_EQ(q.size(), 40u + 20);
  EXPECT_EQ(q[6], 6);
  EXPECT_EQ(q[7], 63);
  EXPECT_EQ(v6at(q, 8), kPeer6);
  EXPECT_EQ(v6at(q, 24), "2001:db8:1::80");
  EXPECT_EQ(pb6::rd16(q, 40), 44444);
  EXPECT_EQ(pb6::rd16(q, 42), 80);
  EXPECT_EQ(q[40 + 13], ACK | RST);
  Bytes l4(q.begin() + 40, q.end());
  EXPECT_TRUE(v4to6test::v6_l4_checksum_ok({q.data() + 8, 16}, {q.data() + 24, 16}, 6, l4));
  // From the IPv6 side: the source becomes the entry's pool4 transport address.
  Got out = nat.run(tcp6("2001:db8:1::80", 80, kPeer6, 44444, FIN | ACK));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  const Bytes& p = out.pkt();
  ASSERT_EQ(p.size(), 20u + 20);
  EXPECT_EQ(v4src(p), "198.51.100.1");
  EXPECT_EQ(v4dst(p), kPeer4);
  EXPECT_EQ(pb6::rd16(p, 20), 8080);
  EXPECT_EQ(pb6::rd16(p, 22), 44444);
  EXPECT_EQ(p[20 + 13], FIN | ACK);
  EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(p));
  EXPECT_TRUE(nat.state->sessions(nat.now).empty());  // still CLOSED: nothing was created

  // A dynamic entry serves other peers the same way; address-dependent filtering keeps to peers the
  // inside host has sent to.
  auto adf = lab_settings();
  adf.address_dependent_filtering = true;
  Nat nat2(adf);
  const uint16_t port4 = pb6::rd16(nat2.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).pkt(), 20);
  EXPECT_EQ(nat2.run(tcp6(kHost, 50000, "64:ff9b::cb00:7109", 80, ACK)).outcome, Outcome::Forward);
  EXPECT_EQ(nat2.run(tcp4(kPeer4, 81, "198.51.100.1", port4, ACK)).outcome, Outcome::Forward);  // known address
  EXPECT_EQ(nat2.run(tcp4("203.0.113.77", 80, "198.51.100.1", port4, ACK)).outcome, Outcome::Drop);
  EXPECT_EQ(nat2.counter("drops.no-session"), 1u);
  EXPECT_EQ(nat2.state->sessions(nat2.now).size(), 1u);
}

// RFC 6146 §3.5.2.2 V6 INIT and V4 INIT through the translator: packets other than the opening
// SYN pass and change neither state nor lifetime (a V6 SYN retransmission in V6 INIT sets TCP_TRANS
// again); when TCP_TRANS runs out the session goes (a dynamic BIB entry with it, a static one stays).
TEST(Nat64Tcp, InitStatesPassOtherSegmentsAndExpireAfterTcpTrans) {
  Nat nat(lab_settings());
  const uint16_t port4 = pb6::rd16(nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).pkt(), 20);  // at 1000
  nat.now += 100000;
  EXPECT_EQ(nat.run(tcp6(kHost, 50000, kPeer6, 80, ACK)).outcome, Outcome::Forward);
  EXPECT_EQ(nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, ACK)).outcome, Outcome::Forward);
  EXPECT_EQ(state_of(nat), "v6-init");
  EXPECT_EQ(expires(nat), 140000u);
  EXPECT_EQ(nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).outcome, Outcome::Forward);  // retransmission
  EXPECT_EQ(expires(nat), 240000u);
  nat.state->expire(nat.now + 240000 - 1);
  EXPECT_EQ(state_of(nat), "v6-init");
  nat.state->expire(nat.now + 240000);
  EXPECT_EQ(state_of(nat), "sessions=0");
  EXPECT_TRUE(nat.state->bib().empty());

  auto s = lab_settings();
  s.statics.push_back(sixfour::nat64::parse_static("tcp,198.51.100.1#8080,2001:db8:1::80#80").value());
  Nat st(s);
  ASSERT_EQ(st.run(tcp4(kPeer4, 44444, "198.51.100.1", 8080, SYN)).outcome, Outcome::Forward);  // at 1000
  st.now += 100000;
  EXPECT_EQ(st.run(tcp4(kPeer4, 44444, "198.51.100.1", 8080, SYN)).outcome, Outcome::Forward);  // retransmission
  EXPECT_EQ(st.run(tcp6("2001:db8:1::80", 80, kPeer6, 44444, ACK)).outcome, Outcome::Forward);
  EXPECT_EQ(state_of(st), "v4-init");
  EXPECT_EQ(expires(st), 140000u);
  st.state->expire(1000 + 240000);
  EXPECT_EQ(state_of(st), "sessions=0");
  EXPECT_EQ(st.state->bib().size(), 1u);  // the static entry stays
}

// docs/fast-path.md, "Stateful": the State publishes a session to the fast path only once the
// daemon has translated nat64::kPublishAfter of its packets while it was of a kind the fast path
// serves, so a short flow never writes to its maps; a TCP session leaving ESTABLISHED is withdrawn
// and counted anew when it comes back.
struct CountingSink : sixfour::nat64::SessionSink {
  void publish(const sixfour::nat64::FastSession& s) override { ++published, last = s; }
  void withdraw(const sixfour::nat64::FastSession& s) override { ++withdrawn, last = s; }
  std::optional<uint64_t> idle_ms(const sixfour::nat64::FastSession&) override { return std::nullopt; }
  int published = 0, withdrawn = 0;
  sixfour::nat64::FastSession last;
};

TEST(Nat64FastPathPublishing, ShortFlowsNeverReachTheMaps) {
  Nat nat(lab_settings());
  CountingSink sink;
  nat.state->set_session_sink(&sink);
  // A TCP connection whose server closes at once: SYN, SYN+ACK, ACK, then the FINs.
  const uint16_t port4 = pb6::rd16(nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).pkt(), 20);
  nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, SYN | ACK));
  nat.run(tcp6(kHost, 50000, kPeer6, 80, ACK));
  nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, FIN | ACK));
  nat.run(tcp6(kHost, 50000, kPeer6, 80, FIN | ACK));
  nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, ACK));
  // A DNS query and its answer.
  const uint16_t udp4port = pb6::rd16(nat.run(udp6(kHost, 50001, kPeer6, 53)).pkt(), 20);
  nat.run(udp4(kPeer4, 53, "198.51.100.1", udp4port));
  nat.state->expire(nat.now + 8000 * 1000);
  EXPECT_EQ(nat.state->sessions(nat.now + 8000 * 1000).size(), 0u);
  EXPECT_EQ(sink.published, 0);
  EXPECT_EQ(sink.withdrawn, 0);
}

TEST(Nat64FastPathPublishing, PublishedAtTheFourthPacketAndWithdrawnOnLeavingEstablished) {
  static_assert(sixfour::nat64::kPublishAfter == 4);
  Nat nat(lab_settings());
  CountingSink sink;
  nat.state->set_session_sink(&sink);
  const uint16_t port4 = pb6::rd16(nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).pkt(), 20);
  nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, SYN | ACK));  // 1: ESTABLISHED
  nat.run(tcp6(kHost, 50000, kPeer6, 80, ACK));                 // 2
  nat.run(tcp6(kHost, 50000, kPeer6, 80, ACK));                 // 3
  EXPECT_EQ(sink.published, 0);
  nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, ACK));  // 4
  EXPECT_EQ(sink.published, 1);
  EXPECT_EQ(sink.last.proto, 6);
  EXPECT_EQ(sink.last.port6, 50000);
  EXPECT_EQ(sink.last.port4, port4);
  EXPECT_EQ(sink.last.rport, 80);
  EXPECT_EQ(sink.last.remote4.str(), kPeer4);
  nat.run(tcp6(kHost, 50000, kPeer6, 80, ACK));  // published already: nothing more
  EXPECT_EQ(sink.published, 1);
  nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, RST));  // TRANS
  EXPECT_EQ(sink.withdrawn, 1);
  for (int i = 1; i <= 4; ++i) {  // ESTABLISHED again: counted from the start
    EXPECT_EQ(sink.published, 1) << i;
    nat.run(tcp6(kHost, 50000, kPeer6, 80, ACK));
  }
  EXPECT_EQ(sink.published, 2);
  nat.run(tcp6(kHost, 50000, kPeer6, 80, FIN | ACK));  // V6 FIN RCV
  EXPECT_EQ(sink.withdrawn, 2);
  nat.state->expire(nat.now + 8000 * 1000);  // removal of an unpublished session: nothing
  EXPECT_EQ(sink.withdrawn, 2);

  // UDP and ICMP: the creating packet counts.
  const uint16_t id4 = pb6::rd16(nat.run(echo6(kHost, kPeer6, 7, 1)).pkt(), 24);
  nat.run(echo6(kHost, kPeer6, 7, 2));
  nat.run(echo6(kHost, kPeer6, 7, 3));
  EXPECT_EQ(sink.published, 2);
  nat.run(echo6(kHost, kPeer6, 7, 4));
  EXPECT_EQ(sink.published, 3);
  EXPECT_EQ(sink.last.port4, id4);
  nat.state->expire(nat.now + 8000 * 1000);  // removal of a published session: withdrawn
  EXPECT_EQ(sink.withdrawn, 3);
}

// A fast path that translates SYN, FIN and RST itself and reports them (SessionSink::reports_tcp).
struct ReportingSink : CountingSink {
  bool reports_tcp() const override { return true; }
  bool room_for_early() const override { return room; }
  void drain(const std::function<void(const sixfour::nat64::ReportedSegment&)>& f) override {
    for (const auto& r : queue) f(r);
    queue.clear();
  }
  // The program translated a segment of `last`'s session with these flags.
  void report(bool from_v6, bool syn, bool fin, bool rst) {
    queue.push_back({last.addr6, last.port6, last.remote4, last.rport, {from_v6, syn, fin, rst}});
  }
  bool room = true;
  std::vector<sixfour::nat64::ReportedSegment> queue;
};

TEST(Nat64FastPathPublishing, WithReportsTcpIsPublishedFromItsSynUntilBothFins) {
  Nat nat(lab_settings());
  ReportingSink sink;
  nat.state->set_session_sink(&sink);
  nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN));
  EXPECT_EQ(state_of(nat), "v6-init");
  ASSERT_EQ(sink.published, 1);  // before the SYN leaves: the SYN+ACK finds it
  EXPECT_EQ(sink.last.port6, 50000);
  EXPECT_EQ(sink.last.rport, 80);
  // The rest of the connection goes through the program; the daemon learns of it when it drains.
  sink.report(false, true, false, false);  // SYN+ACK
  EXPECT_EQ(state_of(nat), "v6-init");
  nat.state->apply_reported(nat.now);
  EXPECT_EQ(state_of(nat), "established");
  EXPECT_EQ(expires(nat), 7440000u);       // TCP_EST
  sink.report(false, false, true, false);  // the server's FIN
  nat.state->apply_reported(nat.now);
  EXPECT_EQ(state_of(nat), "v4-fin-rcv");
  EXPECT_EQ(sink.withdrawn, 0);           // half closed: still the program's
  sink.report(true, false, true, false);  // the client's FIN
  nat.now += 1000;
  nat.state->apply_reported(nat.now);
  EXPECT_EQ(state_of(nat), "v4-fin-v6-fin-rcv");
  EXPECT_EQ(expires(nat), 240000u);  // TCP_TRANS from the report
  EXPECT_EQ(sink.withdrawn, 1);      // the last ACK is the daemon's
  EXPECT_EQ(nat.counter("tcp-reported.applied"), 3u);
  // A report whose session has gone is counted and ignored.
  nat.state->expire(nat.now + 300 * 1000);
  EXPECT_EQ(state_of(nat), "sessions=0");
  sink.report(true, false, false, true);
  nat.state->apply_reported(nat.now);
  EXPECT_EQ(nat.counter("tcp-reported.gone"), 1u);
  EXPECT_EQ(sink.published, 1);
  EXPECT_EQ(sink.withdrawn, 1);
}

// A client that went round its ephemeral ports reuses a closed connection's 5-tuple within
// TCP_TRANS: the new connection starts over (V6 INIT, TCP_TRANS; ESTABLISHED, TCP_EST) and, with a
// reporting fast path, is published again from its SYN.
TEST(Nat64FastPathPublishing, AFiveTupleReusedAfterBothFinsStartsOver) {
  Nat nat(lab_settings());
  ReportingSink sink;
  nat.state->set_session_sink(&sink);
  const uint16_t port4 = pb6::rd16(nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).pkt(), 20);
  sink.report(false, true, false, false);
  sink.report(false, false, true, false);
  sink.report(true, false, true, false);
  nat.state->apply_reported(nat.now);
  EXPECT_EQ(state_of(nat), "v4-fin-v6-fin-rcv");
  EXPECT_EQ(sink.withdrawn, 1);
  nat.now += 200 * 1000;
  Got syn = nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN));
  ASSERT_EQ(syn.outcome, Outcome::Forward);
  EXPECT_EQ(pb6::rd16(syn.pkt(), 20), port4);  // the same session
  EXPECT_EQ(state_of(nat), "v6-init");
  EXPECT_EQ(expires(nat), 240000u);
  EXPECT_EQ(sink.published, 2);
  nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, SYN | ACK));
  EXPECT_EQ(state_of(nat), "established");
  EXPECT_EQ(expires(nat), 7440000u);
}

TEST(Nat64FastPathPublishing, WithReportsARstWithdrawsAndExpiryAppliesReportsFirst) {
  Nat nat(lab_settings());
  ReportingSink sink;
  nat.state->set_session_sink(&sink);
  const uint16_t port4 = pb6::rd16(nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).pkt(), 20);
  sink.report(false, true, false, false);
  sink.report(true, false, false, true);  // RST: TRANS, back to the daemon
  nat.state->expire(nat.now);
  EXPECT_EQ(state_of(nat), "trans");
  EXPECT_EQ(sink.withdrawn, 1);
  // A SYN the program did not see (no session published) goes through the daemon as before.
  nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, ACK));  // TRANS -> ESTABLISHED, counted anew
  EXPECT_EQ(state_of(nat), "established");
  EXPECT_EQ(sink.published, 1);
}

TEST(Nat64FastPathPublishing, WithReportsButMapsHalfFullPublishedAfterFourPackets) {
  Nat nat(lab_settings());
  ReportingSink sink;
  sink.room = false;
  nat.state->set_session_sink(&sink);
  const uint16_t port4 = pb6::rd16(nat.run(tcp6(kHost, 50000, kPeer6, 80, SYN)).pkt(), 20);  // 1
  EXPECT_EQ(sink.published, 0);
  nat.run(tcp4(kPeer4, 80, "198.51.100.1", port4, SYN | ACK));  // 2
  nat.run(tcp6(kHost, 50000, kPeer6, 80, ACK));                 // 3
  EXPECT_EQ(sink.published, 0);
  nat.run(tcp6(kHost, 50000, kPeer6, 80, ACK));  // 4
  EXPECT_EQ(sink.published, 1);
}

}  // namespace
