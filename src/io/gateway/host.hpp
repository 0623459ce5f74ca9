// What `sixfour gateway` needs from the host beyond the TUN and routes: the facts its
// configuration is validated against (interfaces, addresses, the kernel's ephemeral port range,
// resolv.conf), the forwarding sysctls, and its own nftables table (applied through libnftables).
#pragma once
#include <string>
#include <vector>

#include "common/result.hpp"
#include "gateway/config.hpp"

namespace sixfour::io {

// Interfaces and their addresses (getifaddrs), /proc/sys/net/ipv4/ip_local_port_range (of this
// network namespace) and the nameservers of /etc/resolv.conf.
Result<gateway::HostFacts> discover_host();

// Runs an nftables script (the `nft -f` language) as one transaction through libnftables. The
// error is nft's first error line.
Status nft_run(const std::string& script);

// Forwarding in both families (the NAT64's packets enter and leave through the TUN and the
// kernel routes them). Turns on the ones that are off, remembers them, and turns those off again
// on restore() / destruction, so the host is left as it was found.
class ForwardingSysctls {
 public:
  ForwardingSysctls() = default;
  ForwardingSysctls(const ForwardingSysctls&) = delete;
  ForwardingSysctls& operator=(const ForwardingSysctls&) = delete;
  ~ForwardingSysctls() { restore(); }

  // The names of the sysctls it had to turn on ("net.ipv4.ip_forward", ...).
  Result<std::vector<std::string>> enable();
  std::vector<std::string> restore();  // the ones turned back off

 private:
  std::vector<std::string> changed_;  // /proc/sys paths
};

// sixfour's own nftables table for one TUN: installed by apply() (replacing a stale one), deleted
// on remove() / destruction.
class SteeringTable {
 public:
  explicit SteeringTable(gateway::Steering s) : s_(std::move(s)) {}
  SteeringTable(const SteeringTable&) = delete;
  SteeringTable& operator=(const SteeringTable&) = delete;
  ~SteeringTable() { remove(); }

  // Deletes a table of this name left by an earlier run that did not exit cleanly. True if there
  // was one.
  static Result<bool> remove_stale(const std::string& tun);
  Status apply();
  bool remove();  // true if the table was installed and is now gone

 private:
  gateway::Steering s_;
  bool applied_ = false;
};

}  // namespace sixfour::io
