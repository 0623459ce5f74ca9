#include "nat64/config.hpp"

#include <fmt/format.h>
#include <netinet/in.h>

#include "addr/rfc6052.hpp"
#include "common/config_addr.hpp"
#include "common/config_toml.hpp"

namespace sixfour::nat64 {

namespace {

// A year: long enough for any sane lifetime, small enough that milliseconds never overflow.
constexpr uint32_t kMaxTimeout = 365 * 24 * 3600;

using In = ConfigInput;

constexpr Setting<In> kSettings[] = {
    text("tun", &In::tun, "NAME", "nat64", "TUN device name, created if absent"),
    text("prefix", &In::prefix, "PREFIX", "64:ff9b::/96", "RFC 6052 prefix IPv4 hosts are seen under"),
    list("pool4", &In::pool4, "ADDR[/LEN][:LO-HI]", kRequired,
         "IPv4 addresses (and port range, default 1024-65535) the NAT64 translates to, e.g. 203.0.113.1 or "
         "203.0.113.0/30:2000-2999"),
    list("static", &In::statics, "PROTO,V4#PORT,V6#PORT", "",
         "static BIB entry (RFC 6146 §3.5.1), e.g. tcp,203.0.113.1#8080,2001:db8:6::2#80"),
    flag("address-dependent-filtering", &In::address_dependent_filtering,
         "accept IPv4 packets only from peers the inside host has sent to (RFC 6146 §3.5.1; default "
         "endpoint-independent)"),
    flag("drop-external-syn", &In::drop_external_syn,
         "drop unsolicited IPv4 SYNs instead of holding them 6 s (RFC 6146 §3.5.2.2)"),
    number("udp-timeout", &In::udp_timeout, "S", "300", "UDP session lifetime in seconds"),
    number("icmp-timeout", &In::icmp_timeout, "S", "60", "ICMP query session lifetime in seconds"),
    number("tcp-est-timeout", &In::tcp_est_timeout, "S", "7440", "established TCP session lifetime in seconds"),
    number("tcp-trans-timeout", &In::tcp_trans_timeout, "S", "240", "transitory TCP session lifetime in seconds"),
    number("mtu", &In::mtu, "N", "1500", "MTU of the TUN device, at least 1280"),
    number("icmp-rate", &In::icmp_rate, "N", "1000", kIcmpRateHelp),
    number("icmp-rate-per-destination", &In::icmp_rate_per_destination, "N", "0", kIcmpRatePerDestinationHelp),
    number("lowest-ipv6-mtu", &In::lowest_ipv6_mtu, "N", "1280",
           "IPv4 packets with DF=0 are fragmented to fit this IPv6 MTU"),
    flag("allow-non-global", &In::allow_non_global,
         "translate non-global IPv4 addresses with 64:ff9b::/96 (RFC 6052 §3.1 forbids it; for labs)"),
    no_flag("routes", &In::routes, "do not add routes (manage them yourself)"),
    number("workers", &In::workers, "N", "one per online CPU", "worker threads = TUN queues"),
    text("control", &In::control, "PATH", "/run/sixfour/nat64-TUN.sock", "control socket"),
    text("metrics", &In::metrics, "ADDR:PORT", "", kMetricsHelp),
    text("user", &In::user, "NAME", kDefaultUser,
         "after set-up, switch to this user and its group (supplementary groups cleared), keeping only cap_net_admin "
         "(docs/hardening.md); without --user, a missing sixfour user leaves the daemon uid 0 with only cap_net_admin"),
    flag("log-sessions", &In::log_sessions, "log every BIB entry and session created or removed (RFC 6888 §4)"),
    text("offload", &In::offload, "auto|off", "auto",
         "TUN offloads: auto = take GSO super-packets and partial checksums from the kernel when it offers "
         "them and send a flow's small UDP datagrams as one UDP GSO packet, off = plain packets"),
    text("fast-path", &In::fast_path, "auto|tun|off", "auto", kFastPathHelp),
    text("icmp-source", &In::icmp_source, "ADDR|host", "first pool4 address", kIcmpSourceHelp),
    number("port-block-size", &In::port_block_size, "N", "0",
           "give each inside IPv6 address whole blocks of N ports of one pool4 address (RFC 7422 style: logged "
           "as one line per block, block-add / block-del, whatever --log-sessions says); 0 = off, else 32 to "
           "the smallest pool4 port range"),
    text("instance", &In::instance, "K/N", "",
         "scale-out: N instances share this configuration (N a power of two, at most 256) and this one, K "
         "(0 to N-1), takes part K of every pool4 prefix split in N equal parts, so no two share an address "
         "(docs/scale-out.md); --print-config shows the part"),
};

Status set_pool4(const Given<std::vector<std::string>>& g, Settings& s) {
  if (!g.has() || g.value->empty())
    return Error{
        "--pool4 is required: the IPv4 addresses (and ports) the NAT64 may use, e.g. "
        "--pool4 203.0.113.1"};
  for (const std::string& v : *g.value) {
    auto e = parse_pool4(v);
    if (!e) return Error{fail(g.file, "pool4", v, reason(e.error(), v))};
    // RFC 6146 §3.5.1.1 picks ports per address; an address listed twice would be handed out twice.
    for (const Pool4Entry& o : s.pool4)
      if (o.prefix.contains(e->prefix) || e->prefix.contains(o.prefix))
        return Error{fail(g.file, "pool4", v, fmt::format("overlaps pool4 {}", o.prefix.str()))};
    s.pool4.push_back(*e);
  }
  return Ok{};
}

// --instance K/N: pool4 becomes this instance's slice (before the static entries, which must lie
// in it).
Status set_instance(const Given<std::string>& g, Settings& s) {
  if (!g.has()) return Ok{};
  const std::string& v = *g.value;
  const std::string why = "must be K/N: N instances (a power of two, at most 256), this one K from 0 to N-1";
  const size_t slash = v.find('/');
  unsigned k = 0, n = 0;
  const auto num = [](std::string_view t, unsigned& out) {
    if (t.empty() || t.size() > 3 || t.find_first_not_of("0123456789") != std::string_view::npos) return false;
    out = static_cast<unsigned>(std::stoul(std::string(t)));
    return true;
  };
  if (slash == std::string::npos || !num(std::string_view(v).substr(0, slash), k) ||
      !num(std::string_view(v).substr(slash + 1), n) || n == 0 || n > 256 || (n & (n - 1)) != 0 || k >= n)
    return Error{fail(g.file, "instance", v, why)};
  auto slice = pool4_slice(s.pool4, k, n);
  if (!slice) return Error{fail(g.file, "instance", v, slice.error())};
  s.pool4 = std::move(*slice);
  return Ok{};
}

// --port-block-size: 0, or from 32 (every shard of the table has ports in every block:
// nat64/pool4.hpp spreads consecutive port pairs over at most 16) to the smallest port range.
Status set_port_block_size(const Given<std::string>& g, Settings& s) {
  if (!g.has()) return Ok{};
  uint32_t smallest = 65536;
  for (const Pool4Entry& e : s.pool4) smallest = std::min<uint32_t>(smallest, uint32_t{e.hi} - e.lo + 1);
  const std::string why =
      fmt::format("must be 0 (off) or a number of ports from 32 to {} (the smallest pool4 port range)", smallest);
  if (auto st = set_uint(g, "port-block-size", 0, smallest, why, s.port_block_size); !st) return st;
  if (s.port_block_size != 0 && s.port_block_size < 32) return Error{fail(g.file, "port-block-size", *g.value, why)};
  return Ok{};
}

Status add_static(const Given<std::vector<std::string>>& g, const std::string& v, Settings& s) {
  auto b = parse_static(v);
  if (!b) return Error{fail(g.file, "static", v, reason(b.error(), v))};
  bool in_pool = false;
  for (const Pool4Entry& p : s.pool4) in_pool = in_pool || p.prefix.contains(b->addr4);
  if (!in_pool)
    return Error{fail(g.file, "static", v,
                      fmt::format("{} is not in pool4 (replies to it would not reach the NAT64)", b->addr4.str()))};
  // A BIB entry is unique on both sides (RFC 6146 §3.5.1): one inside transport address per
  // outside one and the reverse.
  for (const StaticBinding& o : s.statics) {
    if (o.proto != b->proto) continue;
    if (o.addr4 == b->addr4 && o.port4 == b->port4)
      return Error{fail(g.file, "static", v, fmt::format("{}#{} is already bound", b->addr4.str(), b->port4))};
    if (o.addr6 == b->addr6 && o.port6 == b->port6)
      return Error{fail(g.file, "static", v, fmt::format("{}#{} is already bound", b->addr6.str(), b->port6))};
  }
  s.statics.push_back(*b);
  return Ok{};
}

// RFC 6146 §4 lifetimes. Values below the RFC's minimums are accepted (a lab wants sessions to
// expire in seconds) but reported as warnings.
Status set_timeouts(const ConfigInput& in, Settings& s, std::vector<std::string>& warnings) {
  struct TimeoutKey {
    const Given<std::string>& given;
    std::string_view key;
    uint32_t& dst;
    uint32_t rfc_min;
    std::string_view rule;
  };
  const TimeoutKey timeouts[] = {
      {in.udp_timeout, "udp-timeout", s.timeouts.udp, 120, "RFC 6146 §4 minimum for UDP"},
      {in.icmp_timeout, "icmp-timeout", s.timeouts.icmp, 0, ""},
      {in.tcp_est_timeout, "tcp-est-timeout", s.timeouts.tcp_established, 7440,
       "RFC 6146 §4 minimum for established TCP"},
      {in.tcp_trans_timeout, "tcp-trans-timeout", s.timeouts.tcp_transitory, 240,
       "RFC 6146 §4 minimum for transitory TCP"},
  };
  for (const TimeoutKey& t : timeouts) {
    if (!t.given.has()) continue;
    if (auto st = set_uint(t.given, t.key, 1, kMaxTimeout,
                           fmt::format("must be a number of seconds from 1 to {}", kMaxTimeout), t.dst);
        !st)
      return st;
    if (t.dst < t.rfc_min)
      warnings.push_back(fmt::format("{} {} s is below the {} ({} s)", t.key, t.dst, t.rule, t.rfc_min));
  }
  return Ok{};
}

// The daemon's own options (not the translator's).
Status set_daemon_options(const ConfigInput& in, DaemonConfig& out) {
  set_bool(in.routes, out.routes);
  if (auto st = set_uint(in.workers, "workers", 1, kMaxWorkers,
                         fmt::format("must be a number from 1 to {}", kMaxWorkers), out.workers);
      !st)
    return st;
  if (auto st = set_choice(in.offload, "offload", "auto", "off", out.offload); !st) return st;
  if (auto st = set_fast_path(in.fast_path, "fast-path", out.fast_path); !st) return st;
  out.control = default_control_path(out.tun);
  if (auto st = set_socket_path(in.control, "control", out.control); !st) return st;
  if (auto st = set_run_as(in.user, out.run_as); !st) return st;
  if (auto st = set_metrics(in.metrics, "metrics", out.metrics); !st) return st;
  set_bool(in.log_sessions, out.log_sessions);
  return set_icmp_source(in.icmp_source, "icmp-source", out.icmp_source);
}

}  // namespace

std::string_view proto_name(uint8_t proto) {
  switch (proto) {
    case IPPROTO_TCP:
      return "tcp";
    case IPPROTO_UDP:
      return "udp";
    case IPPROTO_ICMPV6:
      return "icmp";
    default:
      return "?";
  }
}

SettingTable<ConfigInput> settings() { return kSettings; }

ConfigInput merge(ConfigInput base, const ConfigInput& over) { return merge_inputs(settings(), std::move(base), over); }

Result<ConfigInput> parse_toml(std::string_view text, const std::string& file) {
  return read_toml(settings(), text, file);
}

std::string default_control_path(std::string_view tun) { return fmt::format("/run/sixfour/nat64-{}.sock", tun); }

Result<DaemonConfig> validate(const ConfigInput& in) {
  DaemonConfig out;
  Settings& s = out.settings;
  if (auto st = set_ifname(in.tun, "tun", out.tun); !st) return Error{st.error()};
  if (auto st = set_rfc6052_prefix(in.prefix, "prefix", s.prefix); !st) return Error{st.error()};
  if (auto st = set_pool4(in.pool4, s); !st) return Error{st.error()};
  if (auto st = set_instance(in.instance, s); !st) return Error{st.error()};
  if (auto st = set_port_block_size(in.port_block_size, s); !st) return Error{st.error()};
  if (in.statics.has())
    for (const std::string& v : *in.statics.value)
      if (auto st = add_static(in.statics, v, s); !st) return Error{st.error()};
  set_bool(in.address_dependent_filtering, s.address_dependent_filtering);
  set_bool(in.drop_external_syn, s.drop_external_tcp_syn);
  if (auto st = set_timeouts(in, s, out.warnings); !st) return Error{st.error()};

  // The TUN carries IPv6, whose links must have an MTU of at least 1280 (RFC 8200 §5).
  uint16_t mtu = kDefaultMtu;
  if (auto st = set_uint(in.mtu, "mtu", 1280, 65535, "must be a number from 1280 to 65535", mtu); !st)
    return Error{st.error()};
  s.xlat.mtu4 = mtu;
  s.xlat.mtu6 = mtu;
  if (auto st = set_translator_limits(in.lowest_ipv6_mtu, in.icmp_rate, in.icmp_rate_per_destination, s.xlat); !st)
    return Error{st.error()};
  // The kernel forwards each packet into the TUN and out again, a decrement each way: the
  // translator gives one back, so the host is one hop (xlat::Config::hop_change).
  s.xlat.hop_change = 1;
  set_bool(in.allow_non_global, s.allow_non_global);
  if (auto st = set_daemon_options(in, out); !st) return Error{st.error()};

  // The translator's own addresses (self_address_rule): the NAT64 owns its pool4 addresses, so
  // by default its ICMPv4 errors come from one of them and replies to them come back to it
  // (RFC 6146 §3.5).
  use_icmp_source(
      s, out.icmp_source.kind == IcmpSource::Kind::Address ? out.icmp_source.addr : s.pool4.front().prefix.addr);
  return out;
}

void use_icmp_source(Settings& s, Ipv4Addr self4) {
  s.xlat.self4 = self4;
  s.xlat.self6 = rfc6052::embed(s.prefix, self4);
}

Result<std::vector<Pool4Entry>> pool4_slice(const std::vector<Pool4Entry>& pool, unsigned k, unsigned n) {
  unsigned bits = 0;
  while ((1u << bits) < n) ++bits;
  std::vector<Pool4Entry> out;
  for (const Pool4Entry& e : pool) {
    if (e.prefix.len + bits > 32)
      return Error{fmt::format("pool4 {} has {} address{}, too few for {} instances: give each at least one",
                               e.prefix.str(), uint64_t{1} << (32 - e.prefix.len), e.prefix.len == 32 ? "" : "es", n)};
    Pool4Entry part = e;
    part.prefix.len = static_cast<uint8_t>(e.prefix.len + bits);
    if (bits > 0)
      part.prefix.addr = Ipv4Addr::from_u32(e.prefix.addr.to_u32() + (uint32_t{k} << (32 - part.prefix.len)));
    out.push_back(part);
  }
  return out;
}

std::string pool4_text(const Pool4Entry& p) {
  return fmt::format("{}:{}-{}", p.prefix.len == 32 ? p.prefix.addr.str() : p.prefix.str(), p.lo, p.hi);
}

ConfigInput to_input(const DaemonConfig& c) {
  const Settings& s = c.settings;
  ConfigInput in;
  in.tun.set(c.tun);
  in.prefix.set(s.prefix.str());
  std::vector<std::string> pool4, statics;
  for (const Pool4Entry& p : s.pool4) pool4.push_back(pool4_text(p));
  for (const StaticBinding& b : s.statics)
    statics.push_back(
        fmt::format("{},{}#{},{}#{}", proto_name(b.proto), b.addr4.str(), b.port4, b.addr6.str(), b.port6));
  in.pool4.set(pool4);
  if (!statics.empty()) in.statics.set(statics);
  in.address_dependent_filtering.set(s.address_dependent_filtering);
  in.drop_external_syn.set(s.drop_external_tcp_syn);
  in.udp_timeout.set(std::to_string(s.timeouts.udp));
  in.icmp_timeout.set(std::to_string(s.timeouts.icmp));
  in.tcp_est_timeout.set(std::to_string(s.timeouts.tcp_established));
  in.tcp_trans_timeout.set(std::to_string(s.timeouts.tcp_transitory));
  in.mtu.set(std::to_string(s.xlat.mtu6));
  in.lowest_ipv6_mtu.set(std::to_string(s.xlat.lowest_ipv6_mtu));
  in.icmp_rate.set(std::to_string(s.xlat.icmp_errors_per_second));
  in.icmp_rate_per_destination.set(std::to_string(s.xlat.icmp_errors_per_destination));
  in.allow_non_global.set(s.allow_non_global);
  in.routes.set(c.routes);
  if (c.workers != 0) in.workers.set(std::to_string(c.workers));
  in.control.set(c.control);
  put_run_as(c.run_as, in.user);
  if (c.metrics) in.metrics.set(c.metrics->str());
  in.log_sessions.set(c.log_sessions);
  in.port_block_size.set(std::to_string(s.port_block_size));
  in.offload.set(c.offload ? "auto" : "off");
  in.fast_path.set(std::string(str(c.fast_path)));
  if (c.icmp_source.kind != IcmpSource::Kind::Default) in.icmp_source.set(c.icmp_source.str());
  return in;
}

std::string render_toml(const DaemonConfig& c) {
  RenderOptions opt{"# sixfour nat64: effective configuration (usable as --config)\n"};
  // "udp-timeout 2 s is below ..." after the key it names.
  for (const std::string& w : c.warnings) {
    const size_t space = w.find(' ');
    for (const Setting<In>& s : kSettings)
      if (s.info.name == std::string_view(w).substr(0, space)) opt.notes.push_back({s.info.name, w.substr(space + 1)});
  }
  return sixfour::render_toml(settings(), to_input(c), opt);
}

std::string describe(const Settings& s) {
  std::string out = "prefix " + s.prefix.str();
  out += "; pool4 ";
  for (size_t i = 0; i < s.pool4.size(); ++i) {
    const Pool4Entry& p = s.pool4[i];
    out += fmt::format("{}{} ports {}-{}", i ? ", " : "", p.prefix.len == 32 ? p.prefix.addr.str() : p.prefix.str(),
                       p.lo, p.hi);
  }
  if (s.port_block_size != 0) out += fmt::format(" in blocks of {} ports per inside address", s.port_block_size);
  for (size_t i = 0; i < s.statics.size(); ++i) {
    const StaticBinding& b = s.statics[i];
    out += fmt::format("{}{} {}#{} <-> {}#{}", i ? ", " : "; static ", proto_name(b.proto), b.addr4.str(), b.port4,
                       b.addr6.str(), b.port6);
  }
  out += s.address_dependent_filtering ? "; address-dependent filtering" : "; endpoint-independent filtering";
  if (s.drop_external_tcp_syn) out += ", unsolicited IPv4 SYNs dropped";
  if (s.allow_non_global) out += "; non-global IPv4 allowed with the prefix";
  return out;
}

}  // namespace sixfour::nat64
