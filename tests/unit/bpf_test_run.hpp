// What every eBPF fast-path test does with a loaded program: run it once on an IP packet behind a
// 14-byte Ethernet header with BPF_PROG_TEST_RUN (tc programs see one there), and sum a per-CPU
// counter. Shared by bpf_siit_fixture.hpp and bpf_nat64_test.cpp.
#pragma once
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

namespace bpftest {

inline constexpr size_t kEth = 14;

struct RunResult {
  int verdict = -1;
  std::vector<uint8_t> out;  // without the Ethernet header
  uint16_t ethertype = 0;
};

// `prog` on `ip` behind an Ethernet header of `ethertype`; `to_host`: addressed to the test run's
// device (the loopback's all-zero address, skb->pkt_type PACKET_HOST), else to another host.
inline RunResult test_run(const bpf_program* prog, uint16_t ethertype, const std::vector<uint8_t>& ip,
                          bool to_host = false) {
  const uint8_t d = to_host ? 0 : 2, last = to_host ? 0 : 1;
  std::vector<uint8_t> frame{
      d, 0, 0, 0, 0, last, 2, 0, 0, 0, 0, 2, static_cast<uint8_t>(ethertype >> 8), static_cast<uint8_t>(ethertype)};
  frame.insert(frame.end(), ip.begin(), ip.end());
  std::vector<uint8_t> out(frame.size() + 256);
  bpf_test_run_opts opts{};
  opts.sz = sizeof opts;
  opts.data_in = frame.data();
  opts.data_size_in = static_cast<uint32_t>(frame.size());
  opts.data_out = out.data();
  opts.data_size_out = static_cast<uint32_t>(out.size());
  opts.repeat = 1;
  RunResult r;
  EXPECT_EQ(bpf_prog_test_run_opts(bpf_program__fd(prog), &opts), 0) << std::strerror(errno);
  if (opts.data_size_out < kEth) return r;
  r.verdict = static_cast<int>(opts.retval);
  r.ethertype = static_cast<uint16_t>(out[12] << 8 | out[13]);
  r.out.assign(out.begin() + kEth, out.begin() + opts.data_size_out);
  return r;
}

// Element `idx` of the per-CPU counter array `map`, summed over the CPUs.
inline uint64_t per_cpu_sum(const bpf_map* map, uint32_t idx) {
  std::vector<uint64_t> v(static_cast<size_t>(libbpf_num_possible_cpus()));
  EXPECT_EQ(bpf_map__lookup_elem(map, &idx, sizeof idx, v.data(), v.size() * 8, 0), 0);
  uint64_t sum = 0;
  for (uint64_t x : v) sum += x;
  return sum;
}

}  // namespace bpftest
