#include "lab/lab.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "addr/ip.hpp"

namespace sixfour::lab {

namespace {

std::string s(std::string_view v) { return std::string(v); }

// Sysctls every node gets before its interfaces exist (the "default" keys apply to interfaces
// created later): addresses usable at once (no duplicate address detection on point-to-point
// veths), no router advertisements or autoconfiguration, and no ICMP rate limit, so traceroute
// sees every Time Exceeded.
const Argv kCommonSysctls = {
    "net.ipv6.conf.all.accept_dad=0",    "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_ra=0",
    "net.ipv6.conf.default.accept_ra=0", "net.ipv6.conf.all.autoconf=0",       "net.ipv6.conf.default.autoconf=0",
    "net.ipv4.icmp_ratelimit=0",         "net.ipv6.icmp.ratelimit=0",
};

Argv sysctl(Argv keys) {
  Argv a = {"sysctl", "-q", "-w"};
  a.insert(a.end(), keys.begin(), keys.end());
  return a;
}

struct Link {
  std::string_view a, b;
};
// The ring of the topology (see lab.hpp).
constexpr Link kLinks[] = {{"laptop", "gw"}, {"gw", "web4"}, {"gw", "ds"}, {"web4", "ds"}};

struct Addr {
  std::string_view node, dev, cidr;
};
constexpr Addr kAddrs[] = {
    {"laptop", "eth-gw", "2001:db8:6::2/64"}, {"gw", "eth-laptop", "2001:db8:6::1/64"},
    {"gw", "eth-web4", "198.51.100.1/24"},    {"gw", "eth-ds", "2001:db8:d5::1/64"},
    {"web4", "eth-gw", "198.51.100.2/24"},    {"web4", "eth-ds", "203.0.113.1/24"},
    {"ds", "eth-gw", "2001:db8:d5::2/64"},    {"ds", "eth-web4", "203.0.113.2/24"},
};

struct Route {
  std::string_view node, family, via, dev;  // every route is a default route
};
constexpr Route kRoutes[] = {
    {"laptop", "-6", "2001:db8:6::1", "eth-gw"},
    // The gateway's uplink: web4 stands for "the IPv4 Internet".
    {"gw", "-4", "198.51.100.2", "eth-web4"},
    {"web4", "-4", "198.51.100.1", "eth-gw"},
    {"ds", "-4", "203.0.113.1", "eth-web4"},
    {"ds", "-6", "2001:db8:d5::1", "eth-gw"},
};

// Interfaces that carry IPv4 only: no IPv6 link-local address either.
constexpr Addr kV4OnlyIfs[] = {{"gw", "eth-web4", ""}, {"ds", "eth-web4", ""}};

}  // namespace

std::string ns_name(std::string_view prefix, std::string_view node) { return fmt::format("{}-{}", prefix, node); }

bool is_node(std::string_view node) {
  return std::find(std::begin(kNodes), std::end(kNodes), node) != std::end(kNodes);
}

Status check_prefix(std::string_view prefix) {
  bool ok = !prefix.empty() && prefix.size() <= 32 && std::isalnum(static_cast<unsigned char>(prefix[0]));
  for (char c : prefix) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
  if (!ok)
    return Error{
        fmt::format("--prefix \"{}\": want 1-32 letters, digits, '-' or '_', starting with a "
                    "letter or digit",
                    prefix)};
  return Ok{};
}

std::vector<Command> build_commands(std::string_view prefix) {
  std::vector<Command> out;
  auto ns = [&](std::string_view node) { return ns_name(prefix, node); };
  for (std::string_view n : kNodes) out.push_back({"", {"ip", "netns", "add", ns(n)}});
  for (std::string_view n : kNodes) {
    out.push_back({"", {"ip", "-n", ns(n), "link", "set", "lo", "up"}});
    out.push_back({s(n), sysctl(kCommonSysctls)});
  }
  // gw routes both families; its replies from the translator's own addresses must not be dropped
  // by strict reverse-path filtering.
  out.push_back(
      {"gw", sysctl({"net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1", "net.ipv6.conf.default.forwarding=1",
                     "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"})});
  // web4 has no IPv6 at all, not even on loopback.
  out.push_back({"web4", sysctl({"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1",
                                 "net.ipv6.conf.lo.disable_ipv6=1"})});
  // A veth pair created straight inside the two namespaces: no name ever exists in the host's.
  for (const Link& l : kLinks)
    out.push_back({"",
                   {"ip", "-n", ns(l.a), "link", "add", fmt::format("eth-{}", l.b), "type", "veth", "peer", "name",
                    fmt::format("eth-{}", l.a), "netns", ns(l.b)}});
  for (const Addr& a : kV4OnlyIfs)
    out.push_back({s(a.node), sysctl({fmt::format("net.ipv6.conf.{}.disable_ipv6=1", a.dev)})});
  for (const Addr& a : kAddrs) {
    Argv argv = {"ip", "-n", ns(a.node), "addr", "add", s(a.cidr), "dev", s(a.dev)};
    if (a.cidr.find(':') != std::string_view::npos) argv.push_back("nodad");
    out.push_back({"", argv});
  }
  for (const Link& l : kLinks) {
    out.push_back({"", {"ip", "-n", ns(l.a), "link", "set", fmt::format("eth-{}", l.b), "up"}});
    out.push_back({"", {"ip", "-n", ns(l.b), "link", "set", fmt::format("eth-{}", l.a), "up"}});
  }
  for (const Route& r : kRoutes)
    out.push_back(
        {"", {"ip", "-n", ns(r.node), s(r.family), "route", "add", "default", "via", s(r.via), "dev", s(r.dev)}});
  return out;
}

std::vector<Command> settle_commands() {
  auto ping = [](std::string_view node, std::string_view to) {
    return Command{s(node), {"ping", "-n", "-c", "1", "-W", "1", s(to)}};
  };
  return {ping("laptop", kGwInside6), ping("web4", kGw4), ping("ds", kGwDs6), ping("ds", kWeb4Ds4)};
}

std::string resolv_conf(std::string_view node) {
  if (node == "laptop")
    return fmt::format("# sixfour lab: the laptop's resolver is the gateway's DNS64\nnameserver {}\n", kGwInside6);
  return fmt::format("# sixfour lab: the zone's server in web4 stands for the ISP's resolver\nnameserver {}\n", kWeb4);
}

std::string zone_file() {
  return fmt::format(
      "; sixfour lab zone (RFC 2606 reserved TLD .example)\n"
      "$ORIGIN {zone}.\n"
      "$TTL 300\n"
      "@        IN SOA ns.{zone}. hostmaster.{zone}. 1 3600 600 86400 60\n"
      "@        IN NS   ns.{zone}.\n"
      "ns       IN A    {web4}\n"
      "; the IPv4-only web server\n"
      "www.v4   IN A    {web4}\n"
      "; the dual-stack server, by both families and by IPv6 only\n"
      "www.ds   IN A    {ds4}\n"
      "www.ds   IN AAAA {ds6}\n"
      "www.v6   IN AAAA {ds6}\n",
      fmt::arg("zone", kZone), fmt::arg("web4", kWeb4), fmt::arg("ds4", kDs4), fmt::arg("ds6", kDs6));
}

std::string ipv4only_zone_file() {
  // RFC 7050 §2.2: the well-known name whose A records a DNS64 turns into AAAA records that reveal
  // the NAT64 prefix to hosts that look for it (RFC 7050 §3).
  return fmt::format(
      "$ORIGIN ipv4only.arpa.\n"
      "$TTL 300\n"
      "@ IN SOA ns.{zone}. hostmaster.{zone}. 1 3600 600 86400 60\n"
      "@ IN NS  ns.{zone}.\n"
      "@ IN A   192.0.0.170\n"
      "@ IN A   192.0.0.171\n",
      fmt::arg("zone", kZone));
}

std::string nsd_conf(std::string_view dir) {
  // Foreground, no chroot, no user switch, no control socket: every file stays in `dir`.
  return fmt::format(
      "server:\n"
      "  ip-address: {web4}\n"
      "  port: 53\n"
      "  username: \"\"\n"
      "  chroot: \"\"\n"
      "  zonesdir: \"{dir}\"\n"
      "  database: \"\"\n"
      "  zonelistfile: \"{dir}/nsd.zonelist\"\n"
      "  xfrdfile: \"{dir}/nsd.xfrd.state\"\n"
      "  xfrdir: \"{dir}\"\n"
      "  pidfile: \"{dir}/nsd.pid\"\n"
      "  server-count: 1\n"
      "  hide-version: yes\n"
      "  verbosity: 1\n"
      "remote-control:\n"
      "  control-enable: no\n"
      "zone:\n"
      "  name: \"{zone}\"\n"
      "  zonefile: \"{dir}/{zone}.zone\"\n"
      "zone:\n"
      "  name: \"ipv4only.arpa\"\n"
      "  zonefile: \"{dir}/ipv4only.arpa.zone\"\n",
      fmt::arg("web4", kWeb4), fmt::arg("dir", dir), fmt::arg("zone", kZone));
}

std::string http_body(std::string_view name, std::string_view client) {
  std::string_view what = name == kV4Name ? "a web server with IPv4 only" : "a dual-stack web server";
  return fmt::format("Hello from {}, {}. You came from {}.\n", name, what, client);
}

std::vector<Service> services(std::string_view dir) {
  auto http = [](std::string_view node, std::string_view addr, std::string_view name, std::string_view tag) {
    std::string listen =
        addr.find(':') != std::string_view::npos ? fmt::format("[{}]:80", addr) : fmt::format("{}:80", addr);
    return Service{
        fmt::format("http-{}", tag), s(node), {s(kSelf), "lab", "serve-http", s(addr), "80", s(name)}, "tcp", listen};
  };
  return {
      {"nsd", "web4", {"nsd", "-d", "-c", fmt::format("{}/nsd.conf", dir)}, "udp", fmt::format("{}:53", kWeb4)},
      http("web4", kWeb4, kV4Name, "web4"),
      http("ds", kDs4, kDsName, "ds4"),
      http("ds", kDs6, kDsName, "ds6"),
  };
}

// ---------------------------------------------------------------------------------------------

namespace {

Action run(std::string_view node, Argv argv, std::string ok, int want_rc = 0, Check c = {}) {
  Action a;
  a.kind = Action::Kind::Run;
  a.node = s(node);
  a.argv = std::move(argv);
  a.want_rc = want_rc;
  a.check = std::move(c);
  a.text = std::move(ok);
  return a;
}

Action start(std::string_view node, std::string name, Argv argv, std::vector<std::pair<Argv, std::string>> ready) {
  Action a;
  a.kind = Action::Kind::Start;
  a.node = s(node);
  a.argv = std::move(argv);
  a.text = std::move(name);
  a.ready = std::move(ready);
  return a;
}

Action stop(std::string_view node, std::string name) {
  Action a;
  a.kind = Action::Kind::Stop;
  a.node = s(node);
  a.text = std::move(name);
  return a;
}

Check contains(std::string_view what) { return {CheckKind::Contains, s(what), ""}; }

std::pair<Argv, std::string> listening(std::string_view proto, std::string addr_port) {
  return {{"ss", proto == "udp" ? "-lunH" : "-lntH"}, std::move(addr_port)};
}

std::pair<Argv, std::string> routed(std::string_view prefix) {
  return {{"ip", "-6", "route", "show", s(prefix)}, s(prefix)};
}

// `sixfour doctor` on the laptop, pointed at the lab's names and literals.
Argv doctor_argv() {
  return {s(kSelf),   "doctor",       "--v4-name", s(kV4Name),     "--v6-name", s(kV6Name), "--ds-name",
          s(kDsName), "--v4-literal", s(kWeb4),    "--v6-literal", s(kDs6),     "--port",   "80"};
}

}  // namespace

std::string clat_control(const DemoOptions& o) {
  const size_t slash = o.dir.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : o.dir.substr(0, slash);
  return fmt::format("{}/clat-{}.sock", parent, slash == std::string::npos ? o.dir : o.dir.substr(slash + 1));
}

std::vector<Action> gateway_start(const DemoOptions& o) {
  return {start("gw", "gateway",
                {s(kSelf), "gateway", "--inside", "eth-laptop", "--allow-non-global", "--control",
                 fmt::format("{}/gateway.sock", o.dir)},
                {routed(kNat64Prefix), listening("udp", fmt::format("[{}]:53", kGwInside6))})};
}

namespace {

// Step 6: a CLAT on the laptop gives it IPv4 itself, so IPv4 literals work too.
Step clat_step(const DemoOptions& o) {
  const std::string control = clat_control(o);
  const std::string literal_site = fmt::format("http://{}/", kWeb4);
  Step st{"A CLAT on the laptop: IPv4 literals work too",
          fmt::format("`sixfour clat` on the laptop is a CLAT (464XLAT, RFC 6877): it gives the laptop the IPv4 "
                      "address 192.0.0.1 and an IPv4 default route through its TUN {tun}, and turns the laptop's own "
                      "IPv4 packets into IPv6 packets, from its own address in the laptop's /64, for the gateway's "
                      "NAT64. The gateway starts again with the local-use prefix {p} (RFC 8215): a CLAT sends no "
                      "non-global IPv4 address, and the lab's are documentation addresses, into 64:ff9b::/96 (RFC "
                      "6052 §3.1). The CLAT finds {p} by itself (RFC 7050: ipv4only.arpa through the DNS64) and "
                      "checks it with a ping to {web4} before it uses it.",
                      fmt::arg("tun", kClatTun), fmt::arg("p", kClatPrefix), fmt::arg("web4", kWeb4)),
          {}};
  std::vector<Action>& a = st.actions;
  a.push_back(start("gw", "gateway",
                    {s(kSelf), "gateway", "--inside", "eth-laptop", "--prefix", s(kClatPrefix), "--control",
                     fmt::format("{}/gateway.sock", o.dir)},
                    {routed(kClatPrefix), listening("udp", fmt::format("[{}]:53", kGwInside6))}));
  a.push_back(start("laptop", "clat", {s(kSelf), "clat", "--probe", s(kWeb4), "--control", control},
                    {{{"ip", "-4", "route", "show", "default"}, fmt::format("dev {}", kClatTun)}}));
  a.push_back(run("laptop", {s(kSelf), "clat", "status", "--control", control},
                  fmt::format("the CLAT is active with {} found by RFC 7050", kClatPrefix), 0,
                  contains(fmt::format("NAT64 prefix: {} (RFC 7050", kClatPrefix))));
  a.push_back(run("laptop", {"ip", "-4", "route"},
                  fmt::format("the laptop has an IPv4 default route, through {}", kClatTun), 0,
                  contains(fmt::format("default dev {}", kClatTun))));
  a.push_back(run("laptop", {"ping", "-4", "-c", "1", "-W", "2", s(kWeb4)},
                  fmt::format("ping -4 {} works now: the IPv4 literal is reached through the CLAT", kWeb4), 0,
                  contains("1 received")));
  a.push_back(run(
      "laptop", {"curl", "-sS", "--max-time", "10", literal_site},
      fmt::format("curl {} works: an IPv4 literal in a URL, and the server saw the gateway's {}", literal_site, kGw4),
      0, contains(fmt::format("You came from {}.", kGw4))));
  a.push_back(run("laptop", doctor_argv(),
                  "the doctor's verdict: IPv6-only with 464XLAT, nothing to fix (exit code 14)", kDoctor464xlat,
                  contains("Verdict: IPv6-only network with 464XLAT")));
  a.push_back(stop("laptop", "clat"));
  a.push_back(run("laptop", {"ip", "-4", "route"}, "the CLAT took its IPv4 route with it: the laptop is as it was", 0,
                  {CheckKind::Empty, "", ""}));
  return st;
}

}  // namespace

std::vector<Step> demo_steps(const DemoOptions& o) {
  const std::string site = fmt::format("http://{}/", kV4Name);
  std::vector<Step> steps;

  steps.push_back(
      {"The laptop has only IPv6",
       fmt::format("Its one address is {}, its one route points to the gateway over IPv6. The web site "
                   "{} has only an IPv4 address.",
                   kLaptop6, kV4Name),
       {
           run("laptop", {"ip", "-br", "addr"}, fmt::format("the laptop's address is {} (and loopback)", kLaptop6), 0,
               contains(fmt::format("{}/64", kLaptop6))),
           run("laptop", {"ip", "-4", "route"}, "no IPv4 route at all", 0, {CheckKind::Empty, "", ""}),
           run("laptop", {"ping", "-4", "-c", "1", "-W", "1", s(kWeb4)}, "ping -4: Network is unreachable", kAnyFailure,
               contains("Network is unreachable")),
           run("gw", {"dig", "+short", "+norec", s(kV4Name), "A"},
               fmt::format("{} has an IPv4 address (A record)...", kV4Name), 0, contains(kWeb4)),
           run("gw", {"dig", "+short", "+norec", s(kV4Name), "AAAA"}, "...and no IPv6 address (no AAAA record)", 0,
               {CheckKind::Empty, "", ""}),
           run("laptop", {"curl", "-sS", "--max-time", "5", site}, "the IPv4-only site fails from the laptop",
               kAnyFailure),
       }});

  Step gw{
      "The gateway starts: NAT64 and DNS64",
      fmt::format("`sixfour gateway` on gw translates the laptop's IPv6 packets to IPv4 (NAT64, RFC 6146) from the "
                  "gateway's one IPv4 address {} and answers the laptop's DNS questions, making up {} addresses for "
                  "IPv4-only names (DNS64, RFC 6147). Its DNS upstream is gw's own resolver. (--allow-non-global: the "
                  "lab's IPv4 addresses are documentation addresses, which RFC 6052 §3.1 keeps out of 64:ff9b::/96.)",
                  kGw4, kNat64Prefix),
      gateway_start(o)};
  gw.actions.push_back(run("laptop", {"dig", "+short", s(kV4Name), "AAAA"},
                           fmt::format("the laptop resolves {} to {} = {} + {}", kV4Name, kWeb4As6, "64:ff9b::", kWeb4),
                           0, {CheckKind::AllInPrefix, s(kNat64Prefix), ""}));
  // The server sees the gateway's own IPv4 address, which the gateway shares with its kernel.
  gw.actions.push_back(run("laptop", {"curl", "-sS", "--max-time", "10", site},
                           fmt::format("curl works: the IPv4-only server answered, and saw {}", kGw4), 0,
                           contains(fmt::format("You came from {}.", kGw4))));
  steps.push_back(std::move(gw));

  steps.push_back({"traceroute crosses into 64:ff9b::",
                   "Hop 1 is the gateway's inside address, hop 2 the server 198.51.100.2, seen as "
                   "64:ff9b::c633:6402 (its IPv4 address embedded in 64:ff9b::/96, RFC 6052). The gateway, "
                   "translator included, is one hop, as a router is; an IPv4 router behind it would show "
                   "as its IPv4 address embedded in the prefix too.",
                   {run("laptop", {"traceroute", "-6", "-n", "-q", "1", "-w", "2", "-m", "8", s(kV4Name)},
                        fmt::format("hop 1 {} (the gateway, once), hop 2 {}", kGwInside6, kWeb4As6), 0,
                        {CheckKind::Traceroute, s(kGwInside6), s(kWeb4As6)})}});

  steps.push_back({"sixfour doctor explains the situation",
                   "`sixfour doctor` on the laptop probes names and literals of both families and says what kind of "
                   "network this is.",
                   {run("laptop", doctor_argv(), "the doctor's verdict: IPv6-only with DNS64/NAT64 (exit code 10)",
                        kDoctorNat64, contains("Verdict: IPv6-only network with DNS64/NAT64 (64:ff9b::/96)"))}});

  Step socks{"The SOCKS alternative",
             fmt::format("Without any NAT64: the dual-stack server ds runs `sixfour socks` on {} port {}; the "
                         "laptop hands it the name and the proxy connects over IPv4.",
                         kDs6, kSocksPort),
             {}};
  socks.actions.push_back(stop("gw", "gateway"));
  socks.actions.push_back(run("laptop", {"curl", "-sS", "--max-time", "5", site},
                              "with the gateway stopped, the site fails again", kAnyFailure));
  const std::string socks_listen = fmt::format("[{}]:{}", kDs6, kSocksPort);
  socks.actions.push_back(start("ds", "socks",
                                {s(kSelf), "socks", "--listen", socks_listen, "--allow", "2001:db8:6::/64", "--control",
                                 fmt::format("{}/socks.sock", o.dir)},
                                {listening("tcp", socks_listen)}));
  socks.actions.push_back(
      run("laptop", {"curl", "-sS", "--max-time", "10", "-x", fmt::format("socks5h://{}", socks_listen), site},
          fmt::format("curl through the proxy works; the server saw the proxy's {}", kDs4), 0,
          contains(fmt::format("You came from {}.", kDs4))));
  steps.push_back(std::move(socks));
  steps.push_back(clat_step(o));
  return steps;
}

namespace {

// The lines of a command's output, without their '\n'.
std::vector<std::string_view> lines_of(std::string_view out) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t end = out.find('\n', pos);
    if (end == std::string_view::npos) end = out.size();
    lines.push_back(out.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

}  // namespace

std::vector<std::pair<int, std::string>> traceroute_hops(std::string_view out) {
  std::vector<std::pair<int, std::string>> hops;
  for (std::string_view line : lines_of(out)) {
    // " 2  64:ff9b::c000:201  0.123 ms": hop number, then the address, or "*" when unanswered.
    size_t i = line.find_first_not_of(' ');
    if (i == std::string_view::npos || !std::isdigit(static_cast<unsigned char>(line[i]))) continue;
    int hop = 0;
    while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) hop = hop * 10 + (line[i++] - '0');
    if (i >= line.size() || line[i] != ' ') continue;
    i = line.find_first_not_of(' ', i);
    if (i == std::string_view::npos) continue;
    size_t j = line.find(' ', i);
    std::string_view addr = line.substr(i, j == std::string_view::npos ? line.size() - i : j - i);
    if (addr == "*") continue;
    hops.emplace_back(hop, std::string(addr));
  }
  return hops;
}

bool check_output(const Check& c, std::string_view out, std::string* why) {
  auto fail = [&](std::string msg) {
    if (why) *why = std::move(msg);
    return false;
  };
  switch (c.kind) {
    case CheckKind::None:
      return true;
    case CheckKind::Contains:
      if (out.find(c.arg) != std::string_view::npos) return true;
      return fail(fmt::format("expected the output to contain \"{}\"", c.arg));
    case CheckKind::Empty:
      if (out.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
      return fail("expected no output");
    case CheckKind::AllInPrefix: {
      auto prefix = Ipv6Prefix::parse(c.arg);
      if (!prefix) return fail(prefix.error());
      int n = 0;
      for (std::string_view line : lines_of(out)) {
        while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
        if (line.empty()) continue;
        auto a = Ipv6Addr::parse(line);
        if (!a || !prefix->contains(*a))
          return fail(fmt::format("expected only IPv6 addresses inside {}, got \"{}\"", c.arg, line));
        ++n;
      }
      if (n == 0) return fail(fmt::format("expected IPv6 addresses inside {}, got none", c.arg));
      return true;
    }
    case CheckKind::Traceroute: {
      auto hops = traceroute_hops(out);
      if (hops.empty()) return fail("no hop answered");
      if (hops.front() != std::pair<int, std::string>{1, c.arg})
        return fail(fmt::format("expected hop 1 to be {}", c.arg));
      if (hops.back().second != c.arg2)
        return fail(fmt::format("expected the last hop to be {}, got {}", c.arg2, hops.back().second));
      if (hops.size() != 2 || hops.back().first != 2)
        return fail(fmt::format("expected the gateway as one hop, then {}; got {} hops", c.arg2, hops.size()));
      auto prefix = Ipv6Prefix::parse(kNat64Prefix);
      for (size_t i = 1; i < hops.size(); ++i) {
        auto a = Ipv6Addr::parse(hops[i].second);
        if (!a || !prefix->contains(*a))
          return fail(fmt::format("expected hop {} ({}) inside {}", hops[i].first, hops[i].second, kNat64Prefix));
      }
      return true;
    }
  }
  return fail("unknown check");
}

std::string display(const Argv& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    if (a == kSelf) {
      out += "sixfour";
      continue;
    }
    bool plain = !a.empty() && std::all_of(a.begin(), a.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) ||
             std::string_view("_./:@%+=,-").find(c) != std::string_view::npos;
    });
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

}  // namespace sixfour::lab
