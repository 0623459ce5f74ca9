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
#include <linux/if_ether.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstdio>
#include <iterator>

#include "io/sys/fd.hpp"

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
      "multicast", "gso",       "hairpin",    "hit_uplink",
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
  std::vector<std::unique_ptr<TcHook>> uplink_hooks;
  std::vector<std::string> uplinks;  // their names
  std::string uplink_error;          // why none, if asked
};

namespace {

uint32_t random_key() {
  std::random_device rd;
  return static_cast<uint32_t>(rd());
}

// The Ethernet devices of this network namespace but `except` (ifindex, name).
std::vector<std::pair<int, std::string>> ethernet_devices(int except) {
  std::vector<std::pair<int, std::string>> out;
  Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  struct if_nameindex* all = ::if_nameindex();
  if (!all || !sock) return out;
  for (struct if_nameindex* i = all; i->if_index != 0; ++i) {
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", i->if_name);
    if (static_cast<int>(i->if_index) != except && ::ioctl(sock.get(), SIOCGIFHWADDR, &ifr) == 0 &&
        ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER)
      out.emplace_back(static_cast<int>(i->if_index), i->if_name);
  }
  ::if_freenameindex(all);
  return out;
}

// tc priority of `siit_uplink` on a shared device (nat64's will take another).
constexpr uint32_t kUplinkPriority = 0x5164;

// The uplink program: a second instance of the object (Ethernet header, ingress) sharing every map
// of `main`, attached at the ingress of each Ethernet device but the TUN.
Status attach_uplinks(SiitFastPath::Impl& impl, int tun_ifindex) {
  impl.uplink_skel.reset(siit_bpf::open());
  siit_bpf* u = impl.uplink_skel.get();
  if (!u) return Error{libbpf_error("opening the uplink program", errno)};
  u->rodata->l2_len = ETH_HLEN;
  u->rodata->at_ingress = 1;
  bpf_map* mine[] = {u->maps.siit_config,  u->maps.siit_counters, u->maps.siit_eam6, u->maps.siit_eam4,
                     u->maps.siit_global4, u->maps.siit_uplinks,  u->maps.siit_ident};
  bpf_map* theirs[] = {impl.skel->maps.siit_config, impl.skel->maps.siit_counters, impl.skel->maps.siit_eam6,
                       impl.skel->maps.siit_eam4,   impl.skel->maps.siit_global4,  impl.skel->maps.siit_uplinks,
                       impl.skel->maps.siit_ident};
  for (size_t i = 0; i < std::size(mine); ++i)
    if (int err = bpf_map__reuse_fd(mine[i], bpf_map__fd(theirs[i])); err)
      return Error{libbpf_error("sharing the maps with the uplink program", err)};
  if (int err = siit_bpf::load(u); err) return Error{libbpf_error("loading the uplink program", err)};
  const uint8_t one = 1;
  for (const auto& [ifindex, name] : ethernet_devices(tun_ifindex)) {
    const uint32_t key = static_cast<uint32_t>(ifindex);
    if (bpf_map__update_elem(u->maps.siit_uplinks, &key, sizeof key, &one, 1, BPF_ANY) != 0) continue;
    auto hook = std::make_unique<TcHook>();
    if (!hook->attach(ifindex, bpf_program__fd(u->progs.siit_uplink), {true, kUplinkPriority, false})) {
      bpf_map__delete_elem(u->maps.siit_uplinks, &key, sizeof key, 0);
      continue;
    }
    impl.uplink_hooks.push_back(std::move(hook));
    impl.uplinks.push_back(name);
  }
  if (impl.uplinks.empty()) return Error{"no Ethernet device took the uplink program"};
  return Ok{};
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
  if (uplinks) {
    if (auto st = attach_uplinks(*impl, ifindex); !st) {
      impl->uplink_error = st.error();
      impl->uplink_hooks.clear();
      impl->uplinks.clear();
    }
  }
  return std::unique_ptr<SiitFastPath>(new SiitFastPath(std::move(impl)));
}

std::string SiitFastPath::where() const {
  if (impl_->uplinks.empty()) return impl_->uplink_error.empty() ? "" : "TUN only: " + impl_->uplink_error;
  std::string out = "uplinks";
  for (const std::string& u : impl_->uplinks) out += (out == "uplinks" ? " " : ", ") + u;
  return out;
}

FastPathStats SiitFastPath::stats() const {
  FastPathStats st;
  st.on = true;
  st.uplinks = impl_->uplinks;
  st.counters = sum_per_cpu(impl_->skel->maps.siit_counters, fast_path_counter_names());
  return st;
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
