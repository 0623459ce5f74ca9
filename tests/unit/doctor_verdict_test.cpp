// sixfour doctor: the verdict table (observations in, verdict + sentence + exit code out), probe
// grading, and the shape of the JSON output.
#include <gtest/gtest.h>

#include <map>

#include "doctor/report.hpp"

namespace sixfour::doctor {
namespace {

// A strict little JSON reader for the test: flattens {"a":{"b":[1]}} into a.b.0 = 1; any syntax
// error (or trailing text) makes it return false.
struct Flat {
  std::string_view s;
  size_t i = 0;
  std::map<std::string, std::string> out;

  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  }
  bool str(std::string& v) {
    if (i >= s.size() || s[i] != '"') return false;
    ++i;
    while (i < s.size() && s[i] != '"') {
      if (static_cast<unsigned char>(s[i]) < 0x20) return false;
      if (s[i] == '\\') {
        if (++i >= s.size()) return false;
        const char e = s[i];
        if (e == 'u') {
          if (i + 4 >= s.size()) return false;
          v += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 4)), nullptr, 16));
          i += 4;
        } else if (e == 'n')
          v += '\n';
        else if (e == 't')
          v += '\t';
        else if (e == 'r')
          v += '\r';
        else if (e == '"' || e == '\\' || e == '/')
          v += e;
        else
          return false;
      } else {
        v += s[i];
      }
      ++i;
    }
    if (i >= s.size()) return false;
    ++i;
    return true;
  }
  bool value(const std::string& path) {
    ws();
    if (i >= s.size()) return false;
    const std::string pre = path.empty() ? "" : path + ".";
    if (s[i] == '{') {
      ++i;
      ws();
      if (i < s.size() && s[i] == '}') return ++i, true;
      while (true) {
        ws();
        std::string k;
        if (!str(k)) return false;
        ws();
        if (i >= s.size() || s[i++] != ':') return false;
        if (!value(pre + k)) return false;
        ws();
        if (i < s.size() && s[i] == ',') {
          ++i;
          continue;
        }
        if (i < s.size() && s[i] == '}') return ++i, true;
        return false;
      }
    }
    if (s[i] == '[') {
      ++i;
      ws();
      if (i < s.size() && s[i] == ']') return ++i, true;
      for (int n = 0;; ++n) {
        if (!value(pre + std::to_string(n))) return false;
        ws();
        if (i < s.size() && s[i] == ',') {
          ++i;
          continue;
        }
        if (i < s.size() && s[i] == ']') return ++i, true;
        return false;
      }
    }
    if (s[i] == '"') {
      std::string v;
      if (!str(v)) return false;
      out[path] = v;
      return true;
    }
    const size_t start = i;
    while (i < s.size() && std::string_view("-+.eE0123456789truefalsn").find(s[i]) != std::string_view::npos) ++i;
    const std::string_view tok = s.substr(start, i - start);
    if (tok.empty()) return false;
    if (!(tok == "true" || tok == "false" || tok == "null" ||
          tok.find_first_not_of("-+.eE0123456789") == std::string_view::npos))
      return false;
    out[path] = std::string(tok);
    return true;
  }
  bool parse() {
    if (!value("")) return false;
    ws();
    return i == s.size();
  }
};

Probe probe(std::string id, Grade g) {
  Probe p;
  p.id = std::move(id);
  p.label = p.id;
  p.grade = g;
  return p;
}

Probe name_probe(std::string id, Grade g, std::vector<std::string> a, std::vector<std::string> aaaa,
                 bool synthesized = false) {
  Probe p = probe(std::move(id), g);
  NameInfo n;
  n.resolver = "2001:db8:6::1 port 53";
  n.status = "answer";
  n.a = std::move(a);
  n.aaaa = std::move(aaaa);
  n.synthesized = synthesized;
  p.name = n;
  return p;
}

Rfc7050Query dns64_answer(const char* prefix) {
  Rfc7050Query q;
  q.resolver = "2001:db8:6::1 port 53";
  q.status = "answer";
  q.result.prefixes.push_back(Ipv6Prefix::parse(prefix).value());
  return q;
}

struct Case {
  const char* what;
  Grade v4, v6, v4name, v6name, dsname, nat64lit;
  bool dns64, v4_resolves, clat;
  const char* id;
  int code;
};

Report build(const Case& c) {
  Report r;
  r.probes.push_back(probe("ipv4_literal", c.v4));
  r.probes.push_back(probe("ipv6_literal", c.v6));
  const bool res = c.v4_resolves;
  r.probes.push_back(
      name_probe("ipv4_name", c.v4name, res ? std::vector<std::string>{"198.51.100.2"} : std::vector<std::string>{},
                 res && c.dns64 ? std::vector<std::string>{"2001:db8:64::c633:6402"} : std::vector<std::string>{},
                 res && c.dns64));
  r.probes.push_back(name_probe("ipv6_name", c.v6name, {},
                                res ? std::vector<std::string>{"2001:db8:d5::2"} : std::vector<std::string>{}));
  r.probes.push_back(name_probe("dual_stack_name", c.dsname,
                                res ? std::vector<std::string>{"203.0.113.2"} : std::vector<std::string>{},
                                res ? std::vector<std::string>{"2001:db8:d5::2"} : std::vector<std::string>{}));
  r.probes.push_back(probe("nat64_literal", c.nat64lit));
  if (c.dns64) r.rfc7050.push_back(dns64_answer("2001:db8:64::/96"));
  if (c.clat) {
    r.clat_evidence.push_back("interface clat4");
    Interface i;
    i.name = "clat4";
    i.up = true;
    i.clat = true;
    i.addresses.push_back({4, "192.0.0.4", 32, AddrKind::clat4});
    r.interfaces.push_back(i);
    r.routes.push_back({4, "", "clat4", 0});
  }
  return r;
}

constexpr Grade ok = Grade::ok, slow = Grade::slow, fail = Grade::fail, skip = Grade::skipped;

const Case kTable[] = {
    {"both families", ok, ok, ok, ok, ok, skip, false, true, false, "dual_stack", 0},
    {"both, slow IPv4 still works", slow, ok, ok, ok, ok, skip, false, true, false, "dual_stack", 0},
    {"IPv6-only with DNS64 and NAT64", fail, ok, ok, ok, ok, ok, true, true, false, "ipv6_only_nat64", 10},
    {"IPv6-only, DNS64 + NAT64 literal, IPv4 name target down", fail, ok, fail, ok, ok, ok, true, true, false,
     "ipv6_only_nat64", 10},
    {"IPv6-only without NAT64", fail, ok, fail, ok, ok, skip, false, true, false, "ipv6_only_no_nat64", 11},
    {"IPv4-only", ok, fail, ok, fail, ok, skip, false, true, false, "ipv4_only", 12},
    {"nothing", fail, fail, fail, fail, fail, skip, false, false, false, "no_connectivity", 13},
    {"464XLAT", ok, ok, ok, ok, ok, ok, true, true, true, "ipv6_only_464xlat", 14},
    {"NAT64 without DNS64", fail, ok, fail, ok, ok, ok, false, true, false, "ipv6_only_nat64_no_dns64", 15},
    {"DNS64 without NAT64", fail, ok, fail, ok, ok, fail, true, true, false, "ipv6_only_dns64_no_nat64", 16},
    {"literals work, DNS does not", ok, ok, fail, fail, fail, skip, false, false, false, "dns_broken", 17},
};

TEST(DoctorVerdict, Table) {
  for (const Case& c : kTable) {
    SCOPED_TRACE(c.what);
    const Verdict v = decide(build(c));
    EXPECT_EQ(v.id, c.id);
    EXPECT_EQ(v.exit_code, c.code);
    EXPECT_FALSE(v.sentence.empty());
  }
}

TEST(DoctorVerdict, SentencesNameTheFix) {
  EXPECT_EQ(decide(build(kTable[0])).sentence, "IPv4 and IPv6 both working.");
  const Verdict n = decide(build(kTable[2]));
  EXPECT_NE(
      n.sentence.find("IPv6-only network with DNS64/NAT64 (2001:db8:64::/96): names work, IPv4 literals will fail"),
      std::string::npos)
      << n.sentence;
  EXPECT_NE(decide(build(kTable[4])).sentence.find("use a proxy on a dual-stack server (sixfour socks)"),
            std::string::npos);
  EXPECT_NE(decide(build(kTable[8])).sentence.find("sixfour dns64"), std::string::npos);
  EXPECT_NE(decide(build(kTable[9])).sentence.find("sixfour nat64 --prefix 2001:db8:64::/96"), std::string::npos);
}

TEST(DoctorVerdict, OfflineJudgesTheConfiguration) {
  Report r;
  r.offline = true;
  Interface eth;
  eth.name = "eth0";
  eth.up = true;
  eth.addresses.push_back({6, "2001:db8:6::2", 64, AddrKind::global});
  eth.addresses.push_back({6, "fe80::1", 64, AddrKind::link_local});
  r.interfaces.push_back(eth);
  EXPECT_EQ(decide(r).id, "no_connectivity");  // no default route
  r.routes.push_back({6, "2001:db8:6::1", "eth0", 1024});
  EXPECT_EQ(decide(r).id, "ipv6_only");
  EXPECT_EQ(decide(r).exit_code, 18);
  r.routes.push_back({4, "198.51.100.1", "eth0", 0});
  EXPECT_EQ(decide(r).id, "ipv6_only");  // an IPv4 route without an IPv4 address does not count
  r.interfaces[0].addresses.push_back({4, "198.51.100.2", 24, AddrKind::global});
  EXPECT_EQ(decide(r).id, "dual_stack");
  r.routes.erase(r.routes.begin());
  EXPECT_EQ(decide(r).id, "ipv4_only");
  // A default route through link-local-only IPv6 is not IPv6 connectivity.
  r.routes.push_back({6, "fe80::1", "eth0", 1024});
  r.interfaces[0].addresses.erase(r.interfaces[0].addresses.begin());
  EXPECT_EQ(decide(r).id, "ipv4_only");
}

TEST(DoctorGrade, ThresholdAndFailure) {
  EXPECT_EQ(grade(true, 10, 500), Grade::ok);
  EXPECT_EQ(grade(true, 500, 500), Grade::slow);
  EXPECT_EQ(grade(false, 1, 500), Grade::fail);
  EXPECT_TRUE(works(Grade::slow));
  EXPECT_FALSE(works(Grade::skipped));
}

TEST(DoctorJson, Shape) {
  Report r = build(kTable[2]);
  r.timeout_ms = 2000;
  r.slow_ms = 500;
  r.port = 80;
  r.resolvers.push_back({"2001:db8:6::1", 53, "--resolver"});
  r.rfc7050[0].result =
      rfc7050::extract_prefixes(std::vector<Ipv6Addr>{Ipv6Addr::parse("2001:db8:64::c000:aa").value()});
  r.pref64.status = "not visible";
  r.pref64.how = "listened 1000 ms for \"router\" advertisements";
  r.verdict = decide(r);
  const std::string j = render_json(r);
  Flat flat;
  flat.s = j;
  ASSERT_TRUE(flat.parse()) << "not JSON at offset " << flat.i << ":\n" << j;
  const auto& m = flat.out;
  auto at = [&](const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? std::string("<missing " + k + ">") : it->second;
  };
  EXPECT_EQ(at("verdict"), "ipv6_only_nat64");
  EXPECT_EQ(at("exit_code"), "10");
  EXPECT_EQ(at("offline"), "false");
  EXPECT_EQ(at("port"), "80");
  EXPECT_EQ(at("resolvers.0.address"), "2001:db8:6::1");
  EXPECT_EQ(at("nat64.prefixes.0"), "2001:db8:64::/96");
  EXPECT_EQ(at("nat64.rfc7050.0.answers.0.address"), "2001:db8:64::c000:aa");
  EXPECT_EQ(at("nat64.rfc7050.0.answers.0.matches.0.prefix"), "2001:db8:64::/96");
  EXPECT_EQ(at("nat64.rfc7050.0.answers.0.matches.0.wka"), "192.0.0.170");
  EXPECT_EQ(at("nat64.pref64.how"), "listened 1000 ms for \"router\" advertisements");
  EXPECT_EQ(at("probes.0.id"), "ipv4_literal");
  EXPECT_EQ(at("probes.0.grade"), "fail");
  EXPECT_EQ(at("probes.2.dns.aaaa.0"), "2001:db8:64::c633:6402");
  EXPECT_EQ(at("probes.2.dns.synthesized"), "true");
  EXPECT_EQ(at("clat.present"), "false");
  EXPECT_EQ(j.back(), '\n');
}

}  // namespace
}  // namespace sixfour::doctor
