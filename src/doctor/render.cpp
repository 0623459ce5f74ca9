// Text and JSON renderings of a Report.
#include <cmath>

#include <fmt/format.h>

#include "common/json_write.hpp"
#include "doctor/report.hpp"

namespace sixfour::doctor {

namespace {

std::string family_name(int f) { return f == 6 ? "IPv6" : "IPv4"; }

std::string ms_text(double ms) { return fmt::format("{:.1f} ms", ms); }

// Milliseconds rounded to the microsecond (what a probe's clock resolution supports).
double jms(double ms) { return std::round(ms * 1000) / 1000; }

Json jprefixes(const std::vector<Ipv6Prefix>& v) {
  Json a = Json::array();
  for (const Ipv6Prefix& p : v) a.push_back(p.str());
  return a;
}

Json jnull_or(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json json_interface(const Interface& i) {
  Json addrs = Json::array();
  for (const IfAddress& a : i.addresses)
    addrs.push_back(
        {{"family", a.family}, {"address", a.address}, {"prefix_len", a.prefix_len}, {"kind", kind_name(a.kind)}});
  return {{"name", i.name}, {"index", i.index}, {"up", i.up},        {"loopback", i.loopback},
          {"mtu", i.mtu},   {"clat", i.clat},   {"addresses", addrs}};
}

Json json_rfc7050(const Rfc7050Query& q) {
  Json answers = Json::array();
  for (const rfc7050::Answer& a : q.result.answers) {
    Json matches = Json::array();
    for (const rfc7050::WkaMatch& m : a.matches) matches.push_back({{"prefix", m.prefix.str()}, {"wka", m.wka.str()}});
    answers.push_back({{"address", a.address.str()}, {"matches", matches}});
  }
  return {{"resolver", q.resolver},
          {"status", q.status},
          {"ms", jms(q.ms)},
          {"ambiguous", q.result.ambiguous},
          {"prefixes", jprefixes(q.result.prefixes)},
          {"answers", answers}};
}

Json json_nat64(const Report& r) {
  Json queries = Json::array(), seen = Json::array();
  for (const Rfc7050Query& q : r.rfc7050) queries.push_back(json_rfc7050(q));
  for (const Pref64Seen& p : r.pref64.seen)
    seen.push_back({{"prefix", p.value.prefix.str()},
                    {"lifetime_s", p.value.lifetime_s},
                    {"interface", p.interface},
                    {"router", p.router}});
  return {{"prefixes", jprefixes(r.nat64_prefixes())},
          {"rfc7050", queries},
          {"pref64", {{"status", r.pref64.status}, {"how", r.pref64.how}, {"seen", seen}}}};
}

Json json_probe(const Probe& p) {
  Json j = {{"id", p.id},
            {"label", p.label},
            {"target", p.target},
            {"grade", grade_name(p.grade)},
            {"ms", jms(p.ms)},
            {"detail", p.detail},
            {"connected", jnull_or(p.connected)}};
  if (p.name) {
    const NameInfo& n = *p.name;
    j["dns"] = {
        {"resolver", n.resolver}, {"status", n.status}, {"a", n.a}, {"aaaa", n.aaaa}, {"synthesized", n.synthesized}};
  }
  return j;
}

// The CLAT object: presence and evidence, then what carries IPv4 and who runs it.
Json json_clat(const Report& r) {
  Json j = {{"present", !r.clat_evidence.empty() || r.clat.has_value()}, {"evidence", r.clat_evidence}};
  if (!r.clat) return j;
  const ClatReport& c = *r.clat;
  const Probe* v4 = r.probe("ipv4_literal");
  j["interface"] = c.interface;
  j["ipv4"] = jnull_or(c.ipv4);
  j["default_route"] = c.default_route;
  j["sixfour"] = c.sixfour;
  j["control"] = jnull_or(c.control);
  if (c.sixfour)
    j["status"] = {{"state", c.state},
                   {"reason", c.reason},
                   {"prefix", c.prefix},
                   {"prefix_source", c.prefix_source},
                   {"address_mode", c.address_mode},
                   {"ipv6", c.ipv6},
                   {"mtu", c.mtu}};
  j["ipv4_literal"] = {{"grade", v4 ? grade_name(v4->grade) : "skipped"},
                       {"via_clat", via_clat(c, v4)},
                       {"local", v4 ? jnull_or(v4->local) : Json(nullptr)}};
  return j;
}

std::string text_clat(const Report& r) {
  std::string s = "CLAT (464XLAT)\n";
  if (r.clat_evidence.empty() && !r.clat) s += "  none: no 192.0.0.0/29 address, no clat*/v4-* interface\n";
  for (const std::string& e : r.clat_evidence) s += fmt::format("  {}\n", e);
  if (!r.clat) return s;
  const ClatReport& c = *r.clat;
  const std::string route = c.default_route ? "carries the IPv4 default route" : "no IPv4 default route through it";
  if (c.sixfour) {
    s += fmt::format("  sixfour clat on {} ({}; control {}): {} ({})\n", c.interface, route, c.control, c.state,
                     c.reason);
    s += fmt::format("    NAT64 prefix {} from {}; address mode {}: IPv4 {} <-> IPv6 {}; MTU {}\n",
                     c.prefix.empty() ? "-" : c.prefix, c.prefix_source.empty() ? "-" : c.prefix_source,
                     c.address_mode.empty() ? "-" : c.address_mode, c.ipv4.empty() ? "-" : c.ipv4,
                     c.ipv6.empty() ? "-" : c.ipv6, c.mtu);
  } else {
    s += fmt::format("  a CLAT on {} ({}); not a sixfour clat (no control socket answered)\n", c.interface, route);
  }
  if (r.offline) return s;
  const Probe* v4 = r.probe("ipv4_literal");
  if (!v4 || v4->grade == Grade::skipped)
    s += "    IPv4 literal probe: skipped\n";
  else if (via_clat(c, v4))
    s += fmt::format("    IPv4 literal {}: {} through the CLAT (from {})\n", v4->target, grade_name(v4->grade),
                     v4->local);
  else
    s += fmt::format("    IPv4 literal {}: {}, not through the CLAT{}\n", v4->target, grade_name(v4->grade),
                     v4->local.empty() ? "" : fmt::format(" (from {})", v4->local));
  return s;
}

}  // namespace

std::string render_json(const Report& r) {
  Json j = {{"verdict", r.verdict.id}, {"exit_code", r.verdict.exit_code}, {"sentence", r.verdict.sentence},
            {"offline", r.offline},    {"timeout_ms", r.timeout_ms},       {"slow_ms", r.slow_ms},
            {"port", r.port}};
  Json& ifs = j["interfaces"] = Json::array();
  for (const Interface& i : r.interfaces) ifs.push_back(json_interface(i));
  Json& routes = j["default_routes"] = Json::array();
  for (const DefaultRoute& d : r.routes)
    routes.push_back(
        {{"family", d.family}, {"gateway", jnull_or(d.gateway)}, {"interface", d.interface}, {"metric", d.metric}});
  Json& resolvers = j["resolvers"] = Json::array();
  for (const Resolver& x : r.resolvers)
    resolvers.push_back({{"address", x.address}, {"port", x.port}, {"source", x.source}});
  j["clat"] = json_clat(r);
  j["nat64"] = json_nat64(r);
  Json& probes = j["probes"] = Json::array();
  for (const Probe& p : r.probes) probes.push_back(json_probe(p));
  return json_text(j) + "\n";
}

std::string render_text(const Report& r) {
  std::string s;
  s += "Interfaces\n";
  for (const Interface& i : r.interfaces) {
    s += fmt::format("  {} ({}{}, mtu {}{})\n", i.name, i.up ? "up" : "down", i.loopback ? ", loopback" : "", i.mtu,
                     i.clat ? ", CLAT" : "");
    for (const IfAddress& a : i.addresses)
      s += fmt::format("    {}/{}  {}\n", a.address, a.prefix_len, kind_name(a.kind));
    if (i.addresses.empty()) s += "    (no addresses)\n";
  }
  s += "Default routes\n";
  for (int f : {4, 6}) {
    bool any = false;
    for (const DefaultRoute& d : r.routes) {
      if (d.family != f) continue;
      any = true;
      s += fmt::format("  {}: {}{}{}dev {} metric {}\n", family_name(f), d.gateway.empty() ? "" : "via ", d.gateway,
                       d.gateway.empty() ? "" : " ", d.interface, d.metric);
    }
    if (!any) s += fmt::format("  {}: none\n", family_name(f));
  }
  s += "DNS resolvers\n";
  for (const Resolver& x : r.resolvers) s += fmt::format("  {} port {} ({})\n", x.address, x.port, x.source);
  if (r.resolvers.empty()) s += "  none found\n";
  s += text_clat(r);

  s += "NAT64 prefix discovery\n";
  if (r.offline) s += "  RFC 7050: skipped (--offline)\n";
  for (const Rfc7050Query& q : r.rfc7050) {
    s += fmt::format("  RFC 7050 AAAA ipv4only.arpa via {}: {} ({})\n", q.resolver, q.status, ms_text(q.ms));
    for (const rfc7050::Answer& a : q.result.answers) {
      if (a.matches.empty()) {
        s += fmt::format("    {}: no 192.0.0.170/171 at any RFC 6052 position (ignored)\n", a.address.str());
        continue;
      }
      std::string where;
      for (const rfc7050::WkaMatch& m : a.matches)
        where += fmt::format("{}{} at /{} -> {}", where.empty() ? "" : ", ", m.wka.str(), m.prefix.len, m.prefix.str());
      s += fmt::format("    {}: {}\n", a.address.str(), where);
    }
    if (q.result.ambiguous) s += "    ambiguous: the WKA appears at several positions (RFC 7050 §3)\n";
  }
  if (r.pref64.how.empty())
    s += fmt::format("  RFC 8781 PREF64: {}\n", r.pref64.status);
  else
    s += fmt::format("  RFC 8781 PREF64: {} ({})\n", r.pref64.status, r.pref64.how);
  for (const Pref64Seen& p : r.pref64.seen)
    s += fmt::format("    {} lifetime {} s from {} on {}\n", p.value.prefix.str(), p.value.lifetime_s, p.router,
                     p.interface);

  if (r.offline) {
    s += "Probes: skipped (--offline)\n";
  } else {
    s += fmt::format("Probes (TCP port {}, timeout {} ms, slow from {} ms)\n", r.port, r.timeout_ms, r.slow_ms);
    for (const Probe& p : r.probes) {
      s += fmt::format("  {:<7} {:>9}  {:<16} {}{}{}\n", grade_name(p.grade),
                       p.grade == Grade::skipped ? "" : ms_text(p.ms), p.label, p.target, p.target.empty() ? "" : ": ",
                       p.detail);
      if (p.name) {
        const NameInfo& n = *p.name;
        std::string addrs;
        for (const std::string& a : n.aaaa) addrs += fmt::format("{}AAAA {}", addrs.empty() ? " -> " : ", ", a);
        for (const std::string& a : n.a) addrs += fmt::format("{}A {}", addrs.empty() ? " -> " : ", ", a);
        s += fmt::format("  {:<7} {:>9}  {:<16} DNS via {}: {}{}{}\n", "", "", "", n.resolver, n.status, addrs,
                         n.synthesized ? " (AAAA synthesized by DNS64)" : "");
      }
    }
  }
  s += fmt::format("\nVerdict: {}\n", r.verdict.sentence);
  return s;
}

}  // namespace sixfour::doctor
