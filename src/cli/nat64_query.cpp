#include "cli/nat64_query.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "io/sys/control.hpp"
#include "io/dataplane/stats.hpp"

namespace sixfour::cli {

namespace {

std::string get(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? "-" : it->second;
}

std::string addr_port(const std::string& addr, const std::string& port) { return addr + "#" + port; }

}  // namespace

CLI::App* add_nat64_query(CLI::App* parent, const char* name, const char* what, const char* default_tun,
                          Nat64Query& q) {
  CLI::App* sub = parent->add_subcommand(name, what);
  sub->add_flag("--json", q.json, "print the daemon's JSON as is");
  auto* t = sub->add_option("--tun", q.tun, fmt::format("TUN device of the daemon (default {})", default_tun))
                ->type_name("NAME");
  auto* c = sub->add_option("--control", q.control, "control socket path")->type_name("PATH");
  t->excludes(c);
  return sub;
}

int ask_nat64(const std::string& who, const std::string& path, const char* command, bool json,
              std::map<std::string, std::string>& kv) {
  auto reply = io::control_request(path, command);
  if (!reply) {
    std::fprintf(stderr, "%s: %s\n", who.c_str(), reply.error().c_str());
    return 1;
  }
  auto flat = io::flatten_json(*reply);
  if (!flat) {
    std::fprintf(stderr, "%s: %s: %s\n", who.c_str(), path.c_str(), flat.error().c_str());
    return 1;
  }
  if (flat->count("error")) {
    std::fprintf(stderr, "%s: %s\n", who.c_str(), flat->at("error").c_str());
    return 1;
  }
  if (json) {
    std::fputs(reply->c_str(), stdout);
    return -1;  // printed
  }
  kv = std::move(flat).value();
  return 0;
}

int print_nat64_stats(const std::string& who, const std::string& path, bool json) {
  std::map<std::string, std::string> m;
  if (int rc = ask_nat64(who, path, "stats", json, m); rc != 0) return rc < 0 ? 0 : rc;
  std::fputs(format_nat64_stats(m).c_str(), stdout);
  return 0;
}

std::string format_nat64_stats(const std::map<std::string, std::string>& m) {
  const unsigned workers = static_cast<unsigned>(std::stoul(get(m, "workers") == "-" ? "0" : get(m, "workers")));
  const uint64_t up = std::stoull(get(m, "uptime_seconds") == "-" ? "0" : get(m, "uptime_seconds"));
  std::string out = fmt::format("{}: {} worker{}, offloads {}, up {}h{:02}m{:02}s\n", get(m, "tun"), workers,
                                workers == 1 ? "" : "s", get(m, "offloads"), up / 3600, up / 60 % 60, up % 60);
  const bool per_worker = workers > 1;
  auto row = [&](const std::string& label, const std::string& key) {
    out += fmt::format("{:<26}{:>14}", label, get(m, key));
    if (per_worker)
      for (unsigned w = 0; w < workers; ++w)
        out += fmt::format("{:>12}", get(m, fmt::format("per_worker.{}.{}", w, key)));
    out += '\n';
  };
  out += fmt::format("{:<26}{:>14}", "", "total");
  if (per_worker)
    for (unsigned w = 0; w < workers; ++w) out += fmt::format("{:>12}", fmt::format("worker {}", w));
  out += '\n';
  // Well-known rows first, in a reading order; then whatever else the translator counts.
  const std::pair<const char*, const char*> known[] = {
      {"IPv4 received", "in4"},
      {"IPv6 received", "in6"},
      {"IPv4 sent", "out4"},
      {"IPv6 sent", "out6"},
      {"ICMP errors sent", "icmp-errors-sent"},
      {"hairpinned", "hairpinned"},
      {"dropped", "dropped"},
      {"read errors", "read_errors"},
      {"write errors", "write_errors"},
      {"super-packets whole", "super_packets"},
      {"super-packets split", "segmented"},
      {"segments", "segments"},
      {"checksums finished", "csum_finished"},
      {"UDP trains written", "udp_trains"},
      {"datagrams in trains", "udp_coalesced"},
  };
  std::vector<std::string> shown;
  for (const auto& [label, key] : known) {
    if (!m.count(key)) continue;
    row(label, key);
    shown.push_back(key);
  }
  static const std::vector<std::string> meta = {"tun", "workers", "offloads", "uptime_seconds", "wakeups"};
  for (const auto& [key, v] : m) {
    if (key.find('.') != std::string::npos) continue;
    if (std::find(shown.begin(), shown.end(), key) != shown.end()) continue;
    if (std::find(meta.begin(), meta.end(), key) != meta.end()) continue;
    row(key, key);
  }
  out += "drops by reason:\n";
  for (const auto& [key, v] : m)
    if (key.rfind("drops.", 0) == 0) out += fmt::format("  {:<24}{:>14}\n", key.substr(6), v);
  out += "state (BIB, sessions, pool4):\n";
  for (const auto& [key, v] : m)
    if (key.rfind("state.", 0) == 0) out += fmt::format("  {:<24}{:>14}\n", key.substr(6), v);
  return out;
}

int print_nat64_sessions(const std::string& who, const std::string& path, bool json) {
  std::map<std::string, std::string> m;
  if (int rc = ask_nat64(who, path, "sessions", json, m); rc != 0) return rc < 0 ? 0 : rc;
  std::string out = fmt::format("{:<6}{:<36}{:<24}{:<24}{:<20}{:>8}\n", "proto", "inside (IPv6)", "outside (pool4)",
                                "remote (IPv4)", "state", "expires");
  size_t n = 0;
  for (;; ++n) {
    const std::string p = fmt::format("{}.", n);
    if (!m.count(p + "proto")) break;
    const uint64_t ms = std::stoull(get(m, p + "expires_in_ms") == "-" ? "0" : get(m, p + "expires_in_ms"));
    out += fmt::format(
        "{:<6}{:<36}{:<24}{:<24}{:<20}{:>7}s\n", get(m, p + "proto"),
        addr_port(get(m, p + "addr6"), get(m, p + "port6")), addr_port(get(m, p + "addr4"), get(m, p + "port4")),
        addr_port(get(m, p + "remote4"), get(m, p + "remote_port4")), get(m, p + "state"), (ms + 999) / 1000);
  }
  out += fmt::format("{} session{}\n", n, n == 1 ? "" : "s");
  std::fputs(out.c_str(), stdout);
  return 0;
}

int print_nat64_bib(const std::string& who, const std::string& path, bool json) {
  std::map<std::string, std::string> m;
  if (int rc = ask_nat64(who, path, "bib", json, m); rc != 0) return rc < 0 ? 0 : rc;
  std::string out =
      fmt::format("{:<6}{:<36}{:<24}{:<8}{:>9}\n", "proto", "inside (IPv6)", "outside (pool4)", "kind", "sessions");
  size_t n = 0;
  for (;; ++n) {
    const std::string p = fmt::format("{}.", n);
    if (!m.count(p + "proto")) break;
    out += fmt::format("{:<6}{:<36}{:<24}{:<8}{:>9}\n", get(m, p + "proto"),
                       addr_port(get(m, p + "addr6"), get(m, p + "port6")),
                       addr_port(get(m, p + "addr4"), get(m, p + "port4")),
                       get(m, p + "static") == "true" ? "static" : "dynamic", get(m, p + "sessions"));
  }
  out += fmt::format("{} BIB entr{}\n", n, n == 1 ? "y" : "ies");
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace sixfour::cli
