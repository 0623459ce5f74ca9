#include "cli/nat64_query.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "cli/daemon.hpp"
#include "io/sys/control.hpp"

namespace sixfour::cli {

namespace {

// One member of an object as text: strings without quotes, numbers as written, "-" if absent.
std::string text(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key)) return "-";
  const auto& v = obj[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

uint64_t number(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_number_unsigned()) return 0;
  return obj[key].get<uint64_t>();
}

std::string addr_port(const nlohmann::json& obj, const char* addr, const char* port) {
  return text(obj, addr) + "#" + text(obj, port);
}

nlohmann::json rows(const nlohmann::json& doc) { return doc.is_array() ? doc : nlohmann::json::array(); }

std::string format_sessions(const nlohmann::json& doc) {
  std::string out = fmt::format("{:<6}{:<36}{:<24}{:<24}{:<20}{:>8}\n", "proto", "inside (IPv6)", "outside (pool4)",
                                "remote (IPv4)", "state", "expires");
  const nlohmann::json list = rows(doc);
  for (const auto& s : list)
    out += fmt::format("{:<6}{:<36}{:<24}{:<24}{:<20}{:>7}s\n", text(s, "proto"), addr_port(s, "addr6", "port6"),
                       addr_port(s, "addr4", "port4"), addr_port(s, "remote4", "remote_port4"), text(s, "state"),
                       (number(s, "expires_in_ms") + 999) / 1000);
  out += fmt::format("{} session{}\n", list.size(), list.size() == 1 ? "" : "s");
  return out;
}

std::string format_bib(const nlohmann::json& doc) {
  std::string out =
      fmt::format("{:<6}{:<36}{:<24}{:<8}{:>9}\n", "proto", "inside (IPv6)", "outside (pool4)", "kind", "sessions");
  const nlohmann::json list = rows(doc);
  for (const auto& b : list)
    out += fmt::format("{:<6}{:<36}{:<24}{:<8}{:>9}\n", text(b, "proto"), addr_port(b, "addr6", "port6"),
                       addr_port(b, "addr4", "port4"), text(b, "static") == "true" ? "static" : "dynamic",
                       text(b, "sessions"));
  out += fmt::format("{} BIB entr{}\n", list.size(), list.size() == 1 ? "y" : "ies");
  return out;
}

}  // namespace

void use_fast_path(io::Nat64Daemon& d, const FastPathStage<io::Nat64FastPath>& fast) {
  d.set_fast_path(fast.path ? &fast.path->sink() : nullptr, [&fast] { return fast.stats(); });
}

CommandTable nat64_commands(const io::Nat64Daemon& nat64) {
  CommandTable t;
  t.add("stats", [&nat64] { return nat64.stats_json(); });
  t.add("sessions", [&nat64] { return nat64.sessions_json(); });
  t.add("bib", [&nat64] { return nat64.bib_json(); });
  return t;
}

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

int print_nat64_stats(const std::string& who, const std::string& path, bool json) {
  return io::control_command(who, path, "stats", json,
                             [](const nlohmann::json& doc) { return format_nat64_stats(flatten(doc)); });
}

std::string format_nat64_stats(const std::map<std::string, std::string>& m) {
  const CounterTable table(m, 26, 14, 12);
  std::string out = table.head();
  auto row = [&](const std::string& label, const std::string& key) { out += table.row(label, key); };
  // Well-known rows first, in a reading order; then whatever else the translator counts.
  const std::pair<const char*, const char*> known[] = {
      {"IPv4 received", "in4"},
      {"IPv6 received", "in6"},
      {"IPv4 sent", "out4"},
      {"IPv6 sent", "out6"},
      {"ICMP errors sent", "icmp-errors-sent"},
      {"ICMP errors rate-limited", "icmp-errors-limited"},
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
  return out + format_fast_path(m);
}

int print_nat64_sessions(const std::string& who, const std::string& path, bool json) {
  return io::control_command(who, path, "sessions", json, format_sessions);
}

int print_nat64_bib(const std::string& who, const std::string& path, bool json) {
  return io::control_command(who, path, "bib", json, format_bib);
}

}  // namespace sixfour::cli
