#include "io/sys/tun_steering.hpp"

#include <linux/if_tun.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

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

// "0-3", or "0, 2, 5" where they are not consecutive.
std::string cpu_list(const std::vector<int>& cpus) {
  bool consecutive = true;
  for (size_t i = 1; i < cpus.size(); ++i) consecutive = consecutive && cpus[i] == cpus[i - 1] + 1;
  if (consecutive && cpus.size() > 1) return fmt::format("{}-{}", cpus.front(), cpus.back());
  return fmt::format("{}", fmt::join(cpus, ", "));
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
  c.by_cpu = how.worker_cpus.empty() ? 0 : 1;
  std::fill(std::begin(c.cpu_queue), std::end(c.cpu_queue), TUN_STEER_NO_QUEUE);
  for (size_t q = 0; q < how.worker_cpus.size(); ++q) {
    const int cpu = how.worker_cpus[q];
    if (cpu >= 0 && cpu < TUN_STEER_CPUS) c.cpu_queue[cpu] = static_cast<__u16>(q);
  }
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

std::string steer_flows(const Tun& tun, const TunSteering& how, bool* by_cpu) {
  if (by_cpu) *by_cpu = false;
  if (tun.queues() < 2) return "";
  const bool cpu_local = how.worker_cpus.size() == tun.queues();
  // By CPU the shards only serve the CPUs without a worker: no requirement on their number.
  if (!cpu_local && how.kind == TunSteering::Kind::Nat64Shard && how.nat64.shards < tun.queues())
    return fmt::format("flow steering off (the pool4 has {} shard{} for {} workers)", how.nat64.shards,
                       how.nat64.shards == 1 ? "" : "s", tun.queues());
  TunSteering used = how;
  if (!cpu_local) used.worker_cpus.clear();
  if (const std::string err = attach(tun, used); !err.empty()) return fmt::format("flow steering off ({})", err);
  if (!cpu_local) return "flow steering eBPF";
  if (by_cpu) *by_cpu = true;
  return fmt::format("CPU-local steering eBPF, workers on CPUs {}", cpu_list(how.worker_cpus));
}

#else

std::string steer_flows(const Tun& tun, const TunSteering&, bool* by_cpu) {
  if (by_cpu) *by_cpu = false;
  return tun.queues() > 1 ? "flow steering off (built without eBPF)" : "";
}

#endif

std::vector<int> cpus_for_workers(size_t workers) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return {};
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
#ifdef SIXFOUR_HAVE_BPF
  if (!cpus.empty() && cpus.back() >= TUN_STEER_CPUS) return {};
#endif
  if (cpus.size() != workers) return {};
  return cpus;
}

}  // namespace sixfour::io
