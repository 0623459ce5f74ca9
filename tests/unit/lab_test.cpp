// The lab's pure description: documentation addresses only, the commands that build it, the
// zone, and the checks the demo applies to real command output.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "addr/ip.hpp"
#include "lab/lab.hpp"

namespace sixfour::lab {
namespace {

bool is_documentation(const std::string& cidr) {
  std::string addr = cidr.substr(0, cidr.find('/'));
  if (addr.find(':') != std::string::npos) {
    auto a = Ipv6Addr::parse(addr);
    return a && Ipv6Prefix::parse("2001:db8::/32")->contains(*a);  // RFC 3849
  }
  auto a = Ipv4Addr::parse(addr);
  if (!a) return false;
  for (const char* p : {"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"})  // RFC 5737
    if (Ipv4Prefix::parse(p)->contains(*a)) return true;
  return false;
}

TEST(Lab, EveryAddressAndGatewayIsADocumentationAddress) {
  int addrs = 0, routes = 0;
  for (const Command& c : build_commands("t")) {
    const Argv& a = c.argv;
    for (size_t i = 0; i + 1 < a.size(); ++i) {
      if (a[i] == "add" && i >= 1 && a[i - 1] == "addr") {
        EXPECT_TRUE(is_documentation(a[i + 1])) << a[i + 1];
        ++addrs;
      }
      if (a[i] == "via") {
        EXPECT_TRUE(is_documentation(a[i + 1])) << a[i + 1];
        ++routes;
      }
    }
  }
  EXPECT_EQ(addrs, 8);
  EXPECT_EQ(routes, 5);
}

TEST(Lab, CommandsUseOnlyThePrefixedNamespaces) {
  std::set<std::string> created;
  for (const Command& c : build_commands("sf1")) {
    ASSERT_FALSE(c.argv.empty());
    if (c.node.empty()) {
      EXPECT_EQ(c.argv[0], "ip");
      if (c.argv[1] == "netns") {
        created.insert(c.argv[3]);
      } else if (c.argv[1] == "-n") {
        EXPECT_TRUE(created.count(c.argv[2])) << c.argv[2] << " used before it exists";
      }
    } else {
      EXPECT_TRUE(is_node(c.node));
      EXPECT_EQ(c.argv[0], "sysctl");
    }
  }
  EXPECT_EQ(created, (std::set<std::string>{"sf1-laptop", "sf1-gw", "sf1-web4", "sf1-ds"}));
}

TEST(Lab, LaptopHasNoIpv4AddressAndGatewayExactlyOne) {
  int laptop4 = 0, gw4 = 0;
  for (const Command& c : build_commands("t")) {
    const Argv& a = c.argv;
    if (a.size() > 5 && a[1] == "-n" && a[3] == "addr" && a[5].find(':') == std::string::npos) {
      laptop4 += a[2] == "t-laptop";
      gw4 += a[2] == "t-gw";
    }
  }
  EXPECT_EQ(laptop4, 0);
  EXPECT_EQ(gw4, 1);  // `sixfour gateway` shares the gateway's single IPv4 address
}

TEST(Lab, VethPairsAreCreatedInsideTheNamespaces) {
  int links = 0;
  for (const Command& c : build_commands("t")) {
    const Argv& a = c.argv;
    if (a.size() == 13 && a[3] == "link" && a[4] == "add") {
      ++links;
      EXPECT_EQ(a[6], "type");
      EXPECT_EQ(a[7], "veth");
      EXPECT_EQ(a[11], "netns");  // the peer goes straight into the other namespace
    }
  }
  EXPECT_EQ(links, 4);
}

TEST(Lab, Prefix) {
  EXPECT_TRUE(check_prefix("sixfour").ok());
  EXPECT_TRUE(check_prefix("sf12345-demo_1").ok());
  EXPECT_FALSE(check_prefix("").ok());
  EXPECT_FALSE(check_prefix("-x").ok());
  EXPECT_FALSE(check_prefix("a/b").ok());
  EXPECT_FALSE(check_prefix("a b").ok());
  EXPECT_FALSE(check_prefix("..").ok());
  EXPECT_FALSE(check_prefix(std::string(33, 'a')).ok());
  EXPECT_EQ(ns_name("p", "gw"), "p-gw");
}

TEST(Lab, ZoneHasTheThreeKindsOfNames) {
  const std::string z = zone_file();
  EXPECT_NE(z.find("$ORIGIN sixfour.example.\n"), std::string::npos);
  EXPECT_NE(z.find("www.v4   IN A    198.51.100.2\n"), std::string::npos);
  EXPECT_EQ(z.find("www.v4   IN AAAA"), std::string::npos);
  EXPECT_NE(z.find("www.ds   IN A    203.0.113.2\n"), std::string::npos);
  EXPECT_NE(z.find("www.ds   IN AAAA 2001:db8:d5::2\n"), std::string::npos);
  EXPECT_NE(z.find("www.v6   IN AAAA 2001:db8:d5::2\n"), std::string::npos);
  EXPECT_EQ(z.find("www.v6   IN A "), std::string::npos);
  // RFC 7050 §2.2.
  EXPECT_NE(ipv4only_zone_file().find("@ IN A   192.0.0.170\n"), std::string::npos);
  EXPECT_NE(ipv4only_zone_file().find("@ IN A   192.0.0.171\n"), std::string::npos);
  EXPECT_NE(nsd_conf("/d").find("zonefile: \"/d/sixfour.example.zone\""), std::string::npos);
  EXPECT_NE(resolv_conf("laptop").find("nameserver 2001:db8:6::1\n"), std::string::npos);
  EXPECT_NE(resolv_conf("gw").find("nameserver 198.51.100.2\n"), std::string::npos);
}

TEST(Lab, TracerouteHops) {
  const std::string out =
      "traceroute to www.v4.sixfour.example (64:ff9b::c633:6402), 8 hops max, 80 byte packets\n"
      " 1  2001:db8:6::1  0.061 ms\n"
      " 2  *\n"
      " 3  64:ff9b::c000:201  0.110 ms\n"
      "10  64:ff9b::c633:6402  0.120 ms\n";
  auto hops = traceroute_hops(out);
  ASSERT_EQ(hops.size(), 3u);
  EXPECT_EQ(hops[0], (std::pair<int, std::string>{1, "2001:db8:6::1"}));
  EXPECT_EQ(hops[1], (std::pair<int, std::string>{3, "64:ff9b::c000:201"}));
  EXPECT_EQ(hops[2], (std::pair<int, std::string>{10, "64:ff9b::c633:6402"}));

  Check c{CheckKind::Traceroute, "2001:db8:6::1", "64:ff9b::c633:6402"};
  std::string why;
  EXPECT_TRUE(check_output(c, " 1  2001:db8:6::1  0.061 ms\n 2  64:ff9b::c633:6402  0.120 ms\n", &why)) << why;
  // The gateway, translator included, is one hop (issue 16): a hop in between, answered or not, fails.
  EXPECT_FALSE(check_output(c, out, &why));
  EXPECT_EQ(why, "expected the gateway as one hop, then 64:ff9b::c633:6402; got 3 hops");
  EXPECT_FALSE(check_output(c, " 1  2001:db8:6::1  0.1 ms\n 2  *\n 3  64:ff9b::c633:6402  0.1 ms\n", &why));
  // The path must end at the server and stay inside 64:ff9b::/96 after the gateway.
  EXPECT_FALSE(check_output(c, " 1  2001:db8:6::1  0.1 ms\n 2  *\n", &why));
  EXPECT_EQ(why, "expected the last hop to be 64:ff9b::c633:6402, got 2001:db8:6::1");
  EXPECT_FALSE(
      check_output(c, " 1  2001:db8:6::1  1 ms\n 2  2001:db8:99::1  1 ms\n 3  64:ff9b::c633:6402  1 ms\n", &why));
  EXPECT_FALSE(check_output(c, " 1  2001:db8:6::9  1 ms\n 2  64:ff9b::c633:6402  1 ms\n", &why));
  EXPECT_FALSE(check_output(c, "", &why));
}

TEST(Lab, Checks) {
  std::string why;
  Check in{CheckKind::AllInPrefix, "64:ff9b::/96", ""};
  EXPECT_TRUE(check_output(in, "64:ff9b::c633:6402\n", &why)) << why;
  EXPECT_TRUE(check_output(in, "64:ff9b::c000:aa\n64:ff9b::c000:ab\n", &why)) << why;
  EXPECT_FALSE(check_output(in, "", &why));
  EXPECT_FALSE(check_output(in, "64:ff9b::c633:6402\n2001:db8:d5::2\n", &why));
  EXPECT_EQ(why, "expected only IPv6 addresses inside 64:ff9b::/96, got \"2001:db8:d5::2\"");
  EXPECT_FALSE(check_output(in, ";; connection timed out; no servers could be reached\n", &why));

  EXPECT_TRUE(check_output({CheckKind::Empty, "", ""}, " \n", &why));
  EXPECT_FALSE(check_output({CheckKind::Empty, "", ""}, "default via 1.2.3.4\n", &why));
  EXPECT_TRUE(check_output({CheckKind::Contains, "unreachable", ""}, "connect: Network is unreachable", &why));
  EXPECT_FALSE(check_output({CheckKind::Contains, "unreachable", ""}, "1 received", &why));
  EXPECT_TRUE(check_output({}, "anything", &why));
}

TEST(Lab, DemoStepsTellTheStoryInOrder) {
  auto steps = demo_steps({"/d"});
  ASSERT_EQ(steps.size(), 6u);
  // Step 1: the laptop fails to reach IPv4 before anything runs on the gateway.
  bool expects_failure = false;
  for (const Action& a : steps[0].actions) {
    EXPECT_EQ(a.kind, Action::Kind::Run);
    expects_failure = expects_failure || a.want_rc == kAnyFailure;
  }
  EXPECT_TRUE(expects_failure);
  // Step 2 starts the gateway before the laptop uses it; it is ready when the prefix is routed
  // and DNS64 listens on the inside address.
  const Action& gw = steps[1].actions.front();
  EXPECT_EQ(gw.kind, Action::Kind::Start);
  EXPECT_EQ(gw.node, "gw");
  EXPECT_EQ(gw.argv[1], "gateway");
  ASSERT_EQ(gw.ready.size(), 2u);
  EXPECT_EQ(gw.ready[1].second, "[2001:db8:6::1]:53");
  EXPECT_EQ(steps[1].actions.back().check.arg, "You came from 198.51.100.1.");
  EXPECT_EQ(steps[2].actions.front().check.kind, CheckKind::Traceroute);
  EXPECT_EQ(steps[3].actions.front().argv[1], "doctor");
  EXPECT_EQ(steps[3].actions.front().want_rc, kDoctorNat64);
  // Step 5 stops the gateway first, so the proxy is the only way left.
  EXPECT_EQ(steps[4].actions.front().kind, Action::Kind::Stop);
  EXPECT_EQ(steps[4].actions.front().text, "gateway");
  EXPECT_EQ(steps[4].actions.back().check.arg, "You came from 203.0.113.2.");
  // Step 6 starts the gateway again with the local-use prefix, then the CLAT on the laptop; the
  // IPv4 literal works, the doctor says 464XLAT, and the CLAT is stopped and leaves no route.
  const auto& clat = steps[5].actions;
  ASSERT_GE(clat.size(), 4u);
  EXPECT_EQ(clat[0].kind, Action::Kind::Start);
  EXPECT_EQ(clat[0].node, "gw");
  EXPECT_NE(std::find(clat[0].argv.begin(), clat[0].argv.end(), std::string(kClatPrefix)), clat[0].argv.end());
  EXPECT_EQ(clat[1].kind, Action::Kind::Start);
  EXPECT_EQ(clat[1].node, "laptop");
  EXPECT_EQ(clat[1].argv[1], "clat");
  bool ping = false, curl = false, doctor = false;
  for (const Action& a : clat) {
    if (a.kind != Action::Kind::Run) continue;
    ping = ping || (a.argv[0] == "ping" && a.argv.back() == kWeb4 && a.want_rc == 0);
    curl = curl || (a.argv[0] == "curl" && a.argv.back() == "http://198.51.100.2/" && a.want_rc == 0);
    doctor = doctor || (a.argv[1] == "doctor" && a.want_rc == kDoctor464xlat);
  }
  EXPECT_TRUE(ping && curl && doctor);
  EXPECT_EQ(clat[clat.size() - 2].kind, Action::Kind::Stop);
  EXPECT_EQ(clat[clat.size() - 2].node, "laptop");
  EXPECT_EQ(clat.back().check.kind, CheckKind::Empty);
  EXPECT_EQ(clat_control({"/run/sixfour/lab-p1"}), "/run/sixfour/clat-lab-p1.sock");
}

TEST(Lab, Display) {
  EXPECT_EQ(display({std::string(kSelf), "dns64", "--listen", "[2001:db8:6::1]:53"}),
            "sixfour dns64 --listen '[2001:db8:6::1]:53'");
  EXPECT_EQ(display({"curl", "-x", "socks5h://[2001:db8:d5::2]:1080", "http://a/"}),
            "curl -x 'socks5h://[2001:db8:d5::2]:1080' http://a/");
  EXPECT_EQ(display({"echo", "it's", ""}), "echo 'it'\\''s' ''");
}

TEST(Lab, HttpBodyNamesTheClient) {
  EXPECT_EQ(http_body(kV4Name, "198.51.100.1"),
            "Hello from www.v4.sixfour.example, a web server with IPv4 only. You came from 198.51.100.1.\n");
}

}  // namespace
}  // namespace sixfour::lab
