// `sixfour gateway`: the NAT64 (RFC 6146) and the DNS64 (RFC 6147) in one process with one shared
// prefix, for the common case of a host with one IPv4 address serving IPv6-only clients on its
// inside interface(s). It installs what it needs itself (TUN, routes, forwarding sysctls, its own
// nftables table) and removes it on exit; see gateway/config.hpp for the two pool4 modes and
// docs/gateway.md. Control commands: `sixfour gateway stats|sessions|bib`.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/daemon_options.hpp"
#include "cli/nat64_query.hpp"
#include "gateway/config.hpp"
#include "io/sys/control.hpp"
#include "io/dataplane/data_plane.hpp"
#include "io/dns64/server.hpp"
#include "io/gateway/host.hpp"
#include "io/dataplane/nat64_daemon.hpp"
#include "io/sys/netlink.hpp"
#include "io/dataplane/stats.hpp"
#include "io/sys/tun.hpp"

namespace sixfour::cli {

namespace {

constexpr const char* kWho = "sixfour gateway";

// The nat64 daemon's stats object with the DNS64's counters and the gateway's own facts added as
// members "dns64" and "gateway", so `sixfour nat64 stats --control` reads it as it is.
std::string combined_stats(const std::string& nat64_json, const std::string& dns64_json,
                           const std::string& gateway_json) {
  std::string out = nat64_json;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (out.empty() || out.back() != '}') return nat64_json;
  out.pop_back();
  std::string dns = dns64_json;
  while (!dns.empty() && (dns.back() == '\n' || dns.back() == ' ')) dns.pop_back();
  out += fmt::format("{}\"dns64\":{},\"gateway\":{}}}\n", out.size() > 1 ? "," : "", dns, gateway_json);
  return out;
}

std::string gateway_json(const gateway::GatewayConfig& cfg) {
  const gateway::Steering& s = cfg.steering;
  if (!s.shared) return R"({"mode":"routed"})";
  return fmt::format(R"({{"mode":"shared","host4":"{}","ports":"{}","internal4":"{}","table":"inet {}"}})",
                     s.host4.str(), s.ports.str(), s.internal4.str(), gateway::table_name(s.tun));
}

int run_gateway(const gateway::GatewayConfig& cfg) {
  auto logger = spdlog::stderr_logger_mt("sixfour-gateway");
  logger->set_pattern("sixfour gateway: %v");
  spdlog::set_default_logger(logger);

  const sigset_t sigs = block_daemon_signals();
  const gateway::Steering& steer = cfg.steering;

  // A table left by a run that was killed would otherwise keep steering (and it names our TUN).
  auto stale = io::SteeringTable::remove_stale(steer.tun);
  if (!stale) {
    spdlog::error("{}", stale.error());
    return 1;
  }
  if (*stale) spdlog::info("removed nftables table inet {} left by an earlier run", gateway::table_name(steer.tun));

  const unsigned queues = cfg.nat64.workers != 0 ? cfg.nat64.workers : io::default_workers();
  // The same data plane as `sixfour nat64`, TUN offloads included (GSO super-packets).
  auto tun = io::Tun::open(cfg.nat64.tun, queues, cfg.nat64.offload);
  if (!tun) {
    spdlog::error("{}", tun.error());
    return 1;
  }
  auto nl = io::Netlink::open();
  if (!nl) {
    spdlog::error("{}", nl.error());
    return 1;
  }
  auto ifindex = nl.value().link_index(tun->name());
  if (!ifindex) {
    spdlog::error("{}", ifindex.error());
    return 1;
  }
  if (auto st = nl.value().set_mtu(*ifindex, cfg.nat64.settings.xlat.mtu6); !st) {
    spdlog::error("{}", st.error());
    return 1;
  }
  if (auto st = nl.value().set_link_up(*ifindex); !st) {
    spdlog::error("{}", st.error());
    return 1;
  }

  // The prefix and the pool4 (routed) or the internal address (shared) go into the TUN.
  io::RouteSet routes(nl.value(), *ifindex);
  std::vector<io::RoutePrefix> want{io::RoutePrefix::of(cfg.nat64.settings.prefix)};
  for (const nat64::Pool4Entry& p : cfg.nat64.settings.pool4) want.push_back(io::RoutePrefix::of(p.prefix));
  if (steer.shared) {
    // The internal address must be nobody else's: a route to it elsewhere means the host uses it.
    auto known = nl.value().has_specific_route(want.back(), *ifindex);
    if (known && *known) {
      spdlog::error("internal4 {} is already routed on this host; choose an unused address with --internal4",
                    steer.internal4.str());
      return 2;
    }
  }
  for (const auto& p : want) {
    if (auto st = routes.add(p); !st) {
      spdlog::error("{} (dev {}; remove the conflicting route)", st.error(), tun->name());
      return 1;
    }
  }

  io::ForwardingSysctls forwarding;
  auto turned_on = forwarding.enable();
  if (!turned_on) {
    spdlog::error("{}", turned_on.error());
    return 1;
  }
  if (!turned_on->empty()) spdlog::info("turned on {} (turned off again on exit)", fmt::join(*turned_on, " and "));

  io::SteeringTable table(steer);
  if (auto st = table.apply(); !st) {
    spdlog::error("{}", st.error());
    return 1;
  }

  io::Nat64Daemon daemon(cfg.nat64.settings, tun.value(), false);
  if (auto st = daemon.start(); !st) {
    spdlog::error("{}", st.error());
    return 1;
  }
  auto dns = io::Dns64Server::start(cfg.dns64);
  if (!dns) {
    spdlog::error("{}", dns.error());
    return 1;
  }
  io::Dns64Server* dns_srv = dns.value().get();
  const std::string gw_json = gateway_json(cfg);
  auto control =
      io::ControlServer::start(cfg.control, [&daemon, dns_srv, &gw_json](std::string_view cmd) -> std::string {
        if (cmd == "stats") return combined_stats(daemon.stats_json(), dns_srv->stats_json(), gw_json);
        if (cmd == "sessions") return daemon.sessions_json();
        if (cmd == "bib") return daemon.bib_json();
        if (cmd == "dns64-stats") return dns_srv->stats_json();
        return "{\"error\":\"unknown command; try stats, sessions, bib or dns64-stats\"}\n";
      });
  if (!control) {
    spdlog::error("{}", control.error());
    return 1;
  }

  std::vector<std::string> listen, ups, added;
  for (const auto& e : cfg.dns64.listen) listen.push_back(e.str());
  for (const auto& e : cfg.dns64.upstreams) ups.push_back(e.str());
  for (const auto& p : routes.added()) added.push_back(p.str());
  std::string v4;
  if (steer.shared)
    v4 = fmt::format(
        "IPv4 {} ports {} shared with the kernel (its ephemeral ports: {}), through "
        "internal {} and nftables table inet {}",
        steer.host4.str(), steer.ports.str(), cfg.ephemeral.str(), steer.internal4.str(),
        gateway::table_name(steer.tun));
  else
    v4 = "pool4 routed into the TUN";
  spdlog::info("NAT64 on {} ({} worker{}): {}; {}; routes added: {}", tun->name(), queues, queues == 1 ? "" : "s",
               nat64::describe(cfg.nat64.settings), v4, fmt::join(added, ", "));
  spdlog::info(
      "DNS64 on {} for {} (upstream {}); IPv6 into {} only from {}; control {}", fmt::join(listen, ", "),
      [&] {
        std::vector<std::string> a;
        for (const auto& n : cfg.dns64.allow) a.push_back(n.str());
        return fmt::format("{}", fmt::join(a, ", "));
      }(),
      fmt::join(ups, ", "), tun->name(), fmt::join(steer.inside, ", "), cfg.control);
  for (const std::string& w : cfg.nat64.warnings) spdlog::warn("note: {}", w);

  int sig = 0;
  do {
    sigwait(&sigs, &sig);
  } while (sig == SIGHUP);

  control.value().reset();
  dns.value().reset();
  daemon.stop();
  const bool table_gone = table.remove();
  const size_t n_routes = routes.added().size();
  routes.clear();
  const auto turned_off = forwarding.restore();
  spdlog::info("stopped on {}: {} route{} removed{}{}, {} closed", strsignal(sig), n_routes, n_routes == 1 ? "" : "s",
               table_gone ? fmt::format(", table inet {} deleted", gateway::table_name(steer.tun)) : "",
               turned_off.empty() ? "" : fmt::format(", {} turned off", fmt::join(turned_off, " and ")), tun->name());
  return 0;
}

// ---- the control commands: the NAT64's tables as `sixfour nat64` prints them, plus the gateway's
// own state and DNS64's counters in stats.

std::string control_path(const Nat64Query& q) {
  return !q.control.empty() ? q.control : gateway::default_control_path(q.tun.empty() ? gateway::kDefaultTun : q.tun);
}

int run_stats(const Nat64Query& q) {
  const std::string who = fmt::format("{} stats", kWho);
  const std::string path = control_path(q);
  std::map<std::string, std::string> kv;
  if (int rc = ask_nat64(who, path, "stats", q.json, kv); rc != 0) return rc < 0 ? 0 : rc;
  auto get = [&](const std::string& k) { return kv.count(k) ? kv.at(k) : std::string("-"); };
  if (get("gateway.mode") == "shared")
    std::printf("gateway: IPv4 %s ports %s shared with the kernel (internal %s, nftables %s)\n",
                get("gateway.host4").c_str(), get("gateway.ports").c_str(), get("gateway.internal4").c_str(),
                get("gateway.table").c_str());
  else
    std::printf("gateway: pool4 routed into the TUN\n");
  std::string out = "NAT64:\n" + format_nat64_stats(kv) + "DNS64:\n";
  for (const auto& [k, v] : kv)
    if (k.rfind("dns64.", 0) == 0) out += fmt::format("  {:<28}{:>14}\n", k.substr(6), v);
  std::fputs(out.c_str(), stdout);
  return 0;
}

// ---- command-line wiring

struct GatewayCli {
  DaemonOptions<gateway::ConfigInput> opts{gateway::settings(), gateway::parse_toml};
  CLI::App *stats = nullptr, *sessions = nullptr, *bib = nullptr;
  Nat64Query qstats, qsessions, qbib;
};

GatewayCli& gateway_cli() {
  static GatewayCli c;
  return c;
}

CLI::App* add_gateway(CLI::App& app) {
  GatewayCli& c = gateway_cli();
  CLI::App* g =
      app.add_subcommand("gateway",
                         "Run NAT64 and DNS64 together with one prefix: IPv6-only clients on the inside "
                         "interfaces reach IPv4 through this host's own IPv4 address (shared with the kernel) "
                         "or a routed pool4.");
  g->require_subcommand(0, 1);
  c.opts.add(g, "print the effective configuration (TOML) and the steering it would install, change nothing");
  g->footer(
      "On start it installs, and on exit removes: the TUN, routes of the prefix and the pool4 (or the "
      "internal address) into it, nftables table inet sixfour_TUN, and the forwarding sysctls it had "
      "to turn on.\n\nExample: sixfour gateway --inside eth1");

  const char* tun = gateway::kDefaultTun.data();
  c.stats = add_nat64_query(g, "stats", "Print the counters of a running `sixfour gateway`.", tun, c.qstats);
  c.sessions =
      add_nat64_query(g, "sessions", "List the NAT64 sessions of a running `sixfour gateway`.", tun, c.qsessions);
  c.bib = add_nat64_query(g, "bib", "List the NAT64 BIB of a running `sixfour gateway`.", tun, c.qbib);
  return g;
}

int run_gateway_command() {
  GatewayCli& c = gateway_cli();
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
