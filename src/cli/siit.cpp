#include "cli/siit.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/daemon_options.hpp"
#include "io/sys/control.hpp"
#include "io/dataplane/data_plane.hpp"
#include "io/sys/netlink.hpp"
#include "io/dataplane/siit_daemon.hpp"
#include "io/dataplane/stats.hpp"
#include "io/sys/tun.hpp"

namespace sixfour::cli {

namespace {

// Decides the routes and adds them. The EAM checks all run before anything is added, so that a
// route this daemon adds cannot make another EAM side look "already routed".
Status add_routes(const siit::DaemonConfig& cfg, io::Netlink& nl, io::RouteSet& routes, int ifindex,
                  std::vector<std::string>& skipped) {
  const siit::Settings& s = cfg.settings;
  std::vector<io::RoutePrefix> want;
  auto wanted = [&](const io::RoutePrefix& p) {
    for (const auto& w : want)
      if (w == p) return;
    want.push_back(p);
  };
  if (s.pool6) wanted(io::RoutePrefix::of(*s.pool6));
  // RFC 7757 §3: an EAM side the kernel already reaches is local; the other side is remote and is
  // reached through the translator.
  for (const Eam& e : s.eam.entries()) {
    for (const io::RoutePrefix& p : {io::RoutePrefix::of(e.v6), io::RoutePrefix::of(e.v4)}) {
      auto known = nl.has_specific_route(p, ifindex);
      if (!known) return Error{known.error()};
      if (*known)
        skipped.push_back(p.str());
      else
        wanted(p);
    }
  }
  // Sources of ICMPv4 errors translated from untranslatable ICMPv6 sources (RFC 6791): replies to
  // them must come back to the translator.
  for (const Ipv4Prefix& p : s.rfc6791) wanted(io::RoutePrefix::of(p));
  for (const auto& p : want) {
    auto st = routes.add(p);
    if (!st)
      return Error{
          fmt::format("{} (dev {}; remove the conflicting route or run with --no-routes)", st.error(), cfg.tun)};
  }
  return Ok{};
}

}  // namespace

int run_siit(const siit::DaemonConfig& cfg) {
  setup_daemon_logging("sixfour siit");

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
  std::vector<std::string> skipped;
  if (cfg.routes) {
    if (auto st = add_routes(cfg, nl, routes, ifindex, skipped); !st) {
      spdlog::error("{}", st.error());
      return 1;
    }
  }

  io::SiitDaemon daemon(cfg.settings, tun);
  auto control = io::ControlServer::start(cfg.control, [&daemon](std::string_view cmd) -> std::string {
    if (cmd == "stats") return io::to_json(daemon.stats());
    return fmt::format("{{\"error\":\"unknown command; try stats\"}}\n");
  });
  if (!control) {
    spdlog::error("{}", control.error());
    return 1;
  }
  if (auto st = daemon.start(); !st) {
    spdlog::error("{}", st.error());
    return 1;
  }

  std::string route_text;
  if (!cfg.routes) {
    route_text = "routes: none (--no-routes)";
  } else {
    std::vector<std::string> added;
    for (const auto& p : routes.added()) added.push_back(p.str());
    route_text = "routes added: " + (added.empty() ? std::string("none") : fmt::format("{}", fmt::join(added, ", ")));
    if (!skipped.empty())
      route_text += "; already routed by the kernel: " + fmt::format("{}", fmt::join(skipped, ", "));
  }
  spdlog::info("translating on {} (mtu {}, {} worker{}, offloads {}): {}; {}", tun.name(), cfg.settings.xlat.mtu6,
               workers, workers == 1 ? "" : "s", offload_text(cfg.offload, tun.vnet_hdr(), tun.offload_names()),
               siit::describe(cfg.settings), route_text);
  // Translated packets re-enter the kernel on the TUN device; unless they are for this host, the
  // kernel must forward them.
  if (sysctl_is_zero("/proc/sys/net/ipv4/ip_forward"))
    spdlog::warn("warning: net.ipv4.ip_forward is 0: translated IPv4 packets will not be forwarded");
  if (sysctl_is_zero("/proc/sys/net/ipv6/conf/all/forwarding"))
    spdlog::warn("warning: net.ipv6.conf.all.forwarding is 0: translated IPv6 packets will not be forwarded");

  int sig = 0;
  sigwait(&sigs, &sig);

  daemon.stop();
  control.value().reset();
  const size_t n_routes = routes.added().size();
  routes.clear();
  spdlog::info("stopped on {}: {} route{} removed, {} closed", strsignal(sig), n_routes, n_routes == 1 ? "" : "s",
               tun.name());
  return 0;
}

int run_siit_stats(const StatsOptions& opt) {
  const std::string path =
      !opt.control.empty() ? opt.control : siit::default_control_path(opt.tun.empty() ? "siit0" : opt.tun);
  auto reply = io::control_request(path, "stats");
  if (!reply) {
    std::fprintf(stderr, "sixfour siit stats: %s\n", reply.error().c_str());
    return 1;
  }
  if (opt.json) {
    std::fputs(reply->c_str(), stdout);
    return 0;
  }
  auto kv = io::flatten_json(*reply);
  if (!kv) {
    std::fprintf(stderr, "sixfour siit stats: %s: %s\n", path.c_str(), kv.error().c_str());
    return 1;
  }
  const auto& m = kv.value();
  auto get = [&m](const std::string& key) -> std::string {
    auto it = m.find(key);
    return it == m.end() ? "-" : it->second;
  };
  if (m.count("error")) {
    std::fprintf(stderr, "sixfour siit stats: %s\n", get("error").c_str());
    return 1;
  }
  const unsigned workers = static_cast<unsigned>(std::stoul(get("workers") == "-" ? "0" : get("workers")));
  uint64_t up = std::stoull(get("uptime_seconds") == "-" ? "0" : get("uptime_seconds"));
  std::string out = fmt::format("{}: {} worker{}, offloads {}, up {}h{:02}m{:02}s\n", get("tun"), workers,
                                workers == 1 ? "" : "s", get("offloads"), up / 3600, up / 60 % 60, up % 60);
  const bool per_worker = workers > 1;
  out += fmt::format("{:<24}{:>16}", "", "total");
  if (per_worker)
    for (unsigned w = 0; w < workers; ++w) out += fmt::format("{:>14}", fmt::format("worker {}", w));
  out += '\n';
  const std::pair<const char*, const char*> rows[] = {
      {"IPv4 received", "in4"},
      {"IPv6 received", "in6"},
      {"IPv4 sent", "out4"},
      {"IPv6 sent", "out6"},
      {"ICMP errors sent", "icmp_errors_sent"},
      {"hairpinned", "hairpinned"},
      {"dropped", "dropped"},
      {"read errors", "read_errors"},
      {"write errors", "write_errors"},
      {"super-packets whole", "super_packets"},
      {"super-packets split", "segmented"},
      {"checksums finished", "csum_finished"},
      {"UDP trains written", "udp_trains"},
      {"datagrams in trains", "udp_coalesced"},
  };
  for (const auto& [label, key] : rows) {
    out += fmt::format("{:<24}{:>16}", label, get(key));
    if (per_worker)
      for (unsigned w = 0; w < workers; ++w) out += fmt::format("{:>14}", get(fmt::format("per_worker.{}.{}", w, key)));
    out += '\n';
  }
  out += "drops by reason:\n";
  for (size_t i = 0; i < static_cast<size_t>(xlat::DropReason::Count_); ++i) {
    const std::string name(xlat::name(static_cast<xlat::DropReason>(i)));
    out += fmt::format("  {:<22}{:>16}\n", name, get("drops." + name));
  }
  const std::string malformed(io::kOffloadMalformed);
  out += fmt::format("  {:<22}{:>16}\n", malformed, get("drops." + malformed));
  std::fputs(out.c_str(), stdout);
  return 0;
}

// ---- command-line wiring: `sixfour siit` and `sixfour siit stats` ----

namespace {

struct SiitCli {
  DaemonOptions<siit::ConfigInput> opts{siit::settings(), siit::parse_toml};
  CLI::App* stats = nullptr;
  StatsOptions sopt;
};

SiitCli& siit_cli() {
  static SiitCli c;
  return c;
}

CLI::App* add_siit(CLI::App& app) {
  SiitCli& c = siit_cli();
  CLI::App* siit =
      app.add_subcommand("siit",
                         "Run the stateless IP/ICMP translator (RFC 7915 with RFC 6052 pool6 and RFC 7757 EAM) "
                         "on a TUN device.");
  siit->require_subcommand(0, 1);
  c.opts.add(siit);
  siit->footer(std::string("Routes (unless --no-routes): pool6 and the RFC 6791 prefixes go into the TUN; "
                           "each EAM side goes into the TUN only if the kernel has no specific "
                           "(non-default) route covering it yet. They are removed on exit.\n") +
               std::string(siit::self_address_rule) +
               "\n\nExample: sixfour siit --pool6 2001:db8:64::/96 --eam "
               "2001:db8:6::/120=192.0.2.0/24");

  c.stats = siit->add_subcommand("stats", "Print the counters of a running `sixfour siit`.");
  c.stats->add_flag("--json", c.sopt.json, "print the daemon's JSON as is");
  auto* s_tun = c.stats->add_option("--tun", c.sopt.tun, "TUN device of the daemon (default siit0)")->type_name("NAME");
  auto* s_control = c.stats->add_option("--control", c.sopt.control, "control socket path")->type_name("PATH");
  s_tun->excludes(s_control);
  return siit;
}

int run_siit_command() {
  SiitCli& c = siit_cli();
  if (c.stats->parsed()) return run_siit_stats(c.sopt);

  return run_daemon_command(c.opts, "sixfour siit", siit::validate, siit::render_toml, run_siit);
}

[[maybe_unused]] const bool registered = register_command({20, add_siit, run_siit_command});

}  // namespace

}  // namespace sixfour::cli
