#include "cli/siit.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "io/control.hpp"
#include "io/netlink.hpp"
#include "io/siit_daemon.hpp"
#include "io/stats.hpp"
#include "io/tun.hpp"

namespace sixfour::cli {

namespace {

void setup_logging() {
  auto logger = spdlog::stderr_logger_mt("sixfour");
  logger->set_pattern("sixfour siit: %v");
  spdlog::set_default_logger(logger);
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

bool sysctl_is_zero(const char* path) {
  std::ifstream f(path);
  int v = 1;
  return f && (f >> v) && v == 0;
}

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
      if (*known) skipped.push_back(p.str());
      else wanted(p);
    }
  }
  // Sources of ICMPv4 errors translated from untranslatable ICMPv6 sources (RFC 6791): replies to
  // them must come back to the translator.
  for (const Ipv4Prefix& p : s.rfc6791) wanted(io::RoutePrefix::of(p));
  for (const auto& p : want) {
    auto st = routes.add(p);
    if (!st) return Error{fmt::format("{} (dev {}; remove the conflicting route or run with --no-routes)",
                                      st.error(), cfg.tun)};
  }
  return Ok{};
}

}  // namespace

int run_siit(const siit::DaemonConfig& cfg) {
  setup_logging();

  // Signals are taken synchronously by this thread (sigwait); every thread started from here on
  // inherits the mask, so no worker is interrupted.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto tun = io::Tun::open(cfg.tun, cfg.workers);
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
  if (auto st = nl.value().set_mtu(*ifindex, cfg.settings.xlat.mtu6); !st) {
    spdlog::error("{}", st.error());
    return 1;
  }
  if (auto st = nl.value().set_link_up(*ifindex); !st) {
    spdlog::error("{}", st.error());
    return 1;
  }

  io::RouteSet routes(nl.value(), *ifindex);
  std::vector<std::string> skipped;
  if (cfg.routes) {
    if (auto st = add_routes(cfg, nl.value(), routes, *ifindex, skipped); !st) {
      spdlog::error("{}", st.error());
      return 1;
    }
  }

  io::SiitDaemon daemon(cfg.settings, tun.value());
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
    route_text = "routes added: " + (added.empty() ? std::string("none") : join(added));
    if (!skipped.empty()) route_text += "; already routed by the kernel: " + join(skipped);
  }
  spdlog::info("translating on {} (mtu {}, {} worker{}): {}; {}", tun->name(), cfg.settings.xlat.mtu6,
               cfg.workers, cfg.workers == 1 ? "" : "s", siit::describe(cfg.settings), route_text);
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
  spdlog::info("stopped on {}: {} route{} removed, {} closed", strsignal(sig), n_routes,
               n_routes == 1 ? "" : "s", tun->name());
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
  std::string out = fmt::format("{}: {} worker{}, up {}h{:02}m{:02}s\n", get("tun"), workers,
                                workers == 1 ? "" : "s", up / 3600, up / 60 % 60, up % 60);
  const bool per_worker = workers > 1;
  out += fmt::format("{:<24}{:>16}", "", "total");
  if (per_worker)
    for (unsigned w = 0; w < workers; ++w) out += fmt::format("{:>14}", fmt::format("worker {}", w));
  out += '\n';
  const std::pair<const char*, const char*> rows[] = {
      {"IPv4 received", "in4"},          {"IPv6 received", "in6"},
      {"IPv4 sent", "out4"},             {"IPv6 sent", "out6"},
      {"ICMP errors sent", "icmp_errors_sent"}, {"hairpinned", "hairpinned"},
      {"dropped", "dropped"},            {"read errors", "read_errors"},
      {"write errors", "write_errors"},
  };
  for (const auto& [label, key] : rows) {
    out += fmt::format("{:<24}{:>16}", label, get(key));
    if (per_worker)
      for (unsigned w = 0; w < workers; ++w)
        out += fmt::format("{:>14}", get(fmt::format("per_worker.{}.{}", w, key)));
    out += '\n';
  }
  out += "drops by reason:\n";
  for (size_t i = 0; i < static_cast<size_t>(xlat::DropReason::Count_); ++i) {
    const std::string name(xlat::name(static_cast<xlat::DropReason>(i)));
    out += fmt::format("  {:<22}{:>16}\n", name, get("drops." + name));
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace sixfour::cli
