// A tc program at the egress of a device (clsact qdisc, handle 1, priority 1), detached on
// destruction together with the qdisc if this added it. Only where the eBPF fast path is built.
#pragma once
#include <bpf/libbpf.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace sixfour::io {

// "WHAT: strerror" for a libbpf return value or errno (either sign).
std::string libbpf_error(const char* what, int err);

// A per-CPU array of counters summed over the CPUs, element i named names[i].
std::vector<std::pair<std::string, uint64_t>> sum_per_cpu(const bpf_map* map, const std::vector<std::string>& names);

class TcEgressHook {
 public:
  TcEgressHook() = default;
  TcEgressHook(const TcEgressHook&) = delete;
  TcEgressHook& operator=(const TcEgressHook&) = delete;
  ~TcEgressHook();

  // Attaches `prog_fd`, replacing a filter a crashed daemon left there (a persistent TUN).
  Status attach(int ifindex, int prog_fd);

 private:
  bpf_tc_hook hook_{};
  bool created_qdisc_ = false;
  bool attached_ = false;
};

}  // namespace sixfour::io
