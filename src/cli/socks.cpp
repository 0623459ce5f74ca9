// `sixfour socks`: the SOCKS5/SOCKS4a proxy, `sixfour socks stats` and `sixfour socks hash-password`.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "io/sys/local_networks.hpp"
#include "io/socks/server.hpp"
#include "socks/config.hpp"
#include "socks/users.hpp"

namespace sixfour::cli {

namespace {

struct SocksCli {
  std::vector<std::string> listen, allow;
  std::string users, nat64, control, idle, handshake, max_per_client, workers, config_file;
  bool deny_private = false, log = false;
  CLI::Option *o_listen, *o_allow, *o_users, *o_nat64, *o_control, *o_idle, *o_hs, *o_mpc, *o_workers, *o_deny, *o_log;
  CLI::App *stats = nullptr, *hash = nullptr;
  bool stats_json = false;
  std::string stats_control;
};

SocksCli& socks_cli() {
  static SocksCli c;
  return c;
}

CLI::App* add_socks(CLI::App& app) {
  SocksCli& c = socks_cli();
  CLI::App* s = app.add_subcommand(
      "socks", "Run a SOCKS5 (RFC 1928/1929) and SOCKS4/4a proxy with Happy Eyeballs and NAT64 awareness.");
  s->require_subcommand(0, 1);
  c.o_listen = s->add_option("--listen", c.listen,
                             "address to listen on, IPV4:PORT or [IPV6]:PORT (repeatable; "
                             "default 127.0.0.1:1080 and [::1]:1080)")
                   ->type_name("ADDR:PORT");
  c.o_users = s->add_option("--users", c.users,
                            "require RFC 1929 username/password; FILE has user:hash lines "
                            "(hash from `sixfour socks hash-password`)")
                  ->type_name("FILE");
  c.o_allow = s->add_option("--allow", c.allow,
                            "only clients inside these prefixes (repeatable; default: loopback and this host's own "
                            "networks, or everyone when --users is set)")
                  ->type_name("CIDR");
  c.o_deny = s->add_flag("--deny-private", c.deny_private,
                         "refuse targets in loopback, RFC 1918, link-local, ULA and similar ranges");
  c.o_nat64 = s->add_option("--nat64-prefix", c.nat64,
                            "reach IPv4 targets through PREFIX::a.b.c.d too (RFC 6052), or discover "
                            "the prefix with ipv4only.arpa (RFC 7050)")
                  ->type_name("PREFIX|auto");
  c.o_control =
      s->add_option("--control", c.control, "control socket (default /run/sixfour/socks-PORT.sock)")->type_name("PATH");
  c.o_idle = s->add_option("--idle-timeout", c.idle, "close relays idle this long (default 300)")->type_name("SECONDS");
  c.o_hs = s->add_option("--handshake-timeout", c.handshake,
                         "drop clients that do not finish the handshake "
                         "in time (default 10)")
               ->type_name("SECONDS");
  c.o_mpc = s->add_option("--max-per-client", c.max_per_client,
                          "concurrent connections per client address (default 256, 0 = no limit)")
                ->type_name("N");
  c.o_workers = s->add_option("--workers", c.workers, "threads (default one per core)")->type_name("N");
  c.o_log = s->add_flag("--log-connections", c.log, "log client, target, bytes and duration of each connection");
  s->add_option("--config", c.config_file,
                "TOML file with the same keys (listen = [...], users, allow = [...], deny-private, "
                "nat64-prefix, control, idle-timeout, handshake-timeout, max-per-client, workers, "
                "log-connections); command-line flags override it")
      ->type_name("FILE");
  s->footer(
      "Example: sixfour socks --listen '[2001:db8:6::1]:1080' --nat64-prefix auto\n"
      "Users file: printf '%s' 'secret' | sixfour socks hash-password  -> append 'alice:<hash>'");

  c.stats = s->add_subcommand("stats", "Print the counters of a running `sixfour socks`.");
  c.stats->add_flag("--json", c.stats_json, "print the daemon's JSON as is");
  c.stats->add_option("--control", c.stats_control, "control socket (default /run/sixfour/socks-1080.sock)")
      ->type_name("PATH");
  c.hash = s->add_subcommand("hash-password",
                             "Read a password (first line of stdin) and print its salted crypt(3) hash "
                             "(yescrypt) for a --users file.");
  return s;
}

int run_hash_password() {
  std::string pw;
  if (::isatty(0)) std::fprintf(stderr, "password: ");
  std::getline(std::cin, pw);
  if (pw.empty()) return config_error("sixfour socks hash-password", "empty password on stdin");
  if (pw.size() > 255)
    return config_error("sixfour socks hash-password", "password longer than 255 bytes (RFC 1929 PLEN)");
  auto h = io::socks_hash_password(pw);
  if (!h) {
    std::fprintf(stderr, "sixfour socks hash-password: %s\n", h.error().c_str());
    return 1;
  }
  std::printf("%s\n", h->c_str());
  return 0;
}

int run_socks_command() {
  SocksCli& c = socks_cli();
  if (c.stats->parsed())
    return io::socks_stats(c.stats_control.empty() ? "/run/sixfour/socks-1080.sock" : c.stats_control, c.stats_json);
  if (c.hash->parsed()) return run_hash_password();

  socks::ConfigInput file_in;
  if (!c.config_file.empty()) {
    auto text = read_option_file("--config", c.config_file);
    if (!text) return config_error("sixfour socks", text.error());
    auto parsed = socks::parse_toml(*text, c.config_file);
    if (!parsed) return config_error("sixfour socks", parsed.error());
    file_in = std::move(parsed).value();
  }
  socks::ConfigInput in;
  if (c.o_listen->count()) in.listen.set(c.listen);
  if (c.o_users->count()) in.users.set(c.users);
  if (c.o_allow->count()) in.allow.set(c.allow);
  if (c.o_deny->count()) in.deny_private.set(true);
  if (c.o_nat64->count()) in.nat64_prefix.set(c.nat64);
  if (c.o_control->count()) in.control.set(c.control);
  if (c.o_idle->count()) in.idle_timeout.set(c.idle);
  if (c.o_hs->count()) in.handshake_timeout.set(c.handshake);
  if (c.o_mpc->count()) in.max_per_client.set(c.max_per_client);
  if (c.o_workers->count()) in.workers.set(c.workers);
  if (c.o_log->count()) in.log_connections.set(true);
  auto cfg = socks::validate(socks::merge(std::move(file_in), in));
  if (!cfg) return config_error("sixfour socks", cfg.error());

  std::vector<socks::UserEntry> users;
  if (!cfg->users_file.empty()) {
    auto text = read_option_file("--users", cfg->users_file);
    if (!text) return config_error("sixfour socks", text.error());
    auto u = socks::parse_users(*text, cfg->users_file);
    if (!u) return config_error("sixfour socks", u.error());
    if (u->empty())
      return config_error("sixfour socks", fmt::format("--users \"{}\": no users in it", cfg->users_file));
    users = std::move(u).value();
  }
  auto logger = spdlog::stderr_logger_mt("sixfour-socks");
  logger->set_pattern("sixfour socks: %v");
  spdlog::set_default_logger(logger);
  socks::Settings run_cfg = *cfg;
  // Never an open proxy by accident: without --allow and without --users, only clients on loopback
  // and on this host's own networks are served.
  if (run_cfg.allow.empty() && users.empty()) {
    for (const std::string& cidr : io::local_networks())
      if (auto p = IpPrefix::parse(cidr)) run_cfg.allow.push_back(*p);
  }
  return io::run_socks(run_cfg, std::move(users));
}

[[maybe_unused]] const bool registered = register_command({40, add_socks, run_socks_command});

}  // namespace

}  // namespace sixfour::cli
