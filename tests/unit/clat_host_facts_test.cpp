// The host facts the CLAT daemon reads out of a netlink snapshot: the uplink, native IPv4, the
// addresses of 192.0.0.0/29 in use and another CLAT.
#include "clat/host_facts.hpp"

#include <gtest/gtest.h>

using namespace sixfour;
using namespace sixfour::clat;

namespace {

Ipv4Addr a4(const char* s) { return Ipv4Addr::parse(s).value(); }
Ipv6Addr a6(const char* s) { return Ipv6Addr::parse(s).value(); }
IpPrefix pfx(const char* s) { return IpPrefix::parse(s).value(); }

LinkInfo link(int index, const char* name, bool up = true) {
  LinkInfo l;
  l.index = index;
  l.name = name;
  l.up = up;
  l.mtu = 1500;
  return l;
}

AddrInfo addr6(int ifindex, const char* a, uint8_t len = 64) {
  AddrInfo i;
  i.ifindex = ifindex;
  i.address = a6(a);
  i.prefix_len = len;
  return i;
}

AddrInfo addr4(int ifindex, const char* a, uint8_t len = 24) {
  AddrInfo i;
  i.ifindex = ifindex;
  i.address = a4(a);
  i.prefix_len = len;
  return i;
}

RouteInfo route(const char* dst, int oif, uint32_t metric) {
  RouteInfo r;
  r.dst = pfx(dst);
  r.oif = oif;
  r.metric = metric;
  return r;
}

RouteInfo via6(int oif, uint32_t metric, const char* gw) {
  RouteInfo r = route("::/0", oif, metric);
  r.gateway = a6(gw);
  return r;
}

// A laptop: lo, eth0 (cable, down), wlan0 on an IPv6-only hotspot, our clat0.
HostSnapshot laptop() {
  HostSnapshot s;
  s.links = {link(1, "lo"), link(2, "eth0", false), link(3, "wlan0"), link(9, "clat0")};
  s.links[2].mac = Mac{0x02, 0, 0x5e, 0x10, 0, 1};
  s.links[2].mtu = 1400;
  s.addrs = {addr6(1, "::1", 128), addr6(3, "fe80::1"), addr6(3, "2001:db8:1:2::10")};
  s.addrs[1].scope = 253;  // link
  s.routes = {route("2001:db8:1:2::/64", 3, 256), via6(3, 600, "fe80::1")};
  return s;
}

}  // namespace

TEST(ClatHostFacts, UplinkIsTheInterfaceOfTheIpv6DefaultRoute) {
  const UplinkView v = find_uplink(laptop(), "", "clat0");
  EXPECT_EQ(v.name, "wlan0");
  EXPECT_EQ(v.ifindex, 3);
  EXPECT_TRUE(v.present);
  EXPECT_TRUE(v.up);
  EXPECT_EQ(v.mtu, 1400u);
  ASSERT_TRUE(v.mac);
  EXPECT_EQ((*v.mac)[5], 1);
  ASSERT_EQ(v.addresses.size(), 1u);  // the link-local one is no uplink address
  EXPECT_EQ(v.addresses[0].address, a6("2001:db8:1:2::10"));
  EXPECT_EQ(v.addresses[0].prefix_len, 64);
  ASSERT_TRUE(v.router);
  EXPECT_EQ(*v.router, a6("fe80::1"));
}

TEST(ClatHostFacts, LowestMetricWinsAndOurTunNever) {
  HostSnapshot s = laptop();
  s.routes.push_back(via6(2, 100, "fe80::2"));  // eth0 at a lower metric
  s.routes.push_back(route("::/0", 9, 1));      // our own TUN, lower still
  RouteInfo other_table = route("::/0", 1, 0);  // a policy table: not the main one
  other_table.table = 100;
  s.routes.push_back(other_table);
  RouteInfo unreachable = route("::/0", 1, 0);  // "unreachable default": no way out
  unreachable.type = 7;
  s.routes.push_back(unreachable);
  const UplinkView v = find_uplink(s, "", "clat0");
  EXPECT_EQ(v.name, "eth0");
  EXPECT_FALSE(v.up);
  EXPECT_EQ(*v.router, a6("fe80::2"));
  EXPECT_TRUE(v.addresses.empty());
}

TEST(ClatHostFacts, ConfiguredUplinkWinsEvenWhenAbsent) {
  EXPECT_EQ(find_uplink(laptop(), "eth0", "clat0").name, "eth0");
  const UplinkView gone = find_uplink(laptop(), "wwan0", "clat0");
  EXPECT_EQ(gone.name, "wwan0");
  EXPECT_FALSE(gone.present);
  EXPECT_FALSE(gone.up);
  EXPECT_EQ(gone.ifindex, 0);
}

TEST(ClatHostFacts, NoIpv6DefaultRouteNoUplink) {
  HostSnapshot s = laptop();
  s.routes.pop_back();
  const UplinkView v = find_uplink(s, "", "clat0");
  EXPECT_EQ(v.name, "");
  EXPECT_FALSE(v.present);
}

TEST(ClatHostFacts, UplinkAddressesSkipUnusableOnes) {
  HostSnapshot s = laptop();
  s.addrs.push_back(addr6(3, "2001:db8:1:2::11"));
  s.addrs.back().tentative = true;
  s.addrs.push_back(addr6(3, "2001:db8:1:2::12"));
  s.addrs.back().dad_failed = true;
  s.addrs.push_back(addr6(3, "2001:db8:1:2::13"));
  s.addrs.back().deprecated = true;
  s.addrs.back().temporary = true;
  s.addrs.push_back(addr6(2, "2001:db8:9::1"));  // another interface's
  s.addrs.push_back(addr4(3, "198.51.100.7"));
  const UplinkView v = find_uplink(s, "", "");
  ASSERT_EQ(v.addresses.size(), 2u);
  EXPECT_EQ(v.addresses[1].address, a6("2001:db8:1:2::13"));
  EXPECT_TRUE(v.addresses[1].deprecated);
  EXPECT_TRUE(v.addresses[1].temporary);
}

TEST(ClatHostFacts, NativeIpv4DefaultMetric) {
  HostSnapshot s = laptop();
  EXPECT_FALSE(native_ipv4_default_metric(s, 9));
  s.routes.push_back(route("0.0.0.0/0", 9, 2048));  // ours
  EXPECT_FALSE(native_ipv4_default_metric(s, 9));
  s.routes.push_back(route("198.51.100.0/24", 3, 100));  // not a default route
  EXPECT_FALSE(native_ipv4_default_metric(s, 9));
  s.routes.push_back(route("0.0.0.0/0", 3, 600));
  s.routes.push_back(route("0.0.0.0/0", 2, 100));
  EXPECT_EQ(native_ipv4_default_metric(s, 9), 100u);
  EXPECT_EQ(native_ipv4_default_metric(s, 2), 600u);
}

TEST(ClatHostFacts, Ipv4InUseLeavesOutOurTun) {
  HostSnapshot s = laptop();
  s.addrs.push_back(addr4(1, "127.0.0.1", 8));
  s.addrs.push_back(addr4(2, "192.0.0.2", 29));
  s.addrs.push_back(addr4(9, "192.0.0.1", 29));
  const auto used = ipv4_in_use(s, 9);
  ASSERT_EQ(used.size(), 2u);
  EXPECT_EQ(used[1], a4("192.0.0.2"));
  // pick_ipv4 then skips the B4's address and takes .1 again for us.
  EXPECT_EQ(pick_ipv4(used).value(), a4("192.0.0.1"));
}

TEST(ClatHostFacts, OtherClatNeedsRangeAndDefaultRoute) {
  HostSnapshot s = laptop();
  s.addrs.push_back(addr4(9, "192.0.0.1", 29));  // ours, with our default route
  s.routes.push_back(route("0.0.0.0/0", 9, 2048));
  EXPECT_FALSE(other_clat(s, "clat0"));
  s.links.push_back(link(10, "ip6tnl1"));  // a DS-Lite B4: 192.0.0.2 without a default route
  s.addrs.push_back(addr4(10, "192.0.0.2", 29));
  EXPECT_FALSE(other_clat(s, "clat0"));
  s.routes.push_back(route("0.0.0.0/0", 10, 0));
  EXPECT_EQ(other_clat(s, "clat0").value(),
            "another CLAT runs: interface ip6tnl1 holds 192.0.0.2 of 192.0.0.0/29 and carries an IPv4 default route");
  // Run under another TUN name, our own clat0 is someone else's.
  s.routes.pop_back();
  EXPECT_NE(other_clat(s, "sixclat").value().find("interface clat0"), std::string::npos);
}

TEST(ClatHostFacts, OtherClatByDeviceName) {
  HostSnapshot s = laptop();
  s.links.push_back(link(11, "clat"));
  s.addrs.push_back(addr4(11, "192.0.0.1", 29));
  EXPECT_EQ(other_clat(s, "clat0").value(),
            "another CLAT runs: interface clat (a clatd-style CLAT device) holds 192.0.0.1");
  EXPECT_FALSE(other_clat(s, "clat"));  // unless it is ours
  s.links.back().name = "v4-wlan0";
  EXPECT_TRUE(other_clat(s, "clat0"));
  s.addrs.back().address = a4("198.51.100.1");  // no address of the range: no CLAT
  EXPECT_FALSE(other_clat(s, "clat0"));
}

TEST(ClatHostFacts, FactsOf) {
  HostSnapshot s = laptop();
  s.routes.push_back(route("0.0.0.0/0", 9, 2048));
  Facts f = facts_of(s, "", "clat0");
  EXPECT_EQ(f.uplink, "wlan0");
  EXPECT_TRUE(f.uplink_present);
  EXPECT_TRUE(f.uplink_up);
  EXPECT_EQ(f.uplink_prefix, Ipv6Prefix::parse("2001:db8:1:2::/64").value());
  EXPECT_FALSE(f.native_ipv4_metric);
  EXPECT_EQ(f.uplink_prefix, facts_of(s, "", "clat0", false).uplink_prefix);
  EXPECT_EQ(facts_of(s, "", "clat0", true).uplink_prefix, Ipv6Prefix::parse("2001:db8:1:2::10/128").value());
  s.routes.push_back(route("0.0.0.0/0", 3, 600));
  f = facts_of(s, "", "clat0");
  EXPECT_EQ(f.native_ipv4_metric, 600u);
  EXPECT_EQ(decide(f).state, State::Inactive);
  s.addrs.pop_back();
  EXPECT_FALSE(facts_of(s, "", "clat0").uplink_prefix);
}
