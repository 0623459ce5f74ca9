// A tc program at the egress or ingress of a device (clsact qdisc, handle 1, the given priority),
// detached on destruction, together with the qdisc if this added it and was asked to own it. Only
// where the eBPF fast path is built.
#pragma once
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "io/fastpath/route_watch.hpp"
#include "io/fastpath/siit_fast_path.hpp"

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

// The uplink instance of a fast-path program (at_ingress 1) where it sits: the ingress of every
// Ethernet device of the network namespace but the daemon's TUN, and of every one that comes while
// it runs (one that goes leaves the program's array of uplinks). Declared after the programs it
// runs, so it detaches first.
class UplinkHooks {
 public:
  // Makes `uplink` (opened, not loaded yet) use every map of `main` (loaded) but the internal ones
  // (.rodata: its own l2_len and at_ingress).
  static Status share_maps(bpf_object* uplink, const bpf_object* main);
  // Opens and loads into `out` the uplink instance of skeleton `Skel` (src/bpf/xlat.h: l2_len 14,
  // at_ingress 1) with every map of `main`'s.
  template <class Skel, class Deleter>
  static Status load_instance(std::unique_ptr<Skel, Deleter>& out, const Skel& main) {
    out.reset(Skel::open());
    if (!out) return Error{libbpf_error("opening the uplink program", errno)};
    out->rodata->l2_len = 14;  // Ethernet
    out->rodata->at_ingress = 1;
    if (auto st = share_maps(out->obj, main.obj); !st) return st;
    // Only its tc program: the daemon runs the main instance's others (nat64_publish).
    bpf_program* p = nullptr;
    bpf_object__for_each_program(p, out->obj) if (bpf_program__type(p) != BPF_PROG_TYPE_SCHED_CLS)
        bpf_program__set_autoload(p, false);
    if (int err = Skel::load(out.get()); err) return Error{libbpf_error("loading the uplink program", err)};
    return Ok{};
  }
  // Attaches `prog_fd` at tc priority `priority` on every Ethernet device but `tun_ifindex`, each
  // in the program's array of uplinks `uplinks` (slots in use first, 0 after them); an error if
  // none took it. Then starts the RouteWatch that turns the program's next-hop cache on
  // (`route_gen`) and attaches the program to the devices that come later; without it (a warning
  // says why) every packet's next hop is looked up and a later device takes the TUN path.
  Status attach(int prog_fd, bpf_map* uplinks, bpf_map* route_gen, int tun_ifindex, uint32_t priority);
  // Records `st`'s error and detaches, if it failed.
  void keep_or_forget(const Status& st);
  // "uplinks eth0, eth1", "TUN only: WHY" if the uplinks failed, "" if not asked.
  std::string where() const;
  // A fast path's stats: on, these uplinks, `counters` (per-CPU, element i named names[i]).
  FastPathStats stats(const bpf_map* counters, const std::vector<std::string>& names) const;

 private:
  struct Hooked {
    int ifindex;
    std::string name;
    std::unique_ptr<TcHook> hook;
  };
  // Attaches the program to the Ethernet devices it is not on yet, forgets those that went (their
  // filters went with them) and rewrites the array of uplinks; `log` says so for each.
  void follow_devices(bool log);

  mutable std::mutex mu_;  // hooked_ and slots_: the watch's thread changes them
  std::vector<Hooked> hooked_;
  uint32_t slots_ = 0;  // array slots written non-zero
  std::string error_;   // why none, if asked
  int prog_fd_ = -1;
  bpf_map* uplinks_ = nullptr;
  int tun_ifindex_ = 0;
  uint32_t priority_ = 0;
  std::unique_ptr<RouteWatch> watch_;  // the next-hop cache's (none: off); last, so stopped first
};

}  // namespace sixfour::io
