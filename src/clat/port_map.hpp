// The shared-address mode of the CLAT (issue 14, item 3): where no dedicated IPv6 address can be
// had (a DHCPv6 /128, a network that drops a second address), the CLAT's packets leave from the
// host's own IPv6 address. Their return traffic is told apart from the host's own IPv6 connections by
// port: the CLAT moves the host's IPv4 ports (and ICMP echo identifiers) into a range the kernel
// never uses for its own sockets (reserved through ip_local_reserved_ports, and dropped before the
// kernel's stack sees it), a small NAPT66 of its own, like `sixfour gateway` does for IPv4.
//
// PortMap is that mapping, per protocol (TCP, UDP, ICMP echo): the host's port <-> a port of the
// range, made on the first outgoing packet and kept while used (idle entries are reused when the
// range is full: 2 h 4 min for TCP, RFC 5382 REQ-5; 5 min otherwise, RFC 4787 REQ-5). Thread-safe:
// the outgoing loop makes mappings, the incoming one reads them.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "addr/ip.hpp"

namespace sixfour::clat {

struct PortRange {
  uint16_t first = 61000;  // above Linux's default ephemeral range (32768-60999)
  uint16_t count = 4536;   // to 65535
  bool contains(uint16_t p) const { return p >= first && p - first < count; }
  uint16_t last() const { return static_cast<uint16_t>(first + count - 1); }
};

class PortMap {
 public:
  // `now_s` reads a monotonic clock in seconds (tests pass their own).
  explicit PortMap(PortRange r, std::function<uint64_t()> now_s = {});

  // IPv4 protocol numbers: 6 (TCP), 17 (UDP), 1 (ICMP echo identifiers); others have no mapping.
  // The port on the shared address for the host's `host_port`, made if absent; nullopt when the range
  // is full of live mappings or the protocol has none.
  std::optional<uint16_t> outward(uint8_t proto, uint16_t host_port);
  // The same without making one (the quoted packet of an ICMP error the host sends).
  std::optional<uint16_t> find_outward(uint8_t proto, uint16_t host_port) const;
  // The host's port for `shared_port` (refreshing the mapping), nullopt if there is none.
  std::optional<uint16_t> inward(uint8_t proto, uint16_t shared_port);

  const PortRange& range() const { return range_; }
  size_t size() const;

 private:
  struct Slot {
    uint16_t host_port = 0;
    bool used = false;
    uint64_t last = 0;
  };
  struct Table {
    std::vector<uint16_t> by_host;  // host port -> slot + 1 (0: none)
    std::vector<Slot> slots;        // slot i is port range.first + i
    size_t cursor = 0;
  };
  static int table_of(uint8_t proto);  // -1: none
  uint64_t idle_limit(int table) const;
  std::optional<size_t> free_slot(Table& t, int table, uint16_t host_port, uint64_t now);

  PortRange range_;
  std::function<uint64_t()> now_s_;
  std::array<Table, 3> tables_;
  mutable std::mutex mu_;
};

// Whether an IPv6 packet addressed to the host's own (shared) address belongs to the CLAT: TCP or
// UDP to a port of `r`, an ICMPv6 Echo Reply with an identifier in `r`, or an ICMPv6 error quoting
// such a packet the CLAT sent. A packet with extension headers is not the CLAT's (reassemble first).
bool shared_owns(std::span<const uint8_t> ipv6, const PortRange& r);

// sixfour's nftables table for the CLAT on `tun` in the shared mode (table inet sixfour_TUN, like
// the gateway's): before the kernel's stack (prerouting, raw priority), TCP and UDP to the host's
// address on a port of `r` are dropped, so that the kernel neither resets nor refuses what the CLAT
// took already (its packet socket saw the packet first). One transaction that replaces a stale table.
std::string nft_shared_apply(std::string_view tun, const Ipv6Addr& host, const PortRange& r);
std::string nft_shared_delete(std::string_view tun);

}  // namespace sixfour::clat
