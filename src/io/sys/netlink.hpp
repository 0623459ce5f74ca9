// rtnetlink through libmnl: links (index, up, MTU), IPv4 addresses, device routes ("PREFIX dev
// IFACE") and dumps.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "addr/ip.hpp"
#include "common/result.hpp"
#include "io/sys/fd.hpp"

struct mnl_socket;
struct nlmsghdr;

namespace sixfour::io {

// A route destination of either family.
struct RoutePrefix {
  uint8_t family = 0;  // AF_INET or AF_INET6
  std::array<uint8_t, 16> addr{};
  uint8_t len = 0;

  static RoutePrefix of(const Ipv4Prefix& p);
  static RoutePrefix of(const Ipv6Prefix& p);
  std::string str() const;
  bool operator==(const RoutePrefix&) const = default;
};

// A unicast route of the main table through a device ("PREFIX dev IFINDEX ...").
struct DeviceRoute {
  RoutePrefix prefix;
  int ifindex = 0;
};

// A non-blocking NETLINK_ROUTE socket subscribed to `groups` (RTNLGRP_*, any of them: added one
// by one, past bind()'s 32-bit mask) with a receive buffer of `rcvbuf` bytes (beyond rmem_max with
// CAP_NET_ADMIN): what a watcher of the network namespace's changes reads.
Result<Fd> rtnetlink_listener(std::initializer_list<int> groups, int rcvbuf);

// Calls `fn` for each whole netlink message in the `len` bytes at `data` (what one recv() from
// such a socket returned), in order; a truncated last message is not passed on.
void for_each_message(const uint8_t* data, size_t len, const std::function<void(const nlmsghdr*)>& fn);

class Netlink {
 public:
  static Result<Netlink> open();
  Netlink(Netlink&& o) noexcept;
  Netlink& operator=(Netlink&&) = delete;
  Netlink(const Netlink&) = delete;
  ~Netlink();

  Result<int> link_index(const std::string& name);
  Status set_link_up(int ifindex);
  Status set_mtu(int ifindex, unsigned mtu);

  // "PREFIX dev IFINDEX" in the main table, scope link (no gateway: the device is point-to-point).
  Status add_route(const RoutePrefix& p, int ifindex);
  Status del_route(const RoutePrefix& p, int ifindex);

  // Whether a unicast route with a prefix length from 1 to p.len whose prefix contains `p` exists in
  // any table other than "local", on a device other than `exclude_ifindex`: the kernel already
  // knows where `p` is (the default route does not count).
  Result<bool> has_specific_route(const RoutePrefix& p, int exclude_ifindex);
  // The unicast routes of `family` in the main table that name an output device.
  Result<std::vector<DeviceRoute>> device_routes(uint8_t family);

  // The host's own IPv4 address toward the IPv4 side (icmp-source host): of the IPv4 default
  // routes of the main table not through `exclude_ifindex` (the TUN), the one of lowest metric; its
  // preferred source (RTA_PREFSRC) if it names one, else the primary (first, not secondary) global
  // address of its device. `ifindex` is that device.
  struct HostAddress4 {
    Ipv4Addr addr;
    int ifindex = 0;
  };
  Result<HostAddress4> default_route_address4(int exclude_ifindex);

  // `addr`/`prefix_len` on interface `ifindex` (as `ip addr add ADDR/LEN dev IFACE`). Adding one
  // that is there already, or removing one that is gone (with its device), is not an error.
  Status add_address4(int ifindex, Ipv4Addr addr, uint8_t prefix_len);
  Status del_address4(int ifindex, Ipv4Addr addr, uint8_t prefix_len);

  // Sends one request (a message built in `nlh`) with NLM_F_ACK and waits for the acknowledgement.
  // The errno values in `ok_errors` count as success (EEXIST for an add, ESRCH for a removal).
  Status request(void* nlh, const char* what, std::initializer_list<int> ok_errors = {});

  // Dumps `type` (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE) of `family` (AF_UNSPEC: all), calling
  // `cb(message, data)` for each part; `cb` returns MNL_CB_OK to go on.
  Status dump(uint16_t type, uint8_t family, int (*cb)(const nlmsghdr*, void*), void* data);

 private:
  Netlink() = default;

  mnl_socket* nl_ = nullptr;
  unsigned portid_ = 0;
  unsigned seq_ = 0;
  std::vector<char> buf_;
};

// Routes added for the lifetime of the daemon; removed (in reverse order) on destruction. A route
// that disappeared already (its device went away) is not an error.
class RouteSet {
 public:
  RouteSet(Netlink& nl, int ifindex) : nl_(nl), ifindex_(ifindex) {}
  RouteSet(const RouteSet&) = delete;
  RouteSet& operator=(const RouteSet&) = delete;
  ~RouteSet() { clear(); }

  Status add(const RoutePrefix& p);
  void clear();
  const std::vector<RoutePrefix>& added() const { return added_; }

 private:
  Netlink& nl_;
  int ifindex_;
  std::vector<RoutePrefix> added_;
};

}  // namespace sixfour::io
