#include "siit/config.hpp"

#include <fmt/format.h>

#include "addr/rfc6052.hpp"
#include "common/config_addr.hpp"
#include "common/config_toml.hpp"

namespace sixfour::siit {

namespace {

using In = ConfigInput;

constexpr Setting<In> kSettings[] = {
    text("tun", &In::tun, "NAME", "siit0", "TUN device name, created if absent"),
    text("pool6", &In::pool6, "PREFIX", "",
         "RFC 6052 translation prefix, length 32/40/48/56/64/96 (e.g. 64:ff9b::/96)"),
    list("eam", &In::eam, "V6=V4", "",
         "RFC 7757 explicit address mapping V6PREFIX=V4PREFIX, IPv6 suffix at least as long as the IPv4 one"),
    list("rfc6791", &In::rfc6791, "PREFIX", "",
         "RFC 6791 IPv4 pool for ICMPv6 errors whose source cannot be translated"),
    number("mtu", &In::mtu, "N", "1500", "MTU of the TUN device, both families, at least 1280"),
    number("icmp-rate", &In::icmp_rate, "N", "1000", kIcmpRateHelp),
    number("icmp-rate-per-destination", &In::icmp_rate_per_destination, "N", "0", kIcmpRatePerDestinationHelp),
    number("lowest-ipv6-mtu", &In::lowest_ipv6_mtu, "N", "1280",
           "IPv4 packets with DF=0 are fragmented to fit this IPv6 MTU"),
    flag("allow-non-global", &In::allow_non_global,
         "translate non-global IPv4 addresses with 64:ff9b::/96 (RFC 6052 §3.1 forbids it; for labs)"),
    text("udp-zero-checksum", &In::udp_zero_checksum, "compute|drop", "compute",
         "IPv4 UDP with checksum 0: compute it, or drop"),
    no_flag("routes", &In::routes, "do not add routes (manage them yourself)"),
    number("workers", &In::workers, "N", "one per online CPU", "worker threads = TUN queues"),
    text("control", &In::control, "PATH", "/run/sixfour/siit-TUN.sock", "control socket"),
    text("metrics", &In::metrics, "ADDR:PORT", "", kMetricsHelp),
    text("user", &In::user, "NAME", kDefaultUser,
         "after set-up, switch to this user and its group (supplementary groups cleared), keeping only cap_net_admin "
         "(docs/hardening.md); without --user, a missing sixfour user leaves the daemon uid 0 with only cap_net_admin"),
    text("offload", &In::offload, "auto|off", "auto",
         "TUN offloads: auto = take GSO super-packets and partial checksums from the kernel when it offers "
         "them and send a flow's small UDP datagrams as one UDP GSO packet, off = plain packets"),
    text("icmp-source", &In::icmp_source, "ADDR|host", "first --rfc6791 address, else 192.0.0.8", kIcmpSourceHelp),
    text("fast-path", &In::fast_path, "auto|tun|off", "auto", kFastPathHelp),
};

Status set_eam(const Given<std::vector<std::string>>& g, Settings& s) {
  if (!g.has()) return Ok{};
  for (const std::string& v : *g.value) {
    auto e = EamTable::parse(v);
    if (!e) return Error{fail(g.file, "eam", v, reason(e.error(), v))};
    auto added = s.eam.add(*e);
    if (!added) return Error{fail(g.file, "eam", v, reason(added.error(), v))};
  }
  return Ok{};
}

Status set_rfc6791(const Given<std::vector<std::string>>& g, Settings& s) {
  if (!g.has()) return Ok{};
  for (const std::string& v : *g.value) {
    auto p = Ipv4Prefix::parse(v);
    if (!p) return Error{fail(g.file, "rfc6791", v, reason(p.error(), v))};
    s.rfc6791.push_back(*p);
  }
  return Ok{};
}

}  // namespace

// The translator's own addresses (see self_address_rule).
void use_icmp_source(Settings& s, Ipv4Addr self4) {
  s.xlat.self4 = self4;
  if (s.pool6) {
    s.xlat.self6 = rfc6052::embed(*s.pool6, s.xlat.self4);
  } else if (auto m = s.eam.to_v6(s.xlat.self4)) {
    s.xlat.self6 = *m;
  } else {
    s.xlat.self6 = rfc6052::embed(rfc6052::kWellKnownPrefix, Ipv4Addr{{192, 0, 0, 8}});
  }
}

SettingTable<ConfigInput> settings() { return kSettings; }

ConfigInput merge(ConfigInput base, const ConfigInput& over) { return merge_inputs(settings(), std::move(base), over); }

Result<ConfigInput> parse_toml(std::string_view text, const std::string& file) {
  return read_toml(settings(), text, file);
}

std::string default_control_path(std::string_view tun) { return fmt::format("/run/sixfour/siit-{}.sock", tun); }

Result<DaemonConfig> validate(const ConfigInput& in) {
  DaemonConfig out;
  Settings& s = out.settings;
  if (auto st = set_ifname(in.tun, "tun", out.tun); !st) return Error{st.error()};
  if (in.pool6.has()) {
    Ipv6Prefix pool6;
    if (auto st = set_rfc6052_prefix(in.pool6, "pool6", pool6); !st) return Error{st.error()};
    s.pool6 = pool6;
  }
  if (auto st = set_eam(in.eam, s); !st) return Error{st.error()};
  if (auto st = set_rfc6791(in.rfc6791, s); !st) return Error{st.error()};
  if (!s.pool6 && s.eam.empty()) return Error{"at least one of --pool6 or --eam is required (nothing to translate)"};

  // The TUN carries IPv6, whose links must have an MTU of at least 1280 (RFC 8200 §5).
  uint16_t mtu = kDefaultMtu;
  if (auto st = set_uint(in.mtu, "mtu", 1280, 65535, "must be a number from 1280 to 65535", mtu); !st)
    return Error{st.error()};
  s.xlat.mtu4 = mtu;
  s.xlat.mtu6 = mtu;
  // The kernel forwards each packet into the TUN and out again, a decrement each way: the
  // translator gives one back, so the host is one hop (xlat::Config::hop_change).
  s.xlat.hop_change = 1;
  if (auto st = set_translator_limits(in.lowest_ipv6_mtu, in.icmp_rate, in.icmp_rate_per_destination, s.xlat); !st)
    return Error{st.error()};
  set_bool(in.allow_non_global, s.allow_non_global_wkp);
  if (auto st =
          set_choice(in.udp_zero_checksum, "udp-zero-checksum", "compute", "drop", s.xlat.compute_udp_zero_checksum);
      !st)
    return Error{st.error()};
  set_bool(in.routes, out.routes);
  if (auto st = set_uint(in.workers, "workers", 1, kMaxWorkers,
                         fmt::format("must be a number from 1 to {}", kMaxWorkers), out.workers);
      !st)
    return Error{st.error()};
  if (auto st = set_choice(in.offload, "offload", "auto", "off", out.offload); !st) return Error{st.error()};
  if (auto st = set_fast_path(in.fast_path, "fast-path", out.fast_path); !st) return Error{st.error()};
  out.control = default_control_path(out.tun);
  if (auto st = set_socket_path(in.control, "control", out.control); !st) return Error{st.error()};
  if (auto st = set_run_as(in.user, out.run_as); !st) return Error{st.error()};
  if (auto st = set_metrics(in.metrics, "metrics", out.metrics); !st) return Error{st.error()};
  if (auto st = set_icmp_source(in.icmp_source, "icmp-source", out.icmp_source); !st) return Error{st.error()};
  use_icmp_source(s, out.icmp_source.kind == IcmpSource::Kind::Address ? out.icmp_source.addr
                     : s.rfc6791.empty()                               ? Ipv4Addr{{192, 0, 0, 8}}
                                                                       : s.rfc6791.front().addr);
  return out;
}

ConfigInput to_input(const DaemonConfig& c) {
  const Settings& s = c.settings;
  ConfigInput in;
  in.tun.set(c.tun);
  if (s.pool6) in.pool6.set(s.pool6->str());
  std::vector<std::string> eam;
  for (const Eam& e : s.eam.entries()) eam.push_back(e.v6.str() + "=" + e.v4.str());
  if (!eam.empty()) in.eam.set(eam);
  if (!s.rfc6791.empty()) in.rfc6791.set(str_list(s.rfc6791));
  in.mtu.set(std::to_string(s.xlat.mtu6));
  in.lowest_ipv6_mtu.set(std::to_string(s.xlat.lowest_ipv6_mtu));
  in.icmp_rate.set(std::to_string(s.xlat.icmp_errors_per_second));
  in.icmp_rate_per_destination.set(std::to_string(s.xlat.icmp_errors_per_destination));
  in.allow_non_global.set(s.allow_non_global_wkp);
  in.udp_zero_checksum.set(s.xlat.compute_udp_zero_checksum ? "compute" : "drop");
  in.routes.set(c.routes);
  if (c.workers != 0) in.workers.set(std::to_string(c.workers));
  in.control.set(c.control);
  put_run_as(c.run_as, in.user);
  if (c.metrics) in.metrics.set(c.metrics->str());
  in.offload.set(c.offload ? "auto" : "off");
  in.fast_path.set(std::string(str(c.fast_path)));
  if (c.icmp_source.kind != IcmpSource::Kind::Default) in.icmp_source.set(c.icmp_source.str());
  return in;
}

std::string render_toml(const DaemonConfig& c) {
  return sixfour::render_toml(settings(), to_input(c),
                              {"# sixfour siit: effective configuration (usable as --config)\n"});
}

std::string describe(const Settings& s) {
  std::string out;
  auto sep = [&] {
    if (!out.empty()) out += "; ";
  };
  if (s.pool6) out = "pool6 " + s.pool6->str();
  if (!s.eam.empty()) {
    sep();
    out += "EAM ";
    bool first = true;
    for (const Eam& e : s.eam.entries()) {
      if (!first) out += ", ";
      first = false;
      out += e.v6.str() + " <-> " + e.v4.str();
    }
  }
  if (!s.rfc6791.empty()) {
    sep();
    out += "RFC 6791 pool ";
    for (size_t i = 0; i < s.rfc6791.size(); ++i) out += (i ? ", " : "") + s.rfc6791[i].str();
  }
  return out;
}

}  // namespace sixfour::siit
