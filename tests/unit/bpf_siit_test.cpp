// The eBPF stateless fast path (src/bpf/siit.bpf.c) run with BPF_PROG_TEST_RUN on the packet kinds
// the xlat tests build, each output compared byte for byte with the C++ translator's (siit::Translator
// with the same pool6 and hop_change). Built only with SIXFOUR_BPF; skipped unless root and BPF loads.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "addr/rfc6052.hpp"
#include "packet_builder6.hpp"
#include "siit.h"
#include "siit.skel.h"
#include "siit/translator.hpp"

using namespace pb6;
using namespace sixfour;

namespace {

constexpr const char* kPool6 = "2001:db8:64::/96";
constexpr const char* kSrc = "2001:db8:64::c633:6405";  // 198.51.100.5
constexpr const char* kDst = "2001:db8:64::cb00:7107";  // 203.0.113.7
constexpr size_t kEth = 14;

struct SkelDeleter {
  void operator()(siit_bpf* s) const { siit_bpf::destroy(s); }
};

struct RunResult {
  int verdict = -1;
  Bytes out;  // without the Ethernet header
  uint16_t ethertype = 0;
};

class BpfSiit : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "BPF_PROG_TEST_RUN needs root";
    libbpf_set_print([](libbpf_print_level, const char*, va_list) { return 0; });
    skel_.reset(siit_bpf::open_and_load());
    if (!skel_) GTEST_SKIP() << "the BPF program does not load here: " << std::strerror(errno);
    settings_.pool6 = rfc6052::parse_prefix(kPool6).value();
    settings_.xlat.hop_change = 1;  // the TUN daemons: TTL = Hop Limit + 1 (docs/fast-path.md)
    configure(true);
  }

  void configure(bool enabled, bool strict_wkp = false) {
    siit_config cfg{};
    cfg.strict_wkp = strict_wkp ? 1 : 0;
    std::memcpy(cfg.pool6, settings_.pool6->addr.b.data(), 12);
    cfg.enabled = enabled ? 1 : 0;
    cfg.hop_change = settings_.xlat.hop_change;
    cfg.mtu4 = settings_.xlat.mtu4;
    cfg.ident_key = 0x5eed1234;
    const uint32_t key = 0;
    ASSERT_EQ(bpf_map__update_elem(skel_->maps.siit_config, &key, sizeof key, &cfg, sizeof cfg, BPF_ANY), 0);
  }

  // The packet behind an Ethernet header (tc programs see one under test_run), through the program.
  RunResult run(const Bytes& ip6) {
    Bytes frame{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x86, 0xdd};
    put(frame, ip6);
    Bytes out(frame.size() + 256);
    bpf_test_run_opts opts{};
    opts.sz = sizeof opts;
    opts.data_in = frame.data();
    opts.data_size_in = static_cast<uint32_t>(frame.size());
    opts.data_out = out.data();
    opts.data_size_out = static_cast<uint32_t>(out.size());
    opts.repeat = 1;
    RunResult r;
    EXPECT_EQ(bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.siit_6to4), &opts), 0) << std::strerror(errno);
    if (opts.data_size_out < kEth) return r;
    r.verdict = static_cast<int>(opts.retval);
    r.ethertype = rd16(out, 12);
    r.out.assign(out.begin() + kEth, out.begin() + opts.data_size_out);
    return r;
  }

  uint64_t counter(uint32_t idx) {
    std::vector<uint64_t> v(static_cast<size_t>(libbpf_num_possible_cpus()));
    EXPECT_EQ(bpf_map__lookup_elem(skel_->maps.siit_counters, &idx, sizeof idx, v.data(), v.size() * 8, 0), 0);
    uint64_t sum = 0;
    for (uint64_t x : v) sum += x;
    return sum;
  }

  // What the C++ translator makes of `ip6` (it must forward exactly one packet).
  Bytes cxx(const Bytes& ip6) {
    siit::Translator t(settings_);
    std::vector<uint8_t> buf(ip6.size() + 4096);
    xlat::Output o;
    o.data = buf;
    t.translate(ip6, o);
    EXPECT_EQ(o.outcome, xlat::Outcome::Forward);
    EXPECT_EQ(o.count, 1);
    if (o.outcome != xlat::Outcome::Forward || o.count != 1) return {};
    return Bytes(buf.begin(), buf.begin() + o.lens[0]);
  }

  // The program translates `ip6` exactly as the C++ translator does. The Identification comes from
  // each one's own generator, so the C++ output takes the program's before comparing (with its
  // header checksum recomputed; the program's own checksums are verified from scratch).
  void expect_identical(const Bytes& ip6) {
    const uint64_t hits = counter(SIIT_HIT);
    const RunResult r = run(ip6);
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
    const uint64_t before = counter(reason), hits = counter(SIIT_HIT);
    const RunResult r = run(ip6);
    EXPECT_EQ(r.verdict, TC_ACT_OK);
    EXPECT_EQ(r.ethertype, 0x86dd);
    EXPECT_EQ(r.out, ip6);
    EXPECT_EQ(counter(reason), before + 1);
    EXPECT_EQ(counter(SIIT_HIT), hits);
  }

  std::unique_ptr<siit_bpf, SkelDeleter> skel_;
  siit::Settings settings_;
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
// 64:ff9b::/96 with RFC 6052 §3.1's non-global check is left to the daemon in this slice.
TEST_F(BpfSiit, PuntsStrictWellKnownPrefix) {
  configure(true, true);
  expect_punt(udp6(20), SIIT_PUNT_WKP);
}

}  // namespace
