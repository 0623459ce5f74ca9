// The eBPF stateful fast path (nat64_tun in src/bpf/nat64.bpf.c): sessions are established through
// the C++ NAT64 (nat64::State + Translator), published into the program's maps by the same
// io::BpfSessionSink the daemon uses, then packets of both directions run through the program with
// BPF_PROG_TEST_RUN and are compared byte for byte with what the C++ translator makes of them.
// Punts: the packet unchanged, TC_ACT_OK, its reason counted. Skipped unless root and BPF loads.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "bpf_test_run.hpp"
#include "io/fastpath/nat64_bpf.hpp"
#include "io/fastpath/nat64_fast_path.hpp"
#include "io/fastpath/tc_hook.hpp"
#include "nat64.skel.h"
#include "nat64_fixture.hpp"

using namespace nat64test;

namespace {

constexpr const char* kHost = "2001:db8:1::5";
constexpr const char* kPeer6 = "64:ff9b::cb00:7107";  // 203.0.113.7
constexpr const char* kPeer4 = "203.0.113.7";
constexpr const char* kPool4 = "198.51.100.1";

struct SkelDeleter {
  void operator()(nat64_bpf* s) const { nat64_bpf::destroy(s); }
};

using TestRun = bpftest::RunResult;

class BpfNat64 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "BPF_PROG_TEST_RUN needs root";
    libbpf_set_print([](libbpf_print_level, const char*, va_list) { return 0; });
    skel_.reset(nat64_bpf::open());
    ASSERT_TRUE(skel_);
    // One page: room for 102 reports (28 bytes padded to 32, and a header of 8), so a test can fill it.
    bpf_map__set_max_entries(skel_->maps.nat64_reports, 4096);
    if (nat64_bpf::load(skel_.get()) != 0)
      GTEST_SKIP() << "the BPF program does not load here: " << std::strerror(errno);
    settings_ = lab_settings(kPool4);
    settings_.xlat.hop_change = 1;  // the TUN daemons (docs/fast-path.md)
    configure(false);
    sink_ = std::make_unique<io::BpfSessionSink>(bpf_map__fd(skel_->maps.nat64_sessions6),
                                                 bpf_map__fd(skel_->maps.nat64_sessions4));
    nat_ = std::make_unique<Nat>(settings_);
    nat_->state->set_session_sink(sink_.get());
  }

  void configure(bool report_tcp) {
    nat64_config cfg = io::nat64_bpf_config(settings_, 0, 0x5eed1234);
    cfg.report_tcp = report_tcp ? 1 : 0;
    const uint32_t zero = 0;
    ASSERT_EQ(bpf_map__update_elem(skel_->maps.nat64_config, &zero, sizeof zero, &cfg, sizeof cfg, BPF_ANY), 0);
  }

  // As the loader makes it by default: the program reports SYN, FIN and RST through the ring
  // buffer, the sink drains it (a new NAT64: the sink is read at set_session_sink) and publishes
  // with the `nat64_publish` program (without reports, the tests publish with two map updates).
  void use_reports() {
    configure(true);
    sink_ = std::make_unique<io::BpfSessionSink>(
        bpf_map__fd(skel_->maps.nat64_sessions6), bpf_map__fd(skel_->maps.nat64_sessions4),
        bpf_map__fd(skel_->maps.nat64_reports), 1u << 16, bpf_program__fd(skel_->progs.nat64_publish));
    ASSERT_TRUE(sink_->reports_tcp());
    nat_ = std::make_unique<Nat>(settings_);
    nat_->state->set_session_sink(sink_.get());
  }

  std::string tcp_state() {
    const auto ss = nat_->state->sessions(nat_->now);
    return ss.size() == 1 ? std::string(ss[0].state) : "sessions=" + std::to_string(ss.size());
  }

  // `prog` (default nat64_tun) on `ip` in an Ethernet frame; to_host: addressed to the test run's
  // device (skb->pkt_type PACKET_HOST).
  TestRun run(const Bytes& ip, const bpf_program* prog = nullptr, bool to_host = false) {
    const uint16_t ethertype = (ip.at(0) >> 4) == 6 ? 0x86dd : 0x0800;
    return bpftest::test_run(prog ? prog : skel_->progs.nat64_tun, ethertype, ip, to_host);
  }

  std::vector<uint64_t> all_counters() {
    std::vector<uint64_t> v;
    for (uint32_t i = 0; i < NAT64_COUNTERS; ++i) v.push_back(counter(i));
    return v;
  }

  uint64_t counter(uint32_t idx) { return bpftest::per_cpu_sum(skel_->maps.nat64_counters, idx); }

  // The C++ NAT64's one translated packet (this also moves its state, e.g. a SYN).
  Bytes cxx(const Bytes& ip) {
    const Got g = nat_->run(ip);
    EXPECT_EQ(g.outcome, xlat::Outcome::Forward);
    EXPECT_EQ(g.pkts.size(), 1u);
    return g.pkts.empty() ? Bytes{} : g.pkts[0];
  }

  // The program translates `ip` exactly as the C++ NAT64 does (the IPv4 Identification comes from
  // each one's generator: the C++ output takes the program's, its header checksum recomputed; the
  // program's checksums are verified from scratch).
  void expect_identical(const Bytes& ip) {
    const uint64_t hits = counter(SIIT_HIT);
    const TestRun r = run(ip);
    ASSERT_EQ(r.verdict, SIIT_VERDICT_HIT);
    EXPECT_EQ(counter(SIIT_HIT), hits + 1);
    expect_translated(r, ip);
  }

  // With reports: the program translates `ip` (a SYN, FIN or RST) and reports it, the drained report
  // moves the daemon's session to `state`, and the packet is what the C++ NAT64 makes of it.
  void expect_reported(const Bytes& ip, const std::string& state) {
    const uint64_t reported = counter(NAT64_TCP_REPORTED), hits = counter(SIIT_HIT);
    const TestRun r = run(ip);
    ASSERT_EQ(r.verdict, SIIT_VERDICT_HIT);
    EXPECT_EQ(counter(SIIT_HIT), hits + 1);
    EXPECT_EQ(counter(NAT64_TCP_REPORTED), reported + 1);
    nat_->state->apply_reported(nat_->now);
    EXPECT_EQ(tcp_state(), state);
    expect_translated(r, ip);
  }

  // The test run `r` of `ip` made what the C++ NAT64 makes of it (see expect_identical).
  void expect_translated(const TestRun& r, const Bytes& ip) {
    Bytes want = cxx(ip);
    ASSERT_EQ(want.size(), r.out.size());
    if ((ip[0] >> 4) == 6) {
      EXPECT_EQ(r.ethertype, 0x0800);
      EXPECT_TRUE(pb6::ipv4_header_checksum_ok(r.out));
      EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(r.out));
      want[4] = r.out[4];
      want[5] = r.out[5];
      pb6::wr16(want, 10, 0);
      pb6::wr16(want, 10, static_cast<uint16_t>(~pb6::fold(pb6::naive_sum(want.data(), 20))));
    } else {
      EXPECT_EQ(r.ethertype, 0x86dd);
      const std::span<const uint8_t> o(r.out);
      EXPECT_TRUE(v4to6test::v6_l4_checksum_ok(o.subspan(8, 16), o.subspan(24, 16), r.out[6], o.subspan(40)));
    }
    for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(r.out[i], want[i]) << "first difference at byte " << i;
  }

  // The program leaves `ip` untouched, returns TC_ACT_OK and counts `reason`.
  void expect_punt(const Bytes& ip, uint32_t reason) {
    const uint64_t before = counter(reason), hits = counter(SIIT_HIT);
    const TestRun r = run(ip);
    EXPECT_EQ(r.verdict, TC_ACT_OK);
    EXPECT_EQ(r.out, ip);
    EXPECT_EQ(counter(reason), before + 1);
    EXPECT_EQ(counter(SIIT_HIT), hits);
  }

  // Whether the maps hold `s`'s entries (both directions).
  bool in_maps(uint8_t proto, uint16_t port6, uint16_t port4, uint16_t rport) {
    io::Nat64Entries e = io::nat64_bpf_entries(fast(proto, port6, port4, rport));
    const bool six =
        bpf_map__lookup_elem(skel_->maps.nat64_sessions6, &e.key6, sizeof e.key6, &e.val6, sizeof e.val6, 0) == 0;
    const bool four =
        bpf_map__lookup_elem(skel_->maps.nat64_sessions4, &e.key4, sizeof e.key4, &e.val4, sizeof e.val4, 0) == 0;
    EXPECT_EQ(six, four);
    return six && four;
  }

  static nat64::FastSession fast(uint8_t proto, uint16_t port6, uint16_t port4, uint16_t rport) {
    return nat64::FastSession{
        proto, Ipv6Addr::parse(kHost).value(),  port6, Ipv6Addr::parse(kPeer6).value(), Ipv4Addr::parse(kPool4).value(),
        port4, Ipv4Addr::parse(kPeer4).value(), rport};
  }
  // The daemon translates `ip`, a packet of an existing session of a kind the fast path serves,
  // until the session is published: true if that took at most nat64::kPublishAfter packets.
  bool daemon_publishes(const Bytes& ip, uint8_t proto, uint16_t port6, uint16_t port4, uint16_t rport) {
    for (unsigned i = 0; i < nat64::kPublishAfter && !in_maps(proto, port6, port4, rport); ++i) cxx(ip);
    return in_maps(proto, port6, port4, rport);
  }

  // The pool4 port (or identifier) the C++ NAT64 gave an IPv6 packet's session.
  static uint16_t port4_of(const Bytes& v4) { return v4to6test::rd16(v4, v4.at(9) == 1 ? 24 : 20); }

  std::unique_ptr<nat64_bpf, SkelDeleter> skel_;
  nat64::Settings settings_;
  std::unique_ptr<io::BpfSessionSink> sink_;
  std::unique_ptr<Nat> nat_;
};

Bytes tcp6_data(uint16_t sport, uint16_t dport, uint8_t flags, size_t len) {
  Bytes l4 = pb6::tcp(sport, dport, pb6::pattern(len, 0x11));
  l4[13] = flags;
  Bytes p = pb6::ipv6({.src = kHost, .dst = kPeer6}, 6, l4);
  pb6::fill_checksum6(p, 40, 6, 16);
  return p;
}

Bytes tcp4_data(uint16_t sport, uint16_t dport, uint8_t flags, size_t len, bool df = true) {
  Bytes t = v4to6test::tcp(a4(kPeer4), a4(kPool4), sport, dport, v4to6test::pattern(len, 3));
  t[13] = flags;
  t[16] = t[17] = 0;
  v4to6test::wr16(t, 16,
                  v4to6test::cksum(t, v4to6test::pseudo4(a4(kPeer4), a4(kPool4), 6, static_cast<uint16_t>(t.size()))));
  return v4to6test::ipv4(6, a4(kPeer4), a4(kPool4), t, {.tos = 0x28, .df = df});
}

TEST_F(BpfNat64, UdpBothDirectionsIdenticalToTheTranslator) {
  const Bytes first = udp6(kHost, 40000, kPeer6, 53, pb6::pattern(20));
  const uint16_t port4 = port4_of(cxx(first));  // creates the session
  ASSERT_TRUE(daemon_publishes(first, 17, 40000, port4, 53));
  expect_identical(udp6(kHost, 40000, kPeer6, 53, pb6::pattern(33, 0x40)));
  expect_identical(udp6(kHost, 40000, kPeer6, 53, pb6::pattern(1400, 0x41)));  // DF=1 once translated
  expect_identical(udp6(kHost, 40000, kPeer6, 53, pb6::pattern(20), 2));       // Hop Limit 2
  expect_identical(udp4(kPeer4, 53, kPool4, port4, v4to6test::pattern(48, 9)));
  expect_identical(udp4(kPeer4, 53, kPool4, port4, v4to6test::pattern(20, 9), 2));  // TTL 2
}

TEST_F(BpfNat64, IcmpEchoBothDirectionsIdenticalToTheTranslator) {
  const uint16_t id4 = port4_of(cxx(echo6(kHost, kPeer6, 0x4d2, 1)));
  ASSERT_TRUE(daemon_publishes(echo6(kHost, kPeer6, 0x4d2, 1), 58, 0x4d2, id4, 0));
  expect_identical(echo6(kHost, kPeer6, 0x4d2, 2));
  expect_identical(echo4(kPeer4, kPool4, id4, 2, true));
  expect_identical(echo4(kPeer4, kPool4, id4, 3, false));  // a request from the peer, same identifier
  expect_identical(echo6(kHost, kPeer6, 0x4d2, 3, true));
}

TEST_F(BpfNat64, TcpOnlyOnceEstablishedAndWithoutSynFinRst) {
  const uint16_t port4 = port4_of(cxx(tcp6(kHost, 40001, kPeer6, 443, 0x02)));  // SYN: V6 INIT
  EXPECT_FALSE(in_maps(6, 40001, port4, 443));
  expect_punt(tcp6_data(40001, 443, 0x10, 0), NAT64_PUNT_NO_SESSION);
  cxx(tcp4(kPeer4, 443, kPool4, port4, 0x12));  // SYN+ACK: ESTABLISHED
  EXPECT_FALSE(in_maps(6, 40001, port4, 443));
  ASSERT_TRUE(daemon_publishes(tcp6_data(40001, 443, 0x10, 0), 6, 40001, port4, 443));
  expect_identical(tcp6_data(40001, 443, 0x10, 0));
  expect_identical(tcp6_data(40001, 443, 0x18, 1000));
  expect_identical(tcp4_data(443, port4, 0x18, 1400));
  expect_identical(tcp4_data(443, port4, 0x10, 300, false));
  expect_punt(tcp6(kHost, 40001, kPeer6, 443, 0x02), NAT64_PUNT_TCP_FLAGS);
  expect_punt(tcp6_data(40001, 443, 0x14, 0), NAT64_PUNT_TCP_FLAGS);  // RST
  expect_punt(tcp4_data(443, port4, 0x11, 0), NAT64_PUNT_TCP_FLAGS);  // FIN
  cxx(tcp6_data(40001, 443, 0x11, 0));                                // the daemon sees a FIN: V6 FIN RCV
  EXPECT_FALSE(in_maps(6, 40001, port4, 443));
  expect_punt(tcp4_data(443, port4, 0x10, 0), NAT64_PUNT_NO_SESSION);
}

// As the daemon runs it: a connection is published at its SYN, and the program translates the rest
// of it, SYN+ACK and FINs included, each flagged segment reported to the daemon's state machine.
TEST_F(BpfNat64, WithReportsTcpIsTranslatedFromTheSynAckOn) {
  use_reports();
  const uint16_t port4 = port4_of(cxx(tcp6(kHost, 40003, kPeer6, 443, 0x02)));  // SYN: V6 INIT
  EXPECT_TRUE(in_maps(6, 40003, port4, 443));
  expect_reported(tcp4(kPeer4, 443, kPool4, port4, 0x12), "established");  // SYN+ACK
  expect_identical(tcp6_data(40003, 443, 0x10, 0));
  expect_identical(tcp6_data(40003, 443, 0x18, 200));
  expect_reported(tcp4_data(443, port4, 0x11, 0), "v4-fin-rcv");  // the server's FIN
  EXPECT_TRUE(in_maps(6, 40003, port4, 443));
  expect_reported(tcp6_data(40003, 443, 0x11, 0), "v4-fin-v6-fin-rcv");  // the client's
  EXPECT_FALSE(in_maps(6, 40003, port4, 443));                           // withdrawn
  expect_punt(tcp4_data(443, port4, 0x10, 0), NAT64_PUNT_NO_SESSION);    // the last ACK
  EXPECT_EQ(nat_->counter("tcp-reported.applied"), 3u);
  // A RST: TRANS, withdrawn, back to the daemon.
  const uint16_t p2 = port4_of(cxx(tcp6(kHost, 40004, kPeer6, 443, 0x02)));
  expect_reported(tcp4(kPeer4, 443, kPool4, p2, 0x12), "sessions=2");
  expect_reported(tcp6_data(40004, 443, 0x14, 0), "sessions=2");
  EXPECT_FALSE(in_maps(6, 40004, p2, 443));
  // Without report_tcp in the configuration, the same packets go to the daemon.
  const uint16_t p3 = port4_of(cxx(tcp6(kHost, 40005, kPeer6, 443, 0x02)));
  configure(false);
  expect_punt(tcp4(kPeer4, 443, kPool4, p3, 0x12), NAT64_PUNT_TCP_FLAGS);
}

// While the sink drains the reports, its withdrawals wait for the drain's end and are then made
// together (a key that is not there skipped, the next still deleted); a publish made meanwhile
// makes them first, so a 5-tuple withdrawn and at once published again stays in the maps.
TEST_F(BpfNat64, WithdrawalsWhileDrainingAreMadeAtItsEndOrBeforeTheNextPublish) {
  use_reports();
  uint16_t p4[3];
  for (uint16_t i = 0; i < 3; ++i) {
    p4[i] = port4_of(cxx(tcp6(kHost, static_cast<uint16_t>(40020 + i), kPeer6, 443, 0x02)));
    ASSERT_TRUE(in_maps(6, static_cast<uint16_t>(40020 + i), p4[i], 443));
  }
  // A report to drain: a SYN+ACK of a published session.
  const auto one_report = [&](uint16_t port4) {
    ASSERT_EQ(run(tcp4(kPeer4, 443, kPool4, port4, 0x12)).verdict, SIIT_VERDICT_HIT);
  };
  one_report(p4[0]);
  int calls = 0;
  sink_->drain([&](const nat64::ReportedSegment&) {
    ++calls;
    sink_->withdraw(fast(6, 40020, p4[0], 443));
    sink_->withdraw(fast(6, 40029, 9, 443));  // never published
    sink_->withdraw(fast(6, 40021, p4[1], 443));
    EXPECT_TRUE(in_maps(6, 40020, p4[0], 443));  // not yet
    EXPECT_TRUE(in_maps(6, 40021, p4[1], 443));
  });
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(in_maps(6, 40020, p4[0], 443));
  EXPECT_FALSE(in_maps(6, 40021, p4[1], 443));
  EXPECT_TRUE(in_maps(6, 40022, p4[2], 443));
  one_report(p4[2]);
  sink_->drain([&](const nat64::ReportedSegment&) {
    ++calls;
    sink_->withdraw(fast(6, 40022, p4[2], 443));
    sink_->publish(fast(6, 40022, p4[2], 443));  // the same 5-tuple, a new connection's SYN
    EXPECT_TRUE(in_maps(6, 40022, p4[2], 443));
  });
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(in_maps(6, 40022, p4[2], 443));
  // Outside a drain, a withdrawal is made at once.
  sink_->withdraw(fast(6, 40022, p4[2], 443));
  EXPECT_FALSE(in_maps(6, 40022, p4[2], 443));
}

// A full ring buffer: the flagged segment goes to the daemon unchanged (nothing is lost), the rest of
// the flow stays in the program; drained, there is room again.
TEST_F(BpfNat64, WithReportsAFullRingBufferPuntsTheFlaggedSegments) {
  use_reports();
  const uint16_t port4 = port4_of(cxx(tcp6(kHost, 40006, kPeer6, 443, 0x02)));
  const Bytes syn_again = tcp6(kHost, 40006, kPeer6, 443, 0x02);  // retransmitted SYNs
  const uint64_t reported = counter(NAT64_TCP_REPORTED);
  for (int i = 0; i < 102; ++i) ASSERT_EQ(run(syn_again).verdict, SIIT_VERDICT_HIT) << i;
  EXPECT_EQ(counter(NAT64_TCP_REPORTED), reported + 102);
  expect_punt(syn_again, NAT64_PUNT_REPORTS_FULL);
  expect_identical(tcp6_data(40006, 443, 0x10, 0));
  nat_->state->apply_reported(nat_->now);
  EXPECT_EQ(nat_->counter("tcp-reported.applied"), 102u);
  EXPECT_EQ(tcp_state(), "v6-init");
  expect_reported(tcp4(kPeer4, 443, kPool4, port4, 0x12), "established");
}

TEST_F(BpfNat64, RstAndProbeWithdrawUntilEstablishedAgain) {
  const uint16_t port4 = port4_of(cxx(tcp6(kHost, 40002, kPeer6, 80, 0x02)));
  cxx(tcp4(kPeer4, 80, kPool4, port4, 0x12));
  ASSERT_TRUE(daemon_publishes(tcp6_data(40002, 80, 0x10, 10), 6, 40002, port4, 80));
  cxx(tcp4_data(80, port4, 0x04, 0));  // RST: TRANS
  EXPECT_FALSE(in_maps(6, 40002, port4, 80));
  cxx(tcp6_data(40002, 80, 0x10, 10));  // traffic again: ESTABLISHED, counted anew
  EXPECT_FALSE(in_maps(6, 40002, port4, 80));
  EXPECT_TRUE(daemon_publishes(tcp6_data(40002, 80, 0x10, 10), 6, 40002, port4, 80));
  // TCP_EST runs out with no fast-path traffic: probed, TRANS, withdrawn; TCP_TRANS later: gone.
  nat_->now += 7441 * 1000;
  nat_->state->expire(nat_->now);
  EXPECT_FALSE(in_maps(6, 40002, port4, 80));
  EXPECT_EQ(nat_->counter("sessions.tcp"), 1u);
}

TEST_F(BpfNat64, ExpiryKeepsSessionsTheFastPathServes) {
  const uint16_t served = port4_of(cxx(udp6(kHost, 40010, kPeer6, 53)));
  const uint16_t idle = port4_of(cxx(udp6(kHost, 40011, kPeer6, 53)));
  ASSERT_TRUE(daemon_publishes(udp6(kHost, 40010, kPeer6, 53), 17, 40010, served, 53));
  ASSERT_TRUE(daemon_publishes(udp6(kHost, 40011, kPeer6, 53), 17, 40011, idle, 53));
  expect_identical(udp6(kHost, 40010, kPeer6, 53));  // the fast path's traffic: last seen now
  nat_->now += 301 * 1000;
  nat_->state->expire(nat_->now);
  EXPECT_EQ(nat_->counter("sessions.udp"), 1u);
  EXPECT_TRUE(in_maps(17, 40010, served, 53));
  EXPECT_FALSE(in_maps(17, 40011, idle, 53));  // expired: out of the maps before its port is reused
  expect_punt(udp4(kPeer4, 53, kPool4, idle), NAT64_PUNT_NO_SESSION);
}

TEST_F(BpfNat64, Punts) {
  const uint16_t port4 = port4_of(cxx(udp6(kHost, 40020, kPeer6, 53)));
  ASSERT_TRUE(daemon_publishes(udp6(kHost, 40020, kPeer6, 53), 17, 40020, port4, 53));
  expect_punt(udp6(kHost, 40021, kPeer6, 53), NAT64_PUNT_NO_SESSION);   // another source port
  expect_punt(udp4(kPeer4, 54, kPool4, port4), NAT64_PUNT_NO_SESSION);  // another peer port
  expect_punt(udp6(kHost, 40020, kPeer6, 53, {1, 2, 3}, 1), SIIT_PUNT_HOP_LIMIT);
  expect_punt(udp4(kPeer4, 53, kPool4, port4, {4, 5, 6}, 1), SIIT_PUNT_HOP_LIMIT);
  expect_punt(udp6(kHost, 40020, kPeer6, 53, pb6::pattern(1500)), SIIT_PUNT_TOO_BIG);
  // Hairpinning (RFC 6146 §3.8): the C++ NAT64 makes sessions for it, none is published.
  for (unsigned i = 0; i < nat64::kPublishAfter; ++i) {
    const Got hp = nat_->run(udp6(kHost, 40030, "64:ff9b::c633:6401", port4));
    EXPECT_EQ(hp.outcome, xlat::Outcome::Forward);
  }
  expect_punt(udp6(kHost, 40030, "64:ff9b::c633:6401", port4), NAT64_PUNT_NO_SESSION);
  // A fragment of the session's flow.
  Bytes frag = pb6::ipv6({.src = kHost, .dst = kPeer6}, 44, [] {
    Bytes b = pb6::fragment_header(17, 0, true, 7);
    pb6::put(b, pb6::udp(40020, 53, pb6::pattern(16)));
    return b;
  }());
  expect_punt(frag, SIIT_PUNT_FRAGMENT);
  expect_punt(v4to6test::ipv4(17, a4(kPeer4), a4(kPool4),
                              v4to6test::udp(a4(kPeer4), a4(kPool4), 53, port4, Bytes{1, 2}), {.mf = true}),
              SIIT_PUNT_FRAGMENT);
  expect_punt(
      v4to6test::ipv4(17, a4(kPeer4), a4(kPool4), v4to6test::udp(a4(kPeer4), a4(kPool4), 53, port4, Bytes{1, 2}, true)),
      SIIT_PUNT_UDP_ZERO_CSUM);
  // An ICMP error about the session's flow.
  expect_punt(v4to6test::ipv4(1, a4(kPeer4), a4(kPool4), v4to6test::icmp4(3, 3, 0, pb6::pattern(28))),
              SIIT_PUNT_ICMP_ERROR);
}

TEST_F(BpfNat64, AnyPrefixLength) {
  // The maps hold the exact addresses: a /64 prefix (RFC 6052 §2.2, the u-octet skipped) works as
  // a /96 does.
  nat64::Settings s = lab_settings(kPool4);
  s.xlat.hop_change = 1;
  s.prefix = rfc6052::parse_prefix("2001:db8:64::/64").value();
  settings_ = s;
  configure(false);  // the program's configuration holds the prefix
  nat_ = std::make_unique<Nat>(s);
  nat_->state->set_session_sink(sink_.get());
  const std::string peer6 = rfc6052::embed(s.prefix, Ipv4Addr::parse(kPeer4).value()).str();
  const uint16_t port4 = port4_of(cxx(udp6(kHost, 40050, peer6.c_str(), 53)));
  for (unsigned i = 1; i < nat64::kPublishAfter; ++i) cxx(udp6(kHost, 40050, peer6.c_str(), 53));
  expect_identical(udp6(kHost, 40050, peer6.c_str(), 53, pb6::pattern(100)));
  expect_identical(udp4(kPeer4, 53, kPool4, port4, v4to6test::pattern(100, 1)));
}

TEST_F(BpfNat64, OnlyDestinationsInThePrefixAreLookedUp) {
  // An entry whose IPv6 peer lies outside the NAT64 prefix (which no daemon makes) is never used:
  // a packet to anywhere but the prefix is passed on before the session map is looked at.
  const uint16_t port4 = port4_of(cxx(udp6(kHost, 40060, kPeer6, 53)));
  ASSERT_TRUE(daemon_publishes(udp6(kHost, 40060, kPeer6, 53), 17, 40060, port4, 53));
  io::Nat64Entries e = io::nat64_bpf_entries(fast(17, 40060, port4, 53));
  const char* outside = "2001:db8:99::cb00:7107";  // the same IPv4 peer behind another prefix
  std::memcpy(e.key6.dst, Ipv6Addr::parse(outside).value().b.data(), 16);
  ASSERT_EQ(bpf_map__update_elem(skel_->maps.nat64_sessions6, &e.key6, sizeof e.key6, &e.val6, sizeof e.val6, BPF_ANY),
            0);
  expect_punt(udp6(kHost, 40060, outside, 53), NAT64_PUNT_NO_SESSION);
  expect_identical(udp6(kHost, 40060, kPeer6, 53));
  // A prefix of 40 bits compares 5 bytes: the sixth may be anything, the fifth may not.
  settings_.prefix = rfc6052::parse_prefix("2001:db8:6400::/40").value();
  configure(false);
  std::memcpy(e.key6.dst, Ipv6Addr::parse("2001:db8:64ff::").value().b.data(), 16);
  ASSERT_EQ(bpf_map__update_elem(skel_->maps.nat64_sessions6, &e.key6, sizeof e.key6, &e.val6, sizeof e.val6, BPF_ANY),
            0);
  EXPECT_EQ(run(udp6(kHost, 40060, "2001:db8:64ff::", 53)).verdict, SIIT_VERDICT_HIT);
  expect_punt(udp6(kHost, 40060, "2001:db8:65ff::", 53), NAT64_PUNT_NO_SESSION);
}

TEST_F(BpfNat64, OnlyDestinationsInPool4sRangeAreLookedUp) {
  // The same for IPv4: an entry for an address outside the range pool4 spans is never used.
  const uint16_t port4 = port4_of(cxx(udp6(kHost, 40070, kPeer6, 53)));
  ASSERT_TRUE(daemon_publishes(udp6(kHost, 40070, kPeer6, 53), 17, 40070, port4, 53));
  io::Nat64Entries e = io::nat64_bpf_entries(fast(17, 40070, port4, 53));
  const auto plant = [&](const char* dst) {
    std::memcpy(e.key4.dst, a4(dst).data(), 4);
    ASSERT_EQ(
        bpf_map__update_elem(skel_->maps.nat64_sessions4, &e.key4, sizeof e.key4, &e.val4, sizeof e.val4, BPF_ANY), 0);
  };
  const auto reply_to = [&](const char* dst) { return run(udp4(kPeer4, 53, dst, port4)).verdict; };
  plant("198.51.100.2");  // pool4 is 198.51.100.1 alone
  expect_punt(udp4(kPeer4, 53, "198.51.100.2", port4), NAT64_PUNT_NO_SESSION);
  expect_identical(udp4(kPeer4, 53, kPool4, port4));
  // Two entries, 198.51.100.1 and 198.51.100.8/30: the range .1 to .11, both ends inside.
  settings_.pool4.push_back(nat64::parse_pool4("198.51.100.8/30").value());
  configure(false);
  plant("198.51.100.11");
  EXPECT_EQ(reply_to("198.51.100.11"), SIIT_VERDICT_HIT);
  plant("198.51.100.12");
  expect_punt(udp4(kPeer4, 53, "198.51.100.12", port4), NAT64_PUNT_NO_SESSION);
  plant("198.51.100.0");
  expect_punt(udp4(kPeer4, 53, "198.51.100.0", port4), NAT64_PUNT_NO_SESSION);
}

TEST_F(BpfNat64, NothingWithoutConfiguration) {
  const uint32_t zero = 0;
  const nat64_config off{};
  ASSERT_EQ(bpf_map__update_elem(skel_->maps.nat64_config, &zero, sizeof zero, &off, sizeof off, BPF_ANY), 0);
  for (unsigned i = 0; i < nat64::kPublishAfter; ++i) cxx(udp6(kHost, 40040, kPeer6, 53));
  expect_punt(udp6(kHost, 40040, kPeer6, 53), SIIT_PUNT_NO_CONFIG);
}

uint32_t map_id(const bpf_map* m) {
  bpf_map_info info{};
  uint32_t len = sizeof info;
  return bpf_obj_get_info_by_fd(bpf_map__fd(m), &info, &len) == 0 ? info.id : 0;
}

// The uplink instance (l2_len 14, at_ingress 1, as the loader makes it) loads with every map of the
// TUN's. What it cannot send out an uplink goes on unchanged as TC_ACT_UNSPEC, counted nowhere
// (the TUN program counts it): a frame not for the host, a packet without a session, and here,
// where the test run has no route (no ingress device), even a published session's packet.
TEST_F(BpfNat64, UplinkInstanceSharesTheMapsAndPassesWhatItCannotRoute) {
  std::unique_ptr<nat64_bpf, SkelDeleter> up;
  const Status st = io::UplinkHooks::load_instance(up, *skel_);
  ASSERT_TRUE(st) << st.error();
  for (const char* name : {"nat64_config", "nat64_counters", "nat64_ident", "nat64_sessions6", "nat64_sessions4",
                           "nat64_uplinks", "nat64_reports"}) {
    const uint32_t mine = map_id(bpf_object__find_map_by_name(up->obj, name));
    EXPECT_NE(mine, 0u) << name;
    EXPECT_EQ(mine, map_id(bpf_object__find_map_by_name(skel_->obj, name))) << name;
  }
  const Bytes established = udp6(kHost, 40070, kPeer6, 53);
  for (unsigned i = 0; i < nat64::kPublishAfter; ++i) cxx(established);  // the session, published
  const Bytes none = udp6(kHost, 40071, kPeer6, 53);
  const std::vector<uint64_t> before = all_counters();
  for (const Bytes& ip : {established, none})
    for (bool to_host : {false, true}) {
      const TestRun r = run(ip, up->progs.nat64_uplink, to_host);
      EXPECT_EQ(r.verdict, TC_ACT_UNSPEC);
      EXPECT_EQ(r.out, ip);
    }
  EXPECT_EQ(all_counters(), before);
  expect_identical(established);  // the TUN program serves it
}

}  // namespace

namespace {

TEST(BpfNat64Names, OneNamePerCounter) {
  EXPECT_EQ(io::nat64_fast_path_counter_names().size(), size_t{NAT64_COUNTERS});
  EXPECT_EQ(io::nat64_fast_path_counter_names()[SIIT_HIT], "hit");
  EXPECT_EQ(io::nat64_fast_path_counter_names()[SIIT_HIT_UPLINK], "hit_uplink");
  EXPECT_EQ(io::nat64_fast_path_counter_names()[SIIT_ROUTE_CACHED], "route_cached");
  EXPECT_EQ(io::nat64_fast_path_counter_names()[SIIT_PUNT_HAIRPIN], "hairpin");
  EXPECT_EQ(io::nat64_fast_path_counter_names()[NAT64_PUNT_NO_SESSION], "no_session");
  EXPECT_EQ(io::nat64_fast_path_counter_names()[NAT64_PUNT_TCP_FLAGS], "tcp_flags");
  EXPECT_EQ(io::nat64_fast_path_counter_names()[NAT64_TCP_REPORTED], "tcp_reported");
  EXPECT_EQ(io::nat64_fast_path_counter_names()[NAT64_PUNT_REPORTS_FULL], "reports_full");
}

}  // namespace
