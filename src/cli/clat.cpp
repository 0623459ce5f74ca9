// `sixfour clat` (the CLAT daemon, RFC 6877), `sixfour clat status` and `sixfour clat stats`.
#include <string>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/daemon.hpp"
#include "cli/daemon_options.hpp"
#include "cli/nat64_query.hpp"
#include "cli/siit.hpp"
#include "clat/config.hpp"
#include "io/clat/clat_daemon.hpp"
#include "io/clat/host_watch.hpp"
#include "io/sys/control.hpp"
#include "io/sys/daemon.hpp"

namespace sixfour::cli {

namespace {

// Before anything is created: another CLAT (issue 14, item 6), or our TUN's name taken.
Status refuse_other_clat(const std::string& tun) {
  auto host = io::read_host();
  if (!host) return Error{host.error()};
  for (const auto& l : host->links)
    if (l.name == tun) return Error{fmt::format("link {} already exists (another sixfour clat? else use --tun)", tun)};
  // Both already say "another CLAT runs: ...".
  if (auto other = clat::other_clat(*host, tun)) return Error{*other};
  if (auto proc = io::clat_process_running()) return Error{*proc};
  return Ok{};
}

int run_clat(const clat::DaemonConfig& cfg) {
  io::Daemon d("sixfour clat");
  if (auto st = d.run_as(cfg.run_as, {CAP_NET_ADMIN, CAP_NET_RAW}); !st) return d.fail(st.error(), 2);
  if (auto st = refuse_other_clat(cfg.tun); !st) return d.fail(st.error());
  auto link = open_link_stage(d, cfg.tun, 1, true, cfg.mtu);
  if (!link) return d.fail(link.error());
  auto& clat = d.stage<io::ClatDaemon>([](io::ClatDaemon& c) { return c.stop(); }, cfg, (*link)->tun, (*link)->nl,
                                       (*link)->ifindex);
  if (auto st = clat.start(); !st) return d.fail(st.error());
  CommandTable commands;
  commands.add("status", [&clat] { return io::to_json(clat.status()); });
  commands.add("stats", [&clat] { return clat.stats_json(); });
  if (auto st = d.serve_control(cfg.control, std::move(commands)); !st) return d.fail(st.error());
  if (auto st = d.serve_metrics(cfg.metrics, translator_metrics("clat")); !st) return d.fail(st.error());
  d.on_status([&clat] {
    const auto s = clat.status();
    std::string line = s.state;
    if (!s.reason.empty()) line += " (" + s.reason + ")";
    if (!s.prefix.empty()) line += ", NAT64 prefix " + s.prefix;
    if (!s.uplink.empty()) line += ", uplink " + s.uplink;
    return line;
  });
  return d.run(fmt::format("CLAT on {} (offloads {}): uplink {}, NAT64 prefix {}, probe {}{}", cfg.tun,
                           (*link)->tun.offload_names(), cfg.uplink.empty() ? "auto" : cfg.uplink,
                           cfg.prefix ? cfg.prefix->str() : "auto", cfg.probe.str(), cfg.force ? ", --force" : ""));
}

std::string text(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "-";
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>().empty() ? "-" : v.get<std::string>();
  return v.dump();
}

std::string format_status(const nlohmann::json& j) {
  std::string out = fmt::format("state:        {} ({})\n", text(j, "state"), text(j, "reason"));
  out += fmt::format("uplink:       {} (MTU {})\n", text(j, "uplink"), text(j, "uplink_mtu"));
  out += fmt::format("NAT64 prefix: {}\n", text(j, "prefix_status"));
  out += fmt::format("address mode: {} ({})\n", text(j, "address_mode"), text(j, "address_mode_reason"));
  out += fmt::format("addresses:    IPv4 {} <-> IPv6 {}\n", text(j, "ipv4"), text(j, "ipv6"));
  out +=
      fmt::format("IPv4 route:   default dev {} metric {} mtu {}\n", text(j, "tun"), text(j, "metric"), text(j, "mtu"));
  out += fmt::format("activations:  {}\n", text(j, "activations"));
  return out;
}

std::string format_stats(const nlohmann::json& j) {
  std::string out;
  if (j.contains("clat")) out = format_status(j["clat"]) + "\n";
  return out + "worker 0 is IPv4 from the host (out), worker 1 IPv6 from the uplink (in)\n" + format_siit_stats(j);
}

struct ClatCli {
  DaemonOptions<clat::ConfigInput> opts{clat::settings(), clat::parse_toml};
  CLI::App *status = nullptr, *stats = nullptr;
  Nat64Query qstatus, qstats;
};

CLI::App* add_clat(CLI::App& app) {
  ClatCli& c = command_state<ClatCli>();
  CLI::App* cmd = c.opts.add_command(
      app, "clat",
      "Run a CLAT (464XLAT, RFC 6877): IPv4 for this host on an IPv6-only network, through the network's NAT64.",
      "Active while the uplink has IPv6 but the host has no native IPv4 default route and a working NAT64 prefix is "
      "known (--prefix, else PREF64 from router advertisements, RFC 7050, 64:ff9b::/96 after a probe). It gives the "
      "host 192.0.0.1 on the TUN and an IPv4 default route through it, and translates with its own IPv6 address in "
      "the uplink's /64. It follows the network (netlink) and removes everything on exit.\n\n"
      "Example: sixfour clat            (then: ping -4 192.0.2.1; sixfour clat status)");
  c.status = add_nat64_query(cmd, "status", "Print the state of a running `sixfour clat`.", "clat0", c.qstatus);
  c.stats = add_nat64_query(cmd, "stats", "Print the counters of a running `sixfour clat`.", "clat0", c.qstats);
  return cmd;
}

std::string control_path(const Nat64Query& q) {
  return !q.control.empty() ? q.control : clat::default_control_path(q.tun.empty() ? "clat0" : q.tun);
}

int run_clat_command() {
  ClatCli& c = command_state<ClatCli>();
  if (c.status->parsed())
    return io::control_command("sixfour clat status", control_path(c.qstatus), "status", c.qstatus.json, format_status);
  if (c.stats->parsed())
    return io::control_command("sixfour clat stats", control_path(c.qstats), "stats", c.qstats.json, format_stats);
  return run_daemon_command(c.opts, "sixfour clat", clat::validate, clat::render_toml, run_clat);
}

[[maybe_unused]] const bool registered = register_command({55, add_clat, run_clat_command});

}  // namespace

}  // namespace sixfour::cli
