#include "io/fastpath/siit_fast_path.hpp"

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "addr/rfc6052.hpp"
#include "io/sys/errno_text.hpp"

// src/bpf/siit.h's SIIT_EAM_MAX, also where the eBPF program is not built.
#define SIXFOUR_SIIT_EAM_MAX 16384

#ifdef SIXFOUR_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "io/fastpath/siit_bpf_config.hpp"
#include "io/fastpath/tc_hook.hpp"
static_assert(SIXFOUR_SIIT_EAM_MAX == SIIT_EAM_MAX);
#endif

namespace sixfour::io {

const std::vector<std::string>& fast_path_counter_names() {
  // Indexed by enum siit_counter (src/bpf/siit.h); BpfSiitNames checks them.
  static const std::vector<std::string> names = {
      "hit",       "no_config", "not_ipv6",   "malformed",   "ext_header",    "fragment",
      "hop_limit", "protocol",  "icmp_error", "icmp_other",  "udp_zero_csum", "outside_pool6",
      "wkp",       "too_big",   "helper",     "helper_drop", "not_ipv4",      "ip4_options",
      "multicast", "gso",       "hairpin",    "hit_uplink",  "route_cached",
  };
  return names;
}

std::string SiitFastPath::unsupported(const siit::Settings& s) {
  if (s.pool6 && s.pool6->len != 96)
    return fmt::format("pool6 {} is not a /96 (only /96 is in the eBPF program yet)", s.pool6->str());
  if (s.eam.entries().size() > SIXFOUR_SIIT_EAM_MAX)
    return fmt::format("{} EAM entries, more than the eBPF program's {}", s.eam.entries().size(), SIXFOUR_SIIT_EAM_MAX);
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
  cfg.has_pool6 = s.pool6 ? 1 : 0;
  return cfg;
}

namespace {

siit_lpm4_key lpm4(const Ipv4Prefix& p) {
  siit_lpm4_key k{};
  k.prefixlen = p.len;
  std::memcpy(k.addr, p.addr.b.data(), 4);
  return k;
}

Status update(bpf_map* map, const void* key, size_t key_len, const void* value, size_t value_len) {
  if (bpf_map__update_elem(map, key, key_len, value, value_len, BPF_ANY) == 0) return Ok{};
  return Error{fmt::format("writing the eBPF map {}: {}", bpf_map__name(map), errno_text(errno))};
}

}  // namespace

Status write_siit_maps(siit_bpf* skel, const siit::Settings& s, uint32_t redirect_ifindex, uint32_t ident_key) {
  for (const Eam& e : s.eam.entries()) {
    siit_eam v{};
    std::memcpy(v.v6, e.v6.addr.b.data(), 16);
    std::memcpy(v.v4, e.v4.addr.b.data(), 4);
    v.v6_len = e.v6.len;
    v.v4_len = e.v4.len;
    siit_lpm6_key k6{};
    k6.prefixlen = e.v6.len;
    std::memcpy(k6.addr, e.v6.addr.b.data(), 16);
    const siit_lpm4_key k4 = lpm4(e.v4);
    if (auto st = update(skel->maps.siit_eam6, &k6, sizeof k6, &v, sizeof v); !st) return st;
    if (auto st = update(skel->maps.siit_eam4, &k4, sizeof k4, &v, sizeof v); !st) return st;
  }
  for (const GlobalRule4& r : global_rules4()) {
    const siit_lpm4_key k = lpm4(r.prefix);
    const uint8_t global = r.global ? 1 : 0;
    if (auto st = update(skel->maps.siit_global4, &k, sizeof k, &global, 1); !st) return st;
  }
  const siit_config cfg = siit_bpf_config(s, redirect_ifindex, ident_key);
  const uint32_t zero = 0;
  return update(skel->maps.siit_config, &zero, sizeof zero, &cfg, sizeof cfg);
}

struct SkelDeleter {
  void operator()(siit_bpf* s) const { siit_bpf::destroy(s); }
};

struct SiitFastPath::Impl {  // destroyed bottom-up: detached first, the programs last
  std::unique_ptr<siit_bpf, SkelDeleter> skel;
  TcHook hook;
  std::unique_ptr<siit_bpf, SkelDeleter> uplink_skel;  // l2_len 14, at_ingress 1, skel's maps
  UplinkHooks uplinks;
};

namespace {

uint32_t random_key() {
  std::random_device rd;
  return static_cast<uint32_t>(rd());
}

// tc priority of `siit_uplink` on a shared device (nat64's will take another).
constexpr uint32_t kUplinkPriority = 0x5164;

// The uplink program: a second instance of the object (Ethernet header, ingress) sharing every map
// of `main`, attached at the ingress of each Ethernet device but the TUN.
Status attach_uplinks(SiitFastPath::Impl& impl, int tun_ifindex) {
  if (auto st = UplinkHooks::load_instance(impl.uplink_skel, *impl.skel); !st) return st;
  return impl.uplinks.attach(bpf_program__fd(impl.uplink_skel->progs.siit_uplink), impl.uplink_skel->maps.siit_uplinks,
                             impl.uplink_skel->maps.siit_route_gen, tun_ifindex, kUplinkPriority);
}

}  // namespace

Result<std::unique_ptr<SiitFastPath>> SiitFastPath::attach(const siit::Settings& s, int ifindex, bool uplinks) {
  if (std::string why = unsupported(s); !why.empty()) return Error{why};
  libbpf_set_print([](libbpf_print_level, const char*, va_list) { return 0; });
  auto impl = std::make_unique<Impl>();
  impl->skel.reset(siit_bpf::open());
  if (!impl->skel) return Error{libbpf_error("opening the eBPF program", errno)};
  impl->skel->rodata->l2_len = 0;  // the TUN has no link-layer header
  if (int err = siit_bpf::load(impl->skel.get()); err) return Error{libbpf_error("loading the eBPF program", err)};
  if (auto st = write_siit_maps(impl->skel.get(), s, static_cast<uint32_t>(ifindex), random_key()); !st)
    return Error{st.error()};
  if (auto st = impl->hook.attach(ifindex, bpf_program__fd(impl->skel->progs.siit_tun)); !st) return Error{st.error()};
  if (uplinks) impl->uplinks.keep_or_forget(attach_uplinks(*impl, ifindex));
  return std::unique_ptr<SiitFastPath>(new SiitFastPath(std::move(impl)));
}

std::string SiitFastPath::where() const { return impl_->uplinks.where(); }

FastPathStats SiitFastPath::stats() const {
  return impl_->uplinks.stats(impl_->skel->maps.siit_counters, fast_path_counter_names());
}

#else  // built without the eBPF fast path

struct SiitFastPath::Impl {};

Result<std::unique_ptr<SiitFastPath>> SiitFastPath::attach(const siit::Settings&, int, bool) {
  return Error{"this sixfour was built without the eBPF fast path (SIXFOUR_BPF=OFF)"};
}

FastPathStats SiitFastPath::stats() const { return {}; }
std::string SiitFastPath::where() const { return ""; }

#endif

SiitFastPath::SiitFastPath(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SiitFastPath::~SiitFastPath() = default;

}  // namespace sixfour::io
