#ifdef SIXFOUR_HAVE_BPF
#include "io/fastpath/tc_hook.hpp"

#include <cerrno>

#include <fmt/format.h>

#include "io/sys/errno_text.hpp"

namespace sixfour::io {

std::string libbpf_error(const char* what, int err) {
  return fmt::format("{}: {}", what, errno_text(err < 0 ? -err : err));
}

namespace {

bpf_tc_opts filter_opts(int prog_fd, uint32_t flags, uint32_t priority) {
  bpf_tc_opts opts{};
  opts.sz = sizeof opts;
  opts.handle = 1;
  opts.priority = priority;
  opts.prog_fd = prog_fd;
  opts.flags = flags;
  return opts;
}

}  // namespace

std::vector<std::pair<std::string, uint64_t>> sum_per_cpu(const bpf_map* map, const std::vector<std::string>& names) {
  std::vector<std::pair<std::string, uint64_t>> out;
  std::vector<uint64_t> per_cpu(static_cast<size_t>(libbpf_num_possible_cpus()));
  for (uint32_t i = 0; i < names.size(); ++i) {
    uint64_t sum = 0;
    if (bpf_map__lookup_elem(map, &i, sizeof i, per_cpu.data(), per_cpu.size() * 8, 0) == 0)
      for (uint64_t v : per_cpu) sum += v;
    out.emplace_back(names[i], sum);
  }
  return out;
}

Status TcHook::attach(int ifindex, int prog_fd, TcPlace place) {
  place_ = place;
  hook_.sz = sizeof hook_;
  hook_.ifindex = ifindex;
  hook_.attach_point = place.ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
  int err = bpf_tc_hook_create(&hook_);
  if (err && err != -EEXIST) return Error{libbpf_error("adding the clsact qdisc", err)};
  created_qdisc_ = err == 0;
  bpf_tc_opts opts = filter_opts(prog_fd, BPF_TC_F_REPLACE, place.priority);
  if ((err = bpf_tc_attach(&hook_, &opts)) != 0) return Error{libbpf_error("attaching the eBPF program", err)};
  attached_ = true;
  return Ok{};
}

TcHook::~TcHook() {
  if (attached_) {
    bpf_tc_opts opts = filter_opts(0, 0, place_.priority);
    bpf_tc_detach(&hook_, &opts);
  }
  if (created_qdisc_ && place_.own_qdisc) {
    hook_.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
    bpf_tc_hook_destroy(&hook_);
  }
}

}  // namespace sixfour::io

#endif
