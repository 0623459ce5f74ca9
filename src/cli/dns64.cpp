// `sixfour dns64`: the DNS64 server (RFC 6147) and `sixfour dns64 stats`.
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/daemon_options.hpp"
#include "dns64/config.hpp"
#include "io/dns64/server.hpp"
#include "io/sys/control.hpp"
#include "io/sys/daemon.hpp"
#include "io/sys/local_networks.hpp"

namespace sixfour::cli {

namespace {

// Loopback and every network the host has an address on (the "on-link" default of --allow).
std::vector<IpPrefix> local_networks() {
  std::vector<IpPrefix> out;
  for (const std::string& cidr : io::local_networks())
    if (auto n = IpPrefix::parse(cidr)) out.push_back(*n);
  return out;
}

// The configuration as read at start: the --config file again, with the same command line.
using Reread = std::function<Result<dns64::DaemonConfig>()>;

// SIGHUP: the configuration is read again; its clients (allow) and upstreams replace the running
// ones, without dropping the cache or the queries under way. A configuration that does not
// validate changes nothing; other changed settings wait for the next start (said in the log).
void reload_dns64(io::Dns64Server& srv, dns64::DaemonConfig& running, const Reread& reread) {
  auto cfg = reread();
  if (!cfg) {
    spdlog::error("reload refused, the running configuration stays: {}", cfg.error());
    return;
  }
  spdlog::info("reloaded: {}", srv.reload(*cfg));
  running.allow = cfg->allow;
  running.upstreams = cfg->upstreams;
  if (dns64::render_toml(*cfg) != dns64::render_toml(running))
    spdlog::warn(
        "reload: only allow and upstream change while running; the other changed settings take effect at "
        "the next start");
}

int run_dns64(const dns64::DaemonConfig& cfg, const Reread& reread) {
  io::Daemon d("sixfour dns64");
  if (auto st = d.run_as(cfg.run_as, {}); !st) return d.fail(st.error(), 2);
  auto server = io::Dns64Server::start(cfg);
  if (!server) return d.fail(server.error());
  io::Dns64Server& srv = *d.keep(std::move(server).value());
  d.on_reload([&srv, running = cfg, reread]() mutable { reload_dns64(srv, running, reread); });
  CommandTable commands;
  commands.add("stats", [&srv] { return srv.stats_json(); });
  if (auto st = d.serve_control(cfg.control, std::move(commands)); !st) return d.fail(st.error());
  d.status_from("stats", "prefix " + cfg.settings.prefix.str(),
                {{"queries", {"/udp_queries", "/tcp_queries"}},
                 {"synthesized", {"/synthesized"}},
                 {"upstream timeouts", {"/upstream_timeouts"}}});
  MetricsSchema metrics;
  metrics.daemon = "dns64";
  metrics.gauges = {"uptime_seconds", "threads", "cache/entries", "cache/bytes"};
  metrics.rules = {{"udp_queries", "queries", "transport", false, "udp"},
                   {"tcp_queries", "queries", "transport", false, "tcp"}};
  if (auto st = d.serve_metrics(cfg.metrics, std::move(metrics)); !st) return d.fail(st.error());

  std::string listen, ups, allow;
  for (auto& l : cfg.listen) listen += (listen.empty() ? "" : ", ") + l.str();
  for (auto& u : cfg.upstreams) ups += (ups.empty() ? "" : ", ") + u.str();
  for (auto& a : cfg.allow) allow += (allow.empty() ? "" : ", ") + a.str();
  return d.run(fmt::format("listening on {} ({} thread{}), prefix {}, upstream {}, clients {}", listen, cfg.threads,
                           cfg.threads == 1 ? "" : "s", cfg.settings.prefix.str(), ups, allow));
}

std::string format_dns64_stats(const nlohmann::json& doc) {
  std::string out;
  for (const auto& [k, v] : flatten(doc)) out += fmt::format("{:<28}{:>14}\n", k, v);
  return out;
}

int run_dns64_stats(bool json, const std::string& path) {
  return io::control_command("sixfour dns64 stats", path, "stats", json, format_dns64_stats);
}

struct Dns64Cli {
  DaemonOptions<dns64::ConfigInput> opts{dns64::settings(), dns64::parse_toml};
  CLI::App* stats = nullptr;
  bool stats_json = false;
  std::string stats_control = "/run/sixfour/dns64.sock";
};

CLI::App* add_dns64(CLI::App& app) {
  Dns64Cli& c = command_state<Dns64Cli>();
  CLI::App* cmd = c.opts.add_command(app, "dns64",
                                     "Run a DNS64 server (RFC 6147): forwards to recursive resolvers and synthesizes "
                                     "AAAA records from A records with an RFC 6052 prefix.",
                                     "Example: sixfour dns64 --listen [2001:db8:6::1]:53 --upstream 198.51.100.2:53 "
                                     "--prefix 2001:db8:64::/96 --allow 2001:db8:6::/64\n"
                                     "SIGHUP reads the configuration again and takes its allow and upstream (the "
                                     "cache stays).");
  c.stats = add_stats_query(cmd, "Print the counters of a running `sixfour dns64`.", c.stats_json, c.stats_control,
                            "control socket path (default /run/sixfour/dns64.sock)");
  return cmd;
}

// The defaults that need the system: resolv.conf's nameservers, the on-link networks, the cores.
Result<dns64::DaemonConfig> validate_on_this_host(const dns64::ConfigInput& in) {
  dns64::Defaults d;
  {
    std::ifstream rc("/etc/resolv.conf");
    std::stringstream ss;
    ss << rc.rdbuf();
    d.upstreams = dns64::parse_resolv_conf(ss.str());
  }
  d.allow = local_networks();
  d.threads = std::max(1u, std::thread::hardware_concurrency());
  return dns64::validate(in, d);
}

int run_dns64_command() {
  Dns64Cli& c = command_state<Dns64Cli>();
  if (c.stats->parsed()) return run_dns64_stats(c.stats_json, c.stats_control);

  const Reread reread = [&c]() -> Result<dns64::DaemonConfig> {
    auto in = c.opts.input();
    if (!in) return Error{in.error()};
    return validate_on_this_host(*in);
  };
  return run_daemon_command(c.opts, "sixfour dns64", validate_on_this_host, dns64::render_toml,
                            [&reread](const dns64::DaemonConfig& cfg) { return run_dns64(cfg, reread); });
}

[[maybe_unused]] const bool registered = register_command({30, add_dns64, run_dns64_command});

}  // namespace

}  // namespace sixfour::cli
