#include "io/fastpath/siit_fast_path.hpp"

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "addr/rfc6052.hpp"
#include "io/sys/errno_text.hpp"

#ifdef SIXFOUR_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "io/fastpath/siit_bpf_config.hpp"
#include "siit.skel.h"
#endif

namespace sixfour::io {

const std::vector<std::string>& fast_path_counter_names() {
  // Indexed by enum siit_counter (src/bpf/siit.h); siit_fast_path_test checks the count.
  static const std::vector<std::string> names = {
      "hit",          "no_config", "not_ipv6",      "malformed",     "ext_header", "fragment",    "hop_limit",
      "protocol",     "icmp_error", "icmp_other",   "udp_zero_csum", "outside_pool6", "wkp",      "too_big",
      "helper",       "helper_drop", "not_ipv4",    "ip4_options",   "multicast",  "gso",
  };
  return names;
}

std::string SiitFastPath::unsupported(const siit::Settings& s) {
  if (!s.eam.empty()) return "EAM entries are not in the eBPF program yet";
  if (!s.pool6) return "no --pool6";
  if (s.pool6->len != 96) return fmt::format("pool6 {} is not a /96 (only /96 is in the eBPF program yet)", s.pool6->str());
  if (*s.pool6 == rfc6052::kWellKnownPrefix && !s.allow_non_global_wkp)
    return "64:ff9b::/96 needs RFC 6052 §3.1's check of non-global addresses, not in the eBPF program yet";
  return "";
}

#ifdef SIXFOUR_HAVE_BPF

siit_config siit_bpf_config(const siit::Settings& s, uint32_t redirect_ifindex, uint32_t ident_key) {
  siit_config cfg{};
  if (s.pool6) std::memcpy(cfg.pool6, s.pool6->addr.b.data(), sizeof cfg.pool6);
  cfg.enabled = 1;
  cfg.hop_change = static_cast<int8_t>(s.xlat.hop_change);
  cfg.reset_tos = s.xlat.reset_tos ? 1 : 0;
  cfg.new_tos = s.xlat.new_tos;
  cfg.strict_wkp = s.pool6 && *s.pool6 == rfc6052::kWellKnownPrefix && !s.allow_non_global_wkp ? 1 : 0;
  cfg.reset_tc = s.xlat.reset_traffic_class ? 1 : 0;
  cfg.mtu4 = s.xlat.mtu4;
  cfg.ident_key = ident_key;
  cfg.mtu6 = s.xlat.mtu6;
  cfg.lowest_mtu6 = s.xlat.lowest_ipv6_mtu;
  cfg.redirect_ifindex = redirect_ifindex;
  return cfg;
}

struct SiitFastPath::Impl {
  siit_bpf* skel = nullptr;
  bpf_tc_hook hook{};
  bool created_qdisc = false;  // the clsact qdisc was added by us: removed on exit
  bool attached = false;

  ~Impl() {
    if (attached) {
      bpf_tc_opts opts{};
      opts.sz = sizeof opts;
      opts.handle = 1;
      opts.priority = 1;
      bpf_tc_detach(&hook, &opts);
    }
    if (created_qdisc) {
      hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
      bpf_tc_hook_destroy(&hook);
    }
    if (skel) siit_bpf::destroy(skel);
  }
};

namespace {

std::string libbpf_error(const char* what, int err) { return fmt::format("{}: {}", what, errno_text(err < 0 ? -err : err)); }

uint32_t random_key() {
  std::random_device rd;
  return static_cast<uint32_t>(rd());
}

}  // namespace

Result<std::unique_ptr<SiitFastPath>> SiitFastPath::attach(const siit::Settings& s, int ifindex) {
  if (std::string why = unsupported(s); !why.empty()) return Error{why};
  libbpf_set_print([](libbpf_print_level, const char*, va_list) { return 0; });
  auto impl = std::make_unique<Impl>();
  impl->skel = siit_bpf::open();
  if (!impl->skel) return Error{libbpf_error("opening the eBPF program", errno)};
  impl->skel->rodata->l2_len = 0;  // the TUN has no link-layer header
  if (int err = siit_bpf::load(impl->skel); err) return Error{libbpf_error("loading the eBPF program", err)};
  const siit_config cfg = siit_bpf_config(s, static_cast<uint32_t>(ifindex), random_key());
  const uint32_t zero = 0;
  if (bpf_map__update_elem(impl->skel->maps.siit_config, &zero, sizeof zero, &cfg, sizeof cfg, BPF_ANY) != 0)
    return Error{libbpf_error("configuring the eBPF program", errno)};

  impl->hook.sz = sizeof impl->hook;
  impl->hook.ifindex = ifindex;
  impl->hook.attach_point = BPF_TC_EGRESS;
  int err = bpf_tc_hook_create(&impl->hook);
  if (err && err != -EEXIST) return Error{libbpf_error("adding the clsact qdisc", err)};
  impl->created_qdisc = err == 0;
  bpf_tc_opts opts{};
  opts.sz = sizeof opts;
  opts.handle = 1;
  opts.priority = 1;
  opts.prog_fd = bpf_program__fd(impl->skel->progs.siit_tun);
  opts.flags = BPF_TC_F_REPLACE;  // a filter a crashed daemon left on a persistent TUN
  if ((err = bpf_tc_attach(&impl->hook, &opts)) != 0) return Error{libbpf_error("attaching the eBPF program", err)};
  impl->attached = true;
  return std::unique_ptr<SiitFastPath>(new SiitFastPath(std::move(impl)));
}

FastPathStats SiitFastPath::stats() const {
  FastPathStats st;
  st.on = true;
  const auto& names = fast_path_counter_names();
  std::vector<uint64_t> per_cpu(static_cast<size_t>(libbpf_num_possible_cpus()));
  for (uint32_t i = 0; i < SIIT_COUNTERS && i < names.size(); ++i) {
    uint64_t sum = 0;
    if (bpf_map__lookup_elem(impl_->skel->maps.siit_counters, &i, sizeof i, per_cpu.data(), per_cpu.size() * 8, 0) == 0)
      for (uint64_t v : per_cpu) sum += v;
    st.counters.emplace_back(names[i], sum);
  }
  return st;
}

#else  // built without the eBPF fast path

struct SiitFastPath::Impl {};

Result<std::unique_ptr<SiitFastPath>> SiitFastPath::attach(const siit::Settings&, int) {
  return Error{"this sixfour was built without the eBPF fast path (SIXFOUR_BPF=OFF)"};
}

FastPathStats SiitFastPath::stats() const { return {}; }

#endif

SiitFastPath::SiitFastPath(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SiitFastPath::~SiitFastPath() = default;

}  // namespace sixfour::io
