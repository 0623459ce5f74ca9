#include "gateway/config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "common/config_toml.hpp"

namespace sixfour::gateway {

namespace {

using In = ConfigInput;

constexpr Setting<In> kSettings[] = {
    list("inside", &In::inside, "IFACE", kRequired,
         "interface facing the IPv6-only clients: DNS64 listens on its addresses and only it may use the NAT64"),
    text("tun", &In::tun, "NAME", kDefaultTun, "TUN device name; the nftables table is sixfour_NAME"),
    text("prefix", &In::prefix, "PREFIX", "64:ff9b::/96", "RFC 6052 prefix for NAT64 and DNS64"),
    list("pool4", &In::pool4, "ADDR[/LEN][:LO-HI]", "this host's only IPv4 address, shared with the kernel",
         "IPv4 for the NAT64: an address of this host is shared, others are routed into the TUN"),
    text("ports", &In::ports, "LO-HI", "the larger gap next to the kernel's ephemeral ports, e.g. 1024-32767",
         "ports on a shared address"),
    text("internal4", &In::internal4, "ADDR", kDefaultInternal4,
         "the NAT64's internal address, source-NATed to the shared one"),
    list("dns-listen", &In::dns_listen, "ADDR[:PORT]", "the inside interfaces' global and ULA addresses, port 53",
         "DNS64 address ([V6]:PORT form for a port)"),
    list("upstream", &In::upstream, "ADDR[:PORT]", "/etc/resolv.conf",
         "resolver DNS64 forwards to, in order with failover"),
    list("dns-allow", &In::dns_allow, "CIDR", "loopback and the inside interfaces' on-link networks",
         "DNS64 clients; others get REFUSED"),
    number("dns-threads", &In::dns_threads, "N", "1", "DNS64 threads (the NAT64 workers need the cores more)"),
    number("workers", &In::workers, "N", "one per online CPU", "NAT64 worker threads = TUN queues"),
    text("offload", &In::offload, "auto|off", "auto",
         "TUN offloads: auto = GSO super-packets and partial checksums when the kernel offers them, a flow's "
         "small UDP datagrams sent as one UDP GSO packet, off = plain packets"),
    text("fast-path", &In::fast_path, "auto|tun|off", "auto",
         "eBPF fast path: auto and tun = translate the common packets in the kernel on the TUN (the gateway's "
         "nftables steering must see every packet, so never at the uplinks' ingress), the rest in the daemon; "
         "off = every packet through the daemon. auto and tun fall back to the daemon alone where BPF cannot "
         "load (the start line says why)"),
    number("mtu", &In::mtu, "N", "1500", "MTU of the TUN device"),
    flag("allow-non-global", &In::allow_non_global,
         "translate non-global IPv4 addresses with 64:ff9b::/96 (RFC 6052 §3.1 forbids it; for labs)"),
    text("control", &In::control, "PATH", "/run/sixfour/gateway-TUN.sock", "control socket"),
    text("metrics", &In::metrics, "ADDR:PORT", "", kMetricsHelp),
    text("user", &In::user, "NAME", kDefaultUser,
         "after set-up, switch to this user and its group (supplementary groups cleared), keeping only cap_net_admin "
         "(docs/hardening.md); without --user, a missing sixfour user leaves the daemon uid 0 with only cap_net_admin"),
    text("icmp-source", &In::icmp_source, "ADDR|host", "first pool4 address", kIcmpSourceHelp),
    number("icmp-rate", &In::icmp_rate, "N", "1000", kIcmpRateHelp),
    number("icmp-rate-per-destination", &In::icmp_rate_per_destination, "N", "0", kIcmpRatePerDestinationHelp),
};

// Interface names end up inside quoted nftables strings and TOML strings: keep to what the kernel
// accepts (dev_valid_name) minus quotes and backslashes.
bool valid_ifname(std::string_view n) {
  if (n.empty() || n.size() > 15 || n == "." || n == "..") return false;
  for (char c : n)
    if (c == '/' || c == ':' || c == '"' || c == '\\' || c == '%' || static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return false;
  return true;
}

bool is_link_local(const HostAddress& a) {
  if (a.v6) return a.a6.b[0] == 0xfe && (a.a6.b[1] & 0xc0) == 0x80;  // fe80::/10
  return a.a4.b[0] == 169 && a.a4.b[1] == 254;                       // 169.254/16
}

std::string network_of(const HostAddress& a) {
  if (a.v6) {
    Ipv6Addr n = a.a6;
    const Ipv6Addr mask = ipv6_mask(a.len);
    for (unsigned i = 0; i < 16; ++i) n.b[i] &= mask.b[i];
    return fmt::format("{}/{}", n.str(), a.len);
  }
  return fmt::format("{}/{}", Ipv4Addr::from_u32(a.a4.to_u32() & ipv4_mask(a.len)).str(), a.len);
}

}  // namespace

SettingTable<ConfigInput> settings() { return kSettings; }

ConfigInput merge(ConfigInput base, const ConfigInput& over) { return merge_inputs(settings(), std::move(base), over); }

Result<ConfigInput> parse_toml(std::string_view text, const std::string& file) {
  return read_toml(settings(), text, file);
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

namespace {

// ---- validate, step by step

Status set_interfaces(const ConfigInput& in, const HostFacts& host, Steering& st) {
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
  return Ok{};
}

// A configured pool4: one address of this host is shared with the kernel, anything else is routed.
Status configured_pool4(const ConfigInput& in, const HostFacts& host, GatewayConfig& out, nat64::ConfigInput& n,
                        std::optional<PortRange>& ports_given) {
  Steering& st = out.steering;
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
          return Error{
              fail(in.ports.file, "ports", *in.ports.value, "pool4 already gives a port range; give one or the other")};
        ports_given = PortRange{e->lo, e->hi};
      }
    }
  }
  if (st.shared) return Ok{};
  if (ports_given)
    return Error{fail(in.ports.file, "ports", *in.ports.value,
                      "applies only when pool4 is this host's own address; give routed pool4 "
                      "ranges as ADDR:LO-HI")};
  if (in.internal4.has())
    return Error{fail(in.internal4.file, "internal4", *in.internal4.value,
                      "applies only when pool4 is this host's own address")};
  n.pool4 = in.pool4;
  out.pool4_from = "configured; routed into the TUN";
  return Ok{};
}

// No pool4: the host's only IPv4 address outside the inside interfaces, shared with the kernel.
Status host_pool4(const HostFacts& host, GatewayConfig& out) {
  Steering& st = out.steering;
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
  return Ok{};
}

// Shared mode: the ports on the host address and the internal address the NAT64 translates to.
Status set_shared(const ConfigInput& in, const HostFacts& host, const std::optional<PortRange>& ports_given,
                  GatewayConfig& out, nat64::ConfigInput& n) {
  Steering& st = out.steering;
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
  const bool is_host_v4 = std::any_of(host.addresses.begin(), host.addresses.end(),
                                      [&](const HostAddress& h) { return !h.v6 && h.a4 == *a; });
  if (is_host_v4)
    return Error{fail(in.internal4.file, "internal4", i4, "is an address of this host; it must be unused")};
  if (a->b[0] == 0 || a->b[0] == 127 || a->b[0] >= 224)
    return Error{fail(in.internal4.file, "internal4", i4, "must be a unicast address")};
  st.internal4 = *a;
  n.pool4.set({fmt::format("{}:{}", st.internal4.str(), st.ports.str())});
  return Ok{};
}

// The NAT64 half: pool4 routed or shared, then `sixfour nat64`'s own validation.
Status set_nat64(const ConfigInput& in, const HostFacts& host, GatewayConfig& out) {
  const Steering& st = out.steering;
  nat64::ConfigInput n;
  n.tun.set(st.tun, in.tun.file);
  n.prefix = in.prefix;
  n.workers = in.workers;
  n.offload = in.offload;
  n.fast_path = in.fast_path;
  n.mtu = in.mtu;
  n.allow_non_global = in.allow_non_global;
  n.icmp_source = in.icmp_source;
  n.icmp_rate = in.icmp_rate;
  n.icmp_rate_per_destination = in.icmp_rate_per_destination;
  n.control.set(in.control.has() ? *in.control.value : default_control_path(st.tun), in.control.file);

  std::optional<PortRange> ports_given;
  if (in.ports.has()) {
    auto p = parse_port_range(*in.ports.value);
    if (!p) return Error{fail(in.ports.file, "ports", *in.ports.value, p.error())};
    ports_given = *p;
  }
  Status pool = in.pool4.has() && !in.pool4.value->empty() ? configured_pool4(in, host, out, n, ports_given)
                                                           : host_pool4(host, out);
  if (!pool) return pool;
  if (st.shared)
    if (auto s = set_shared(in, host, ports_given, out, n); !s) return s;

  auto nat = nat64::validate(n);
  if (!nat) return Error{nat.error()};
  out.nat64 = std::move(nat).value();
  out.control = out.nat64.control;
  return Ok{};
}

// The DNS64 half, on the inside interfaces, with the NAT64's prefix.
Status set_dns64(const ConfigInput& in, const HostFacts& host, GatewayConfig& out) {
  const Steering& st = out.steering;
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
  return Ok{};
}

}  // namespace

Result<GatewayConfig> validate(const ConfigInput& in, const HostFacts& host) {
  GatewayConfig out;
  out.ephemeral = host.ephemeral;
  if (auto st = set_interfaces(in, host, out.steering); !st) return Error{st.error()};
  if (auto st = set_nat64(in, host, out); !st) return Error{st.error()};
  if (auto st = set_dns64(in, host, out); !st) return Error{st.error()};
  if (auto st = set_run_as(in.user, out.run_as); !st) return Error{st.error()};
  if (auto st = set_metrics(in.metrics, "metrics", out.metrics); !st) return Error{st.error()};
  return out;
}

ConfigInput to_input(const GatewayConfig& c) {
  const Steering& s = c.steering;
  const nat64::Settings& n = c.nat64.settings;
  ConfigInput in;
  in.inside.set(s.inside);
  in.tun.set(s.tun);
  in.prefix.set(n.prefix.str());
  if (s.shared) {
    in.pool4.set({s.host4.str()});
    in.ports.set(s.ports.str());
    in.internal4.set(s.internal4.str());
  } else {
    std::vector<std::string> pool;
    for (const nat64::Pool4Entry& p : n.pool4) pool.push_back(nat64::pool4_text(p));
    in.pool4.set(pool);
  }
  in.dns_listen.set(str_list(c.dns64.listen));
  in.upstream.set(str_list(c.dns64.upstreams));
  in.dns_allow.set(str_list(c.dns64.allow));
  in.dns_threads.set(std::to_string(c.dns64.threads));
  if (c.nat64.workers != 0) in.workers.set(std::to_string(c.nat64.workers));
  in.offload.set(c.nat64.offload ? "auto" : "off");
  in.fast_path.set(std::string(str(c.nat64.fast_path)));
  in.mtu.set(std::to_string(n.xlat.mtu6));
  in.allow_non_global.set(n.allow_non_global);
  in.control.set(c.control);
  put_run_as(c.run_as, in.user);
  if (c.metrics) in.metrics.set(c.metrics->str());
  if (c.nat64.icmp_source.kind != IcmpSource::Kind::Default) in.icmp_source.set(c.nat64.icmp_source.str());
  in.icmp_rate.set(std::to_string(n.xlat.icmp_errors_per_second));
  in.icmp_rate_per_destination.set(std::to_string(n.xlat.icmp_errors_per_destination));
  return in;
}

std::string render_toml(const GatewayConfig& c) {
  const Steering& s = c.steering;
  const nat64::Settings& n = c.nat64.settings;
  RenderOptions opt{"# sixfour gateway: effective configuration (usable as --config)\n"};
  opt.notes.push_back({"pool4", c.pool4_from});
  if (s.shared) {
    opt.single.push_back("pool4");
    opt.notes.push_back({"ports", fmt::format("{}; kernel's ephemeral ports: {}",
                                              c.ports_chosen ? "chosen" : "configured", c.ephemeral.str())});
    opt.notes.push_back({"internal4", fmt::format("the NAT64's own address, source-NATed to {}", s.host4.str())});
  }
  std::string o = sixfour::render_toml(settings(), to_input(c), opt);
  o += "\n# Routes into the TUN while running:";
  o += fmt::format(" {}", n.prefix.str());
  for (const nat64::Pool4Entry& p : n.pool4) o += fmt::format(", {}", p.prefix.str());
  o += fmt::format("\n# nftables table while running (removed on exit; replaced at start):\n");
  std::istringstream rs(nft_ruleset(s));
  for (std::string line; std::getline(rs, line);) o += "#   " + line + "\n";
  return o;
}

}  // namespace sixfour::gateway
