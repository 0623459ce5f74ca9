// One flow, one worker: a TUN steering program (TUNSETSTEERINGEBPF, src/bpf/tun_steer.bpf.c) that
// makes the kernel queue both directions of a flow on the same TUN queue, so the reply to a packet is
// read by the worker that translated the packet instead of waking a second, sleeping one (a ping, a
// TCP handshake). Without it the kernel picks a queue from each packet's own flow hash, which differs
// between a packet and its translated reply (docs/offload.md, "One flow, one worker").
//
// The program is set once for the device and freed with it. Where it cannot be (a build without
// eBPF, no CAP_BPF, an old kernel) the kernel's own queue selection stays: never an error.
#pragma once
#include <string>
#include <vector>

#include "io/sys/tun.hpp"
#include "nat64/translator.hpp"

#ifdef SIXFOUR_HAVE_BPF
struct tun_steer_bpf;
#endif

namespace sixfour::io {

struct TunSteering {
  enum class Kind {
    Ports,       // stateless (siit): the unordered pair of ports (ICMP echo: the identifier)
    Nat64Shard,  // stateful (nat64, gateway): the packet's NAT64 table shard (`nat64` below)
  };
  Kind kind = Kind::Ports;
  nat64::State::Sharding nat64;  // Nat64Shard: nat64::State::sharding()
  // Not empty: worker q runs pinned to CPU worker_cpus[q], and a packet goes to the queue of the CPU
  // the kernel routes it on, whatever its flow (`kind` only for the other CPUs). For the NAT64 with
  // its fast path, whose TUN carries a flow's first packets: the worker woken is on the same CPU.
  std::vector<int> worker_cpus;
};

// Sets the steering program on `tun` when it has more than one queue. Returns what was done or why
// not, for the daemon's start line ("flow steering eBPF", "CPU-local steering eBPF, workers on CPUs
// 0-1", "flow steering off (REASON)"), "" with one queue. `*by_cpu` (if given) says whether the
// CPU-local program is in place, i.e. whether the workers must be pinned as `how.worker_cpus` says.
std::string steer_flows(const Tun& tun, const TunSteering& how, bool* by_cpu = nullptr);

// The CPUs the daemon may run on (sched_getaffinity), in order, if there are exactly `workers` of
// them and the steering program can name each; else empty (no CPU-local steering).
std::vector<int> cpus_for_workers(size_t workers);

#ifdef SIXFOUR_HAVE_BPF
// The program loaded and configured for `how` (static BIB entries in its map), ready to be set on a
// device; nullptr with `err` saying which step failed. Free it with tun_steer_bpf::destroy().
tun_steer_bpf* load_tun_steer(const TunSteering& how, std::string& err);
#endif

}  // namespace sixfour::io
