// `sixfour nat64`: the stateful NAT64 daemon (RFC 6146) on a TUN device, and its control commands
// `sixfour nat64 stats|sessions|bib`, which read the running daemon's control socket.
#include <net/if.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/command.hpp"
#include "cli/daemon.hpp"
#include "cli/daemon_options.hpp"
#include "cli/fast_path_stage.hpp"
#include "cli/nat64_query.hpp"
#include "io/dataplane/nat64_daemon.hpp"
#include "io/fastpath/nat64_fast_path.hpp"
#include "io/sys/daemon.hpp"
#include "nat64/config.hpp"

namespace sixfour::cli {

namespace {

constexpr const char* kWho = "sixfour nat64";

// The NAT64 prefix (IPv6 side) and every pool4 prefix (IPv4 side: replies to the NAT64's own
// addresses) go into the TUN.
std::vector<io::RoutePrefix> wanted_routes(const nat64::Settings& s) {
  std::vector<io::RoutePrefix> want{io::RoutePrefix::of(s.prefix)};
  for (const nat64::Pool4Entry& p : s.pool4) want.push_back(io::RoutePrefix::of(p.prefix));
  return want;
}

// Scale-out (docs/scale-out.md): another translator on this host that routes a part of our pool4
// into its own TUN (an instance started with the same pool, or an overlapping one) would get the
// replies meant for us, or we its. Refused before our routes go in.
Status refuse_pool4_overlap(io::TranslatorLink& link, const nat64::Settings& s) {
  auto routes = link.nl.device_routes(AF_INET);
  if (!routes) return Error{routes.error()};
  for (const io::DeviceRoute& r : *routes) {
    if (r.ifindex == link.ifindex || r.prefix.len == 0) continue;
    char name[IF_NAMESIZE] = {};
    if (!::if_indextoname(static_cast<unsigned>(r.ifindex), name)) continue;
    if (::access(fmt::format("/sys/class/net/{}/tun_flags", name).c_str(), F_OK) != 0) continue;  // not a TUN
    Ipv4Prefix other;
    std::memcpy(other.addr.b.data(), r.prefix.addr.data(), 4);
    other.len = r.prefix.len;
    for (const nat64::Pool4Entry& p : s.pool4)
      if (p.prefix.contains(other) || other.contains(p.prefix))
        return Error{
            fmt::format("pool4 {} overlaps {}, routed into {}, the TUN of another translator on this host: give each "
                        "instance its own part of the pool (--instance K/N, docs/scale-out.md)",
                        p.prefix.str(), other.str(), name)};
  }
  return Ok{};
}

int run_nat64(const nat64::DaemonConfig& cfg) {
  nat64::Settings settings = cfg.settings;
  io::Daemon d(kWho);
  if (auto st = d.run_as(cfg.run_as, kTranslatorCaps); !st) return d.fail(st.error(), 2);
  const unsigned workers = cfg.workers ? cfg.workers : io::default_workers();
  auto link = open_link_stage(d, cfg.tun, workers, cfg.offload, cfg.settings.xlat.mtu6);
  if (!link) return d.fail(link.error());
  io::RouteSet& routes = routes_stage(d, **link);
  if (auto st = refuse_pool4_overlap(**link, cfg.settings); !st) return d.fail(st.error(), 2);
  if (cfg.routes) {
    auto st = add_routes(routes, wanted_routes(cfg.settings), cfg.tun,
                         "remove the conflicting route or run with --no-routes");
    if (!st) return d.fail(st.error());
  }

  auto source = apply_icmp_source(
      **link, cfg.icmp_source, "pool4", [&settings](Ipv4Addr a) { nat64::use_icmp_source(settings, a); },
      settings.xlat);
  if (!source) return d.fail(source.error());

  // The daemon (and its State) exists before the control socket answers questions about it.
  const io::Tun& tun = (*link)->tun;
  const auto& fast = d.keep(start_fast_path<io::Nat64FastPath>(cfg.fast_path, settings, (*link)->ifindex));
  auto& plane = d.stage<io::Nat64Daemon>(io::calls_stop<io::Nat64Daemon>(), settings, tun, cfg.log_sessions);
  use_fast_path(plane, fast);
  if (auto st = plane.start(); !st) return d.fail(st.error());
  if (auto st = d.serve_control(cfg.control, nat64_commands(plane)); !st) return d.fail(st.error());
  d.status_from("stats", nat64_status_head(cfg.settings), translator_summary(true));
  if (auto st = d.serve_metrics(cfg.metrics, translator_metrics("nat64")); !st) return d.fail(st.error());

  std::string warn;
  if (!cfg.warnings.empty()) warn = "; note: " + fmt::format("{}", fmt::join(cfg.warnings, ", "));
  return d.run(fmt::format("{}: {}; {}; {}; {}{}",
                           translating_on(tun, cfg.settings.xlat.mtu6, workers, plane.steering(), cfg.offload),
                           nat64::describe(cfg.settings), routes_text(cfg.routes, routes), *source, fast.text(), warn),
               forwarding_warnings());
}

// ---- the control commands ----

std::string control_path(const Nat64Query& q) {
  return !q.control.empty() ? q.control : nat64::default_control_path(q.tun.empty() ? "nat64" : q.tun);
}

// ---- command-line wiring ----

struct Nat64Cli : Nat64Queries {
  DaemonOptions<nat64::ConfigInput> opts{nat64::settings(), nat64::parse_toml};
};

CLI::App* add_nat64(CLI::App& app) {
  Nat64Cli& c = command_state<Nat64Cli>();
  CLI::App* nat = c.opts.add_command(app, "nat64",
                                     "Run the stateful NAT64 (RFC 6146): IPv6-only hosts reach IPv4 through a pool of "
                                     "IPv4 addresses and ports, on a TUN device.",
                                     std::string("Routes (unless --no-routes): the prefix and every pool4 prefix go "
                                                 "into the TUN; they are removed on exit.\n") +
                                         std::string(nat64::self_address_rule) +
                                         "\n\nExample: sixfour nat64 --prefix 2001:db8:64::/96 --pool4 203.0.113.1");

  c.stats = add_nat64_query(nat, "stats", "Print the counters of a running `sixfour nat64`.", "nat64", c.qstats);
  c.sessions =
      add_nat64_query(nat, "sessions", "List the sessions of a running `sixfour nat64`.", "nat64", c.qsessions);
  c.bib = add_nat64_query(nat, "bib", "List the BIB (bindings) of a running `sixfour nat64`.", "nat64", c.qbib);
  return nat;
}

int run_nat64_command() {
  Nat64Cli& c = command_state<Nat64Cli>();
  const std::string who = fmt::format("{} ", kWho);
  if (c.stats->parsed()) return print_nat64_stats(who + "stats", control_path(c.qstats), c.qstats.json);
  if (c.sessions->parsed()) return print_nat64_sessions(who + "sessions", control_path(c.qsessions), c.qsessions.json);
  if (c.bib->parsed()) return print_nat64_bib(who + "bib", control_path(c.qbib), c.qbib.json);

  return run_daemon_command(c.opts, kWho, nat64::validate, nat64::render_toml, run_nat64);
}

[[maybe_unused]] const bool registered = register_command({10, add_nat64, run_nat64_command});

}  // namespace

}  // namespace sixfour::cli
