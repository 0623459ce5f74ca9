// The stateless fast path on the TUN (docs/fast-path.md): src/bpf/siit.bpf.c's `siit_tun` program,
// loaded with libbpf, configured from siit::Settings and attached at the egress of the daemon's TUN
// (tc clsact). The kernel routes both families into the TUN; the program translates the common
// packets and redirects them into the TUN's ingress, as if the daemon had written them; everything
// else goes on to the TUN queues and the daemon (the slow path), its reason counted.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "siit/settings.hpp"

namespace sixfour::io {

// What `stats` shows of a fast path: "on", or "off" and why; its counters when on ("hit", then
// each punt reason and "helper_drop" as named by fast_path_counter_names()).
struct FastPathStats {
  bool on = false;
  std::string reason;                // why off ("--fast-path off", or what auto found)
  std::vector<std::string> uplinks;  // where the uplink ingress program sits
  std::vector<std::pair<std::string, uint64_t>> counters;
};

// The names of the program's counters, in the order of enum siit_counter (src/bpf/siit.h).
const std::vector<std::string>& fast_path_counter_names();

class SiitFastPath {
 public:
  // Why the program cannot serve `s` yet, or "" if it can.
  static std::string unsupported(const siit::Settings& s);

  // Loads the program configured from `s` and attaches it at the egress of the TUN `ifindex`,
  // replacing a filter a crashed daemon left there. The error says why (no BPF in this build, not
  // permitted, the kernel refused); the caller goes on without.
  // With `uplinks`, also at the ingress of every Ethernet device but the TUN (`siit_uplink`: it
  // sends what it translates straight out the uplink the route names; where it cannot load, the
  // TUN program alone serves).
  static Result<std::unique_ptr<SiitFastPath>> attach(const siit::Settings& s, int ifindex, bool uplinks);
  // "uplinks eth0, eth1" when the uplink program is attached, "" for the TUN alone.
  std::string where() const;

  SiitFastPath(const SiitFastPath&) = delete;
  SiitFastPath& operator=(const SiitFastPath&) = delete;
  ~SiitFastPath();  // detaches (and removes the clsact qdisc if it added it)

  FastPathStats stats() const;

  struct Impl;  // opaque: the programs and their attachments

 private:
  explicit SiitFastPath(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sixfour::io
