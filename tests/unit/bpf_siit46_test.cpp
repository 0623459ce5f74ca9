// The eBPF stateless fast path, IPv4 -> IPv6 (siit_4to6 in src/bpf/siit.bpf.c), run with
// BPF_PROG_TEST_RUN, each output compared byte for byte with siit::Translator's (same pool6,
// hop_change +1) and its checksums verified from scratch. Built only with SIXFOUR_BPF; skipped
// unless root and BPF loads.
#include "bpf_siit_fixture.hpp"
#include "packet_builder.hpp"

using namespace v4to6test;

namespace {

const A4 kSrc4{198, 51, 100, 5};
const A4 kDst4{203, 0, 113, 7};

class BpfSiit46 : public bpftest::SiitFixture {
 protected:
  bpftest::RunResult run(const Bytes& ip4) { return SiitFixture::run(skel_->progs.siit_4to6, 0x0800, ip4); }

  // The program translates `ip4` exactly as the C++ translator does (IPv6 has no Identification:
  // the whole packet is compared).
  void expect_identical(const Bytes& ip4) {
    const uint64_t hits = counter(SIIT_HIT);
    const bpftest::RunResult r = run(ip4);
    ASSERT_EQ(r.verdict, SIIT_VERDICT_HIT);
    EXPECT_EQ(counter(SIIT_HIT), hits + 1);
    EXPECT_EQ(r.ethertype, 0x86dd);
    ASSERT_GE(r.out.size(), 48u);
    const std::span<const uint8_t> o(r.out);
    EXPECT_TRUE(v6_l4_checksum_ok(o.subspan(8, 16), o.subspan(24, 16), r.out[6], o.subspan(40)));
    const Bytes want = cxx(ip4);
    ASSERT_EQ(want.size(), r.out.size());
    for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(r.out[i], want[i]) << "first difference at byte " << i;
  }

  // The program leaves `ip4` untouched, returns TC_ACT_OK and counts `reason`.
  void expect_punt(const Bytes& ip4, uint32_t reason) {
    SiitFixture::expect_punt(skel_->progs.siit_4to6, 0x0800, ip4, reason);
  }
};

Bytes udp4(size_t data_len, const V4Opts& o = {}, const A4& dst = kDst4) {
  return ipv4(17, kSrc4, dst, udp(kSrc4, dst, 40000, 53, pattern(data_len)), o);
}

// TCP with `opts` (a multiple of 4 bytes) after the fixed header, `flags`, and `data_len` bytes.
Bytes tcp4(const Bytes& opts, uint8_t flags, size_t data_len) {
  Bytes seg = tcp(kSrc4, kDst4, 40001, 443, {});
  seg[12] = static_cast<uint8_t>((5 + opts.size() / 4) << 4);
  seg[13] = flags;
  append(seg, opts);
  append(seg, pattern(data_len, 0x11));
  wr16(seg, 16, 0);
  wr16(seg, 16, cksum(seg, pseudo4(kSrc4, kDst4, 6, static_cast<uint16_t>(seg.size()))));
  return ipv4(6, kSrc4, kDst4, seg, {.df = true});
}

Bytes echo4(uint8_t type) { return ipv4(1, kSrc4, kDst4, icmp4(type, 0, 0x4d2 << 16 | 7, pattern(56, 0x61))); }

TEST_F(BpfSiit46, UdpSmall) { expect_identical(udp4(20)); }
TEST_F(BpfSiit46, Udp1400WithDf) { expect_identical(udp4(1400 - 28, {.df = true})); }  // 1420 bytes once translated
TEST_F(BpfSiit46, TcpSynWithOptionsAndData) {
  expect_identical(tcp4({2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1}, 0x02, 300));  // MSS, WS, SACK-permitted
}
TEST_F(BpfSiit46, IcmpEchoRequest) {
  const Bytes p = echo4(8);
  expect_identical(p);
  EXPECT_EQ(run(p).out.at(40), 128);
}
TEST_F(BpfSiit46, IcmpEchoReply) {
  const Bytes p = echo4(0);
  expect_identical(p);
  EXPECT_EQ(run(p).out.at(40), 129);
}
TEST_F(BpfSiit46, TosCopied) {
  const Bytes p = udp4(100, {.tos = 0xb8});
  expect_identical(p);
  const Bytes out = run(p).out;
  EXPECT_EQ(out.at(0), 0x6b);  // Traffic Class 0xb8, Flow Label 0
  EXPECT_EQ(out.at(1), 0x80);
}
TEST_F(BpfSiit46, TrafficClassReset) {
  settings_.xlat.reset_traffic_class = true;
  configure(true);
  const Bytes p = udp4(100, {.tos = 0xb8});
  expect_identical(p);
  EXPECT_EQ(run(p).out.at(0), 0x60);
}
TEST_F(BpfSiit46, LowTtlGainsOne) {
  const Bytes p = udp4(10, {.ttl = 2});
  expect_identical(p);
  EXPECT_EQ(run(p).out.at(7), 3);
}

TEST_F(BpfSiit46, PuntsOptions) { expect_punt(udp4(16, {.options = {1, 1, 1, 0}}), SIIT_PUNT_IP4_OPTIONS); }
TEST_F(BpfSiit46, PuntsFragments) {
  expect_punt(udp4(16, {.mf = true}), SIIT_PUNT_FRAGMENT);
  expect_punt(ipv4(17, kSrc4, kDst4, pattern(24), {.frag_off = 3}), SIIT_PUNT_FRAGMENT);
}
TEST_F(BpfSiit46, PuntsTtlOne) { expect_punt(udp4(10, {.ttl = 1}), SIIT_PUNT_HOP_LIMIT); }
TEST_F(BpfSiit46, PuntsUdpZeroChecksum) {
  expect_punt(ipv4(17, kSrc4, kDst4, udp(kSrc4, kDst4, 40000, 53, pattern(16), true)), SIIT_PUNT_UDP_ZERO_CSUM);
}
TEST_F(BpfSiit46, PuntsIcmpErrorAndOthers) {
  expect_punt(ipv4(1, kSrc4, kDst4, icmp4(3, 3, 0, udp4(16, {}, kSrc4))), SIIT_PUNT_ICMP_ERROR);
  expect_punt(ipv4(1, kSrc4, kDst4, icmp4(13, 0, 0, pattern(12))), SIIT_PUNT_ICMP_OTHER);  // Timestamp
}
TEST_F(BpfSiit46, PuntsBroadcastAndMulticast) {
  expect_punt(udp4(16, {}, {255, 255, 255, 255}), SIIT_PUNT_MULTICAST);
  expect_punt(udp4(16, {}, {224, 0, 0, 251}), SIIT_PUNT_MULTICAST);
}
// DF=0 over lowest_ipv6_mtu (1280) once translated: the slow path fragments it (RFC 7915 §4).
TEST_F(BpfSiit46, PuntsUnfragmentableOver1280) { expect_punt(udp4(1261 - 28), SIIT_PUNT_TOO_BIG); }
TEST_F(BpfSiit46, FitsLowestMtuExactly) { expect_identical(udp4(1260 - 28)); }  // 1280 bytes once translated
// DF=1 over mtu6 (1500): the slow path answers Fragmentation Needed.
TEST_F(BpfSiit46, PuntsTooBigWithDf) { expect_punt(udp4(1481 - 28, {.df = true}), SIIT_PUNT_TOO_BIG); }
TEST_F(BpfSiit46, PuntsOtherProtocol) { expect_punt(ipv4(132, kSrc4, kDst4, pattern(32)), SIIT_PUNT_PROTOCOL); }
TEST_F(BpfSiit46, PuntsBadHeaderChecksum) {
  Bytes p = udp4(16);
  p[10] ^= 0x40;
  expect_punt(p, SIIT_PUNT_MALFORMED);
}
TEST_F(BpfSiit46, PuntsIpv6) {
  Bytes p = udp4(16);
  p[0] = 0x65;
  expect_punt(p, SIIT_PUNT_NOT_IPV4);
}
TEST_F(BpfSiit46, PuntsEverythingUnconfigured) {
  configure(false);
  expect_punt(udp4(20), SIIT_PUNT_NO_CONFIG);
}
// 64:ff9b::/96 with RFC 6052 §3.1's check: TEST-NET addresses are not global (the daemon refuses
// them), 192.0.0.9 and .10 are.
TEST_F(BpfSiit46, WellKnownPrefixTranslatesOnlyGlobalAddresses) {
  settings_.pool6 = sixfour::rfc6052::kWellKnownPrefix;
  configure(true);
  expect_punt(udp4(20), SIIT_PUNT_WKP);
  const A4 a{192, 0, 0, 9}, b{192, 0, 0, 10};
  expect_identical(ipv4(17, a, b, udp(a, b, 40000, 53, pattern(20))));
}

// RFC 7757 EAM before pool6 (siit/mapper.cpp), also with IPv6 suffixes longer than the IPv4 ones.
TEST_F(BpfSiit46, EamMapsAddresses) {
  for (const char* e :
       {"2001:db8:6::/120=192.0.2.0/24", "2001:db8:7::/112=198.51.100.0/24", "2001:db8:8::/60=203.0.113.0/24"})
    ASSERT_TRUE(settings_.eam.add(sixfour::EamTable::parse(e).value()));
  configure(true);
  const A4 c{192, 0, 2, 2}, s7{198, 51, 100, 171}, s8{203, 0, 113, 123};
  for (const A4& dst : {c, s7, s8}) expect_identical(ipv4(17, kSrc4, dst, udp(kSrc4, dst, 40000, 53, pattern(20))));
  const Bytes out = run(ipv4(17, c, s8, udp(c, s8, 1, 2, pattern(4)))).out;
  const Bytes want_src{0x20, 0x01, 0x0d, 0xb8, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  const Bytes want_dst{0x20, 0x01, 0x0d, 0xb8, 0, 8, 0, 7, 0xb0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(Bytes(out.begin() + 8, out.begin() + 24), want_src);
  EXPECT_EQ(Bytes(out.begin() + 24, out.begin() + 40), want_dst);
  settings_.pool6.reset();  // EAM alone: an address no entry covers is the slow path's
  configure(true);
  expect_punt(udp4(20, {}, A4{192, 88, 99, 1}), SIIT_PUNT_OUTSIDE_POOL6);
}

}  // namespace
