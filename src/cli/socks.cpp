// `sixfour socks`: the SOCKS5/SOCKS4a proxy, `sixfour socks stats` and `sixfour socks hash-password`.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/daemon_options.hpp"
#include "io/sys/local_networks.hpp"
#include "io/socks/server.hpp"
#include "socks/config.hpp"
#include "socks/users.hpp"

namespace sixfour::cli {

namespace {

struct SocksCli {
  DaemonOptions<socks::ConfigInput> opts{socks::settings(), socks::parse_toml};
  CLI::App *stats = nullptr, *hash = nullptr;
  bool stats_json = false;
  std::string stats_control;
};

CLI::App* add_socks(CLI::App& app) {
  SocksCli& c = command_state<SocksCli>();
  CLI::App* s = c.opts.add_command(
      app, "socks", "Run a SOCKS5 (RFC 1928/1929) and SOCKS4/4a proxy with Happy Eyeballs and NAT64 awareness.",
      "Example: sixfour socks --listen '[2001:db8:6::1]:1080' --nat64-prefix auto\n"
      "Users file: printf '%s' 'secret' | sixfour socks hash-password  -> append 'alice:<hash>'\n"
      "SIGHUP reads the users file again (a broken one keeps the running users).");
  c.stats = add_stats_query(s, "Print the counters of a running `sixfour socks`.", c.stats_json, c.stats_control,
                            "control socket (default /run/sixfour/socks-1080.sock)");
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

int start_socks(const socks::Settings& cfg);

int run_socks_command() {
  SocksCli& c = command_state<SocksCli>();
  if (c.stats->parsed())
    return io::socks_stats(c.stats_control.empty() ? "/run/sixfour/socks-1080.sock" : c.stats_control, c.stats_json);
  if (c.hash->parsed()) return run_hash_password();

  return run_daemon_command(c.opts, "sixfour socks", socks::validate, socks::render_toml, start_socks);
}

// The users of the --users file; an error names the file (an empty one is an error too).
Result<std::vector<socks::UserEntry>> read_users(const std::string& file) {
  auto text = read_option_file("--users", file);
  if (!text) return Error{text.error()};
  auto u = socks::parse_users(*text, file);
  if (!u) return Error{u.error()};
  if (u->empty()) return Error{fmt::format("--users \"{}\": no users in it", file)};
  return u;
}

// The validated settings: read the users file, then serve (SIGHUP reads it again).
int start_socks(const socks::Settings& cfg) {
  std::vector<socks::UserEntry> users;
  io::UsersReader reread;
  if (!cfg.users_file.empty()) {
    auto u = read_users(cfg.users_file);
    if (!u) return config_error("sixfour socks", u.error());
    users = std::move(u).value();
    reread = [file = cfg.users_file] { return read_users(file); };
  }
  socks::Settings run_cfg = cfg;
  // Never an open proxy by accident: without --allow and without --users, only clients on loopback
  // and on this host's own networks are served.
  if (run_cfg.allow.empty() && users.empty()) {
    for (const std::string& cidr : io::local_networks())
      if (auto p = IpPrefix::parse(cidr)) run_cfg.allow.push_back(*p);
  }
  return io::run_socks(run_cfg, std::move(users), std::move(reread));
}

[[maybe_unused]] const bool registered = register_command({40, add_socks, run_socks_command});

}  // namespace

}  // namespace sixfour::cli
