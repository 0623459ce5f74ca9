// `sixfour gateway` configuration: the port range taken next to the kernel's ephemeral ports,
// built-in defaults on a one-IPv4 host (shared mode), routed vs shared pool4, TOML and command-line
// precedence, one-line errors naming the value, the nftables ruleset text and --print-config.
#include <gtest/gtest.h>

#include <sstream>

#include "gateway/config.hpp"
#include "printed_config.hpp"

namespace sixfour::gateway {
namespace {

HostAddress a4(std::string iface, std::string_view addr, uint8_t len) {
  HostAddress h;
  h.iface = std::move(iface);
  h.a4 = *Ipv4Addr::parse(addr);
  h.len = len;
  return h;
}
HostAddress a6(std::string iface, std::string_view addr, uint8_t len) {
  HostAddress h;
  h.iface = std::move(iface);
  h.v6 = true;
  h.a6 = *Ipv6Addr::parse(addr);
  h.len = len;
  return h;
}

// The lab's gateway: eth-c6 faces the IPv6-only clients, eth-s4 has the host's one IPv4 address.
HostFacts lab_host() {
  HostFacts h;
  h.interfaces = {"lo", "eth-c6", "eth-s4"};
  h.addresses = {a4("lo", "127.0.0.1", 8), a6("lo", "::1", 128), a6("eth-c6", "2001:db8:6::1", 64),
                 a6("eth-c6", "fe80::1", 64), a4("eth-s4", "198.51.100.1", 24)};
  h.ephemeral = {32768, 60999};
  h.resolvers = {*dns64::parse_endpoint("198.51.100.2")};
  return h;
}

ConfigInput inside(std::vector<std::string> ifs) {
  ConfigInput in;
  in.inside.set(std::move(ifs));
  return in;
}

// ---- port range vs the kernel's ephemeral ports

TEST(GatewayPorts, LinuxDefaultTakesTheLargerGapBelow) {
  auto p = choose_ports({32768, 60999});
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->str(), "1024-32767");
  EXPECT_EQ(p->size(), 31744u);
}

TEST(GatewayPorts, TakesTheGapAboveWhenLarger) {
  auto p = choose_ports({1024, 40000});
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->str(), "40001-65535");
}

TEST(GatewayPorts, TieGoesAbove) {
  // below: 1024-1999 (976) vs above: 64560-65535 (976)
  auto p = choose_ports({2000, 64559});
  ASSERT_FALSE(p);                        // both under the minimum
  auto q = choose_ports({11024, 55535});  // 10000 ports on either side
  ASSERT_TRUE(q) << q.error();
  EXPECT_EQ(q->str(), "55536-65535");
}

TEST(GatewayPorts, NeverBelow1024EvenWhenTheKernelStartsLow) {
  auto p = choose_ports({500, 30000});
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->str(), "30001-65535");
}

TEST(GatewayPorts, WholeRangeTakenByTheKernelIsAnError) {
  auto p = choose_ports({1024, 65535});
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("1024-65535"), std::string::npos) << p.error();
  EXPECT_NE(p.error().find("ports = "), std::string::npos) << p.error();
}

TEST(GatewayPorts, ChosenRangeNeverOverlapsTheEphemeralOne) {
  for (uint32_t lo = 1024; lo <= 65535; lo += 997)
    for (uint32_t hi = lo; hi <= 65535; hi += 1499) {
      const PortRange e{static_cast<uint16_t>(lo), static_cast<uint16_t>(hi)};
      auto p = choose_ports(e);
      if (!p) continue;
      EXPECT_FALSE(p->overlaps(e)) << e.str() << " -> " << p->str();
      EXPECT_GE(p->lo, 1024);
      EXPECT_GE(p->size(), kMinSharedPorts);
    }
}

TEST(GatewayPorts, ParseProcFileAndRanges) {
  auto e = parse_ip_local_port_range("32768\t60999\n");
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->lo, 32768);
  EXPECT_EQ(e->hi, 60999);
  EXPECT_FALSE(parse_ip_local_port_range("32768"));
  EXPECT_FALSE(parse_ip_local_port_range("60999 32768"));
  auto r = parse_port_range("61000-65535");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 4536u);
  EXPECT_FALSE(parse_port_range("61000"));
  EXPECT_FALSE(parse_port_range("0-10"));
  EXPECT_FALSE(parse_port_range("20-10"));
  EXPECT_FALSE(parse_port_range("1-65536"));
}

// ---- defaults on a one-IPv4 host

TEST(GatewayConfig, DefaultsShareTheHostsOnlyIpv4Address) {
  auto c = validate(inside({"eth-c6"}), lab_host());
  ASSERT_TRUE(c) << c.error();
  const Steering& s = c->steering;
  EXPECT_TRUE(s.shared);
  EXPECT_EQ(s.tun, "sixfour0");
  EXPECT_EQ(s.host4.str(), "198.51.100.1");
  EXPECT_EQ(s.internal4.str(), "192.0.0.6");
  EXPECT_EQ(s.ports.str(), "1024-32767");
  EXPECT_TRUE(c->ports_chosen);
  // The NAT64 core translates to the internal address with exactly those ports.
  ASSERT_EQ(c->nat64.settings.pool4.size(), 1u);
  EXPECT_EQ(c->nat64.settings.pool4[0].prefix.str(), "192.0.0.6/32");
  EXPECT_EQ(c->nat64.settings.pool4[0].lo, 1024);
  EXPECT_EQ(c->nat64.settings.pool4[0].hi, 32767);
  EXPECT_EQ(c->nat64.settings.xlat.self4.str(), "192.0.0.6");
  EXPECT_EQ(c->nat64.settings.prefix.str(), "64:ff9b::/96");
  EXPECT_EQ(c->nat64.tun, "sixfour0");
  EXPECT_EQ(c->control, "/run/sixfour/gateway-sixfour0.sock");
  // DNS64: the inside interface's global address (not the link-local one), port 53; clients
  // from its on-link network and loopback only; the host's resolvers; the same prefix.
  ASSERT_EQ(c->dns64.listen.size(), 1u);
  EXPECT_EQ(c->dns64.listen[0].str(), "[2001:db8:6::1]:53");
  std::vector<std::string> allow;
  for (const auto& a : c->dns64.allow) allow.push_back(a.str());
  EXPECT_EQ(allow, (std::vector<std::string>{"127.0.0.0/8", "::1/128", "2001:db8:6::/64"}));
  ASSERT_EQ(c->dns64.upstreams.size(), 1u);
  EXPECT_EQ(c->dns64.upstreams[0].str(), "198.51.100.2:53");
  EXPECT_EQ(c->dns64.settings.prefix.str(), "64:ff9b::/96");
  EXPECT_EQ(c->dns64.threads, 1u);
}

TEST(GatewayConfig, InsideIsRequiredAndMustExist) {
  auto c = validate(ConfigInput{}, lab_host());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().rfind("--inside IFACE is required", 0), 0u) << c.error();
  c = validate(inside({"eth9"}), lab_host());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), "--inside \"eth9\": no such interface");
  c = validate(inside({"a\"b"}), lab_host());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), "--inside \"a\"b\": not a valid interface name");
}

TEST(GatewayConfig, InsideWithoutAGlobalAddressNeedsDnsListen) {
  HostFacts h = lab_host();
  h.interfaces.push_back("eth-ll");
  h.addresses.push_back(a6("eth-ll", "fe80::9", 64));
  auto c = validate(inside({"eth-ll"}), h);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("--dns-listen"), std::string::npos) << c.error();
  ConfigInput in = inside({"eth-ll"});
  in.dns_listen.set({"[2001:db8:6::1]:5353"});
  c = validate(in, h);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->dns64.listen.at(0).str(), "[2001:db8:6::1]:5353");
}

TEST(GatewayConfig, NoOrSeveralHostAddressesAskForPool4) {
  HostFacts h = lab_host();
  h.addresses.push_back(a4("eth-s4", "198.51.100.9", 24));
  auto c = validate(inside({"eth-c6"}), h);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("2 IPv4 addresses (198.51.100.1 (eth-s4), 198.51.100.9 (eth-s4))"), std::string::npos)
      << c.error();
  EXPECT_NE(c.error().find("--pool4 ADDR"), std::string::npos);

  h = lab_host();
  h.addresses.pop_back();
  c = validate(inside({"eth-c6"}), h);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("no IPv4 address"), std::string::npos) << c.error();
}

TEST(GatewayConfig, AddressesOnTheInsideInterfaceAreNotShared) {
  HostFacts h = lab_host();
  h.addresses.push_back(a4("eth-c6", "192.168.1.1", 24));  // a dual-stack LAN
  auto c = validate(inside({"eth-c6"}), h);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->steering.host4.str(), "198.51.100.1");
  // ...but DNS64 serves that LAN too.
  ASSERT_EQ(c->dns64.listen.size(), 2u);
  EXPECT_EQ(c->dns64.listen[1].str(), "192.168.1.1:53");
}

TEST(GatewayConfig, Pool4OfTheHostIsSharedWithItsPortRange) {
  HostFacts h = lab_host();
  h.addresses.push_back(a4("eth-s4", "198.51.100.9", 24));
  ConfigInput in = inside({"eth-c6"});
  in.pool4.set({"198.51.100.9:61000-65535"});
  auto c = validate(in, h);
  ASSERT_TRUE(c) << c.error();
  EXPECT_TRUE(c->steering.shared);
  EXPECT_EQ(c->steering.host4.str(), "198.51.100.9");
  EXPECT_EQ(c->steering.ports.str(), "61000-65535");
  EXPECT_FALSE(c->ports_chosen);

  in.pool4.set({"198.51.100.9:40000-50000"});
  c = validate(in, h);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(),
            "ports 40000-50000 overlap the kernel's ephemeral ports 32768-60999 "
            "(net.ipv4.ip_local_port_range): the kernel's own connections would compete for them");

  in.pool4.set({"198.51.100.9"});
  in.ports.set("61000-61999");
  c = validate(in, h);
  ASSERT_TRUE(c) << c.error();  // a configured range may be small: the minimum is for the chosen one
  EXPECT_EQ(c->steering.ports.str(), "61000-61999");
  in.pool4.set({"198.51.100.9:61000-61999"});
  c = validate(in, h);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), "--ports \"61000-61999\": pool4 already gives a port range; give one or the other");
}

TEST(GatewayConfig, ConfiguredPortsAndInternalAddress) {
  ConfigInput in = inside({"eth-c6"});
  in.ports.set("61000-65535", "gw.toml");
  in.internal4.set("192.0.0.5");
  auto c = validate(in, lab_host());
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->steering.ports.str(), "61000-65535");
  EXPECT_EQ(c->steering.internal4.str(), "192.0.0.5");
  EXPECT_EQ(c->nat64.settings.pool4.at(0).prefix.str(), "192.0.0.5/32");

  in.internal4.set("198.51.100.1");
  c = validate(in, lab_host());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), "--internal4 \"198.51.100.1\": is an address of this host; it must be unused");
  in.internal4.set("192.0.0.300");
  EXPECT_FALSE(validate(in, lab_host()));
  in.internal4.set("127.0.0.2");
  EXPECT_FALSE(validate(in, lab_host()));

  in = inside({"eth-c6"});
  in.ports.set("1-2-3", "gw.toml");
  c = validate(in, lab_host());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().rfind("gw.toml: ports \"1-2-3\": ", 0), 0u) << c.error();
}

TEST(GatewayConfig, RoutedPool4IsPassedToTheNat64AsIs) {
  ConfigInput in = inside({"eth-c6"});
  in.pool4.set({"203.0.113.0/30:2000-2999"});
  auto c = validate(in, lab_host());
  ASSERT_TRUE(c) << c.error();
  EXPECT_FALSE(c->steering.shared);
  ASSERT_EQ(c->nat64.settings.pool4.size(), 1u);
  EXPECT_EQ(c->nat64.settings.pool4[0].prefix.str(), "203.0.113.0/30");
  EXPECT_EQ(c->nat64.settings.pool4[0].lo, 2000);
  // No SNAT in routed mode: only the inside-only forward rule.
  const std::string rs = nft_ruleset(c->steering);
  EXPECT_EQ(rs.find("snat"), std::string::npos) << rs;
  EXPECT_NE(rs.find("oifname \"sixfour0\" meta nfproto ipv6 iifname != { \"eth-c6\" } drop"), std::string::npos) << rs;

  in.ports.set("61000-65535");
  c = validate(in, lab_host());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("applies only when pool4 is this host's own address"), std::string::npos);
  in.ports = {};
  in.internal4.set("192.0.0.5");
  EXPECT_FALSE(validate(in, lab_host()));
}

TEST(GatewayConfig, Pool4HoldingAHostAddressAmongOthersIsRefused) {
  ConfigInput in = inside({"eth-c6"});
  in.pool4.set({"198.51.100.0/30"});
  auto c = validate(in, lab_host());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(),
            "--pool4 \"198.51.100.0/30\": contains 198.51.100.1 of this host (eth-s4); give that "
            "address alone to share it with the kernel, or addresses the host does not use");
}

TEST(GatewayConfig, Nat64AndDns64ErrorsNameTheValue) {
  ConfigInput in = inside({"eth-c6"});
  in.prefix.set("2001:db8:64::/95", "gw.toml");
  auto c = validate(in, lab_host());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().rfind("gw.toml: prefix \"2001:db8:64::/95\": ", 0), 0u) << c.error();

  in = inside({"eth-c6"});
  in.workers.set("999");
  c = validate(in, lab_host());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().rfind("--workers \"999\"", 0), 0u) << c.error();

  in = inside({"eth-c6"});
  in.dns_listen.set({"nope"});
  c = validate(in, lab_host());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().rfind("--dns-listen \"nope\": ", 0), 0u) << c.error();

  in = inside({"eth-c6"});
  in.dns_allow.set({"2001:db8::/129"});
  c = validate(in, lab_host());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().rfind("--dns-allow \"2001:db8::/129\": ", 0), 0u) << c.error();

  in = inside({"eth-c6"});
  in.dns_threads.set("x");
  c = validate(in, lab_host());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), "--dns-threads \"x\": must be a number from 1 to 256");

  HostFacts h = lab_host();
  h.resolvers.clear();
  c = validate(inside({"eth-c6"}), h);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("no upstream resolver"), std::string::npos) << c.error();

  in = inside({"eth-c6"});
  in.upstream.set({"[2001:db8:6::1]:53"});  // ourselves
  c = validate(in, lab_host());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("forwarding loop"), std::string::npos) << c.error();

  in = inside({"eth-c6"});
  in.tun.set("eth-c6");
  c = validate(in, lab_host());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), "--tun \"eth-c6\": is also an --inside interface");
}

TEST(GatewayConfig, SharedPrefixForBoth) {
  ConfigInput in = inside({"eth-c6"});
  in.prefix.set("2001:db8:64::/96");
  auto c = validate(in, lab_host());
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->nat64.settings.prefix.str(), "2001:db8:64::/96");
  EXPECT_EQ(c->dns64.settings.prefix.str(), "2001:db8:64::/96");
  // self6: the internal address embedded in the prefix (nat64::self_address_rule).
  EXPECT_EQ(c->nat64.settings.xlat.self6.str(), "2001:db8:64::c000:6");
}

// ---- TOML and merge

TEST(GatewayConfig, TomlKeysAndCommandLinePrecedence) {
  auto f = parse_toml(R"(
inside = ["eth-c6"]
tun = "gw64"
prefix = "2001:db8:64::/96"
ports = "61000-65535"
internal4 = "192.0.0.5"
dns-listen = "[2001:db8:6::1]:5300"
upstream = ["198.51.100.2:53", "198.51.100.3"]
dns-allow = ["2001:db8:6::/64"]
dns-threads = 2
workers = 2
offload = "off"
mtu = 1400
allow-non-global = true
control = "/tmp/gw.sock"
icmp-rate = 20
)",
                      "gw.toml");
  ASSERT_TRUE(f) << f.error();
  ConfigInput cli;
  cli.tun.set("cli64");
  cli.upstream.set({"198.51.100.4"});
  auto c = validate(merge(*f, cli), lab_host());
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->steering.tun, "cli64");
  EXPECT_EQ(c->nat64.tun, "cli64");
  EXPECT_EQ(c->steering.ports.str(), "61000-65535");
  EXPECT_EQ(c->steering.internal4.str(), "192.0.0.5");
  EXPECT_EQ(c->dns64.listen.at(0).str(), "[2001:db8:6::1]:5300");
  ASSERT_EQ(c->dns64.upstreams.size(), 1u);
  EXPECT_EQ(c->dns64.upstreams[0].str(), "198.51.100.4:53");
  EXPECT_EQ(c->dns64.allow.size(), 1u);
  EXPECT_EQ(c->dns64.threads, 2u);
  EXPECT_EQ(c->nat64.workers, 2u);
  EXPECT_FALSE(c->nat64.offload);
  EXPECT_EQ(c->nat64.settings.xlat.mtu6, 1400);
  EXPECT_TRUE(c->nat64.settings.allow_non_global);
  EXPECT_EQ(c->nat64.settings.xlat.icmp_errors_per_second, 20u);
  EXPECT_EQ(c->control, "/tmp/gw.sock");
  EXPECT_EQ(c->dns64.control, "/tmp/gw.sock");
}

TEST(GatewayConfig, TomlErrors) {
  auto f = parse_toml("insde = [\"x\"]\n", "gw.toml");
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().rfind("gw.toml: unknown key \"insde\" (known: inside, ", 0), 0u) << f.error();
  f = parse_toml("workers = true\n", "gw.toml");
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().rfind("gw.toml: workers: expected", 0), 0u) << f.error();
  // offload is checked like `sixfour nat64 --offload`: auto or off.
  ConfigInput bad;
  bad.inside.set({"eth-c6"});
  bad.offload.set("sometimes");
  auto v = validate(bad, lab_host());
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().find("must be auto or off"), std::string::npos) << v.error();
  f = parse_toml("inside = [\n", "gw.toml");
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().rfind("gw.toml:", 0), 0u);
}

// ---- the nftables ruleset

TEST(GatewayRuleset, SharedModeText) {
  Steering s;
  s.tun = "sixfour0";
  s.inside = {"eth-c6", "eth1"};
  s.shared = true;
  s.host4 = *Ipv4Addr::parse("198.51.100.1");
  s.internal4 = *Ipv4Addr::parse("192.0.0.6");
  s.ports = {1024, 32767};
  EXPECT_EQ(nft_ruleset(s),
            "table inet sixfour_sixfour0 {\n"
            "  chain prerouting {\n"
            "    type filter hook prerouting priority raw; policy accept;\n"
            "    iifname != \"sixfour0\" ip daddr 192.0.0.6 drop\n"
            "  }\n"
            "  chain forward {\n"
            "    type filter hook forward priority filter; policy accept;\n"
            "    oifname \"sixfour0\" meta nfproto ipv6 iifname != { \"eth-c6\", \"eth1\" } drop\n"
            "  }\n"
            "  chain postrouting {\n"
            "    type nat hook postrouting priority srcnat; policy accept;\n"
            "    ip saddr 192.0.0.6 meta l4proto { tcp, udp } snat ip to 198.51.100.1:1024-32767\n"
            "    ip saddr 192.0.0.6 snat ip to 198.51.100.1\n"
            "  }\n"
            "}\n");
  const std::string apply = nft_apply_script(s);
  EXPECT_EQ(
      apply.rfind(
          "add table inet sixfour_sixfour0\ndelete table inet sixfour_sixfour0\ntable inet sixfour_sixfour0 {\n", 0),
      0u)
      << apply;
  EXPECT_EQ(nft_delete_script("sixfour0"), "delete table inet sixfour_sixfour0\n");
}

TEST(GatewayRuleset, TableNameIsAnIdentifier) {
  EXPECT_EQ(table_name("sixfour0"), "sixfour_sixfour0");
  EXPECT_EQ(table_name("gw-64.a"), "sixfour_gw_64_a");
}

// ---- --print-config

TEST(GatewayConfig, PrintConfigRoundTrips) {
  auto c = validate(inside({"eth-c6"}), lab_host());
  ASSERT_TRUE(c) << c.error();
  const std::string text = render_toml(*c);
  EXPECT_NE(text.find("pool4 = \"198.51.100.1\"  # the host's only IPv4 address (eth-s4), shared with the kernel\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ports = \"1024-32767\"  # chosen; kernel's ephemeral ports: 32768-60999\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("internal4 = \"192.0.0.6\""), std::string::npos) << text;
  EXPECT_NE(text.find("#       ip saddr 192.0.0.6 meta l4proto { tcp, udp } snat ip to 198.51.100.1:1024-32767\n"),
            std::string::npos)
      << text;
  // Read back as a config file, it gives the same configuration.
  auto f = parse_toml(text, "printed.toml");
  ASSERT_TRUE(f) << f.error();
  auto again = validate(*f, lab_host());
  ASSERT_TRUE(again) << again.error();
  EXPECT_TRUE(again->steering.shared);
  EXPECT_FALSE(again->ports_chosen);  // now configured
  EXPECT_EQ(nft_ruleset(again->steering), nft_ruleset(c->steering));
  EXPECT_EQ(again->dns64.listen, c->dns64.listen);
  EXPECT_EQ(again->dns64.upstreams, c->dns64.upstreams);
  EXPECT_EQ(again->dns64.allow.size(), c->dns64.allow.size());
  EXPECT_EQ(again->control, c->control);
  EXPECT_EQ(again->nat64.settings.pool4.at(0).prefix, c->nat64.settings.pool4.at(0).prefix);
}

TEST(GatewayConfig, PrintConfigRoundTripsRouted) {
  auto in = parse_toml(
      "inside = \"eth-c6\"\npool4 = [\"192.0.2.0/31:2000-2999\"]\nupstream = \"198.51.100.2:5353\"\n"
      "dns-threads = 2\nworkers = 4\noffload = \"off\"\nmtu = 1400\nallow-non-global = true\n",
      "in.toml");
  ASSERT_TRUE(in) << in.error();
  auto c = validate(*in, lab_host());
  ASSERT_TRUE(c) << c.error();
  const std::string text = render_toml(*c);
  EXPECT_NE(text.find("\npool4 = [\"192.0.2.0/31:2000-2999\"]  # configured; routed into the TUN\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("\nports = "), std::string::npos) << text;
  EXPECT_NE(text.find("\nworkers = 4\n"), std::string::npos) << text;
  auto f = parse_toml(text, "printed.toml");
  ASSERT_TRUE(f) << f.error();
  auto again = validate(*f, lab_host());
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(render_toml(*again), text);
  EXPECT_FALSE(again->steering.shared);
  EXPECT_EQ(again->nat64.workers, 4u);
  EXPECT_FALSE(again->nat64.offload);
  EXPECT_EQ(again->nat64.settings.xlat.mtu6, 1400);
  EXPECT_EQ(again->dns64.threads, 2u);
  EXPECT_EQ(again->dns64.upstreams, c->dns64.upstreams);
}

using fuzz::without_notes;

TEST(GatewayConfig, PrintConfigIsAFixedPointShared) {
  auto c = validate(inside({"eth-c6"}), lab_host());
  ASSERT_TRUE(c) << c.error();
  auto f = parse_toml(render_toml(*c), "printed.toml");
  ASSERT_TRUE(f) << f.error();
  auto again = validate(*f, lab_host());
  ASSERT_TRUE(again) << again.error();
  // Only the notes change (pool4 and the ports are now configured, no longer found or chosen).
  EXPECT_EQ(without_notes(render_toml(*again)), without_notes(render_toml(*c)));
  EXPECT_NE(render_toml(*again).find("pool4 = \"198.51.100.1\"  # configured; an address of this host (eth-s4)\n"),
            std::string::npos);
}

}  // namespace
}  // namespace sixfour::gateway
