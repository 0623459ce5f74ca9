// sixfour doctor and a CLAT (464XLAT): which interface carries IPv4 through one, what a `sixfour
// clat status` reply says, whether the IPv4 literal probe left through the CLAT, and how the
// verdict, the text and the JSON report it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "doctor/report.hpp"

namespace sixfour::doctor {
namespace {

Interface iface(std::string name, std::vector<IfAddress> addrs) {
  Interface i;
  i.name = std::move(name);
  i.up = true;
  i.addresses = std::move(addrs);
  return i;
}

const IfAddress kClat4{4, "192.0.0.1", 32, AddrKind::clat4};
const IfAddress kGlobal6{6, "2001:db8:6::2", 64, AddrKind::global};
const char* kStatus =
    R"({"state":"active","reason":"IPv6-only uplink eth0, NAT64 prefix 2001:db8:64::/96","tun":"clat0",)"
    R"("uplink":"eth0","prefix":"2001:db8:64::/96","prefix_source":"rfc7050","prefix_status":"probe worked",)"
    R"("address_mode":"dedicated","address_mode_reason":"a /64","ipv6":"2001:db8:6::c1a7","ipv4":"192.0.0.1",)"
    R"("mtu":1472,"uplink_mtu":1500,"metric":2048,"activations":1,"nd_answered":3})";

TEST(DoctorClat, FoundByTheIpv4DefaultRoute) {
  const std::vector<Interface> ifs = {iface("eth0", {kGlobal6}), iface("clat0", {kClat4})};
  auto c = find_clat(ifs, {{6, "fe80::1", "eth0", 1024}, {4, "", "clat0", 2048}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->interface, "clat0");
  EXPECT_EQ(c->ipv4, "192.0.0.1");
  EXPECT_TRUE(c->default_route);
  EXPECT_FALSE(c->sixfour);
}

TEST(DoctorClat, TheBestIpv4RouteDecides) {
  // Native IPv4 at a lower metric: IPv4 does not go through the CLAT (sixfour clat --force).
  const std::vector<Interface> ifs = {iface("eth0", {{4, "203.0.113.2", 24, AddrKind::global}}),
                                      iface("clat0", {kClat4})};
  EXPECT_FALSE(find_clat(ifs, {{4, "", "clat0", 2048}, {4, "203.0.113.1", "eth0", 100}}));
  EXPECT_TRUE(find_clat(ifs, {{4, "", "clat0", 50}, {4, "203.0.113.1", "eth0", 100}}));
}

TEST(DoctorClat, NoClatAddressNoClat) {
  // A route through an interface without a 192.0.0.0/29 address, or no IPv4 route at all.
  const std::vector<Interface> ifs = {iface("tun0", {{4, "10.8.0.2", 24, AddrKind::private4}}),
                                      iface("clat0", {kClat4})};
  EXPECT_FALSE(find_clat(ifs, {{4, "", "tun0", 0}}));
  EXPECT_FALSE(find_clat(ifs, {{6, "fe80::1", "eth0", 1024}}));
  EXPECT_FALSE(find_clat(ifs, {{4, "", "gone0", 0}}));
}

TEST(DoctorClat, ReadsASixfourClatStatus) {
  ClatReport c;
  c.interface = "clat0";
  ASSERT_TRUE(read_clat_status(c, kStatus, "/run/sixfour/clat-clat0.sock"));
  EXPECT_TRUE(c.sixfour);
  EXPECT_EQ(c.control, "/run/sixfour/clat-clat0.sock");
  EXPECT_EQ(c.state, "active");
  EXPECT_EQ(c.prefix, "2001:db8:64::/96");
  EXPECT_EQ(c.prefix_source, "rfc7050");
  EXPECT_EQ(c.address_mode, "dedicated");
  EXPECT_EQ(c.ipv6, "2001:db8:6::c1a7");
  EXPECT_EQ(c.ipv4, "192.0.0.1");
  EXPECT_EQ(c.mtu, 1472u);
}

TEST(DoctorClat, RejectsOtherReplies) {
  ClatReport c;
  c.interface = "clat1";
  EXPECT_FALSE(read_clat_status(c, kStatus, "p")) << "a status about another TUN";
  EXPECT_FALSE(c.sixfour);
  ClatReport d;
  EXPECT_FALSE(read_clat_status(d, R"({"error":"unknown command"})", "p"));
  EXPECT_FALSE(read_clat_status(d, R"({"translated":1})", "p")) << "a NAT64's stats";
  EXPECT_FALSE(read_clat_status(d, "not json", "p"));
  EXPECT_FALSE(read_clat_status(d, "[1,2]", "p"));
  EXPECT_TRUE(read_clat_status(d, kStatus, "p")) << "no interface known yet: the status names it";
  EXPECT_EQ(d.interface, "clat0");
}

Probe v4_probe(Grade g, std::string local) {
  Probe p;
  p.id = "ipv4_literal";
  p.label = "IPv4 literal";
  p.target = "198.51.100.2";
  p.grade = g;
  p.local = std::move(local);
  return p;
}

TEST(DoctorClat, ProbeThroughTheClat) {
  ClatReport c;
  c.ipv4 = "192.0.0.1";
  Probe through = v4_probe(Grade::ok, "192.0.0.1");
  Probe native = v4_probe(Grade::ok, "203.0.113.2");
  Probe failed = v4_probe(Grade::fail, "192.0.0.1");
  EXPECT_TRUE(via_clat(c, &through));
  EXPECT_FALSE(via_clat(c, &native));
  EXPECT_FALSE(via_clat(c, &failed));
  EXPECT_FALSE(via_clat(c, nullptr));
}

// IPv6-only with DNS64/NAT64 and a CLAT carrying IPv4; `sixfour` says whose.
Report xlat_report(bool sixfour, Grade v4) {
  Report r;
  r.interfaces = {iface("eth0", {kGlobal6}), iface("clat0", {kClat4})};
  r.interfaces[1].clat = true;
  r.routes = {{6, "fe80::1", "eth0", 1024}, {4, "", "clat0", 2048}};
  r.clat_evidence = {"interface clat0"};
  r.clat = find_clat(r.interfaces, r.routes);
  if (sixfour) read_clat_status(*r.clat, kStatus, "/run/sixfour/clat-clat0.sock");
  r.probes.push_back(v4_probe(v4, v4 == Grade::fail ? "" : "192.0.0.1"));
  Probe v6;
  v6.id = "ipv6_literal";
  v6.grade = Grade::ok;
  r.probes.push_back(v6);
  Probe n4;
  n4.id = "ipv4_name";
  n4.grade = Grade::ok;
  n4.name = NameInfo{"r", "answer", {"198.51.100.2"}, {"2001:db8:64::c633:6402"}, true};
  r.probes.push_back(n4);
  r.verdict = decide(r);
  return r;
}

TEST(DoctorClat, VerdictNamesASixfourClat) {
  const Report r = xlat_report(true, Grade::ok);
  EXPECT_EQ(r.verdict.id, "ipv6_only_464xlat");
  EXPECT_EQ(r.verdict.exit_code, 14);
  EXPECT_EQ(r.verdict.sentence,
            "IPv6-only network with 464XLAT: IPv4 literals work through the CLAT (sixfour clat on clat0, NAT64 "
            "prefix 2001:db8:64::/96 from rfc7050) and names through DNS64/NAT64; nothing to fix.");
  const Report other = xlat_report(false, Grade::ok);
  EXPECT_EQ(other.verdict.exit_code, 14);
  EXPECT_NE(other.verdict.sentence.find("through the CLAT (on clat0) and names"), std::string::npos)
      << other.verdict.sentence;
}

TEST(DoctorClat, AClatThatDoesNotCarryIpv4IsNamed) {
  Report r = xlat_report(true, Grade::fail);
  r.clat->state = "inactive";
  r.clat->reason = "no working NAT64 prefix";
  r.verdict = decide(r);
  EXPECT_EQ(r.verdict.exit_code, 10);
  EXPECT_NE(r.verdict.sentence.find("A sixfour clat runs on clat0 but IPv4 does not work through it (inactive: no "
                                    "working NAT64 prefix); see `sixfour clat status`."),
            std::string::npos)
      << r.verdict.sentence;
  // Without a sixfour clat the sentence stays as it was.
  Report plain = xlat_report(false, Grade::fail);
  EXPECT_EQ(plain.verdict.sentence.find("sixfour clat runs"), std::string::npos);
}

TEST(DoctorClat, TextSaysWhichClatAndHowTheProbeWent) {
  const std::string t = render_text(xlat_report(true, Grade::ok));
  EXPECT_NE(t.find("  sixfour clat on clat0 (carries the IPv4 default route; control /run/sixfour/clat-clat0.sock): "
                   "active (IPv6-only uplink eth0, NAT64 prefix 2001:db8:64::/96)\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("    NAT64 prefix 2001:db8:64::/96 from rfc7050; address mode dedicated: IPv4 192.0.0.1 <-> IPv6 "
                   "2001:db8:6::c1a7; MTU 1472\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("    IPv4 literal 198.51.100.2: ok through the CLAT (from 192.0.0.1)\n"), std::string::npos) << t;
  const std::string other = render_text(xlat_report(false, Grade::fail));
  EXPECT_NE(other.find("  a CLAT on clat0 (carries the IPv4 default route); not a sixfour clat"), std::string::npos)
      << other;
  EXPECT_NE(other.find("    IPv4 literal 198.51.100.2: fail, not through the CLAT\n"), std::string::npos) << other;
}

TEST(DoctorClat, Json) {
  const auto j = nlohmann::json::parse(render_json(xlat_report(true, Grade::ok)));
  const auto& c = j.at("clat");
  EXPECT_EQ(c.at("present"), true);
  EXPECT_EQ(c.at("interface"), "clat0");
  EXPECT_EQ(c.at("ipv4"), "192.0.0.1");
  EXPECT_EQ(c.at("default_route"), true);
  EXPECT_EQ(c.at("sixfour"), true);
  EXPECT_EQ(c.at("control"), "/run/sixfour/clat-clat0.sock");
  EXPECT_EQ(c.at("status").at("prefix"), "2001:db8:64::/96");
  EXPECT_EQ(c.at("status").at("prefix_source"), "rfc7050");
  EXPECT_EQ(c.at("status").at("address_mode"), "dedicated");
  EXPECT_EQ(c.at("status").at("state"), "active");
  EXPECT_EQ(c.at("status").at("mtu"), 1472);
  EXPECT_EQ(c.at("ipv4_literal").at("grade"), "ok");
  EXPECT_EQ(c.at("ipv4_literal").at("via_clat"), true);
  EXPECT_EQ(c.at("ipv4_literal").at("local"), "192.0.0.1");
  EXPECT_EQ(j.at("exit_code"), 14);
  const auto other = nlohmann::json::parse(render_json(xlat_report(false, Grade::ok))).at("clat");
  EXPECT_EQ(other.at("sixfour"), false);
  EXPECT_TRUE(other.at("control").is_null());
  EXPECT_FALSE(other.contains("status"));
  // No CLAT: the object keeps its two members.
  Report none;
  const auto n = nlohmann::json::parse(render_json(none)).at("clat");
  EXPECT_EQ(n.size(), 2u);
  EXPECT_EQ(n.at("present"), false);
}

}  // namespace
}  // namespace sixfour::doctor
