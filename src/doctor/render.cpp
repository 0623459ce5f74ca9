// Text and JSON renderings of a Report.
#include <fmt/format.h>

#include "doctor/report.hpp"

namespace sixfour::doctor {

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

namespace {

std::string family_name(int f) { return f == 6 ? "IPv6" : "IPv4"; }

std::string ms_text(double ms) { return fmt::format("{:.1f} ms", ms); }

template <typename T, typename F>
std::string json_array(const std::vector<T>& v, F each) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += each(v[i]);
  }
  s += ']';
  return s;
}

std::string jstrs(const std::vector<std::string>& v) {
  return json_array(v, [](const std::string& x) { return json_string(x); });
}

std::string jprefixes(const std::vector<Ipv6Prefix>& v) {
  return json_array(v, [](const Ipv6Prefix& p) { return json_string(p.str()); });
}

std::string jbool(bool b) { return b ? "true" : "false"; }
std::string jms(double ms) { return fmt::format("{:.3f}", ms); }

std::string json_probe(const Probe& p) {
  std::string s =
      fmt::format(R"({{"id":{},"label":{},"target":{},"grade":{},"ms":{},"detail":{},"connected":{})",
                  json_string(p.id), json_string(p.label), json_string(p.target), json_string(grade_name(p.grade)),
                  jms(p.ms), json_string(p.detail), p.connected.empty() ? "null" : json_string(p.connected));
  if (p.name) {
    const NameInfo& n = *p.name;
    s += fmt::format(R"(,"dns":{{"resolver":{},"status":{},"a":{},"aaaa":{},"synthesized":{}}})",
                     json_string(n.resolver), json_string(n.status), jstrs(n.a), jstrs(n.aaaa), jbool(n.synthesized));
  }
  return s + "}";
}

}  // namespace

std::string render_json(const Report& r) {
  std::string s = "{";
  s += fmt::format(R"("verdict":{},"exit_code":{},"sentence":{},"offline":{},"timeout_ms":{},"slow_ms":{},"port":{},)",
                   json_string(r.verdict.id), r.verdict.exit_code, json_string(r.verdict.sentence), jbool(r.offline),
                   r.timeout_ms, r.slow_ms, r.port);
  s += R"("interfaces":)";
  s += json_array(r.interfaces, [](const Interface& i) {
    return fmt::format(R"({{"name":{},"index":{},"up":{},"loopback":{},"mtu":{},"clat":{},"addresses":{}}})",
                       json_string(i.name), i.index, jbool(i.up), jbool(i.loopback), i.mtu, jbool(i.clat),
                       json_array(i.addresses, [](const IfAddress& a) {
                         return fmt::format(R"({{"family":{},"address":{},"prefix_len":{},"kind":{}}})", a.family,
                                            json_string(a.address), a.prefix_len, json_string(kind_name(a.kind)));
                       }));
  });
  s += ',';
  s += R"("default_routes":)";
  s += json_array(r.routes, [](const DefaultRoute& d) {
    return fmt::format(R"({{"family":{},"gateway":{},"interface":{},"metric":{}}})", d.family,
                       d.gateway.empty() ? "null" : json_string(d.gateway), json_string(d.interface), d.metric);
  });
  s += ',';
  s += R"("resolvers":)";
  s += json_array(r.resolvers, [](const Resolver& x) {
    return fmt::format(R"({{"address":{},"port":{},"source":{}}})", json_string(x.address), x.port,
                       json_string(x.source));
  });
  s += ',';
  s +=
      fmt::format(R"("clat":{{"present":{},"evidence":{}}},)", jbool(!r.clat_evidence.empty()), jstrs(r.clat_evidence));
  s += R"("nat64":{"prefixes":)";
  s += jprefixes(r.nat64_prefixes());
  s += R"(,"rfc7050":)";
  s += json_array(r.rfc7050, [](const Rfc7050Query& q) {
    return fmt::format(R"({{"resolver":{},"status":{},"ms":{},"ambiguous":{},"prefixes":{},"answers":{}}})",
                       json_string(q.resolver), json_string(q.status), jms(q.ms), jbool(q.result.ambiguous),
                       jprefixes(q.result.prefixes), json_array(q.result.answers, [](const rfc7050::Answer& a) {
                         return fmt::format(R"({{"address":{},"matches":{}}})", json_string(a.address.str()),
                                            json_array(a.matches, [](const rfc7050::WkaMatch& m) {
                                              return fmt::format(R"({{"prefix":{},"wka":{}}})",
                                                                 json_string(m.prefix.str()), json_string(m.wka.str()));
                                            }));
                       }));
  });
  s += fmt::format(R"(,"pref64":{{"status":{},"how":{},"seen":{}}}}},)", json_string(r.pref64.status),
                   json_string(r.pref64.how), json_array(r.pref64.seen, [](const Pref64Seen& p) {
                     return fmt::format(R"({{"prefix":{},"lifetime_s":{},"interface":{},"router":{}}})",
                                        json_string(p.value.prefix.str()), p.value.lifetime_s, json_string(p.interface),
                                        json_string(p.router));
                   }));
  s += R"("probes":)";
  s += json_array(r.probes, json_probe);
  s += "}\n";
  return s;
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
  s += "CLAT (464XLAT)\n";
  if (r.clat_evidence.empty()) s += "  none: no 192.0.0.0/29 address, no clat*/v4-* interface\n";
  for (const std::string& e : r.clat_evidence) s += fmt::format("  {}\n", e);

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
