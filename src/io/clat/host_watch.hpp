// The CLAT daemon's view of the host through rtnetlink: a snapshot of links, addresses and routes
// (clat/host_facts.hpp reads the facts out of it), a socket that says when any of them changed and
// which RFC 8781 PREF64 options arrived in router advertisements, the CLAT's own IPv4 default
// route, and whether another CLAT process (clatd) runs.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "addr/ip.hpp"
#include "clat/host_facts.hpp"
#include "common/result.hpp"
#include "io/sys/fd.hpp"
#include "io/sys/netlink.hpp"

namespace sixfour::io {

// Links (RTM_GETLINK), addresses of both families (RTM_GETADDR) and the routes of both families in
// every table (RTM_GETROUTE). A multipath route counts with its first next hop only.
Result<clat::HostSnapshot> read_host();
Result<clat::HostSnapshot> read_host(Netlink& nl);

// A PREF64 option (RFC 8781) of a router advertisement the kernel accepted.
struct Pref64Heard {
  int ifindex = 0;
  std::optional<Ipv6Addr> router;  // the advertisement's source
  Ipv6Prefix prefix;
  uint32_t lifetime_s = 0;  // 0: stop using the prefix
};

// A netlink socket subscribed to link, address, route and ND user option events; poll fd() for
// POLLIN, then drain().
class HostEvents {
 public:
  static Result<HostEvents> open();
  int fd() const { return fd_.get(); }

  struct Batch {
    bool changed = false;  // links, addresses or routes changed (or events were lost): read_host again
    std::vector<Pref64Heard> pref64;
  };
  // Everything pending, without blocking.
  Batch drain();

 private:
  explicit HostEvents(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

// The CLAT's IPv4 default route: "default dev IFINDEX metric METRIC mtu MTU advmss ADVMSS src
// PREFSRC" in the main table. Calling it again replaces the route (a new MTU after a Packet Too Big).
// Refuses when another interface's IPv4 default route has the same metric: replacing would take it.
Status add_default_route4(Netlink& nl, int ifindex, uint32_t metric, unsigned mtu, unsigned advmss, Ipv4Addr prefsrc);
// Removing a route that is gone already (with its device) is not an error.
Status del_default_route4(Netlink& nl, int ifindex, uint32_t metric);

// One line naming a running clatd (the Perl one of Tore Anderson, or Android's), nullopt when none.
std::optional<std::string> clat_process_running();

}  // namespace sixfour::io
