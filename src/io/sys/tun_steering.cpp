#include "io/sys/tun_steering.hpp"

#include <linux/if_tun.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <string>

#include <spdlog/spdlog.h>

#include "io/sys/errno_text.hpp"

#ifdef SIXFOUR_HAVE_BPF
#include <bpf/libbpf.h>

#include "tun_steer.h"
#include "tun_steer.skel.h"
#endif

namespace sixfour::io {

#ifdef SIXFOUR_HAVE_BPF

namespace {

// Loads the program configured by `how` and sets it on the device. "" or what failed.
std::string attach(const Tun& tun, const TunSteering& how) {
  // libbpf's own messages would add lines to the daemon's log for a failure reported below.
  const libbpf_print_fn_t before = libbpf_set_print(nullptr);
  tun_steer_bpf* skel = tun_steer_bpf::open();
  std::string err;
  if (!skel) {
    err = "open: " + errno_text(errno);
  } else {
    tun_steer_config& c = skel->rodata->steer_config;
    c.mode = how.kind == TunSteering::Kind::Nat64Shard ? TUN_STEER_NAT64_SHARD : TUN_STEER_PORTS;
    c.seed6 = how.seed6;
    c.shards = how.shards ? how.shards : 1;
    int fd = -1;
    if (tun_steer_bpf::load(skel) != 0)
      err = "load: " + errno_text(errno);
    else if (fd = bpf_program__fd(skel->progs.tun_steer); ::ioctl(tun.fd(0), TUNSETSTEERINGEBPF, &fd) < 0)
      err = "TUNSETSTEERINGEBPF: " + errno_text(errno);
    // The device holds its own reference to the program.
    tun_steer_bpf::destroy(skel);
  }
  libbpf_set_print(before);
  return err;
}

}  // namespace

bool steer_flows(const Tun& tun, const TunSteering& how) {
  if (tun.queues() < 2) return false;
  if (how.kind == TunSteering::Kind::Nat64Shard && how.shards < tun.queues()) {
    spdlog::info("flow steering off: the pool4 has {} shard{} for {} workers (the kernel spreads packets)", how.shards,
                 how.shards == 1 ? "" : "s", tun.queues());
    return false;
  }
  if (const std::string err = attach(tun, how); !err.empty()) {
    spdlog::warn("flow steering off ({}): the kernel spreads packets, a flow's two directions may use two workers",
                 err);
    return false;
  }
  spdlog::info("flow steering: both directions of a flow on one worker (eBPF on {})", tun.name());
  return true;
}

#else

bool steer_flows(const Tun& tun, const TunSteering&) {
  if (tun.queues() > 1) spdlog::info("flow steering off (built without eBPF): the kernel spreads packets");
  return false;
}

#endif

}  // namespace sixfour::io
