#include "gateway/config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "common/config_toml.hpp"

namespace sixfour::gateway {

namespace {

constexpr std::string_view kKnownKeys =
    "inside, tun, prefix, pool4, ports, internal4, dns-listen, upstream, dns-allow, dns-threads, "
    "workers, offload, mtu, allow-non-global, control";

// Interface names end up inside quoted nftables strings and TOML strings: keep to what the kernel
// accepts (dev_valid_name) minus quotes and backslashes.
bool valid_ifname(std::string_view n) {
  if (n.empty() || n.size() > 15 || n == "." || n == "..") return false;
  for (char c : n)
    if (c == '/' || c == ':' || c == '"' || c == '\\' || c == '%' || static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return false;
  return true;
}

std::string quote(std::string_view s) {  // TOML basic string
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string toml_list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + quote(v[i]);
  return out + "]";
}

bool is_link_local(const HostAddress& a) {
  if (a.v6) return a.a6.b[0] == 0xfe && (a.a6.b[1] & 0xc0) == 0x80;  // fe80::/10
  return a.a4.b[0] == 169 && a.a4.b[1] == 254;                       // 169.254/16
}

std::string network_of(const HostAddress& a) {
  if (a.v6) {
    Ipv6Addr n = a.a6;
    for (unsigned i = 0; i < 16; ++i) {
      const unsigned bits = a.len > 8 * i ? std::min(8u, a.len - 8 * i) : 0;
      n.b[i] &= static_cast<uint8_t>(bits == 8 ? 0xff : (0xff00 >> bits) & 0xff);
    }
    return fmt::format("{}/{}", n.str(), a.len);
  }
  const uint32_t mask = a.len == 0 ? 0 : ~uint32_t{0} << (32 - a.len);
  return fmt::format("{}/{}", Ipv4Addr::from_u32(a.a4.to_u32() & mask).str(), a.len);
}

}  // namespace

ConfigInput merge(ConfigInput base, const ConfigInput& over) {
  take(base.inside, over.inside);
  take(base.tun, over.tun);
  take(base.prefix, over.prefix);
  take(base.pool4, over.pool4);
  take(base.ports, over.ports);
  take(base.internal4, over.internal4);
  take(base.dns_listen, over.dns_listen);
  take(base.upstream, over.upstream);
  take(base.dns_allow, over.dns_allow);
  take(base.dns_threads, over.dns_threads);
  take(base.workers, over.workers);
  take(base.offload, over.offload);
  take(base.mtu, over.mtu);
  take(base.allow_non_global, over.allow_non_global);
  take(base.control, over.control);
  return base;
}

Result<ConfigInput> parse_toml(std::string_view text, const std::string& file) {
  auto parsed = parse_toml_table(text, file);
  if (!parsed) return Error{parsed.error()};
  ConfigInput in;
  for (auto&& [k, node] : *parsed) {
    const TomlValue v{node, std::string(k.str()), file};
    Status st = Ok{};
    if (v.key() == "inside")
      st = v.as_list(in.inside);
    else if (v.key() == "tun")
      st = v.as_string(in.tun);
    else if (v.key() == "prefix")
      st = v.as_string(in.prefix);
    else if (v.key() == "pool4")
      st = v.as_list(in.pool4);
    else if (v.key() == "ports")
      st = v.as_string(in.ports);
    else if (v.key() == "internal4")
      st = v.as_string(in.internal4);
    else if (v.key() == "dns-listen")
      st = v.as_list(in.dns_listen);
    else if (v.key() == "upstream")
      st = v.as_list(in.upstream);
    else if (v.key() == "dns-allow")
      st = v.as_list(in.dns_allow);
    else if (v.key() == "dns-threads")
      st = v.as_number(in.dns_threads);
    else if (v.key() == "workers")
      st = v.as_number(in.workers);
    else if (v.key() == "offload")
      st = v.as_string(in.offload);
    else if (v.key() == "mtu")
      st = v.as_number(in.mtu);
    else if (v.key() == "allow-non-global")
      st = v.as_bool(in.allow_non_global);
    else if (v.key() == "control")
      st = v.as_string(in.control);
    else
      return v.unknown(kKnownKeys);
    if (!st) return Error{st.error()};
  }
  return in;
}

std::string PortRange::str() const { return fmt::format("{}-{}", lo, hi); }

Result<PortRange> parse_port_range(std::string_view t) {
  const size_t dash = t.find('-');
  if (dash == std::string_view::npos) return Error{"expected LO-HI, e.g. 61000-65535"};
  auto lo = parse_uint(t.substr(0, dash), 1, 65535);
  auto hi = parse_uint(t.substr(dash + 1), 1, 65535);
  if (!lo || !hi) return Error{"ports must be numbers from 1 to 65535 (LO-HI)"};
  if (*lo > *hi) return Error{"LO must not be above HI"};
  return PortRange{static_cast<uint16_t>(*lo), static_cast<uint16_t>(*hi)};
}

Result<PortRange> parse_ip_local_port_range(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string a, b;
  if (!(in >> a >> b)) return Error{"ip_local_port_range: expected two numbers"};
  auto lo = parse_uint(a, 0, 65535);
  auto hi = parse_uint(b, 0, 65535);
  if (!lo || !hi || *lo > *hi) return Error{fmt::format("ip_local_port_range: bad range \"{} {}\"", a, b)};
  return PortRange{static_cast<uint16_t>(*lo), static_cast<uint16_t>(*hi)};
}

Result<PortRange> choose_ports(const PortRange& e) {
  constexpr uint32_t kFirst = 1024, kLast = 65535;
  PortRange below{}, above{};
  if (e.lo > kFirst) below = {static_cast<uint16_t>(kFirst), static_cast<uint16_t>(e.lo - 1)};
  if (e.hi < kLast)
    above = {static_cast<uint16_t>(std::max<uint32_t>(kFirst, e.hi + 1u)), static_cast<uint16_t>(kLast)};
  const PortRange best = below.size() > above.size() ? below : above;
  if (best.size() < kMinSharedPorts)
    return Error{
        fmt::format("the kernel's ephemeral ports {} (net.ipv4.ip_local_port_range) leave fewer than {} ports "
                    "in 1024-65535 for sixfour; set ports = \"LO-HI\" or narrow the kernel's range",
                    e.str(), kMinSharedPorts)};
  return best;
}

std::string table_name(std::string_view tun) {
  std::string out = "sixfour_";
  for (char c : tun) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return out;
}

std::string nft_ruleset(const Steering& s) {
  std::string inside;
  for (size_t i = 0; i < s.inside.size(); ++i) inside += fmt::format("{}\"{}\"", i ? ", " : "", s.inside[i]);
  std::string out = fmt::format("table inet {} {{\n", table_name(s.tun));
  if (s.shared) {
    // Raw priority runs before conntrack's reverse NAT, so replies (addressed to the host
    // address) pass and only packets sent to the internal address itself are dropped.
    out += fmt::format(
        "  chain prerouting {{\n"
        "    type filter hook prerouting priority raw; policy accept;\n"
        "    iifname != \"{}\" ip daddr {} drop\n"
        "  }}\n",
        s.tun, s.internal4.str());
  }
  out += fmt::format(
      "  chain forward {{\n"
      "    type filter hook forward priority filter; policy accept;\n"
      "    oifname \"{}\" meta nfproto ipv6 iifname != {{ {} }} drop\n"
      "  }}\n",
      s.tun, inside);
  if (s.shared) {
    // nftables maps ports only after a transport protocol match; ICMP echo identifiers are kept
    // by conntrack when unique (they are: only the NAT64 uses the internal address).
    out += fmt::format(
        "  chain postrouting {{\n"
        "    type nat hook postrouting priority srcnat; policy accept;\n"
        "    ip saddr {0} meta l4proto {{ tcp, udp }} snat ip to {1}:{2}\n"
        "    ip saddr {0} snat ip to {1}\n"
        "  }}\n",
        s.internal4.str(), s.host4.str(), s.ports.str());
  }
  out += "}\n";
  return out;
}

std::string nft_apply_script(const Steering& s) {
  const std::string t = table_name(s.tun);
  return fmt::format("add table inet {0}\ndelete table inet {0}\n", t) + nft_ruleset(s);
}

std::string nft_delete_script(std::string_view tun) { return fmt::format("delete table inet {}\n", table_name(tun)); }

std::string default_control_path(std::string_view tun) { return fmt::format("/run/sixfour/gateway-{}.sock", tun); }

Result<GatewayConfig> validate(const ConfigInput& in, const HostFacts& host) {
  GatewayConfig out;
  Steering& st = out.steering;
  out.ephemeral = host.ephemeral;

  // ---- interfaces
  if (!in.inside.has() || in.inside.value->empty())
    return Error{
        "--inside IFACE is required: the interface(s) facing the IPv6-only clients "
        "(DNS64 serves them there; only they may use the NAT64)"};
  for (const std::string& v : *in.inside.value) {
    if (!valid_ifname(v)) return Error{fail(in.inside.file, "inside", v, "not a valid interface name")};
    if (std::find(host.interfaces.begin(), host.interfaces.end(), v) == host.interfaces.end())
      return Error{fail(in.inside.file, "inside", v, "no such interface")};
    if (std::find(st.inside.begin(), st.inside.end(), v) == st.inside.end()) st.inside.push_back(v);
  }
  st.tun = in.tun.has() ? *in.tun.value : std::string(kDefaultTun);
  if (!valid_ifname(st.tun)) return Error{fail(in.tun.file, "tun", st.tun, "not a valid interface name")};
  if (std::find(st.inside.begin(), st.inside.end(), st.tun) != st.inside.end())
    return Error{fail(in.tun.file, "tun", st.tun, "is also an --inside interface")};

  auto is_host_v4 = [&](Ipv4Addr a) {
    return std::any_of(host.addresses.begin(), host.addresses.end(),
                       [&](const HostAddress& h) { return !h.v6 && h.a4 == a; });
  };

  // ---- pool4: routed or shared
  nat64::ConfigInput n;
  n.tun.set(st.tun, in.tun.file);
  n.prefix = in.prefix;
  n.workers = in.workers;
  n.offload = in.offload;
  n.mtu = in.mtu;
  n.allow_non_global = in.allow_non_global;
  n.control.set(in.control.has() ? *in.control.value : default_control_path(st.tun), in.control.file);

  std::optional<PortRange> ports_given;
  if (in.ports.has()) {
    auto p = parse_port_range(*in.ports.value);
    if (!p) return Error{fail(in.ports.file, "ports", *in.ports.value, p.error())};
    ports_given = *p;
  }

  if (in.pool4.has() && !in.pool4.value->empty()) {
    const auto& list = *in.pool4.value;
    for (const std::string& v : list) {
      auto e = nat64::parse_pool4(v);
      if (!e) return Error{fail(in.pool4.file, "pool4", v, reason(e.error(), v))};
      for (const HostAddress& h : host.addresses) {
        if (h.v6 || !e->prefix.contains(h.a4)) continue;
        // One address of this host: shared with the kernel. A wider prefix or a list holding a
        // host address cannot be routed into the TUN without taking the address from the host.
        if (list.size() != 1 || e->prefix.len != 32)
          return Error{fail(in.pool4.file, "pool4", v,
                            fmt::format("contains {} of this host ({}); give that address alone to "
                                        "share it with the kernel, or addresses the host does not use",
                                        h.a4.str(), h.iface))};
        st.shared = true;
        st.host4 = h.a4;
        out.pool4_from = fmt::format("configured; an address of this host ({})", h.iface);
        if (v.find(':') != std::string::npos) {
          if (ports_given)
            return Error{fail(in.ports.file, "ports", *in.ports.value,
                              "pool4 already gives a port range; give one or the other")};
          ports_given = PortRange{e->lo, e->hi};
        }
      }
    }
    if (!st.shared) {
      if (ports_given)
        return Error{fail(in.ports.file, "ports", *in.ports.value,
                          "applies only when pool4 is this host's own address; give routed pool4 "
                          "ranges as ADDR:LO-HI")};
      if (in.internal4.has())
        return Error{fail(in.internal4.file, "internal4", *in.internal4.value,
                          "applies only when pool4 is this host's own address")};
      n.pool4 = in.pool4;
      out.pool4_from = "configured; routed into the TUN";
    }
  } else {
    std::vector<const HostAddress*> cands;
    for (const HostAddress& h : host.addresses) {
      if (h.v6 || is_link_local(h) || h.a4.b[0] == 127 || h.iface == st.tun) continue;
      if (std::find(st.inside.begin(), st.inside.end(), h.iface) != st.inside.end()) continue;
      if (std::none_of(cands.begin(), cands.end(), [&](const HostAddress* c) { return c->a4 == h.a4; }))
        cands.push_back(&h);
    }
    if (cands.empty())
      return Error{
          "no pool4 given and this host has no IPv4 address outside the --inside "
          "interfaces to share: give --pool4 ADDR"};
    if (cands.size() > 1) {
      std::string list;
      for (const HostAddress* c : cands)
        list += fmt::format("{}{} ({})", list.empty() ? "" : ", ", c->a4.str(), c->iface);
      return Error{
          fmt::format("no pool4 given and this host has {} IPv4 addresses ({}): choose one "
                      "with --pool4 ADDR",
                      cands.size(), list)};
    }
    st.shared = true;
    st.host4 = cands.front()->a4;
    out.pool4_from = fmt::format("the host's only IPv4 address ({}), shared with the kernel", cands.front()->iface);
  }

  if (st.shared) {
    if (ports_given) {
      if (ports_given->overlaps(host.ephemeral))
        return Error{
            fmt::format("ports {} overlap the kernel's ephemeral ports {} "
                        "(net.ipv4.ip_local_port_range): the kernel's own connections would "
                        "compete for them",
                        ports_given->str(), host.ephemeral.str())};
      st.ports = *ports_given;
    } else {
      auto p = choose_ports(host.ephemeral);
      if (!p) return Error{p.error()};
      st.ports = *p;
      out.ports_chosen = true;
    }
    const std::string i4 = in.internal4.has() ? *in.internal4.value : std::string(kDefaultInternal4);
    auto a = Ipv4Addr::parse(i4);
    if (!a) return Error{fail(in.internal4.file, "internal4", i4, reason(a.error(), i4))};
    if (is_host_v4(*a))
      return Error{fail(in.internal4.file, "internal4", i4, "is an address of this host; it must be unused")};
    if (a->b[0] == 0 || a->b[0] == 127 || a->b[0] >= 224)
      return Error{fail(in.internal4.file, "internal4", i4, "must be a unicast address")};
    st.internal4 = *a;
    n.pool4.set({fmt::format("{}:{}", st.internal4.str(), st.ports.str())});
  }

  auto nat = nat64::validate(n);
  if (!nat) return Error{nat.error()};
  out.nat64 = std::move(nat).value();
  out.control = out.nat64.control;

  // ---- DNS64 on the inside interfaces
  dns64::ConfigInput d;
  std::vector<std::string> listen, allow{"127.0.0.0/8", "::1/128"};
  for (const HostAddress& h : host.addresses) {
    if (std::find(st.inside.begin(), st.inside.end(), h.iface) == st.inside.end() || is_link_local(h)) continue;
    dns64::Endpoint e;
    e.v6 = h.v6;
    e.a4 = h.a4;
    e.a6 = h.a6;
    listen.push_back(e.str());
    const std::string net = network_of(h);
    if (std::find(allow.begin(), allow.end(), net) == allow.end()) allow.push_back(net);
  }
  if (in.dns_listen.has()) {
    listen.clear();
    for (const std::string& v : *in.dns_listen.value) {
      auto e = dns64::parse_endpoint(v);
      if (!e) return Error{fail(in.dns_listen.file, "dns-listen", v, e.error())};
      listen.push_back(e->str());
    }
    if (listen.empty()) return Error{label(in.dns_listen.file, "dns-listen", "") + ": needs at least one address"};
  } else if (listen.empty()) {
    return Error{
        fmt::format("the --inside interfaces ({}) have no global or unique-local address for "
                    "DNS64 to listen on: add one, or give --dns-listen ADDR",
                    fmt::join(st.inside, ", "))};
  }
  if (in.dns_allow.has()) {
    for (const std::string& v : *in.dns_allow.value)
      if (auto c = IpPrefix::parse(v); !c) return Error{fail(in.dns_allow.file, "dns-allow", v, reason(c.error(), v))};
    d.allow = in.dns_allow;
  }
  if (in.dns_threads.has() && !parse_uint(*in.dns_threads.value, 1, 256))
    return Error{fail(in.dns_threads.file, "dns-threads", *in.dns_threads.value, "must be a number from 1 to 256")};
  d.threads = in.dns_threads;
  d.listen.set(listen);
  d.upstream = in.upstream;
  d.prefix.set(out.nat64.settings.prefix.str());

  dns64::Defaults defaults;
  defaults.upstreams = host.resolvers;
  for (const std::string& a : allow)
    if (auto c = IpPrefix::parse(a)) defaults.allow.push_back(*c);
  defaults.threads = 1;  // the NAT64 workers need the cores more; raise with dns-threads
  auto dns = dns64::validate(d, defaults);
  if (!dns) return Error{dns.error()};
  out.dns64 = std::move(dns).value();
  out.dns64.control = out.control;
  return out;
}

std::string render_toml(const GatewayConfig& c) {
  const Steering& s = c.steering;
  const nat64::Settings& n = c.nat64.settings;
  std::string o = "# sixfour gateway: effective configuration (usable as --config)\n";
  o += fmt::format("inside = {}\n", toml_list(s.inside));
  o += fmt::format("tun = {}\n", quote(s.tun));
  o += fmt::format("prefix = {}\n", quote(n.prefix.str()));
  if (s.shared) {
    o += fmt::format("pool4 = {}  # {}\n", quote(s.host4.str()), c.pool4_from);
    o += fmt::format("ports = {}  # {}; kernel's ephemeral ports: {}\n", quote(s.ports.str()),
                     c.ports_chosen ? "chosen" : "configured", c.ephemeral.str());
    o += fmt::format("internal4 = {}  # the NAT64's own address, source-NATed to {}\n", quote(s.internal4.str()),
                     s.host4.str());
  } else {
    std::vector<std::string> pool;
    for (const nat64::Pool4Entry& p : n.pool4)
      pool.push_back(fmt::format("{}:{}-{}", p.prefix.len == 32 ? p.prefix.addr.str() : p.prefix.str(), p.lo, p.hi));
    o += fmt::format("pool4 = {}  # {}\n", toml_list(pool), c.pool4_from);
  }
  std::vector<std::string> listen, ups, allow;
  for (const auto& e : c.dns64.listen) listen.push_back(e.str());
  for (const auto& e : c.dns64.upstreams) ups.push_back(e.str());
  for (const auto& a : c.dns64.allow) allow.push_back(a.str());
  o += fmt::format("dns-listen = {}\n", toml_list(listen));
  o += fmt::format("upstream = {}\n", toml_list(ups));
  o += fmt::format("dns-allow = {}\n", toml_list(allow));
  o += fmt::format("dns-threads = {}\n", c.dns64.threads);
  if (c.nat64.workers != 0) o += fmt::format("workers = {}\n", c.nat64.workers);
  o += fmt::format("offload = \"{}\"\n", c.nat64.offload ? "auto" : "off");
  o += fmt::format("mtu = {}\n", n.xlat.mtu6);
  o += fmt::format("allow-non-global = {}\n", n.allow_non_global ? "true" : "false");
  o += fmt::format("control = {}\n", quote(c.control));
  o += "\n# Routes into the TUN while running:";
  o += fmt::format(" {}", n.prefix.str());
  for (const nat64::Pool4Entry& p : n.pool4) o += fmt::format(", {}", p.prefix.str());
  o += fmt::format("\n# nftables table while running (removed on exit; replaced at start):\n");
  std::istringstream rs(nft_ruleset(s));
  for (std::string line; std::getline(rs, line);) o += "#   " + line + "\n";
  return o;
}

}  // namespace sixfour::gateway
