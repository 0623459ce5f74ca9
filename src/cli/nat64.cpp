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
  std::string tun, prefix, udp_timeout, icmp_timeout, tcp_est, tcp_trans, mtu, workers, control, config_file, offload;
  std::vector<std::string> pool4, statics;
  bool adf = false, drop_syn = false, allow_non_global = false, no_routes = false, log_sessions = false;
  CLI::Option *o_tun, *o_prefix, *o_pool4, *o_static, *o_adf, *o_syn, *o_udp, *o_icmp, *o_est, *o_trans, *o_mtu,
      *o_nonglobal, *o_noroutes, *o_workers, *o_control, *o_log, *o_offload;
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
  c.o_tun = nat->add_option("--tun", c.tun, "TUN device name (default nat64; created if absent)")->type_name("NAME");
  c.o_prefix = nat->add_option("--prefix", c.prefix, "RFC 6052 prefix IPv4 hosts are seen under (default 64:ff9b::/96)")
                   ->type_name("PREFIX");
  c.o_pool4 = nat->add_option("--pool4", c.pool4,
                              "IPv4 addresses (and port range, default 1024-65535) the NAT64 "
                              "translates to, e.g. 203.0.113.1 or 203.0.113.0/30:2000-2999 "
                              "(required, repeatable)")
                  ->type_name("ADDR[/LEN][:LO-HI]");
  c.o_static = nat->add_option("--static", c.statics,
                               "static BIB entry (RFC 6146 §3.5.1), e.g. "
                               "tcp,203.0.113.1#8080,2001:db8:6::2#80 (repeatable)")
                   ->type_name("PROTO,V4#PORT,V6#PORT");
  c.o_adf = nat->add_flag("--address-dependent-filtering", c.adf,
                          "accept IPv4 packets only from peers the inside host has sent to (RFC "
                          "6146 §3.5.1; default endpoint-independent)");
  c.o_syn = nat->add_flag("--drop-external-syn", c.drop_syn,
                          "drop unsolicited IPv4 SYNs instead of holding them 6 s (RFC 6146 §3.5.2.2)");
  c.o_udp =
      nat->add_option("--udp-timeout", c.udp_timeout, "UDP session lifetime in seconds (default 300)")->type_name("S");
  c.o_icmp =
      nat->add_option("--icmp-timeout", c.icmp_timeout, "ICMP query session lifetime (default 60)")->type_name("S");
  c.o_est = nat->add_option("--tcp-est-timeout", c.tcp_est, "established TCP session lifetime (default 7440)")
                ->type_name("S");
  c.o_trans = nat->add_option("--tcp-trans-timeout", c.tcp_trans, "transitory TCP session lifetime (default 240)")
                  ->type_name("S");
  c.o_mtu = nat->add_option("--mtu", c.mtu, "MTU of the TUN device (default 1500, at least 1280)")->type_name("N");
  c.o_nonglobal = nat->add_flag("--allow-non-global", c.allow_non_global,
                                "translate non-global IPv4 addresses with 64:ff9b::/96 (RFC 6052 "
                                "§3.1 forbids it; for labs)");
  c.o_noroutes = nat->add_flag("--no-routes", c.no_routes, "do not add routes (manage them yourself)");
  c.o_workers = nat->add_option("--workers", c.workers, "worker threads = TUN queues (default: one per online CPU)")
                    ->type_name("N");
  c.o_offload = nat->add_option("--offload", c.offload,
                                "TUN offloads: auto = take GSO super-packets and partial checksums "
                                "from the kernel when it offers them and send a flow's small UDP datagrams "
                                "as one UDP GSO packet (default), off = plain packets")
                    ->type_name("auto|off");
  c.o_control = nat->add_option("--control", c.control, "control socket (default /run/sixfour/nat64-TUN.sock)")
                    ->type_name("PATH");
  c.o_log = nat->add_flag("--log-sessions", c.log_sessions,
                          "log every BIB entry and session created or removed (RFC 6888 §4)");
  nat->add_option("--config", c.config_file,
                  "TOML file with the same settings (keys named like the options: tun, prefix, pool4 "
                  "= [...], static = [...], udp-timeout, ..., routes = false for --no-routes); "
                  "command-line flags override it")
      ->type_name("FILE");
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

  nat64::ConfigInput file_in;
  if (!c.config_file.empty()) {
    auto text = read_option_file("--config", c.config_file);
    if (!text) return config_error(kWho, text.error());
    auto parsed = nat64::parse_toml(*text, c.config_file);
    if (!parsed) return config_error(kWho, parsed.error());
    file_in = std::move(parsed).value();
  }
  nat64::ConfigInput cli_in;
  if (c.o_tun->count()) cli_in.tun.set(c.tun);
  if (c.o_prefix->count()) cli_in.prefix.set(c.prefix);
  if (c.o_pool4->count()) cli_in.pool4.set(c.pool4);
  if (c.o_static->count()) cli_in.statics.set(c.statics);
  if (c.o_adf->count()) cli_in.address_dependent_filtering.set(true);
  if (c.o_syn->count()) cli_in.drop_external_syn.set(true);
  if (c.o_udp->count()) cli_in.udp_timeout.set(c.udp_timeout);
  if (c.o_icmp->count()) cli_in.icmp_timeout.set(c.icmp_timeout);
  if (c.o_est->count()) cli_in.tcp_est_timeout.set(c.tcp_est);
  if (c.o_trans->count()) cli_in.tcp_trans_timeout.set(c.tcp_trans);
  if (c.o_mtu->count()) cli_in.mtu.set(c.mtu);
  if (c.o_nonglobal->count()) cli_in.allow_non_global.set(true);
  if (c.o_noroutes->count()) cli_in.routes.set(false);
  if (c.o_workers->count()) cli_in.workers.set(c.workers);
  if (c.o_control->count()) cli_in.control.set(c.control);
  if (c.o_log->count()) cli_in.log_sessions.set(true);
  if (c.o_offload->count()) cli_in.offload.set(c.offload);

  auto cfg = nat64::validate(nat64::merge(std::move(file_in), cli_in));
  if (!cfg) return config_error(kWho, cfg.error());
  return run_nat64(*cfg);
}

[[maybe_unused]] const bool registered = register_command({10, add_nat64, run_nat64_command});

}  // namespace

}  // namespace sixfour::cli
