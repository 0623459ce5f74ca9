#include "dns64/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "addr/rfc6052.hpp"
#include "common/config_toml.hpp"

namespace sixfour::dns64 {

namespace {

using In = ConfigInput;

constexpr Setting<In> kSettings[] = {
    list("listen", &In::listen, "ADDR:PORT", "[::1]:53 and 127.0.0.1:53",
         "address to serve on, ADDR:PORT, [V6]:PORT or ADDR (port 53)"),
    list("upstream", &In::upstream, "ADDR:PORT", "nameservers of /etc/resolv.conf",
         "recursive resolver to forward to, tried in order with failover"),
    text("prefix", &In::prefix, "PREFIX", "64:ff9b::/96", "RFC 6052 prefix"),
    list("exclude", &In::exclude, "PREFIX", "",
         "AAAA records inside this IPv6 prefix count as absent (::ffff:0:0/96 always does)"),
    list("allow", &In::allow, "CIDR", "loopback and this host's on-link networks",
         "clients allowed to query; others get REFUSED"),
    number("threads", &In::threads, "N", "one per core", "server threads"),
    number("cache-size", &In::cache_size, "MIB", "64", "answer cache size in MiB"),
    text("control", &In::control, "PATH", "/run/sixfour/dns64.sock", "control socket"),
    text("metrics", &In::metrics, "ADDR:PORT", "", kMetricsHelp),
    text("user", &In::user, "NAME", kDefaultUser,
         "after set-up, switch to this user and its group (supplementary groups cleared), keeping no capability "
         "(docs/hardening.md); without --user, a missing sixfour user leaves the daemon uid 0 with no capability"),
    number("rate-limit", &In::rate_limit, "N", "0",
           "response-rate limiting: at most N UDP answers a second to each client prefix (--rate-limit-ipv4-prefix, "
           "--rate-limit-ipv6-prefix), the rest dropped but for every --rate-limit-slip-th, answered with TC=1; "
           "TCP is not limited; 0 = off"),
    number("rate-limit-slip", &In::rate_limit_slip, "N", "2",
           "of the queries over --rate-limit, every N-th gets an empty TC=1 answer (the client retries over TCP) "
           "instead of none; 0 = drop them all, 1 = truncate them all"),
    number("rate-limit-ipv4-prefix", &In::rate_limit_ipv4_prefix, "LEN", "24",
           "IPv4 clients share a --rate-limit budget per prefix of this length (8..32)"),
    number("rate-limit-ipv6-prefix", &In::rate_limit_ipv6_prefix, "LEN", "56",
           "IPv6 clients share a --rate-limit budget per prefix of this length (16..64)"),
};

Status set_rate_limit(const ConfigInput& in, DaemonConfig& out) {
  if (auto st = set_uint(in.rate_limit, "rate-limit", 0, 1000000, "must be a number from 0 to 1000000", out.rate_limit);
      !st)
    return st;
  if (auto st = set_uint(in.rate_limit_slip, "rate-limit-slip", 0, 100, "must be a number from 0 to 100",
                         out.rate_limit_slip);
      !st)
    return st;
  uint32_t v4 = out.rate_limit_ipv4_prefix, v6 = out.rate_limit_ipv6_prefix;
  if (auto st =
          set_uint(in.rate_limit_ipv4_prefix, "rate-limit-ipv4-prefix", 8, 32, "must be a number from 8 to 32", v4);
      !st)
    return st;
  if (auto st =
          set_uint(in.rate_limit_ipv6_prefix, "rate-limit-ipv6-prefix", 16, 64, "must be a number from 16 to 64", v6);
      !st)
    return st;
  out.rate_limit_ipv4_prefix = static_cast<uint8_t>(v4);
  out.rate_limit_ipv6_prefix = static_cast<uint8_t>(v6);
  return Ok{};
}

}  // namespace

std::string Endpoint::str() const {
  return v6 ? fmt::format("[{}]:{}", a6.str(), port) : fmt::format("{}:{}", a4.str(), port);
}

Result<Endpoint> parse_endpoint(std::string_view t) {
  Endpoint e;
  std::string_view host = t, port;
  if (!t.empty() && t.front() == '[') {
    size_t close = t.find(']');
    if (close == std::string_view::npos) return Error{"missing ']'"};
    host = t.substr(1, close - 1);
    std::string_view rest = t.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error{"expected ':PORT' after ']'"};
      port = rest.substr(1);
      if (port.empty()) return Error{"empty port"};
    }
  } else if (std::count(t.begin(), t.end(), ':') == 1) {
    size_t c = t.find(':');
    host = t.substr(0, c);
    port = t.substr(c + 1);
    if (port.empty()) return Error{"empty port"};
  }
  if (!port.empty()) {
    auto p = parse_uint(port, 1, 65535);
    if (!p) return Error{"port must be 1..65535"};
    e.port = static_cast<uint16_t>(*p);
  }
  if (auto a4 = Ipv4Addr::parse(host)) {
    e.a4 = *a4;
    return e;
  }
  if (auto a6 = Ipv6Addr::parse(host)) {
    e.v6 = true;
    e.a6 = *a6;
    return e;
  }
  return Error{"not an IP address (ADDR, ADDR:PORT or [IPV6]:PORT)"};
}

bool allowed(const std::vector<IpPrefix>& nets, const Endpoint& c) {
  // An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2).
  Endpoint e = c;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (e.v6 && std::equal(kMapped, kMapped + 12, e.a6.b.begin())) {
    e.v6 = false;
    std::copy(e.a6.b.begin() + 12, e.a6.b.end(), e.a4.b.begin());
  }
  for (const IpPrefix& n : nets) {
    if (n.v6 && e.v6 && n.p6.contains(e.a6)) return true;
    if (!n.v6 && !e.v6 && n.p4.contains(e.a4)) return true;
  }
  return false;
}

std::vector<Endpoint> parse_resolv_conf(std::string_view text) {
  std::vector<Endpoint> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string word, addr;
    if (!(ls >> word) || word != "nameserver" || !(ls >> addr)) continue;
    // A link-local address with a zone ("fe80::1%eth0") cannot be used without the zone.
    if (addr.find('%') != std::string::npos) continue;
    auto e = parse_endpoint(addr.find(':') != std::string::npos ? "[" + addr + "]" : addr);
    if (e) out.push_back(*e);
  }
  return out;
}

SettingTable<ConfigInput> settings() { return kSettings; }

ConfigInput merge(ConfigInput base, const ConfigInput& over) { return merge_inputs(settings(), std::move(base), over); }

Result<ConfigInput> parse_toml(std::string_view text, const std::string& file) {
  return read_toml(settings(), text, file);
}

Result<DaemonConfig> validate(const ConfigInput& in, const Defaults& d) {
  DaemonConfig out;
  auto endpoints = [&](const Given<std::vector<std::string>>& g, const char* key,
                       std::vector<Endpoint>& dst) -> Status {
    for (const std::string& v : *g.value) {
      auto e = parse_endpoint(v);
      if (!e) return Error{label(g.file, key, v) + ": " + e.error()};
      if (std::find(dst.begin(), dst.end(), *e) == dst.end()) dst.push_back(*e);
    }
    if (dst.empty()) return Error{label(g.file, key, "") + ": needs at least one address"};
    return Ok{};
  };

  if (in.listen.has()) {
    if (auto st = endpoints(in.listen, "listen", out.listen); !st) return Error{st.error()};
  } else {
    // Loopback only by default: never an open resolver by accident.
    out.listen = {*parse_endpoint("[::1]:53"), *parse_endpoint("127.0.0.1:53")};
  }

  if (in.upstream.has()) {
    if (auto st = endpoints(in.upstream, "upstream", out.upstreams); !st) return Error{st.error()};
  } else {
    out.upstreams = d.upstreams;
  }
  if (out.upstreams.empty())
    return Error{"no upstream resolver: give --upstream ADDR:PORT (/etc/resolv.conf has none)"};
  for (const Endpoint& u : out.upstreams)
    if (std::find(out.listen.begin(), out.listen.end(), u) != out.listen.end())
      return Error{fmt::format("upstream {} is one of our own listen addresses (a forwarding loop)", u.str())};

  if (in.prefix.has()) {
    const std::string& v = *in.prefix.value;
    auto p = rfc6052::parse_prefix(v);
    if (!p) return Error{label(in.prefix.file, "prefix", v) + ": " + p.error()};
    out.settings.prefix = *p;
  }
  if (in.exclude.has()) {
    for (const std::string& v : *in.exclude.value) {
      auto p = Ipv6Prefix::parse(v);
      if (!p) return Error{label(in.exclude.file, "exclude", v) + ": " + p.error()};
      out.settings.exclude.push_back(*p);
    }
  }
  if (in.allow.has()) {
    for (const std::string& v : *in.allow.value) {
      auto n = IpPrefix::parse(v);
      if (!n) return Error{label(in.allow.file, "allow", v) + ": " + n.error()};
      out.allow.push_back(*n);
    }
  } else {
    out.allow = d.allow;
  }
  out.threads = d.threads;
  if (in.threads.has()) {
    auto t = parse_uint(*in.threads.value, 1, 256);
    if (!t) return Error{label(in.threads.file, "threads", *in.threads.value) + ": must be 1..256"};
    out.threads = *t;
  }
  if (in.cache_size.has()) {
    auto c = parse_uint(*in.cache_size.value, 1, 65536);
    if (!c) return Error{label(in.cache_size.file, "cache-size", *in.cache_size.value) + ": must be 1..65536 (MiB)"};
    out.cache_bytes = size_t(*c) << 20;
  }
  if (in.control.has()) {
    if (in.control.value->empty()) return Error{label(in.control.file, "control", "") + ": must not be empty"};
    out.control = *in.control.value;
  }
  if (auto st = set_run_as(in.user, out.run_as); !st) return Error{st.error()};
  if (auto st = set_metrics(in.metrics, "metrics", out.metrics); !st) return Error{st.error()};
  if (auto st = set_rate_limit(in, out); !st) return Error{st.error()};
  return out;
}

ConfigInput to_input(const DaemonConfig& c) {
  ConfigInput in;
  in.listen.set(str_list(c.listen));
  in.upstream.set(str_list(c.upstreams));
  in.prefix.set(c.settings.prefix.str());
  if (!c.settings.exclude.empty()) in.exclude.set(str_list(c.settings.exclude));
  in.allow.set(str_list(c.allow));
  in.threads.set(std::to_string(c.threads));
  in.cache_size.set(std::to_string(c.cache_bytes >> 20));
  in.control.set(c.control);
  put_run_as(c.run_as, in.user);
  if (c.metrics) in.metrics.set(c.metrics->str());
  in.rate_limit.set(std::to_string(c.rate_limit));
  in.rate_limit_slip.set(std::to_string(c.rate_limit_slip));
  in.rate_limit_ipv4_prefix.set(std::to_string(c.rate_limit_ipv4_prefix));
  in.rate_limit_ipv6_prefix.set(std::to_string(c.rate_limit_ipv6_prefix));
  return in;
}

std::string render_toml(const DaemonConfig& c) {
  return sixfour::render_toml(settings(), to_input(c),
                              {"# sixfour dns64: effective configuration (usable as --config)\n"});
}

}  // namespace sixfour::dns64
