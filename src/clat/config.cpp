#include "clat/config.hpp"

#include <fmt/format.h>

#include "clat/address.hpp"
#include "common/config_addr.hpp"
#include "common/config_toml.hpp"

namespace sixfour::clat {

namespace {

using In = ConfigInput;

constexpr Setting<In> kSettings[] = {
    text("uplink", &In::uplink, "IFACE", "the interface of the IPv6 default route",
         "interface towards the IPv6-only network (and the NAT64 of the carrier)"),
    text("prefix", &In::prefix, "PREFIX|auto", "auto",
         "NAT64 prefix (RFC 6052 length); auto: PREF64 from router advertisements (RFC 8781), then RFC 7050, "
         "then 64:ff9b::/96"),
    text("probe", &In::probe, "IPV4", "1.1.1.1",
         "IPv4 address reached through a prefix learned from DNS (RFC 7050), or the well-known one, before it is "
         "used"),
    flag("force", &In::force,
         "run even when the host has a native IPv4 default route (the CLAT's route then has a higher metric)"),
    text("tun", &In::tun, "NAME", "clat0", "TUN device name; it must not exist yet (a second CLAT is refused)"),
    number("mtu", &In::mtu, "N", "1500",
           "largest IPv4 MTU (at least 1280): the TUN and the IPv4 route get the IPv6 path MTU minus 28, at most "
           "this"),
    text("control", &In::control, "PATH", "/run/sixfour/clat-TUN.sock", "control socket"),
    text("metrics", &In::metrics, "ADDR:PORT", "", kMetricsHelp),
    text("user", &In::user, "NAME", kDefaultUser,
         "after set-up, switch to this user and its group (supplementary groups cleared), keeping only cap_net_admin "
         "and cap_net_raw "
         "(docs/hardening.md); without --user, a missing sixfour user leaves the daemon uid 0 with only cap_net_admin "
         "and cap_net_raw"),
};

Status set_prefix(const Given<std::string>& g, std::optional<Ipv6Prefix>& dst) {
  if (!g.has() || *g.value == "auto") return Ok{};
  Ipv6Prefix p;
  if (auto st = set_rfc6052_prefix(g, "prefix", p); !st) return st;
  dst = p;
  return Ok{};
}

// The probe is sent through a NAT64 to the IPv4 Internet: an address no NAT64 forwards there
// (this network, loopback, multicast, broadcast) or the CLAT's own range would prove nothing.
Status set_probe(const Given<std::string>& g, Ipv4Addr& dst) {
  if (!g.has()) return Ok{};
  const std::string& v = *g.value;
  auto a = Ipv4Addr::parse(v);
  if (!a) return Error{fail(g.file, "probe", v, reason(a.error(), v))};
  const uint8_t first = a->b[0];
  if (first == 0 || first == 127 || is_multicast(*a) || first >= 240 || kIpv4Range.contains(*a))
    return Error{fail(g.file, "probe", v,
                      "must be a unicast IPv4 address outside 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/3 and 192.0.0.0/29")};
  dst = *a;
  return Ok{};
}

}  // namespace

SettingTable<ConfigInput> settings() { return kSettings; }

ConfigInput merge(ConfigInput base, const ConfigInput& over) { return merge_inputs(settings(), std::move(base), over); }

Result<ConfigInput> parse_toml(std::string_view text, const std::string& file) {
  return read_toml(settings(), text, file);
}

std::string default_control_path(std::string_view tun) { return fmt::format("/run/sixfour/clat-{}.sock", tun); }

Result<DaemonConfig> validate(const ConfigInput& in) {
  DaemonConfig out;
  if (auto st = set_ifname(in.uplink, "uplink", out.uplink); !st) return Error{st.error()};
  if (auto st = set_prefix(in.prefix, out.prefix); !st) return Error{st.error()};
  if (auto st = set_probe(in.probe, out.probe); !st) return Error{st.error()};
  set_bool(in.force, out.force);
  if (auto st = set_ifname(in.tun, "tun", out.tun); !st) return Error{st.error()};
  if (in.uplink.has() && out.uplink == out.tun)
    return Error{fail(in.tun.file, "tun", out.tun, "must differ from --uplink")};
  // The IPv6 side needs 1280 (RFC 8200 §5); the IPv4 side is this minus the 20 bytes the header grows.
  if (auto st = set_uint(in.mtu, "mtu", 1280, 65535, "must be a number from 1280 to 65535", out.mtu); !st)
    return Error{st.error()};
  out.control = default_control_path(out.tun);
  if (auto st = set_socket_path(in.control, "control", out.control); !st) return Error{st.error()};
  if (auto st = set_run_as(in.user, out.run_as); !st) return Error{st.error()};
  if (auto st = set_metrics(in.metrics, "metrics", out.metrics); !st) return Error{st.error()};
  return out;
}

ConfigInput to_input(const DaemonConfig& c) {
  ConfigInput in;
  if (!c.uplink.empty()) in.uplink.set(c.uplink);
  in.prefix.set(c.prefix ? c.prefix->str() : "auto");
  in.probe.set(c.probe.str());
  in.force.set(c.force);
  in.tun.set(c.tun);
  in.mtu.set(std::to_string(c.mtu));
  in.control.set(c.control);
  put_run_as(c.run_as, in.user);
  if (c.metrics) in.metrics.set(c.metrics->str());
  return in;
}

std::string render_toml(const DaemonConfig& c) {
  return sixfour::render_toml(settings(), to_input(c),
                              {"# sixfour clat: effective configuration (usable as --config)\n"});
}

}  // namespace sixfour::clat
