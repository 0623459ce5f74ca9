// The stateful fast path on the TUN (docs/fast-path.md, "Stateful"): src/bpf/nat64.bpf.c's
// `nat64_tun` program, loaded with libbpf and attached at the egress of the `nat64` / `gateway`
// TUN like the stateless one (io/fastpath/siit_fast_path.hpp). The daemon's State publishes the
// sessions the program may translate through sink(); everything else goes on to the TUN queues.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "io/fastpath/siit_fast_path.hpp"
#include "nat64/session_sink.hpp"
#include "nat64/settings.hpp"

namespace sixfour::io {

// The names of the program's counters: fast_path_counter_names(), then "no_session",
// "tcp_flags", "tcp_reported" and "reports_full" (enum nat64_counter, src/bpf/nat64.h).
const std::vector<std::string>& nat64_fast_path_counter_names();

class Nat64FastPath {
 public:
  // Loads the program configured from `s` (its session maps sized for s.max_sessions) and attaches
  // it at the egress of the TUN `ifindex`, replacing a filter a crashed daemon left there. The error
  // says why not (no BPF in this build, not permitted, the kernel refused).
  // With `uplinks`, also at the ingress of every Ethernet device but the TUN (`nat64_uplink`: a
  // packet of a published session is translated there and sent straight out the uplink the route
  // names; where it cannot load, the TUN program alone serves).
  static Result<std::unique_ptr<Nat64FastPath>> attach(const nat64::Settings& s, int ifindex, bool uplinks);
  // "uplinks eth0, eth1" when the uplink program is attached, "TUN only: WHY" if it failed, "" for
  // the TUN alone.
  std::string where() const;

  Nat64FastPath(const Nat64FastPath&) = delete;
  Nat64FastPath& operator=(const Nat64FastPath&) = delete;
  ~Nat64FastPath();  // detaches (and removes the clsact qdisc if it added it)

  // For nat64::State::set_session_sink(); lives as long as this.
  nat64::SessionSink& sink();
  FastPathStats stats() const;

 private:
  struct Impl;
  explicit Nat64FastPath(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sixfour::io
