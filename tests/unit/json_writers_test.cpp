// The JSON writers (nlohmann-json underneath): for fixed input, the exact text scripts and
// tests/lab/flatjson.py read. Member order, nesting and value types are part of the interface.
#include <gtest/gtest.h>

#include "common/json_write.hpp"
#include "doctor/report.hpp"
#include "io/dataplane/stats.hpp"

namespace sixfour::doctor {
namespace {

Report fixed_report() {
  Report r;
  r.timeout_ms = 2000;
  r.slow_ms = 500;
  r.port = 443;
  Interface eth{"eth0", 2, true, false, 1500, false, {}};
  eth.addresses.push_back({6, "2001:db8:6::2", 64, AddrKind::global});
  eth.addresses.push_back({4, "192.0.0.4", 29, AddrKind::clat4});
  r.interfaces.push_back(eth);
  r.interfaces.push_back(Interface{"lo", 1, true, true, 65536, false, {}});
  r.routes.push_back({6, "fe80::1", "eth0", 1024});
  r.routes.push_back({4, "", "clat4", 0});
  r.resolvers.push_back({"2001:db8:6::1", 53, "--resolver"});
  r.clat_evidence.push_back("address 192.0.0.4 on eth0");
  Rfc7050Query q;
  q.resolver = "2001:db8:6::1 port 53";
  q.status = "answer";
  q.ms = 1.5;
  q.result = rfc7050::extract_prefixes(std::vector<Ipv6Addr>{Ipv6Addr::parse("2001:db8:64::c000:aa").value()});
  r.rfc7050.push_back(q);
  r.pref64.status = "visible";
  r.pref64.how = "sent a \"Router Solicitation\"\n";
  r.pref64.seen.push_back({{Ipv6Prefix::parse("64:ff9b::/96").value(), 600}, "eth0", "fe80::1"});
  Probe p4{"ipv4_literal", "IPv4 literal", "192.0.2.1", Grade::fail, 2000, "timeout", "", std::nullopt, ""};
  Probe n4{"ipv4_name",
           "IPv4-only name",
           "v4.example",
           Grade::ok,
           12.25,
           "connected",
           "2001:db8:64::c000:201",
           NameInfo{"2001:db8:6::1 port 53", "AAAA answer, A answer", {"192.0.2.1"}, {"2001:db8:64::c000:201"}, true},
           ""};
  r.probes = {p4, n4};
  r.verdict = {"ipv6_only_464xlat", 14, "tab\there \x01"};
  return r;
}

TEST(JsonWriters, DoctorReportExactText) {
  // Milliseconds are plain numbers (1.5, 2000.0); control characters are escaped (RFC 8259 §7).
  const std::string want =
      R"json({"verdict":"ipv6_only_464xlat","exit_code":14,"sentence":"tab\there \u0001","offline":false,"timeout_ms":2000,"slow_ms":500,"port":443)json"
      R"json(,"interfaces":[{"name":"eth0","index":2,"up":true,"loopback":false,"mtu":1500)json"
      R"json(,"clat":false,"addresses":[{"family":6,"address":"2001:db8:6::2","prefix_len":64,"kind":"global"},{"family":4,"address":"192.0.0.4","prefix_len":29,"kind":"clat"}]},{"name":"lo","index":1,"up":true,"loopback":true,"mtu":65536)json"
      R"json(,"clat":false,"addresses":[]}])json"
      R"json(,"default_routes":[{"family":6,"gateway":"fe80::1","interface":"eth0","metric":1024},{"family":4,"gateway":null,"interface":"clat4","metric":0}])json"
      R"json(,"resolvers":[{"address":"2001:db8:6::1","port":53,"source":"--resolver"}])json"
      R"json(,"clat":{"present":true,"evidence":["address 192.0.0.4 on eth0"]})json"
      R"json(,"nat64":{"prefixes":["2001:db8:64::/96","64:ff9b::/96"],"rfc7050":[{"resolver":"2001:db8:6::1 port 53","status":"answer","ms":1.5,"ambiguous":false,"prefixes":["2001:db8:64::/96"],"answers":[{"address":"2001:db8:64::c000:aa","matches":[{"prefix":"2001:db8:64::/96","wka":"192.0.0.170"}]}]}],"pref64":{"status":"visible","how":"sent a \"Router Solicitation\"\n","seen":[{"prefix":"64:ff9b::/96","lifetime_s":600,"interface":"eth0","router":"fe80::1"}]}})json"
      R"json(,"probes":[{"id":"ipv4_literal","label":"IPv4 literal","target":"192.0.2.1","grade":"fail","ms":2000.0,"detail":"timeout","connected":null},{"id":"ipv4_name","label":"IPv4-only name","target":"v4.example","grade":"ok","ms":12.25,"detail":"connected","connected":"2001:db8:64::c000:201","dns":{"resolver":"2001:db8:6::1 port 53","status":"AAAA answer, A answer","a":["192.0.2.1"],"aaaa":["2001:db8:64::c000:201"],"synthesized":true}}]})json"
      "\n";
  EXPECT_EQ(render_json(fixed_report()), want);
}

TEST(JsonWriters, InvalidUtf8IsReplacedNotThrown) {
  // An interface name or a DNS text from the wire may be any bytes; the writer must not throw.
  EXPECT_EQ(json_text(Json{{"name", std::string("eth\xff"
                                                "0")}}),
            "{\"name\":\"eth\xef\xbf\xbd"
            "0\"}");
}

}  // namespace
}  // namespace sixfour::doctor

namespace sixfour::io {
namespace {

TEST(JsonWriters, SiitStatsExactText) {
  StatsSnapshot s;
  s.tun = "siit\"0";
  s.offloads = "vnet_hdr,tso";
  s.uptime_seconds = 42;
  siit::Counters a, b;
  a.in4 = 1, a.in6 = 2, a.out4 = 3, a.out6 = 4, a.icmp_errors_sent = 5, a.icmp_errors_limited = 12, a.hairpinned = 6;
  for (size_t i = 0; i < a.drops.size(); ++i) a.drops[i] = i;
  b.in4 = 10, b.drops[1] = 7;
  s.workers = {a, b};
  IoCounters x;
  x.read_errors = 1, x.write_errors = 2, x.wakeups = 3, x.super_packets = 4, x.segmented = 5, x.segments = 6;
  x.csum_finished = 7, x.udp_trains = 8, x.udp_coalesced = 9, x.offload_malformed = 11;
  s.io = {x};  // the second worker has none: zeros
  // Sums first, then "drops" by reason (the offload one last), then each worker.
  const std::string want =
      R"json({"tun":"siit\"0","workers":2,"offloads":"vnet_hdr,tso","uptime_seconds":42)json"
      R"json(,"in4":11,"in6":2,"out4":3,"out6":4,"icmp_errors_sent":5,"icmp_errors_limited":12,"hairpinned":6,"dropped":123)json"
      R"json(,"read_errors":1,"write_errors":2,"wakeups":3,"super_packets":4,"segmented":5,"segments":6,"csum_finished":7,"udp_trains":8,"udp_coalesced":9)json"
      R"json(,"drops":{"malformed":0)json"
      R"json(,"bad-checksum":8,"unsupported-protocol":2,"untranslatable-icmp":3,"src-untranslatable":4,"dst-untranslatable":5,"prohibited":6,"ttl-expired":7)json"
      R"json(,"too-big":8,"source-routed":9,"udp-zero-checksum":10,"fragmented-icmp":11)json"
      R"json(,"inner-packet":12,"multicast":13,"no-space":14,"offload-malformed":11})json"
      R"json(,"per_worker":[{"in4":1,"in6":2,"out4":3,"out6":4,"icmp_errors_sent":5,"icmp_errors_limited":12,"hairpinned":6,"dropped":116)json"
      R"json(,"read_errors":1,"write_errors":2,"wakeups":3,"super_packets":4,"segmented":5,"segments":6,"csum_finished":7,"udp_trains":8,"udp_coalesced":9})json"
      R"json(,{"in4":10,"in6":0,"out4":0,"out6":0,"icmp_errors_sent":0,"icmp_errors_limited":0,"hairpinned":0,"dropped":7)json"
      R"json(,"read_errors":0,"write_errors":0,"wakeups":0,"super_packets":0,"segmented":0,"segments":0,"csum_finished":0,"udp_trains":0,"udp_coalesced":0}]})json"
      "\n";
  EXPECT_EQ(to_json(s), want);
}

}  // namespace
}  // namespace sixfour::io
