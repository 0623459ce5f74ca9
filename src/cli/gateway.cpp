// `sixfour gateway`: the NAT64 (RFC 6146) and the DNS64 (RFC 6147) in one process with one shared
// prefix, for the common case of a host with one IPv4 address serving IPv6-only clients on its
// inside interface(s). It installs what it needs itself (TUN, routes, forwarding sysctls, its own
// nftables table) and removes it on exit; see gateway/config.hpp for the two pool4 modes and
// docs/gateway.md. Control commands: `sixfour gateway stats|sessions|bib`.
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/daemon.hpp"
#include "cli/daemon_options.hpp"
#include "cli/nat64_query.hpp"
#include "gateway/config.hpp"
#include "io/dataplane/nat64_daemon.hpp"
#include "io/dns64/server.hpp"
#include "io/gateway/host.hpp"
#include "io/sys/control.hpp"
#include "io/sys/daemon.hpp"

namespace sixfour::cli {

namespace {

constexpr const char* kWho = "sixfour gateway";

// The nat64 daemon's stats object with the DNS64's counters and the gateway's own facts added as
// members "dns64" and "gateway", so `sixfour nat64 stats --control` reads it as it is. The members
// keep the order the daemons wrote them in.
std::string combined_stats(const std::string& nat64_json, const std::string& dns64_json,
                           const nlohmann::ordered_json& gateway) {
  auto out = nlohmann::ordered_json::parse(nat64_json, nullptr, false);
  if (!out.is_object()) return nat64_json;
  out["dns64"] = nlohmann::ordered_json::parse(dns64_json, nullptr, false);
  out["gateway"] = gateway;
  return out.dump() + "\n";
}

nlohmann::ordered_json gateway_json(const gateway::GatewayConfig& cfg) {
  const gateway::Steering& s = cfg.steering;
  nlohmann::ordered_json j;
  j["mode"] = s.shared ? "shared" : "routed";
  if (!s.shared) return j;
  j["host4"] = s.host4.str();
  j["ports"] = s.ports.str();
  j["internal4"] = s.internal4.str();
  j["table"] = "inet " + gateway::table_name(s.tun);
  return j;
}

// The prefix and the pool4 (routed) or the internal address (shared) go into the TUN. Exit
// status 0 when they are in, else what run_gateway returns.
int add_gateway_routes(io::Daemon& d, const gateway::GatewayConfig& cfg, io::TranslatorLink& link,
                       io::RouteSet& routes) {
  std::vector<io::RoutePrefix> want{io::RoutePrefix::of(cfg.nat64.settings.prefix)};
  for (const nat64::Pool4Entry& p : cfg.nat64.settings.pool4) want.push_back(io::RoutePrefix::of(p.prefix));
  if (cfg.steering.shared) {
    // The internal address must be nobody else's: a route to it elsewhere means the host uses it.
    auto known = link.nl.has_specific_route(want.back(), link.ifindex);
    if (known && *known)
      return d.fail(
          fmt::format("internal4 {} is already routed on this host; choose an unused address with --internal4",
                      cfg.steering.internal4.str()),
          2);
  }
  if (auto st = add_routes(routes, want, link.tun.name(), "remove the conflicting route"); !st)
    return d.fail(st.error());
  return 0;
}

// The forwarding sysctls and the nftables table: stages that undo themselves on stop.
Status install_host_stages(io::Daemon& d, const gateway::Steering& steer) {
  auto& forwarding = d.stage<io::ForwardingSysctls>([](io::ForwardingSysctls& f) {
    const auto off = f.restore();
    return off.empty() ? std::string() : fmt::format("{} turned off", fmt::join(off, " and "));
  });
  auto turned_on = forwarding.enable();
  if (!turned_on) return Error{turned_on.error()};
  if (!turned_on->empty()) spdlog::info("turned on {} (turned off again on exit)", fmt::join(*turned_on, " and "));
  auto& table = d.stage<io::SteeringTable>(
      [name = gateway::table_name(steer.tun)](io::SteeringTable& t) {
        return t.remove() ? fmt::format("table inet {} deleted", name) : std::string();
      },
      steer);
  return table.apply();
}

std::string join_str(const auto& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.str());
  return fmt::format("{}", fmt::join(out, ", "));
}

void log_nat64_line(const gateway::GatewayConfig& cfg, const io::Tun& tun, unsigned queues, const io::RouteSet& r,
                    const std::string& source, const std::string& fast, const std::string& steering) {
  const gateway::Steering& steer = cfg.steering;
  std::string v4 = "pool4 routed into the TUN";
  if (steer.shared)
    v4 = fmt::format(
        "IPv4 {} ports {} shared with the kernel (its ephemeral ports: {}), through "
        "internal {} and nftables table inet {}",
        steer.host4.str(), steer.ports.str(), cfg.ephemeral.str(), steer.internal4.str(),
        gateway::table_name(steer.tun));
  spdlog::info("NAT64 on {} ({} worker{}{}{}): {}; {}; routes added: {}; {}; {}", tun.name(), queues,
               queues == 1 ? "" : "s", steering.empty() ? "" : ", ", steering, nat64::describe(cfg.nat64.settings), v4,
               join_str(r.added()), source, fast);
}

int run_gateway(const gateway::GatewayConfig& cfg) {
  nat64::Settings settings = cfg.nat64.settings;
  io::Daemon d(kWho);
  if (auto st = d.run_as(cfg.run_as, kTranslatorCaps); !st) return d.fail(st.error(), 2);
  const gateway::Steering& steer = cfg.steering;
  // A table left by a run that was killed would otherwise keep steering (and it names our TUN).
  auto stale = io::SteeringTable::remove_stale(steer.tun);
  if (!stale) return d.fail(stale.error());
  if (*stale) spdlog::info("removed nftables table inet {} left by an earlier run", gateway::table_name(steer.tun));

  // The same data plane as `sixfour nat64`, TUN offloads included (GSO super-packets).
  const unsigned queues = cfg.nat64.workers != 0 ? cfg.nat64.workers : io::default_workers();
  auto link = open_link_stage(d, cfg.nat64.tun, queues, cfg.nat64.offload, cfg.nat64.settings.xlat.mtu6);
  if (!link) return d.fail(link.error());
  io::RouteSet& routes = routes_stage(d, **link);
  if (int rc = add_gateway_routes(d, cfg, **link, routes); rc != 0) return rc;
  if (auto st = install_host_stages(d, steer); !st) return d.fail(st.error());

  auto source = apply_icmp_source(
      **link, cfg.nat64.icmp_source, "pool4", [&settings](Ipv4Addr a) { nat64::use_icmp_source(settings, a); },
      settings.xlat);
  if (!source) return d.fail(source.error());
  // At the uplinks the program would send 6 -> 4 translations out past the nftables steering (the
  // SNAT to the shared address, the inside-only forward rule): the gateway's auto is the TUN only.
  const FastPathMode fast_mode = cfg.nat64.fast_path == FastPathMode::Auto ? FastPathMode::Tun : cfg.nat64.fast_path;
  const auto& fast = d.keep(start_fast_path<io::Nat64FastPath>(fast_mode, settings, (*link)->ifindex));
  auto& nat = d.stage<io::Nat64Daemon>(io::calls_stop<io::Nat64Daemon>(), settings, (*link)->tun, false);
  use_fast_path(nat, fast);
  if (auto st = nat.start(); !st) return d.fail(st.error());
  auto dns = io::Dns64Server::start(cfg.dns64);
  if (!dns) return d.fail(dns.error());
  const io::Dns64Server& dns_srv = *d.keep(std::move(dns).value());
  CommandTable commands = nat64_commands(nat);
  commands.add("stats", [&nat, &dns_srv, gw = gateway_json(cfg)] {
    return combined_stats(nat.stats_json(), dns_srv.stats_json(), gw);
  });
  commands.add("dns64-stats", [&dns_srv] { return dns_srv.stats_json(); });
  if (auto st = d.serve_control(cfg.control, std::move(commands)); !st) return d.fail(st.error());
  auto summary = translator_summary(true);
  summary.push_back({"DNS queries", {"/dns64/udp_queries", "/dns64/tcp_queries"}});
  d.status_from("stats", nat64_status_head(settings), std::move(summary));
  if (auto st = d.serve_metrics(cfg.metrics, translator_metrics("gateway")); !st) return d.fail(st.error());

  log_nat64_line(cfg, (*link)->tun, queues, routes, *source, fast.text(), nat.steering());
  std::vector<std::string> notes;
  for (const std::string& w : cfg.nat64.warnings) notes.push_back("note: " + w);
  return d.run(fmt::format("DNS64 on {} for {} (upstream {}); IPv6 into {} only from {}; control {}",
                           join_str(cfg.dns64.listen), join_str(cfg.dns64.allow), join_str(cfg.dns64.upstreams),
                           (*link)->tun.name(), fmt::join(steer.inside, ", "), cfg.control),
               notes);
}

// ---- the control commands: the NAT64's tables as `sixfour nat64` prints them, plus the gateway's
// own state and DNS64's counters in stats.

std::string control_path(const Nat64Query& q) {
  return !q.control.empty() ? q.control : gateway::default_control_path(q.tun.empty() ? gateway::kDefaultTun : q.tun);
}

std::string format_gateway_stats(const nlohmann::json& doc) {
  const auto kv = flatten(doc);
  auto get = [&](const std::string& k) { return kv.count(k) ? kv.at(k) : std::string("-"); };
  std::string out;
  if (get("gateway.mode") == "shared")
    out = fmt::format("gateway: IPv4 {} ports {} shared with the kernel (internal {}, nftables {})\n",
                      get("gateway.host4"), get("gateway.ports"), get("gateway.internal4"), get("gateway.table"));
  else
    out = "gateway: pool4 routed into the TUN\n";
  out += "NAT64:\n" + format_nat64_stats(kv) + "DNS64:\n";
  for (const auto& [k, v] : kv)
    if (k.rfind("dns64.", 0) == 0) out += fmt::format("  {:<28}{:>14}\n", k.substr(6), v);
  return out;
}

int run_stats(const Nat64Query& q) {
  return io::control_command(fmt::format("{} stats", kWho), control_path(q), "stats", q.json, format_gateway_stats);
}

// ---- command-line wiring

struct GatewayCli : Nat64Queries {
  DaemonOptions<gateway::ConfigInput> opts{gateway::settings(), gateway::parse_toml};
};

CLI::App* add_gateway(CLI::App& app) {
  GatewayCli& c = command_state<GatewayCli>();
  CLI::App* g = c.opts.add_command(
      app, "gateway",
      "Run NAT64 and DNS64 together with one prefix: IPv6-only clients on the inside "
      "interfaces reach IPv4 through this host's own IPv4 address (shared with the kernel) "
      "or a routed pool4.",
      "On start it installs, and on exit removes: the TUN, routes of the prefix and the pool4 (or the "
      "internal address) into it, nftables table inet sixfour_TUN, and the forwarding sysctls it had "
      "to turn on.\n\nExample: sixfour gateway --inside eth1",
      "print the effective configuration (TOML) and the steering it would install, change nothing");

  const char* tun = gateway::kDefaultTun.data();
  c.stats = add_nat64_query(g, "stats", "Print the counters of a running `sixfour gateway`.", tun, c.qstats);
  c.sessions =
      add_nat64_query(g, "sessions", "List the NAT64 sessions of a running `sixfour gateway`.", tun, c.qsessions);
  c.bib = add_nat64_query(g, "bib", "List the NAT64 BIB of a running `sixfour gateway`.", tun, c.qbib);
  return g;
}

int run_gateway_command() {
  GatewayCli& c = command_state<GatewayCli>();
  if (c.stats->parsed()) return run_stats(c.qstats);
  if (c.sessions->parsed())
    return print_nat64_sessions(fmt::format("{} sessions", kWho), control_path(c.qsessions), c.qsessions.json);
  if (c.bib->parsed()) return print_nat64_bib(fmt::format("{} bib", kWho), control_path(c.qbib), c.qbib.json);

  // What the configuration is checked against: interfaces, addresses, ephemeral ports, resolvers.
  auto host = io::discover_host();
  if (!host) {
    std::fprintf(stderr, "%s: %s\n", kWho, host.error().c_str());
    return 1;
  }
  auto validate = [&host](const gateway::ConfigInput& in) { return gateway::validate(in, *host); };
  return run_daemon_command(c.opts, kWho, validate, gateway::render_toml, run_gateway);
}

[[maybe_unused]] const bool registered = register_command({50, add_gateway, run_gateway_command});

}  // namespace

}  // namespace sixfour::cli
