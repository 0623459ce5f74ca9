// `sixfour doctor`: gathers the observations (probes in parallel, each with its own deadline),
// then asks src/doctor for the verdict.
#include <algorithm>
#include <future>

#include <fmt/format.h>

#include "addr/rfc6052.hpp"
#include "dns64/message.hpp"
#include "io/doctor/doctor.hpp"
#include "io/sys/rfc7050_lookup.hpp"

namespace sixfour::io {

namespace {

using doctor::Grade;
using doctor::Probe;

Probe skipped(std::string id, std::string label, std::string target, std::string why) {
  Probe p;
  p.id = std::move(id);
  p.label = std::move(label);
  p.target = std::move(target);
  p.grade = Grade::skipped;
  p.detail = std::move(why);
  return p;
}

Probe literal_probe(std::string id, std::string label, const std::string& address, const DoctorOptions& o) {
  if (address.empty()) return skipped(std::move(id), std::move(label), "", "no target given");
  Probe p;
  p.id = std::move(id);
  p.label = std::move(label);
  p.target = address;
  const ConnectResult c = tcp_connect(address, o.port, o.timeout_ms);
  p.grade = doctor::grade(c.reached, c.ms, o.slow_ms);
  p.ms = c.ms;
  p.detail = c.detail;
  p.local = c.local;
  if (c.reached) p.connected = address;
  return p;
}

NameServer server_of(const doctor::Resolver& r) { return {r.address, r.port, r.source}; }

std::string resolver_text(const NameServer& r) { return fmt::format("{} port {}", r.address, r.port); }

// Resolves `name` (AAAA and A, the first resolver that answers) and connects to the first AAAA,
// then the first A: what an application with IPv6 preferred (RFC 6724) does.
Probe name_probe(std::string id, std::string label, const std::string& name,
                 const std::vector<doctor::Resolver>& resolvers, const DoctorOptions& o) {
  if (name.empty()) return skipped(std::move(id), std::move(label), "", "no target given");
  Probe p;
  p.id = std::move(id);
  p.label = std::move(label);
  p.target = name;
  doctor::NameInfo n;
  const auto t0 = std::chrono::steady_clock::now();
  if (resolvers.empty()) n.status = "no resolvers";
  for (const doctor::Resolver& r : resolvers) {
    const DnsAnswer aaaa = dns_query(server_of(r), name, dns64::kTypeAAAA, o.timeout_ms);
    n.resolver = resolver_text(server_of(r));
    if (!aaaa.answered()) {
      n.status = fmt::format("AAAA {}", aaaa.status);
      continue;  // this resolver does not work: the next one
    }
    const DnsAnswer a = dns_query(server_of(r), name, dns64::kTypeA, o.timeout_ms);
    n.status = fmt::format("AAAA {}, A {}", aaaa.status, a.status);
    n.aaaa = aaaa.addresses;
    n.a = a.addresses;
    break;
  }
  std::vector<std::string> tries;
  if (!n.aaaa.empty()) tries.push_back(n.aaaa[0]);
  if (!n.a.empty()) tries.push_back(n.a[0]);
  std::vector<std::string> failures;
  bool reached = false;
  for (const std::string& addr : tries) {
    const ConnectResult c = tcp_connect(addr, o.port, o.timeout_ms);
    if (c.reached) {
      reached = true;
      p.connected = addr;
      p.detail = fmt::format("{} {}", addr, c.detail);
      break;
    }
    failures.push_back(fmt::format("{}: {}", addr, c.detail));
  }
  p.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  p.grade = doctor::grade(reached, p.ms, o.slow_ms);
  if (!reached)
    p.detail =
        tries.empty() ? fmt::format("does not resolve ({})", n.status) : fmt::format("{}", fmt::join(failures, "; "));
  p.name = n;
  return p;
}

std::vector<doctor::Resolver> system_resolvers() {
  std::vector<doctor::Resolver> out;
  for (const NameServer& s : system_name_servers()) out.push_back({s.address, s.port, s.source});
  return out;
}

// RFC 7050 §3 to every resolver at once (io/sys/rfc7050_lookup), as the report lists it.
std::vector<doctor::Rfc7050Query> rfc7050_queries(const std::vector<doctor::Resolver>& resolvers, int timeout_ms) {
  std::vector<NameServer> servers;
  for (const doctor::Resolver& r : resolvers) servers.push_back(server_of(r));
  std::vector<doctor::Rfc7050Query> out;
  if (servers.empty()) return out;  // rfc7050_lookup would ask the system's: the report has none
  for (Rfc7050Lookup& l : rfc7050_lookup(servers, timeout_ms))
    out.push_back({resolver_text(l.server), l.status, l.ms, std::move(l.result)});
  return out;
}

}  // namespace

doctor::Report run_doctor(const DoctorOptions& o) {
  doctor::Report r;
  r.offline = o.offline;
  r.timeout_ms = o.timeout_ms;
  r.slow_ms = o.slow_ms;
  r.port = o.port;
  r.interfaces = doctor_interfaces();
  if (auto routes = doctor_default_routes()) r.routes = *routes;
  r.resolvers = o.resolvers.empty() ? system_resolvers() : o.resolvers;
  for (const doctor::Interface& i : r.interfaces) {
    if (doctor::is_clat_interface_name(i.name)) r.clat_evidence.push_back(fmt::format("interface {}", i.name));
    for (const doctor::IfAddress& a : i.addresses)
      if (a.kind == doctor::AddrKind::clat4)
        r.clat_evidence.push_back(fmt::format("address {} (192.0.0.0/29, RFC 7335) on {}", a.address, i.name));
  }
  r.clat = doctor_clat(r.interfaces, r.routes);

  if (o.offline) {
    r.pref64.status = "skipped";
    r.pref64.how = "--offline";
    r.verdict = doctor::decide(r);
    return r;
  }

  // Phase 1, all at once: prefix discovery, the literal and name probes.
  auto pref64 = std::async(std::launch::async, [&] { return pref64_listen(r.interfaces, o.pref64_listen_ms); });
  auto rfc7050 = std::async(std::launch::async, [&] { return rfc7050_queries(r.resolvers, o.timeout_ms); });
  auto v4 =
      std::async(std::launch::async, [&] { return literal_probe("ipv4_literal", "IPv4 literal", o.v4_literal, o); });
  auto v6 =
      std::async(std::launch::async, [&] { return literal_probe("ipv6_literal", "IPv6 literal", o.v6_literal, o); });
  auto n4 = std::async(std::launch::async,
                       [&] { return name_probe("ipv4_name", "IPv4-only name", o.v4_name, r.resolvers, o); });
  auto n6 = std::async(std::launch::async,
                       [&] { return name_probe("ipv6_name", "IPv6-only name", o.v6_name, r.resolvers, o); });
  auto nd = std::async(std::launch::async,
                       [&] { return name_probe("dual_stack_name", "dual-stack name", o.ds_name, r.resolvers, o); });
  r.rfc7050 = rfc7050.get();
  r.probes.push_back(v4.get());
  r.probes.push_back(v6.get());
  r.probes.push_back(n4.get());
  r.probes.push_back(n6.get());
  r.probes.push_back(nd.get());
  r.pref64 = pref64.get();

  // A AAAA inside a prefix that ipv4only.arpa revealed was made by the DNS64 (RFC 6147 §5.1).
  const std::vector<Ipv6Prefix> dns64_prefixes = r.rfc7050_prefixes();
  for (Probe& p : r.probes) {
    if (!p.name) continue;
    for (const std::string& s : p.name->aaaa) {
      auto a = Ipv6Addr::parse(s);
      if (!a) continue;
      for (const Ipv6Prefix& pre : dns64_prefixes)
        if (pre.contains(*a)) p.name->synthesized = true;
    }
  }

  // Phase 2: what needs phase 1's findings.
  const std::vector<Ipv6Prefix> prefixes = r.nat64_prefixes();
  auto nat64 = std::async(std::launch::async, [&]() -> Probe {
    const std::string label = "NAT64 literal";
    auto v4addr = Ipv4Addr::parse(o.v4_literal);
    if (!v4addr) return skipped("nat64_literal", label, "", "no IPv4 literal to embed");
    if (prefixes.empty()) return skipped("nat64_literal", label, "", "no NAT64 prefix known (RFC 7050, RFC 8781)");
    if (!rfc6052::valid_length(prefixes[0].len))
      return skipped("nat64_literal", label, prefixes[0].str(), "prefix length not one of RFC 6052's");
    const Ipv6Addr a = rfc6052::embed(prefixes[0], *v4addr);  // PREFIX::a.b.c.d (RFC 6052 §2.2)
    Probe p = literal_probe("nat64_literal", label, a.str(), o);
    p.target = fmt::format("{} ({} in {})", a.str(), o.v4_literal, prefixes[0].str());
    return p;
  });
  auto pmtu = std::async(std::launch::async, [&]() -> Probe {
    const Probe* six = r.probe("ipv6_literal");
    const Probe* four = r.probe("ipv4_literal");
    if (six && doctor::works(six->grade)) return pmtu_probe(o.v6_literal, o.timeout_ms, o.slow_ms);
    if (four && doctor::works(four->grade)) return pmtu_probe(o.v4_literal, o.timeout_ms, o.slow_ms);
    return skipped("pmtu", "path MTU", "", "neither literal is reachable");
  });
  r.probes.push_back(nat64.get());
  r.probes.push_back(pmtu.get());
  r.verdict = doctor::decide(r);
  return r;
}

}  // namespace sixfour::io
