#include "io/sys/tun_steering.hpp"

#include <linux/if_tun.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "io/sys/errno_text.hpp"

#ifdef SIXFOUR_HAVE_BPF
#include <bpf/libbpf.h>

#include "tun_steer.h"
#include "tun_steer.skel.h"
#endif

namespace sixfour::io {

#ifdef SIXFOUR_HAVE_BPF

namespace {

// The static BIB entries into the program's map (sized for them before load).
bool fill_statics(tun_steer_bpf* skel, const nat64::State::Sharding& sh) {
  for (const nat64::State::StaticShard& st : sh.statics) {
    tun_steer_static key{};
    std::memcpy(key.addr6, st.addr6.b.data(), 16);
    key.port6 = st.port6;
    key.proto = st.proto;
    const __u32 shard = st.shard;
    if (bpf_map__update_elem(skel->maps.steer_statics, &key, sizeof key, &shard, sizeof shard, BPF_ANY) != 0)
      return false;
  }
  return true;
}

// Loads the program configured by `how` and sets it on the device. "" or what failed.
std::string attach(const Tun& tun, const TunSteering& how) {
  // libbpf's own messages would add lines to the daemon's log for a failure reported below.
  const libbpf_print_fn_t before = libbpf_set_print(nullptr);
  std::string err;
  tun_steer_bpf* skel = load_tun_steer(how, err);
  if (skel) {
    const int fd = bpf_program__fd(skel->progs.tun_steer);
    if (::ioctl(tun.fd(0), TUNSETSTEERINGEBPF, &fd) < 0) err = "TUNSETSTEERINGEBPF: " + errno_text(errno);
    // The device holds its own reference to the program.
    tun_steer_bpf::destroy(skel);
  }
  libbpf_set_print(before);
  return err;
}

}  // namespace

tun_steer_bpf* load_tun_steer(const TunSteering& how, std::string& err) {
  tun_steer_bpf* skel = tun_steer_bpf::open();
  if (!skel) {
    err = "open: " + errno_text(errno);
    return nullptr;
  }
  const bool nat64 = how.kind == TunSteering::Kind::Nat64Shard;
  tun_steer_config& c = skel->rodata->steer_config;
  c.mode = nat64 ? TUN_STEER_NAT64_SHARD : TUN_STEER_PORTS;
  c.seed6 = how.nat64.seed6;
  c.shards = how.nat64.shards ? how.nat64.shards : 1;
  c.statics = nat64 ? static_cast<__u32>(how.nat64.statics.size()) : 0;
  if (c.statics && bpf_map__set_max_entries(skel->maps.steer_statics, c.statics) != 0) {
    err = "statics map: " + errno_text(errno);
  } else if (tun_steer_bpf::load(skel) != 0) {
    err = "load: " + errno_text(errno);
  } else if (c.statics && !fill_statics(skel, how.nat64)) {
    err = "statics map: " + errno_text(errno);
  } else {
    return skel;
  }
  tun_steer_bpf::destroy(skel);
  return nullptr;
}

std::string steer_flows(const Tun& tun, const TunSteering& how) {
  if (tun.queues() < 2) return "";
  if (how.kind == TunSteering::Kind::Nat64Shard && how.nat64.shards < tun.queues())
    return fmt::format("flow steering off (the pool4 has {} shard{} for {} workers)", how.nat64.shards,
                       how.nat64.shards == 1 ? "" : "s", tun.queues());
  if (const std::string err = attach(tun, how); !err.empty()) return fmt::format("flow steering off ({})", err);
  return "flow steering eBPF";
}

#else

std::string steer_flows(const Tun& tun, const TunSteering&) {
  return tun.queues() > 1 ? "flow steering off (built without eBPF)" : "";
}

#endif

}  // namespace sixfour::io
