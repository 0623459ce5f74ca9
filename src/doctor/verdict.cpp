// The verdict: observations in, one sentence with the fix and an exit code out.
#include <algorithm>

#include <fmt/format.h>

#include "doctor/report.hpp"

namespace sixfour::doctor {

std::string_view grade_name(Grade g) {
  switch (g) {
    case Grade::ok:
      return "ok";
    case Grade::slow:
      return "slow";
    case Grade::fail:
      return "fail";
    case Grade::skipped:
      return "skipped";
  }
  return "skipped";
}

Grade grade(bool success, double ms, double slow_ms) {
  if (!success) return Grade::fail;
  return ms >= slow_ms ? Grade::slow : Grade::ok;
}

const Probe* Report::probe(std::string_view id) const {
  for (const Probe& p : probes)
    if (p.id == id) return &p;
  return nullptr;
}

std::vector<Ipv6Prefix> Report::rfc7050_prefixes() const {
  std::vector<Ipv6Prefix> out;
  for (const Rfc7050Query& q : rfc7050) rfc7050::add_distinct(out, q.result.prefixes);
  return out;
}

std::vector<Ipv6Prefix> Report::nat64_prefixes() const {
  std::vector<Ipv6Prefix> out = rfc7050_prefixes();
  for (const Pref64Seen& s : pref64.seen)
    if (s.value.lifetime_s > 0 && std::find(out.begin(), out.end(), s.value.prefix) == out.end())
      out.push_back(s.value.prefix);
  return out;
}

namespace {

Verdict make(std::string id, int code, std::string sentence) {
  return Verdict{std::move(id), code, std::move(sentence)};
}

bool probe_works(const Report& r, std::string_view id) {
  const Probe* p = r.probe(id);
  return p && works(p->grade);
}

// A family counts as configured when it has a default route and an address that can use it.
bool configured(const Report& r, int family) {
  bool route = std::any_of(r.routes.begin(), r.routes.end(), [&](const DefaultRoute& d) { return d.family == family; });
  if (!route) return false;
  for (const Interface& i : r.interfaces) {
    if (!i.up || i.loopback) continue;
    for (const IfAddress& a : i.addresses) {
      if (a.family != family) continue;
      if (family == 6 && (a.kind == AddrKind::global || a.kind == AddrKind::ula)) return true;
      if (family == 4 && a.kind != AddrKind::loopback && a.kind != AddrKind::link_local) return true;
    }
  }
  return false;
}

// 464XLAT: a CLAT is present and IPv4 leaves through it (its interface carries the IPv4 default
// route), or the only IPv4 addresses are CLAT ones.
bool ipv4_via_clat(const Report& r) {
  if (r.clat_evidence.empty()) return false;
  for (const DefaultRoute& d : r.routes) {
    if (d.family != 4) continue;
    for (const Interface& i : r.interfaces)
      if (i.name == d.interface && i.clat) return true;
  }
  for (const Interface& i : r.interfaces) {
    if (i.loopback) continue;
    for (const IfAddress& a : i.addresses)
      if (a.family == 4 && a.kind != AddrKind::clat4 && a.kind != AddrKind::loopback) return false;
  }
  return true;
}

std::string prefix_list(const std::vector<Ipv6Prefix>& ps) {
  std::string s;
  for (const Ipv6Prefix& p : ps) s += fmt::format("{}{}", s.empty() ? "" : ", ", p.str());
  return s;
}

std::string resolver_list(const Report& r) {
  std::string s;
  for (const Resolver& x : r.resolvers) s += fmt::format("{}{}", s.empty() ? "" : ", ", x.address);
  return s.empty() ? "none configured" : s;
}

Verdict decide_offline(const Report& r) {
  const bool v4 = configured(r, 4), v6 = configured(r, 6);
  if (v4 && v6) {
    if (ipv4_via_clat(r))
      return make("ipv6_only_464xlat", 14,
                  "IPv6-only with a CLAT (464XLAT) by configuration (not probed: --offline); IPv4 goes "
                  "through the CLAT.");
    return make("dual_stack", 0, "IPv4 and IPv6 both configured (not probed: --offline).");
  }
  if (v6)
    return make("ipv6_only", 18,
                "IPv6-only by configuration (not probed: --offline); run without --offline to check "
                "for NAT64/DNS64.");
  if (v4)
    return make("ipv4_only", 12,
                "IPv4-only by configuration (not probed: --offline): IPv6-only services will be "
                "unreachable; ask for IPv6 or use a proxy on a dual-stack server (sixfour socks).");
  return make("no_connectivity", 13,
              "No default route with a usable address in either family (not probed: --offline): check "
              "the link, the addresses and the default routes.");
}

// Which CLAT carries IPv4, for the 464XLAT sentence: "" when the report does not know.
std::string clat_words(const Report& r) {
  if (!r.clat) return "";
  const ClatReport& c = *r.clat;
  if (!c.sixfour) return fmt::format(" (on {})", c.interface);
  return fmt::format(" (sixfour clat on {}, NAT64 prefix {} from {})", c.interface, c.prefix.empty() ? "-" : c.prefix,
                     c.prefix_source.empty() ? "-" : c.prefix_source);
}

Verdict decide_probed(const Report& r) {
  const bool v4 = probe_works(r, "ipv4_literal");
  const bool v6 = probe_works(r, "ipv6_literal");
  bool names_resolve = false;
  for (const Probe& p : r.probes)
    if (p.name && p.name->resolved()) names_resolve = true;
  const std::vector<Ipv6Prefix> dns64_prefixes = r.rfc7050_prefixes();
  const Probe* v4name = r.probe("ipv4_name");
  const bool dns64 = !dns64_prefixes.empty() || (v4name && v4name->name && v4name->name->synthesized);
  const bool nat64_literal = probe_works(r, "nat64_literal");
  const std::vector<Ipv6Prefix> all_prefixes = r.nat64_prefixes();
  const std::string prefixes = prefix_list(all_prefixes.empty() ? dns64_prefixes : all_prefixes);

  if ((v4 || v6) && !names_resolve)
    return make("dns_broken", 17,
                fmt::format("IP literals work but no name resolves: fix the DNS resolvers ({}) or "
                            "name working ones with --resolver.",
                            resolver_list(r)));
  if (v4 && v6) {
    if (ipv4_via_clat(r))
      return make("ipv6_only_464xlat", 14,
                  fmt::format("IPv6-only network with 464XLAT: IPv4 literals work through the CLAT{} and names "
                              "through DNS64/NAT64; nothing to fix.",
                              clat_words(r)));
    return make("dual_stack", 0, "IPv4 and IPv6 both working.");
  }
  if (v4) {
    if (configured(r, 6))
      return make("ipv4_only", 12,
                  "IPv4 works but IPv6, although configured, does not reach the IPv6 targets: check "
                  "the IPv6 default route and firewalls; until then IPv6-only services are unreachable.");
    return make("ipv4_only", 12,
                "IPv4-only: IPv6-only services are unreachable; ask the network for IPv6 or use a "
                "proxy on a dual-stack server (sixfour socks).");
  }
  if (v6) {
    if ((v4name && works(v4name->grade)) || (dns64 && nat64_literal))
      return make("ipv6_only_nat64", 10,
                  fmt::format("IPv6-only network with DNS64/NAT64 ({}): names work, IPv4 literals will "
                              "fail; for apps that use them run a CLAT (464XLAT) or a proxy "
                              "(sixfour socks --nat64-prefix auto).",
                              prefixes.empty() ? "prefix not discovered" : prefixes));
    if (dns64)
      return make("ipv6_only_dns64_no_nat64", 16,
                  fmt::format("IPv6-only with DNS64 ({0}) but nothing translates it: synthesized "
                              "addresses fail; run or fix the NAT64 (sixfour nat64 --prefix {1}).",
                              prefixes, dns64_prefixes.empty() ? "PREFIX" : dns64_prefixes[0].str()));
    if (nat64_literal)
      return make("ipv6_only_nat64_no_dns64", 15,
                  fmt::format("IPv6-only with NAT64 ({0}) but no DNS64: names of IPv4-only services "
                              "fail; use a DNS64 resolver (sixfour dns64 --prefix {1}).",
                              prefixes, all_prefixes.empty() ? "PREFIX" : all_prefixes[0].str()));
    return make("ipv6_only_no_nat64", 11,
                "IPv6-only, no NAT64: IPv4-only services are unreachable; use a proxy on a dual-stack "
                "server (sixfour socks) or add NAT64 and DNS64 (sixfour nat64, sixfour dns64).");
  }
  return make("no_connectivity", 13,
              "No connectivity: neither IPv4 nor IPv6 reaches the probe targets; check the link, the "
              "addresses and the default routes.");
}

}  // namespace

Verdict decide(const Report& r) {
  if (r.offline) return decide_offline(r);
  Verdict v = decide_probed(r);
  // IPv6-only, IPv4 literals failing, while a sixfour clat runs: say where to look.
  if (r.clat && r.clat->sixfour && v.exit_code != 14 && v.id.starts_with("ipv6_only"))
    v.sentence += fmt::format(
        " A sixfour clat runs on {} but IPv4 does not work through it ({}: {}); see `sixfour "
        "clat status`.",
        r.clat->interface, r.clat->state, r.clat->reason);
  return v;
}

}  // namespace sixfour::doctor
