#include "clat/host_facts.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace sixfour::clat {

const LinkInfo* HostSnapshot::link(int index) const {
  auto it = std::find_if(links.begin(), links.end(), [&](const LinkInfo& l) { return l.index == index; });
  return it == links.end() ? nullptr : &*it;
}

const LinkInfo* HostSnapshot::link(std::string_view name) const {
  auto it = std::find_if(links.begin(), links.end(), [&](const LinkInfo& l) { return l.name == name; });
  return it == links.end() ? nullptr : &*it;
}

namespace {

int index_of(const HostSnapshot& s, std::string_view name) {
  const LinkInfo* l = name.empty() ? nullptr : s.link(name);
  return l ? l->index : 0;
}

// The main-table default unicast route of the family with the lowest metric whose interface passes
// `ok`; the first one listed wins a tie, as the kernel's own order would.
template <class Ok>
const RouteInfo* best_default(const HostSnapshot& s, bool v6, Ok ok) {
  const RouteInfo* best = nullptr;
  for (const RouteInfo& r : s.routes) {
    if (r.v6() != v6 || !r.main_default() || !ok(r.oif)) continue;
    if (!best || r.metric < best->metric) best = &r;
  }
  return best;
}

// The uplink's addresses as choose_mode wants them: global ones only, and only those the kernel
// lets a socket use (a tentative address is still under duplicate address detection).
std::vector<UplinkAddress> uplink_addresses(const HostSnapshot& s, int ifindex) {
  std::vector<UplinkAddress> out;
  for (const AddrInfo& a : s.addrs) {
    const Ipv6Addr* v6 = a.v6();
    if (!v6 || a.ifindex != ifindex || a.scope != kScopeUniverse || a.tentative || a.dad_failed) continue;
    if (!usable_uplink_address(*v6)) continue;
    out.push_back(UplinkAddress{*v6, a.prefix_len, a.deprecated, a.temporary});
  }
  return out;
}

bool has_ipv4_default(const HostSnapshot& s, int ifindex) {
  return best_default(s, false, [&](int oif) { return oif == ifindex; }) != nullptr;
}

// clatd's device is "clat" unless clat-dev= says otherwise; Android's clatd names its TUN
// "v4-" followed by the uplink's name.
bool clat_device_name(std::string_view name) { return name == "clat" || name.starts_with("v4-"); }

}  // namespace

UplinkView find_uplink(const HostSnapshot& s, std::string_view configured, std::string_view our_tun) {
  UplinkView v;
  const int tun = index_of(s, our_tun);
  if (!configured.empty()) {
    v.name = std::string(configured);
  } else {
    const RouteInfo* r = best_default(s, true, [&](int oif) { return oif != 0 && oif != tun && s.link(oif); });
    if (!r) return v;
    v.name = s.link(r->oif)->name;
  }
  const LinkInfo* l = s.link(v.name);
  if (!l) return v;
  v.ifindex = l->index;
  v.present = true;
  v.up = l->up;
  v.mtu = l->mtu;
  v.mac = l->mac;
  v.addresses = uplink_addresses(s, l->index);
  const RouteInfo* via = best_default(s, true, [&](int oif) { return oif == l->index; });
  if (via && std::holds_alternative<Ipv6Addr>(via->gateway)) v.router = std::get<Ipv6Addr>(via->gateway);
  return v;
}

std::optional<uint32_t> native_ipv4_default_metric(const HostSnapshot& s, int exclude_ifindex) {
  const RouteInfo* r = best_default(s, false, [&](int oif) { return oif != exclude_ifindex; });
  if (!r) return std::nullopt;
  return r->metric;
}

std::vector<Ipv4Addr> ipv4_in_use(const HostSnapshot& s, int exclude_ifindex) {
  std::vector<Ipv4Addr> out;
  for (const AddrInfo& a : s.addrs)
    if (const Ipv4Addr* v4 = a.v4(); v4 && a.ifindex != exclude_ifindex) out.push_back(*v4);
  return out;
}

std::optional<std::string> other_clat(const HostSnapshot& s, std::string_view our_tun) {
  for (const AddrInfo& a : s.addrs) {
    const Ipv4Addr* v4 = a.v4();
    if (!v4 || !kIpv4Range.contains(*v4)) continue;
    const LinkInfo* l = s.link(a.ifindex);
    const std::string name = l ? l->name : fmt::format("if{}", a.ifindex);
    if (!our_tun.empty() && name == our_tun) continue;
    if (clat_device_name(name))
      return fmt::format("another CLAT runs: interface {} (a clatd-style CLAT device) holds {}", name, v4->str());
    if (has_ipv4_default(s, a.ifindex))
      return fmt::format("another CLAT runs: interface {} holds {} of 192.0.0.0/29 and carries an IPv4 default route",
                         name, v4->str());
  }
  return std::nullopt;
}

Facts facts_of(const HostSnapshot& s, std::string_view configured_uplink, std::string_view our_tun,
               bool dedicated_failed) {
  const UplinkView up = find_uplink(s, configured_uplink, our_tun);
  Facts f;
  f.uplink = up.name;
  f.uplink_present = up.present;
  f.uplink_up = up.up;
  if (auto mode = choose_mode(up.addresses, dedicated_failed)) f.uplink_prefix = mode->prefix;
  f.native_ipv4_metric = native_ipv4_default_metric(s, index_of(s, our_tun));
  return f;
}

}  // namespace sixfour::clat
