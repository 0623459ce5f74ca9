// A tc program at the egress or ingress of a device (clsact qdisc, handle 1, the given priority),
// detached on destruction, together with the qdisc if this added it and was asked to own it. Only
// where the eBPF fast path is built.
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

struct TcPlace {
  bool ingress = false;
  uint32_t priority = 1;
  // Remove the clsact qdisc on destruction if this added it: the daemon's own TUN. Not on a shared
  // device (an uplink), where other programs may have come since.
  bool own_qdisc = true;
};

class TcHook {
 public:
  TcHook() = default;
  TcHook(const TcHook&) = delete;
  TcHook& operator=(const TcHook&) = delete;
  ~TcHook();

  // Attaches `prog_fd`, replacing a filter a crashed daemon left at the same place.
  Status attach(int ifindex, int prog_fd, TcPlace place = {});

 private:
  bpf_tc_hook hook_{};
  TcPlace place_;
  bool created_qdisc_ = false;
  bool attached_ = false;
};

}  // namespace sixfour::io
