// The eBPF stateless fast path, IPv6 -> IPv4 (siit_6to4 in src/bpf/siit.bpf.c), run with
// BPF_PROG_TEST_RUN on the packet kinds the xlat tests build, each output compared byte for byte with
// the C++ translator's (siit::Translator with the same pool6 and hop_change). Built only with
// SIXFOUR_BPF; skipped unless root and BPF loads. The other direction: bpf_siit46_test.cpp.
#include "bpf_siit_fixture.hpp"
#include "packet_builder6.hpp"

using namespace pb6;
using namespace sixfour;

namespace {

constexpr const char* kSrc = "2001:db8:64::c633:6405";  // 198.51.100.5
constexpr const char* kDst = "2001:db8:64::cb00:7107";  // 203.0.113.7

class BpfSiit : public bpftest::SiitFixture {
 protected:
  bpftest::RunResult run(const Bytes& ip6) { return SiitFixture::run(skel_->progs.siit_6to4, 0x86dd, ip6); }

  // The program translates `ip6` exactly as the C++ translator does. The Identification comes from
  // each one's own generator, so the C++ output takes the program's before comparing (with its
  // header checksum recomputed; the program's own checksums are verified from scratch).
  void expect_identical(const Bytes& ip6) {
    const uint64_t hits = counter(SIIT_HIT);
    const bpftest::RunResult r = run(ip6);
    ASSERT_EQ(r.verdict, SIIT_VERDICT_HIT);
    EXPECT_EQ(counter(SIIT_HIT), hits + 1);
    EXPECT_EQ(r.ethertype, 0x0800);
    ASSERT_GE(r.out.size(), 20u);
    EXPECT_TRUE(ipv4_header_checksum_ok(r.out));
    EXPECT_TRUE(ipv4_l4_checksum_ok(r.out));
    Bytes want = cxx(ip6);
    ASSERT_EQ(want.size(), r.out.size());
    want[4] = r.out[4];
    want[5] = r.out[5];
    wr16(want, 10, 0);
    wr16(want, 10, static_cast<uint16_t>(~fold(naive_sum(want.data(), 20))));
    for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(r.out[i], want[i]) << "first difference at byte " << i;
    EXPECT_EQ(r.out, want);
  }

  // The program leaves `ip6` untouched, returns TC_ACT_OK and counts `reason`.
  void expect_punt(const Bytes& ip6, uint32_t reason) {
    SiitFixture::expect_punt(skel_->progs.siit_6to4, 0x86dd, ip6, reason);
  }
};

Ip6 hdr(uint8_t hlim = 64, uint8_t tc = 0) {
  Ip6 h;
  h.src = kSrc;
  h.dst = kDst;
  h.hlim = hlim;
  h.tc = tc;
  return h;
}

Bytes udp6(size_t data_len, const Ip6& h = hdr()) {
  Bytes p = ipv6(h, 17, udp(40000, 53, pattern(data_len)));
  fill_checksum6(p, 40, 17, 6);
  return p;
}

// TCP with `opts` (a multiple of 4 bytes) after the fixed header, `flags`, and `data_len` bytes.
Bytes tcp6(const Bytes& opts, uint8_t flags, size_t data_len) {
  Bytes seg = tcp(40001, 443, {});
  seg[12] = static_cast<uint8_t>((5 + opts.size() / 4) << 4);
  seg[13] = flags;
  put(seg, opts);
  put(seg, pattern(data_len, 0x11));
  Bytes p = ipv6(hdr(), 6, seg);
  fill_checksum6(p, 40, 6, 16);
  return p;
}

Bytes echo6(uint8_t type) {
  Bytes p = ipv6(hdr(), 58, icmp6(type, 0, 0x4d2 << 16 | 7, pattern(56, 0x61)));
  fill_checksum6(p, 40, 58, 2);
  return p;
}

TEST_F(BpfSiit, UdpSmall) { expect_identical(udp6(20)); }
TEST_F(BpfSiit, Udp1400WithDf) {
  const Bytes p = udp6(1400 - 48);
  expect_identical(p);
  EXPECT_EQ(run(p).out.at(6) & 0x40, 0x40);  // 1380 bytes once translated: DF=1 (RFC 7915 §5.1)
}
TEST_F(BpfSiit, TcpSynWithOptions) {
  expect_identical(tcp6({2, 4, 0x05, 0xa0, 1, 3, 3, 7, 4, 2, 1, 1}, 0x02, 0));  // MSS, WS, SACK-permitted
}
TEST_F(BpfSiit, TcpDataWithTimestamps) { expect_identical(tcp6({1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}, 0x18, 700)); }
TEST_F(BpfSiit, IcmpEchoRequest) { expect_identical(echo6(128)); }
TEST_F(BpfSiit, IcmpEchoReply) { expect_identical(echo6(129)); }
TEST_F(BpfSiit, TrafficClassCopied) {
  const Bytes p = udp6(100, hdr(64, 0xb8));
  expect_identical(p);
  EXPECT_EQ(run(p).out.at(1), 0xb8);
}
TEST_F(BpfSiit, LowHopLimitGainsOne) { expect_identical(udp6(10, hdr(2))); }

TEST_F(BpfSiit, PuntsFragment) {
  Bytes seg = udp(40000, 53, pattern(16));
  Bytes ext = fragment_header(17, 0, true, 0x1234);
  put(ext, seg);
  expect_punt(ipv6(hdr(), 44, ext), SIIT_PUNT_FRAGMENT);
}
TEST_F(BpfSiit, PuntsHopByHop) {
  Bytes ext = opts_header(17);
  put(ext, udp(40000, 53, pattern(16)));
  Bytes p = ipv6(hdr(), 0, ext);
  fill_checksum6(p, 48, 17, 6);
  expect_punt(p, SIIT_PUNT_EXT_HEADER);
}
TEST_F(BpfSiit, PuntsHopLimitOne) { expect_punt(udp6(10, hdr(1)), SIIT_PUNT_HOP_LIMIT); }
TEST_F(BpfSiit, PuntsUdpZeroChecksum) {
  expect_punt(ipv6(hdr(), 17, udp(40000, 53, pattern(16))), SIIT_PUNT_UDP_ZERO_CSUM);
}
TEST_F(BpfSiit, PuntsIcmpError) {
  Bytes p = ipv6(hdr(), 58, icmp6(1, 3, 0, udp6(16, hdr())));
  fill_checksum6(p, 40, 58, 2);
  expect_punt(p, SIIT_PUNT_ICMP_ERROR);
}
TEST_F(BpfSiit, PuntsAddressOutsidePool6) {
  Ip6 h = hdr();
  h.src = "2001:db8:1::5";
  expect_punt(udp6(16, h), SIIT_PUNT_OUTSIDE_POOL6);
  h = hdr();
  h.dst = "2001:db8:65::cb00:7107";
  expect_punt(udp6(16, h), SIIT_PUNT_OUTSIDE_POOL6);
}
TEST_F(BpfSiit, PuntsTooBig) { expect_punt(udp6(1600), SIIT_PUNT_TOO_BIG); }
TEST_F(BpfSiit, PuntsOtherProtocol) { expect_punt(ipv6(hdr(), 132, pattern(32)), SIIT_PUNT_PROTOCOL); }
TEST_F(BpfSiit, PuntsEverythingUnconfigured) {
  configure(false);
  expect_punt(udp6(20), SIIT_PUNT_NO_CONFIG);
}
// 64:ff9b::/96 with RFC 6052 §3.1's check (siit_global4): TEST-NET addresses are not global, the
// daemon refuses them; 192.0.0.9 and .10 are the registry's global exceptions inside 192.0.0.0/24.
TEST_F(BpfSiit, WellKnownPrefixTranslatesOnlyGlobalAddresses) {
  settings_.pool6 = sixfour::rfc6052::kWellKnownPrefix;
  configure(true);
  Ip6 h = hdr();
  h.src = "64:ff9b::c633:6405";
  h.dst = "64:ff9b::cb00:7107";
  expect_punt(udp6(20, h), SIIT_PUNT_WKP);
  h.src = "64:ff9b::c000:9";
  h.dst = "64:ff9b::c000:a";
  expect_identical(udp6(20, h));
  settings_.allow_non_global_wkp = true;
  configure(true);
  h.src = "64:ff9b::c633:6405";
  h.dst = "64:ff9b::cb00:7107";
  expect_identical(udp6(20, h));
}

// RFC 7757 EAM (siit_eam6 / siit_eam4), looked up before pool6 as siit/mapper.cpp does.
class BpfSiitEam : public BpfSiit {
 protected:
  void SetUp() override {
    BpfSiit::SetUp();
    if (IsSkipped()) return;
    for (const char* e : {"2001:db8:6::/120=192.0.2.0/24", "2001:db8:7::/112=198.51.100.0/24",
                          "2001:db8:8::/60=203.0.113.0/24", "2001:db8:9::5=192.0.2.77"})
      ASSERT_TRUE(settings_.eam.add(sixfour::EamTable::parse(e).value()));
    configure(true);
  }
  Bytes from_to(const char* src, const char* dst) {
    Ip6 h = hdr();
    h.src = src;
    h.dst = dst;
    return udp6(30, h);
  }
  std::string v4_dst(const Bytes& p) {
    const Bytes out = run(p).out;
    return std::to_string(out.at(16)) + "." + std::to_string(out.at(17)) + "." + std::to_string(out.at(18)) + "." +
           std::to_string(out.at(19));
  }
};

// 192.88.99.1: under pool6, no EAM covers it (kDst's 203.0.113.7 would hairpin here).
constexpr const char* kPool6Only = "2001:db8:64::c058:6301";
TEST_F(BpfSiitEam, SourceByEamDestinationByPool6) { expect_identical(from_to("2001:db8:6::2", kPool6Only)); }
TEST_F(BpfSiitEam, BothByEam) { expect_identical(from_to("2001:db8:6::2", "2001:db8:9::5")); }
// IPv6 suffixes longer than the IPv4 ones: the IPv4 suffix is the first bits after the prefix,
// within the low 64 bits (/112) and across the 64-bit boundary (/60: 4 bits each side).
TEST_F(BpfSiitEam, LongerIpv6Suffix) {
  expect_identical(from_to(kSrc, "2001:db8:7::ab00"));
  EXPECT_EQ(v4_dst(from_to(kSrc, "2001:db8:7::ab00")), "198.51.100.171");
  expect_identical(from_to(kSrc, "2001:db8:8:7:b000::"));
  EXPECT_EQ(v4_dst(from_to(kSrc, "2001:db8:8:7:b000::")), "203.0.113.123");
}
TEST_F(BpfSiitEam, EamOnlyWithoutPool6) {
  settings_.pool6.reset();
  configure(true);
  expect_identical(from_to("2001:db8:6::2", "2001:db8:7::ab00"));
  expect_punt(from_to("2001:db8:6::2", kPool6Only), SIIT_PUNT_OUTSIDE_POOL6);
}
// RFC 7757 §4: pool6 + an EAM's IPv4 address goes back to IPv6 in the translator (slow path); an EAM
// IPv6 destination whose IPv4 side is also an EAM's is no hairpin.
TEST_F(BpfSiitEam, HairpinIsPunted) {
  expect_punt(from_to("2001:db8:6::2", "2001:db8:64::c000:203"), SIIT_PUNT_HAIRPIN);
  expect_identical(from_to("2001:db8:6::2", "2001:db8:6::3"));
}
TEST_F(BpfSiitEam, UnmappedSourceIsPunted) { expect_punt(from_to("2001:db8:99::1", kDst), SIIT_PUNT_OUTSIDE_POOL6); }

TEST(BpfSiitNames, OneNamePerCounter) {
  const auto& names = sixfour::io::fast_path_counter_names();
  EXPECT_EQ(names.size(), size_t{SIIT_COUNTERS});
  EXPECT_EQ(names.at(SIIT_HIT), "hit");
  EXPECT_EQ(names.at(SIIT_DROP_HELPER), "helper_drop");
  EXPECT_EQ(names.at(SIIT_PUNT_GSO), "gso");
  EXPECT_EQ(names.at(SIIT_PUNT_HAIRPIN), "hairpin");
}

}  // namespace
