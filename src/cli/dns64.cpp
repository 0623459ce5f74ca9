// `sixfour dns64`: the DNS64 server (RFC 6147) and `sixfour dns64 stats`.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "dns64/config.hpp"
#include "io/sys/control.hpp"
#include "io/dns64/server.hpp"
#include "io/sys/local_networks.hpp"
#include "io/dataplane/stats.hpp"

namespace sixfour::cli {

namespace {

// Loopback and every network the host has an address on (the "on-link" default of --allow).
std::vector<IpPrefix> local_networks() {
  std::vector<IpPrefix> out;
  for (const std::string& cidr : io::local_networks())
    if (auto n = IpPrefix::parse(cidr)) out.push_back(*n);
  return out;
}

int run_dns64(const dns64::DaemonConfig& cfg) {
  auto logger = spdlog::stderr_logger_mt("sixfour-dns64");
  logger->set_pattern("sixfour dns64: %v");
  spdlog::set_default_logger(logger);

  const sigset_t sigs = block_daemon_signals();

  auto server = io::Dns64Server::start(cfg);
  if (!server) {
    spdlog::error("{}", server.error());
    return 1;
  }
  io::Dns64Server* srv = server.value().get();
  auto control = io::ControlServer::start(cfg.control, [srv](std::string_view cmd) -> std::string {
    if (cmd == "stats") return srv->stats_json();
    return "{\"error\":\"unknown command; try stats\"}\n";
  });
  if (!control) {
    spdlog::error("{}", control.error());
    return 1;
  }
  std::string listen, ups, allow;
  for (auto& l : cfg.listen) listen += (listen.empty() ? "" : ", ") + l.str();
  for (auto& u : cfg.upstreams) ups += (ups.empty() ? "" : ", ") + u.str();
  for (auto& a : cfg.allow) allow += (allow.empty() ? "" : ", ") + a.str();
  spdlog::info("listening on {} ({} thread{}), prefix {}, upstream {}, clients {}", listen, cfg.threads,
               cfg.threads == 1 ? "" : "s", cfg.settings.prefix.str(), ups, allow);
  int sig = 0;
  do {
    sigwait(&sigs, &sig);
  } while (sig == SIGHUP);
  spdlog::info("signal {}: stopping", sig);
  return 0;
}

int run_dns64_stats(bool json, const std::string& path) {
  auto reply = io::control_request(path, "stats");
  if (!reply) {
    std::fprintf(stderr, "sixfour dns64 stats: %s\n", reply.error().c_str());
    return 1;
  }
  if (json) {
    std::fputs(reply->c_str(), stdout);
    return 0;
  }
  auto kv = io::flatten_json(*reply);
  if (!kv) {
    std::fprintf(stderr, "sixfour dns64 stats: %s: %s\n", path.c_str(), kv.error().c_str());
    return 1;
  }
  if (kv->count("error")) {
    std::fprintf(stderr, "sixfour dns64 stats: %s\n", kv->at("error").c_str());
    return 1;
  }
  std::string out;
  for (const auto& [k, v] : *kv) out += fmt::format("{:<28}{:>14}\n", k, v);
  std::fputs(out.c_str(), stdout);
  return 0;
}

struct Dns64Cli {
  std::vector<std::string> listen, upstream, exclude, allow;
  std::string prefix, threads, cache_size, control, config_file;
  CLI::Option *o_listen, *o_upstream, *o_exclude, *o_allow, *o_prefix, *o_threads, *o_cache, *o_control;
  CLI::App* stats = nullptr;
  bool stats_json = false;
  std::string stats_control = "/run/sixfour/dns64.sock";
};

Dns64Cli& dns64_cli() {
  static Dns64Cli c;
  return c;
}

CLI::App* add_dns64(CLI::App& app) {
  Dns64Cli& c = dns64_cli();
  CLI::App* cmd = app.add_subcommand("dns64",
                                     "Run a DNS64 server (RFC 6147): forwards to recursive resolvers and synthesizes "
                                     "AAAA records from A records with an RFC 6052 prefix.");
  cmd->require_subcommand(0, 1);
  c.o_listen = cmd->add_option("--listen", c.listen,
                               "address to serve on, ADDR:PORT or [V6]:PORT, repeatable (default "
                               "[::1]:53 and 127.0.0.1:53)")
                   ->type_name("ADDR:PORT");
  c.o_upstream = cmd->add_option("--upstream", c.upstream,
                                 "recursive resolver to forward to, repeatable, tried in order "
                                 "with failover (default: nameservers of /etc/resolv.conf)")
                     ->type_name("ADDR:PORT");
  c.o_prefix = cmd->add_option("--prefix", c.prefix, "RFC 6052 prefix (default 64:ff9b::/96)")->type_name("PREFIX");
  c.o_exclude = cmd->add_option("--exclude", c.exclude,
                                "AAAA records inside this IPv6 prefix count as absent, repeatable "
                                "(::ffff:0:0/96 always does)")
                    ->type_name("PREFIX");
  c.o_allow = cmd->add_option("--allow", c.allow,
                              "clients allowed to query, repeatable; others get REFUSED (default: "
                              "loopback and this host's on-link networks)")
                  ->type_name("CIDR");
  c.o_threads = cmd->add_option("--threads", c.threads, "server threads (default: one per core)")->type_name("N");
  c.o_cache = cmd->add_option("--cache-size", c.cache_size, "answer cache size in MiB (default 64)")->type_name("MIB");
  c.o_control =
      cmd->add_option("--control", c.control, "control socket (default /run/sixfour/dns64.sock)")->type_name("PATH");
  cmd->add_option("--config", c.config_file,
                  "TOML file with the same settings (keys listen, upstream, prefix, exclude, allow, "
                  "threads, cache-size, control); command-line flags override it")
      ->type_name("FILE");
  cmd->footer(
      "Example: sixfour dns64 --listen [2001:db8:6::1]:53 --upstream 198.51.100.2:53 "
      "--prefix 2001:db8:64::/96 --allow 2001:db8:6::/64");
  c.stats = cmd->add_subcommand("stats", "Print the counters of a running `sixfour dns64`.");
  c.stats->add_flag("--json", c.stats_json, "print the daemon's JSON as is");
  c.stats->add_option("--control", c.stats_control, "control socket path (default /run/sixfour/dns64.sock)")
      ->type_name("PATH");
  return cmd;
}

int run_dns64_command() {
  Dns64Cli& c = dns64_cli();
  if (c.stats->parsed()) return run_dns64_stats(c.stats_json, c.stats_control);

  dns64::ConfigInput file_in;
  if (!c.config_file.empty()) {
    auto text = read_option_file("--config", c.config_file);
    if (!text) return config_error("sixfour dns64", text.error());
    auto parsed = dns64::parse_toml(*text, c.config_file);
    if (!parsed) return config_error("sixfour dns64", parsed.error());
    file_in = std::move(parsed).value();
  }
  dns64::ConfigInput cli_in;
  if (c.o_listen->count()) cli_in.listen.set(c.listen);
  if (c.o_upstream->count()) cli_in.upstream.set(c.upstream);
  if (c.o_prefix->count()) cli_in.prefix.set(c.prefix);
  if (c.o_exclude->count()) cli_in.exclude.set(c.exclude);
  if (c.o_allow->count()) cli_in.allow.set(c.allow);
  if (c.o_threads->count()) cli_in.threads.set(c.threads);
  if (c.o_cache->count()) cli_in.cache_size.set(c.cache_size);
  if (c.o_control->count()) cli_in.control.set(c.control);

  dns64::Defaults d;
  {
    std::ifstream rc("/etc/resolv.conf");
    std::stringstream ss;
    ss << rc.rdbuf();
    d.upstreams = dns64::parse_resolv_conf(ss.str());
  }
  d.allow = local_networks();
  d.threads = std::max(1u, std::thread::hardware_concurrency());
  auto cfg = dns64::validate(dns64::merge(std::move(file_in), cli_in), d);
  if (!cfg) return config_error("sixfour dns64", cfg.error());
  return run_dns64(*cfg);
}

[[maybe_unused]] const bool registered = register_command({30, add_dns64, run_dns64_command});

}  // namespace

}  // namespace sixfour::cli
