// Shared by the tests of the eBPF stateless fast path (src/bpf/siit.bpf.c, both directions): loads
// the skeleton, writes its configuration from siit::Settings, runs a program with BPF_PROG_TEST_RUN
// behind a 14-byte Ethernet header, reads the counters, and asks the C++ translator for the packet it
// makes. Skips unless root and BPF loads.
#pragma once
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "addr/rfc6052.hpp"
#include "bpf_test_run.hpp"
#include "io/fastpath/siit_bpf_config.hpp"
#include "io/fastpath/siit_fast_path.hpp"
#include "siit/translator.hpp"

namespace bpftest {

using Frame = std::vector<uint8_t>;

inline constexpr const char* kPool6 = "2001:db8:64::/96";

struct SkelDeleter {
  void operator()(siit_bpf* s) const { siit_bpf::destroy(s); }
};

class SiitFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "BPF_PROG_TEST_RUN needs root";
    libbpf_set_print([](libbpf_print_level, const char*, va_list) { return 0; });
    skel_.reset(siit_bpf::open_and_load());
    if (!skel_) GTEST_SKIP() << "the BPF program does not load here: " << std::strerror(errno);
    settings_.pool6 = sixfour::rfc6052::parse_prefix(kPool6).value();
    settings_.xlat.hop_change = 1;  // the TUN daemons: TTL = Hop Limit + 1 (docs/fast-path.md)
    configure(true);
  }

  // The program's maps from settings_ as the daemon writes them (io/fastpath/siit_bpf_config.hpp);
  // `enabled` false leaves the program unconfigured.
  void configure(bool enabled) {
    ASSERT_TRUE(sixfour::io::write_siit_maps(skel_.get(), settings_, 0, 0x5eed1234));
    if (enabled) return;
    const siit_config off{};
    const uint32_t key = 0;
    ASSERT_EQ(bpf_map__update_elem(skel_->maps.siit_config, &key, sizeof key, &off, sizeof off, BPF_ANY), 0);
  }

  // The packet behind an Ethernet header of `ethertype`, through `prog`.
  RunResult run(const bpf_program* prog, uint16_t ethertype, const Frame& ip) { return test_run(prog, ethertype, ip); }

  uint64_t counter(uint32_t idx) { return per_cpu_sum(skel_->maps.siit_counters, idx); }

  // What the C++ translator makes of `ip` (it must forward exactly one packet).
  Frame cxx(const Frame& ip) {
    sixfour::siit::Translator t(settings_);
    std::vector<uint8_t> buf(ip.size() + 4096);
    sixfour::xlat::Output o;
    o.data = buf;
    t.translate(ip, o);
    EXPECT_EQ(o.outcome, sixfour::xlat::Outcome::Forward);
    EXPECT_EQ(o.count, 1);
    if (o.outcome != sixfour::xlat::Outcome::Forward || o.count != 1) return {};
    return Frame(buf.begin(), buf.begin() + o.lens[0]);
  }

  // `prog` leaves `ip` (of `ethertype`) untouched, returns TC_ACT_OK and counts `reason`.
  void expect_punt(const bpf_program* prog, uint16_t ethertype, const Frame& ip, uint32_t reason) {
    const uint64_t before = counter(reason), hits = counter(SIIT_HIT);
    const RunResult r = run(prog, ethertype, ip);
    EXPECT_EQ(r.verdict, TC_ACT_OK);
    EXPECT_EQ(r.ethertype, ethertype);
    EXPECT_EQ(r.out, ip);
    EXPECT_EQ(counter(reason), before + 1);
    EXPECT_EQ(counter(SIIT_HIT), hits);
  }

  std::unique_ptr<siit_bpf, SkelDeleter> skel_;
  sixfour::siit::Settings settings_;
};

}  // namespace bpftest
