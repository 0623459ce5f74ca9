// `sixfour nat64`: the stateful NAT64 daemon (RFC 6146) on a TUN device, and its control commands
// `sixfour nat64 stats|sessions|bib`, which read the running daemon's control socket.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/daemon_options.hpp"
#include "cli/nat64_query.hpp"
#include "io/sys/control.hpp"
#include "io/dataplane/data_plane.hpp"
#include "io/dataplane/nat64_daemon.hpp"
#include "io/sys/netlink.hpp"
#include "io/dataplane/stats.hpp"
#include "io/sys/tun.hpp"
#include "nat64/config.hpp"

namespace sixfour::cli {

namespace {

constexpr const char* kWho = "sixfour nat64";

// The NAT64 prefix (IPv6 side) and every pool4 prefix (IPv4 side: replies to the NAT64's own
// addresses) go into the TUN.
Status add_routes(const nat64::DaemonConfig& cfg, io::RouteSet& routes) {
  std::vector<io::RoutePrefix> want{io::RoutePrefix::of(cfg.settings.prefix)};
  for (const nat64::Pool4Entry& p : cfg.settings.pool4) want.push_back(io::RoutePrefix::of(p.prefix));
  for (const auto& p : want) {
    auto st = routes.add(p);
    if (!st)
      return Error{
          fmt::format("{} (dev {}; remove the conflicting route or run with --no-routes)", st.error(), cfg.tun)};
  }
  return Ok{};
}

int run_nat64(const nat64::DaemonConfig& cfg) {
  setup_daemon_logging("sixfour nat64");

  // Signals are taken synchronously by this thread (sigwait); every thread started from here on
  // inherits the mask, so no worker is interrupted.
  const sigset_t sigs = block_daemon_signals();

  const unsigned workers = cfg.workers ? cfg.workers : io::default_workers();
  auto link = io::open_translator_link(cfg.tun, workers, cfg.offload, cfg.settings.xlat.mtu6);
  if (!link) {
    spdlog::error("{}", link.error());
    return 1;
  }
  const io::Tun& tun = link->tun;
  io::Netlink& nl = link.value().nl;
  const int ifindex = link->ifindex;

  io::RouteSet routes(nl, ifindex);
  if (cfg.routes) {
    if (auto st = add_routes(cfg, routes); !st) {
      spdlog::error("{}", st.error());
      return 1;
    }
  }

  // The daemon (and its State) exists before the control socket answers questions about it.
  io::Nat64Daemon daemon(cfg.settings, tun, cfg.log_sessions);
  if (auto st = daemon.start(); !st) {
    spdlog::error("{}", st.error());
    return 1;
  }
  auto control = io::ControlServer::start(cfg.control, [&daemon](std::string_view cmd) -> std::string {
    if (cmd == "stats") return daemon.stats_json();
    if (cmd == "sessions") return daemon.sessions_json();
    if (cmd == "bib") return daemon.bib_json();
    return "{\"error\":\"unknown command; try stats, sessions or bib\"}\n";
  });
  if (!control) {
    spdlog::error("{}", control.error());
    return 1;
  }

  std::string route_text;
  if (!cfg.routes) {
    route_text = "routes: none (--no-routes)";
  } else {
    std::vector<std::string> added;
    for (const auto& p : routes.added()) added.push_back(p.str());
    route_text = "routes added: " + (added.empty() ? std::string("none") : fmt::format("{}", fmt::join(added, ", ")));
  }
  std::string warn;
  if (!cfg.warnings.empty()) warn = "; note: " + fmt::format("{}", fmt::join(cfg.warnings, ", "));
  spdlog::info("translating on {} (mtu {}, {} worker{}, offloads {}): {}; {}{}", tun.name(), cfg.settings.xlat.mtu6,
               workers, workers == 1 ? "" : "s", offload_text(cfg.offload, tun.vnet_hdr(), tun.offload_names()),
               nat64::describe(cfg.settings), route_text, warn);
  // Translated packets re-enter the kernel on the TUN device; the kernel must forward them.
  if (sysctl_is_zero("/proc/sys/net/ipv4/ip_forward"))
    spdlog::warn("warning: net.ipv4.ip_forward is 0: translated IPv4 packets will not be forwarded");
  if (sysctl_is_zero("/proc/sys/net/ipv6/conf/all/forwarding"))
    spdlog::warn("warning: net.ipv6.conf.all.forwarding is 0: translated IPv6 packets will not be forwarded");

  int sig = 0;
  sigwait(&sigs, &sig);

  control.value().reset();
  daemon.stop();
  const size_t n_routes = routes.added().size();
  routes.clear();
  spdlog::info("stopped on {}: {} route{} removed, {} closed", strsignal(sig), n_routes, n_routes == 1 ? "" : "s",
               tun.name());
  return 0;
}

// ---- the control commands ----

std::string control_path(const Nat64Query& q) {
  return !q.control.empty() ? q.control : nat64::default_control_path(q.tun.empty() ? "nat64" : q.tun);
}

// ---- command-line wiring ----

struct Nat64Cli {
  DaemonOptions<nat64::ConfigInput> opts{nat64::settings(), nat64::parse_toml};
  CLI::App *stats = nullptr, *sessions = nullptr, *bib = nullptr;
  Nat64Query qstats, qsessions, qbib;
};

Nat64Cli& nat64_cli() {
  static Nat64Cli c;
  return c;
}

CLI::App* add_nat64(CLI::App& app) {
  Nat64Cli& c = nat64_cli();
  CLI::App* nat = app.add_subcommand("nat64",
                                     "Run the stateful NAT64 (RFC 6146): IPv6-only hosts reach IPv4 through a pool of "
                                     "IPv4 addresses and ports, on a TUN device.");
  nat->require_subcommand(0, 1);
  c.opts.add(nat);
  nat->footer(std::string("Routes (unless --no-routes): the prefix and every pool4 prefix go into "
                          "the TUN; they are removed on exit.\n") +
              std::string(nat64::self_address_rule) +
              "\n\nExample: sixfour nat64 --prefix 2001:db8:64::/96 --pool4 203.0.113.1");

  c.stats = add_nat64_query(nat, "stats", "Print the counters of a running `sixfour nat64`.", "nat64", c.qstats);
  c.sessions =
      add_nat64_query(nat, "sessions", "List the sessions of a running `sixfour nat64`.", "nat64", c.qsessions);
  c.bib = add_nat64_query(nat, "bib", "List the BIB (bindings) of a running `sixfour nat64`.", "nat64", c.qbib);
  return nat;
}

int run_nat64_command() {
  Nat64Cli& c = nat64_cli();
  const std::string who = fmt::format("{} ", kWho);
  if (c.stats->parsed()) return print_nat64_stats(who + "stats", control_path(c.qstats), c.qstats.json);
  if (c.sessions->parsed()) return print_nat64_sessions(who + "sessions", control_path(c.qsessions), c.qsessions.json);
  if (c.bib->parsed()) return print_nat64_bib(who + "bib", control_path(c.qbib), c.qbib.json);

  return run_daemon_command(c.opts, kWho, nat64::validate, nat64::render_toml, run_nat64);
}

[[maybe_unused]] const bool registered = register_command({10, add_nat64, run_nat64_command});

}  // namespace

}  // namespace sixfour::cli
