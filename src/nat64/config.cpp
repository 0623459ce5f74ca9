#include "nat64/config.hpp"

#include <fmt/format.h>
#include <netinet/in.h>

#include "addr/rfc6052.hpp"
#include "common/config_toml.hpp"

namespace sixfour::nat64 {

namespace {

// A year: long enough for any sane lifetime, small enough that milliseconds never overflow.
constexpr uint32_t kMaxTimeout = 365 * 24 * 3600;

constexpr std::string_view kKnownKeys =
    "tun, prefix, pool4, static, address-dependent-filtering, drop-external-syn, udp-timeout, "
    "icmp-timeout, tcp-est-timeout, tcp-trans-timeout, mtu, allow-non-global, routes, workers, "
    "control, log-sessions, offload";

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

ConfigInput merge(ConfigInput base, const ConfigInput& over) {
  take(base.tun, over.tun);
  take(base.prefix, over.prefix);
  take(base.pool4, over.pool4);
  take(base.statics, over.statics);
  take(base.address_dependent_filtering, over.address_dependent_filtering);
  take(base.drop_external_syn, over.drop_external_syn);
  take(base.udp_timeout, over.udp_timeout);
  take(base.icmp_timeout, over.icmp_timeout);
  take(base.tcp_est_timeout, over.tcp_est_timeout);
  take(base.tcp_trans_timeout, over.tcp_trans_timeout);
  take(base.mtu, over.mtu);
  take(base.allow_non_global, over.allow_non_global);
  take(base.routes, over.routes);
  take(base.workers, over.workers);
  take(base.control, over.control);
  take(base.offload, over.offload);
  take(base.log_sessions, over.log_sessions);
  return base;
}

Result<ConfigInput> parse_toml(std::string_view text, const std::string& file) {
  auto parsed = parse_toml_table(text, file);
  if (!parsed) return Error{parsed.error()};
  ConfigInput in;
  for (auto&& [k, node] : *parsed) {
    const TomlValue v{node, std::string(k.str()), file};
    Status st = Ok{};
    if (v.key() == "tun")
      st = v.as_string(in.tun);
    else if (v.key() == "prefix")
      st = v.as_string(in.prefix);
    else if (v.key() == "pool4")
      st = v.as_list(in.pool4);
    else if (v.key() == "static")
      st = v.as_list(in.statics);
    else if (v.key() == "address-dependent-filtering")
      st = v.as_bool(in.address_dependent_filtering);
    else if (v.key() == "drop-external-syn")
      st = v.as_bool(in.drop_external_syn);
    else if (v.key() == "udp-timeout")
      st = v.as_number(in.udp_timeout);
    else if (v.key() == "icmp-timeout")
      st = v.as_number(in.icmp_timeout);
    else if (v.key() == "tcp-est-timeout")
      st = v.as_number(in.tcp_est_timeout);
    else if (v.key() == "tcp-trans-timeout")
      st = v.as_number(in.tcp_trans_timeout);
    else if (v.key() == "mtu")
      st = v.as_number(in.mtu);
    else if (v.key() == "allow-non-global")
      st = v.as_bool(in.allow_non_global);
    else if (v.key() == "routes")
      st = v.as_bool(in.routes);
    else if (v.key() == "workers")
      st = v.as_number(in.workers);
    else if (v.key() == "control")
      st = v.as_string(in.control);
    else if (v.key() == "offload")
      st = v.as_string(in.offload);
    else if (v.key() == "log-sessions")
      st = v.as_bool(in.log_sessions);
    else
      return v.unknown(kKnownKeys);
    if (!st) return Error{st.error()};
  }
  return in;
}

std::string default_control_path(std::string_view tun) { return fmt::format("/run/sixfour/nat64-{}.sock", tun); }

Result<DaemonConfig> validate(const ConfigInput& in) {
  DaemonConfig out;
  Settings& s = out.settings;

  if (in.tun.has()) {
    const std::string& t = *in.tun.value;
    // IFNAMSIZ is 16 including the terminating NUL; '/' and whitespace are refused by the kernel
    // (dev_valid_name), '%' would make the kernel pick a number.
    if (t.empty() || t.size() > 15)
      return Error{fail(in.tun.file, "tun", t, "interface name must be 1 to 15 characters")};
    if (t == "." || t == ".." || t.find_first_of("/:% \t\n") != std::string::npos)
      return Error{fail(in.tun.file, "tun", t, "not a valid interface name")};
    out.tun = t;
  }

  if (in.prefix.has()) {
    const std::string& v = *in.prefix.value;
    auto p = Ipv6Prefix::parse(v);
    if (!p) return Error{fail(in.prefix.file, "prefix", v, reason(p.error(), v))};
    if (!rfc6052::valid_length(p->len))
      return Error{fail(in.prefix.file, "prefix", v, "RFC 6052 prefix length must be 32, 40, 48, 56, 64 or 96")};
    auto q = rfc6052::parse_prefix(v);
    if (!q) return Error{fail(in.prefix.file, "prefix", v, reason(q.error(), v))};
    s.prefix = *q;
  }

  if (!in.pool4.has() || in.pool4.value->empty())
    return Error{
        "--pool4 is required: the IPv4 addresses (and ports) the NAT64 may use, e.g. "
        "--pool4 203.0.113.1"};
  for (const std::string& v : *in.pool4.value) {
    auto e = parse_pool4(v);
    if (!e) return Error{fail(in.pool4.file, "pool4", v, reason(e.error(), v))};
    // RFC 6146 §3.5.1.1 picks ports per address; an address listed twice would be handed out twice.
    for (const Pool4Entry& o : s.pool4)
      if (o.prefix.contains(e->prefix) || e->prefix.contains(o.prefix))
        return Error{fail(in.pool4.file, "pool4", v, fmt::format("overlaps pool4 {}", o.prefix.str()))};
    s.pool4.push_back(*e);
  }

  if (in.statics.has()) {
    for (const std::string& v : *in.statics.value) {
      auto b = parse_static(v);
      if (!b) return Error{fail(in.statics.file, "static", v, reason(b.error(), v))};
      bool in_pool = false;
      for (const Pool4Entry& p : s.pool4) in_pool = in_pool || p.prefix.contains(b->addr4);
      if (!in_pool)
        return Error{fail(in.statics.file, "static", v,
                          fmt::format("{} is not in pool4 (replies to it would not reach the NAT64)", b->addr4.str()))};
      // A BIB entry is unique on both sides (RFC 6146 §3.5.1): one inside transport address per
      // outside one and the reverse.
      for (const StaticBinding& o : s.statics) {
        if (o.proto != b->proto) continue;
        if (o.addr4 == b->addr4 && o.port4 == b->port4)
          return Error{
              fail(in.statics.file, "static", v, fmt::format("{}#{} is already bound", b->addr4.str(), b->port4))};
        if (o.addr6 == b->addr6 && o.port6 == b->port6)
          return Error{
              fail(in.statics.file, "static", v, fmt::format("{}#{} is already bound", b->addr6.str(), b->port6))};
      }
      s.statics.push_back(*b);
    }
  }

  if (in.address_dependent_filtering.has()) s.address_dependent_filtering = *in.address_dependent_filtering.value;
  if (in.drop_external_syn.has()) s.drop_external_tcp_syn = *in.drop_external_syn.value;

  // RFC 6146 §4 lifetimes. Values below the RFC's minimums are accepted (a lab wants sessions to
  // expire in seconds) but reported as warnings.
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
    auto v = parse_uint(*t.given.value, 1, kMaxTimeout);
    if (!v)
      return Error{fail(t.given.file, t.key, *t.given.value,
                        fmt::format("must be a number of seconds from 1 to {}", kMaxTimeout))};
    t.dst = *v;
    if (*v < t.rfc_min)
      out.warnings.push_back(fmt::format("{} {} s is below the {} ({} s)", t.key, *v, t.rule, t.rfc_min));
  }

  uint16_t mtu = kDefaultMtu;
  if (in.mtu.has()) {
    // The TUN carries IPv6, whose links must have an MTU of at least 1280 (RFC 8200 §5).
    auto v = parse_uint(*in.mtu.value, 1280, 65535);
    if (!v) return Error{fail(in.mtu.file, "mtu", *in.mtu.value, "must be a number from 1280 to 65535")};
    mtu = static_cast<uint16_t>(*v);
  }
  s.xlat.mtu4 = mtu;
  s.xlat.mtu6 = mtu;

  if (in.allow_non_global.has()) s.allow_non_global = *in.allow_non_global.value;
  if (in.routes.has()) out.routes = *in.routes.value;

  if (in.workers.has()) {
    auto v = parse_uint(*in.workers.value, 1, kMaxWorkers);
    if (!v)
      return Error{fail(in.workers.file, "workers", *in.workers.value,
                        fmt::format("must be a number from 1 to {}", kMaxWorkers))};
    out.workers = *v;
  }

  if (in.offload.has()) {
    const std::string& v = *in.offload.value;
    if (v == "auto")
      out.offload = true;
    else if (v == "off")
      out.offload = false;
    else
      return Error{fail(in.offload.file, "offload", v, "must be auto or off")};
  }

  out.control = default_control_path(out.tun);
  if (in.control.has()) {
    const std::string& v = *in.control.value;
    // sun_path holds 108 bytes including the NUL.
    if (v.empty() || v.size() > 107)
      return Error{fail(in.control.file, "control", v, "socket path must be 1 to 107 characters")};
    out.control = v;
  }
  if (in.log_sessions.has()) out.log_sessions = *in.log_sessions.value;

  // The translator's own addresses (self_address_rule): the NAT64 owns its pool4 addresses, so
  // its ICMPv4 errors come from one of them and replies to them come back to it (RFC 6146 §3.5).
  s.xlat.self4 = s.pool4.front().prefix.addr;
  s.xlat.self6 = rfc6052::embed(s.prefix, s.xlat.self4);
  return out;
}

std::string describe(const Settings& s) {
  std::string out = "prefix " + s.prefix.str();
  out += "; pool4 ";
  for (size_t i = 0; i < s.pool4.size(); ++i) {
    const Pool4Entry& p = s.pool4[i];
    out += fmt::format("{}{} ports {}-{}", i ? ", " : "", p.prefix.len == 32 ? p.prefix.addr.str() : p.prefix.str(),
                       p.lo, p.hi);
  }
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
