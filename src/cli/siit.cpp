#include "cli/siit.hpp"

#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/command.hpp"
#include "cli/daemon.hpp"
#include "cli/daemon_options.hpp"
#include "cli/fast_path_stage.hpp"
#include "io/dataplane/siit_daemon.hpp"
#include "io/dataplane/stats.hpp"
#include "io/fastpath/siit_fast_path.hpp"
#include "io/sys/control.hpp"
#include "io/sys/daemon.hpp"

namespace sixfour::cli {

namespace {

// Decides the routes. The EAM checks all run before anything is added, so that a route this
// daemon adds cannot make another EAM side look "already routed".
Result<std::vector<io::RoutePrefix>> wanted_routes(const siit::Settings& s, io::Netlink& nl, int ifindex,
                                                   std::vector<std::string>& skipped) {
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
  return want;
}

}  // namespace

int run_siit(const siit::DaemonConfig& cfg) {
  siit::Settings settings = cfg.settings;  // before the daemon: its stages keep a reference
  io::Daemon d("sixfour siit");
  if (auto st = d.run_as(cfg.run_as, kTranslatorCaps); !st) return d.fail(st.error(), 2);
  const unsigned workers = cfg.workers ? cfg.workers : io::default_workers();
  auto link = open_link_stage(d, cfg.tun, workers, cfg.offload, cfg.settings.xlat.mtu6);
  if (!link) return d.fail(link.error());
  io::RouteSet& routes = routes_stage(d, **link);
  std::vector<std::string> skipped;
  if (cfg.routes) {
    auto want = wanted_routes(cfg.settings, (*link)->nl, (*link)->ifindex, skipped);
    if (!want) return d.fail(want.error());
    auto st = add_routes(routes, *want, cfg.tun, "remove the conflicting route or run with --no-routes");
    if (!st) return d.fail(st.error());
  }

  auto source = apply_icmp_source(
      **link, cfg.icmp_source, settings.rfc6791.empty() ? "192.0.0.8" : "rfc6791",
      [&settings](Ipv4Addr a) { siit::use_icmp_source(settings, a); }, settings.xlat);
  if (!source) return d.fail(source.error());

  const io::Tun& tun = (*link)->tun;
  const auto& fast = d.keep(start_fast_path<io::SiitFastPath>(cfg.fast_path, settings, (*link)->ifindex));
  auto& plane = d.stage<io::SiitDaemon>(io::calls_stop<io::SiitDaemon>(), settings, tun);
  if (auto st = plane.start(); !st) return d.fail(st.error());
  CommandTable commands;
  commands.add("stats", [&plane, &fast] {
    io::StatsSnapshot s = plane.stats();
    s.fast_path = fast.stats();
    return io::to_json(s);
  });
  if (auto st = d.serve_control(cfg.control, std::move(commands)); !st) return d.fail(st.error());
  d.status_from("stats", "on " + tun.name(), translator_summary(false));
  if (auto st = d.serve_metrics(cfg.metrics, translator_metrics("siit")); !st) return d.fail(st.error());

  std::string route_text = routes_text(cfg.routes, routes);
  if (!skipped.empty()) route_text += "; already routed by the kernel: " + fmt::format("{}", fmt::join(skipped, ", "));
  return d.run(fmt::format("{}: {}; {}; {}; {}",
                           translating_on(tun, cfg.settings.xlat.mtu6, workers, plane.steering(), cfg.offload),
                           siit::describe(cfg.settings), route_text, *source, fast.text()),
               forwarding_warnings());
}

std::string format_siit_stats(const nlohmann::json& doc) {
  const auto m = flatten(doc);
  const CounterTable table(m, 24, 16, 14);
  auto get = [&table](const std::string& key) { return table.get(key); };
  std::string out = table.head();
  const std::pair<const char*, const char*> rows[] = {
      {"IPv4 received", "in4"},
      {"IPv6 received", "in6"},
      {"IPv4 sent", "out4"},
      {"IPv6 sent", "out6"},
      {"ICMP errors sent", "icmp_errors_sent"},
      {"ICMP errors rate-limited", "icmp_errors_limited"},
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
  for (const auto& [label, key] : rows) out += table.row(label, key);
  out += "drops by reason:\n";
  for (size_t i = 0; i < static_cast<size_t>(xlat::DropReason::Count_); ++i) {
    const std::string name(xlat::name(static_cast<xlat::DropReason>(i)));
    out += fmt::format("  {:<22}{:>16}\n", name, get("drops." + name));
  }
  const std::string malformed(io::kOffloadMalformed);
  out += fmt::format("  {:<22}{:>16}\n", malformed, get("drops." + malformed));
  out += format_fast_path(m);
  return out;
}

int run_siit_stats(const StatsOptions& opt) {
  const std::string path =
      !opt.control.empty() ? opt.control : siit::default_control_path(opt.tun.empty() ? "siit0" : opt.tun);
  return io::control_command("sixfour siit stats", path, "stats", opt.json, format_siit_stats);
}

// ---- command-line wiring: `sixfour siit` and `sixfour siit stats` ----

namespace {

struct SiitCli {
  DaemonOptions<siit::ConfigInput> opts{siit::settings(), siit::parse_toml};
  CLI::App* stats = nullptr;
  StatsOptions sopt;
};

CLI::App* add_siit(CLI::App& app) {
  SiitCli& c = command_state<SiitCli>();
  CLI::App* siit = c.opts.add_command(
      app, "siit",
      "Run the stateless IP/ICMP translator (RFC 7915 with RFC 6052 pool6 and RFC 7757 EAM) on a TUN device.",
      std::string("Routes (unless --no-routes): pool6 and the RFC 6791 prefixes go into the TUN; "
                  "each EAM side goes into the TUN only if the kernel has no specific "
                  "(non-default) route covering it yet. They are removed on exit.\n") +
          std::string(siit::self_address_rule) +
          "\n\nExample: sixfour siit --pool6 2001:db8:64::/96 --eam "
          "2001:db8:6::/120=192.0.2.0/24");
  c.stats = add_nat64_query(siit, "stats", "Print the counters of a running `sixfour siit`.", "siit0", c.sopt);
  return siit;
}

int run_siit_command() {
  SiitCli& c = command_state<SiitCli>();
  if (c.stats->parsed()) return run_siit_stats(c.sopt);

  return run_daemon_command(c.opts, "sixfour siit", siit::validate, siit::render_toml, run_siit);
}

[[maybe_unused]] const bool registered = register_command({20, add_siit, run_siit_command});

}  // namespace

}  // namespace sixfour::cli
