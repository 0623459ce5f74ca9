// The host as the CLAT daemon sees it (RFC 6877 on a host): a snapshot of links, addresses and
// routes as rtnetlink reports them (io/clat/host_watch.hpp reads it), and the facts the daemon
// reads out of it: which interface is the uplink, whether native IPv4 exists, which addresses of
// 192.0.0.0/29 are taken and whether another CLAT already runs. Pure: plain structs in, answers out.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "addr/ip.hpp"
#include "clat/address.hpp"
#include "clat/decision.hpp"

namespace sixfour::clat {

using Mac = std::array<uint8_t, 6>;

// The values of linux/rtnetlink.h the functions below compare with (the io side checks they match).
inline constexpr uint32_t kMainTable = 254;   // RT_TABLE_MAIN
inline constexpr uint8_t kUnicastRoute = 1;   // RTN_UNICAST
inline constexpr uint8_t kScopeUniverse = 0;  // RT_SCOPE_UNIVERSE: a global address

struct LinkInfo {
  int index = 0;
  std::string name;
  // IFF_UP and IFF_RUNNING: administratively up and able to carry packets. The kernel sets
  // IFF_RUNNING when the operational state is up or unknown (netif_oper_up), so a cable pulled or
  // a Wi-Fi not associated counts as down, while a device that never reports carrier (a TUN, a
  // dummy) counts as up.
  bool up = false;
  unsigned mtu = 0;
  std::optional<Mac> mac;  // IFLA_ADDRESS when it is 6 octets (Ethernet, Wi-Fi, veth)
  std::string kind;        // IFLA_INFO_KIND ("veth", "tun", "wireguard"...), "" for a plain device
};

struct AddrInfo {
  int ifindex = 0;
  std::variant<Ipv4Addr, Ipv6Addr> address;
  uint8_t prefix_len = 0;
  bool deprecated = false;  // IFA_F_DEPRECATED: preferred lifetime over
  bool temporary = false;   // IFA_F_TEMPORARY: RFC 8981 privacy address
  bool tentative = false;   // IFA_F_TENTATIVE: duplicate address detection still running
  bool dad_failed = false;  // IFA_F_DADFAILED
  uint8_t scope = kScopeUniverse;

  const Ipv4Addr* v4() const { return std::get_if<Ipv4Addr>(&address); }
  const Ipv6Addr* v6() const { return std::get_if<Ipv6Addr>(&address); }
};

struct RouteInfo {
  IpPrefix dst;  // dst.v6 says the family; length 0 = a default route
  int oif = 0;   // 0 when the kernel named none
  uint32_t metric = 0;
  uint32_t table = kMainTable;
  uint8_t type = kUnicastRoute;
  std::variant<std::monostate, Ipv4Addr, Ipv6Addr> gateway;

  bool v6() const { return dst.v6; }
  bool is_default() const { return dst.v6 ? dst.p6.len == 0 : dst.p4.len == 0; }
  // A default unicast route of the main table: one the kernel routes the host's traffic by.
  bool main_default() const { return is_default() && type == kUnicastRoute && table == kMainTable; }
};

struct HostSnapshot {
  std::vector<LinkInfo> links;
  std::vector<AddrInfo> addrs;
  std::vector<RouteInfo> routes;

  const LinkInfo* link(int index) const;
  const LinkInfo* link(std::string_view name) const;
};

struct UplinkView {
  std::string name;  // "" = no uplink (none configured and no IPv6 default route)
  int ifindex = 0;
  bool present = false;  // the interface exists
  bool up = false;
  unsigned mtu = 0;
  std::optional<Mac> mac;
  std::vector<UplinkAddress> addresses;  // global, usable, neither tentative nor failed DAD
  std::optional<Ipv6Addr> router;        // gateway of the best IPv6 default route through it
};

// The uplink: `configured` when given, else the interface of the IPv6 default route of the main
// table with the lowest metric, never `our_tun` (the CLAT's own device).
UplinkView find_uplink(const HostSnapshot& s, std::string_view configured, std::string_view our_tun = {});

// The lowest metric of an IPv4 default unicast route in the main table through an interface other
// than `exclude_ifindex` (the CLAT's TUN): native IPv4. nullopt: the host has none.
std::optional<uint32_t> native_ipv4_default_metric(const HostSnapshot& s, int exclude_ifindex);

// The IPv4 addresses on interfaces other than `exclude_ifindex`: what pick_ipv4 must not take.
std::vector<Ipv4Addr> ipv4_in_use(const HostSnapshot& s, int exclude_ifindex);

// One line naming another CLAT when the host shows one, nullopt otherwise. A CLAT is an interface
// other than `our_tun` holding an address of 192.0.0.0/29 (RFC 7335) that also carries an IPv4
// default route (NetworkManager's ipv4.clat, a BPF program on the uplink itself, puts both on the
// uplink), or one named like clatd's device ("clat") or Android's ("v4-<uplink>") holding such an
// address. An address of 192.0.0.0/29 alone is no CLAT: a DS-Lite B4 holds 192.0.0.2 (RFC 6333).
std::optional<std::string> other_clat(const HostSnapshot& s, std::string_view our_tun);

// The facts decide() needs that the host shows: the uplink, whether it is present and up, its
// prefix (choose_mode over its addresses; `dedicated_failed` as there) and native IPv4. The daemon
// adds the NAT64 prefix and --force.
Facts facts_of(const HostSnapshot& s, std::string_view configured_uplink, std::string_view our_tun,
               bool dedicated_failed = false);

}  // namespace sixfour::clat
